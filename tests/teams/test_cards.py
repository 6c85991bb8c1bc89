"""Every view as an Adaptive Card that passes the schema check, and the check itself."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.teams import cards
from flows.views import (
    Choice,
    ConsentRequest,
    ContributionView,
    Coverage,
    DraftSection,
    ImageItem,
    ImageList,
    Notice,
    PromptView,
    PublishedView,
    ReminderView,
    RoundView,
    SituationCard,
    SituationItem,
    SituationList,
    StepInfo,
    SummaryView,
)
from tests.teams.card_schema import CardError, validate_card

ZONE = ZoneInfo("Europe/Amsterdam")
AT = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
VIEWS = [
    Notice("en", "Saved.", choices=(Choice("Status", "status"),)),
    Notice("nl", "Mislukt.", error=True),
    RoundView("en", 1, "active", 3, "Title", "Description", "Question?",
              (StepInfo("kop", "Head", AT, AT, "current"),), (Coverage("kop", "Head", 0),), 0, AT, "29:1a", "kop",
              choices=(Choice("Status", "status"),)),
    PromptView("en", 1, "kop", "Head", "kop", "head", "Intro", ("Q1?",), "A note", AT, "Title",
               (Choice("Contribute", "contribute", "1:kop", True), Choice("Nothing to add", "pass", "1:kop"))),
    ContributionView("en", 40, 1, "kop", "Head", None, "Words", False, ("Courage",), edited=True),
    SituationList("en", (SituationItem(1, "One", "Gist", 2),), (Choice("1. One", "start", "1"),)),
    SituationCard("en", 2, "Two", "Description", "Question?", (("Ex", "Who", "Gist"),), intro="This week"),
    SummaryView("en", 1, "Title", ("A", "B"), "Experience", None, (DraftSection("kop", "Head", (("Q", None),)),),
                (("Courage", 2),), 3, 4, 1, ("Identity",), title_votes=(("A", 1),), narrative="Narrative"),
    ReminderView("en", 1, "19:c@thread.tacv2", "Title", "Head", AT, (Choice("Nothing to add", "pass", "1:kop"),)),
    ConsentRequest("en", 1, "19:c@thread.tacv2", "Title", ("Quote",), AT, (Choice("Yes", "consent", "1:approve"),)),
    ImageList("en", (ImageItem(1, "Image", "Situation", AT, "https://x.example/f/1", "19:c"),)),
    ImageList("en", ()),
    PublishedView("en", "Image", "Situation", AT, "Experience", "Ann", "Narrative", (("Head", "Text"),),
                  ("Courage",), ("Ann",), "https://x.example/f/1"),
]


@pytest.mark.parametrize("view", VIEWS, ids=lambda view: type(view).__name__)
def test_every_view_is_a_valid_card(view):
    summary, card = cards.card(view, ZONE)

    validate_card(card)
    assert summary and len(summary) <= 200


def test_a_form_button_opens_a_dialog_and_buttons_in_a_private_chat_name_their_channel():
    _, prompt = cards.card(VIEWS[3], ZONE)
    _, reminder = cards.card(VIEWS[8], ZONE)

    assert prompt["actions"][0]["data"] == {"msteams": {"type": "task/fetch"}, "goedwerk": "contribute",
                                            "value": "1:kop"}
    assert reminder["actions"][0]["data"]["channel"] == "19:c@thread.tacv2"


def test_moments_show_in_each_readers_time_zone():
    _, card = cards.card(VIEWS[3], ZONE)

    assert "{{DATE(2026-12-07T09:00:00Z, SHORT)}} {{TIME(2026-12-07T09:00:00Z)}}" in str(card)


@pytest.mark.parametrize("broken", [
    {"type": "AdaptiveCard", "version": "1.6", "body": []},
    {"type": "AdaptiveCard", "version": "1.5", "body": [{"type": "Marquee", "text": "x"}]},
    {"type": "AdaptiveCard", "version": "1.5", "body": [{"type": "TextBlock", "txet": "x"}]},
    {"type": "AdaptiveCard", "version": "1.5", "body": [{"type": "TextBlock", "text": "x", "size": "Huge"}]},
    {"type": "AdaptiveCard", "version": "1.5", "body": [{"type": "Input.Text"}]},
    {"type": "AdaptiveCard", "version": "1.5", "body": [], "actions": [{"type": "Action.Submit"}]},
    {"type": "AdaptiveCard", "version": "1.5", "body": [{"type": "TextBlock", "text": "x" * 30000}]},
])
def test_the_schema_check_refuses_what_teams_would(broken):
    with pytest.raises(CardError):
        validate_card(broken)
