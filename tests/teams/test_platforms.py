"""Timed work goes to the adapter of its place's platform."""

from __future__ import annotations

from bot.platforms import by_platform
from flows.effects import Delivery, Place, Post
from flows.views import Notice


def post(platform: str, text: str) -> Post:
    return Post(Place(platform, "w", "c"), Notice("en", text))


def test_each_effect_goes_to_its_platform_in_order_with_the_options():
    seen: dict[str, list] = {"slack": [], "teams": []}

    def recorder(platform):
        def deliver(effects, **options):
            seen[platform].append(([e.view.text for e in effects], options))
            return ["ratelimited"] if platform == "teams" else []
        return deliver

    delivery = Delivery()
    deliver = by_platform({"slack": recorder("slack"), "teams": recorder("teams")})

    errors = deliver([post("teams", "1"), post("slack", "2"), post("teams", "3")], resend=False, delivery=delivery)

    assert seen["teams"] == [(["1", "3"], {"resend": False, "delivery": delivery})]
    assert seen["slack"] == [(["2"], {"resend": False, "delivery": delivery})]
    assert errors == ["ratelimited"]


def test_a_platform_this_process_does_not_serve_is_refused_not_sent_elsewhere():
    deliver = by_platform({"slack": lambda effects, **options: []})

    assert deliver([post("teams", "1")], resend=False) == ["not_installed"]
