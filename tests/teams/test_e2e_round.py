"""End to end: signed activities into the real app, cards out through the fake Bot Connector.

The app is the real WSGI stack of `goedwerk run` (``/api/messages`` beside ``/healthz``)
on SQLite and PostgreSQL; tokens are minted with keys a fake login host publishes over
HTTPS; the bot's own token comes from that host through msal; every card is checked
against the Adaptive Card schema when the app stops (see ``running_teams``).
"""

from __future__ import annotations

from sqlalchemy import func, select

from bot.teams.conversations import conversations
from flows.store.models import Contribution
from tests.teams import activities
from tests.teams.activities import CHANNEL
from tests.teams.conftest import OTHER_TENANT, running_teams


def started(app) -> tuple:
    """Start round 3 by mention; the kickoff post and the first prompt post."""
    assert app.send(activities.mention(app.connector.service_url, "start 3")) == 202
    kickoff, prompt = app.connector.top_level(CHANNEL)
    return kickoff, prompt


def started_in_body(app) -> tuple:
    """Start round 3 with a confirmed plan of one body step (Actions), whose contributions show at once
    (the kop holds its contributions until it ends); the kickoff post and the Actions prompt post."""
    command = "start 3 plan=handelingen=1h bevestig"
    assert app.send(activities.mention(app.connector.service_url, command)) == 202
    kickoff, intro, prompt = app.connector.top_level(CHANNEL)
    assert intro.texts[0].startswith("Now we explore") and prompt.texts[0] == "Actions"
    return kickoff, prompt


def test_start_by_mention_posts_the_kickoff_and_the_first_prompt_as_new_posts(teams_app):
    kickoff, prompt = started(teams_app)

    assert kickoff.texts[0].startswith("3. ") and "Round 1 · running" in kickoff.texts
    assert any("facilitator: <at>Alice</at>" in text for text in kickoff.texts)
    assert kickoff.card["msteams"]["entities"] == [{"type": "mention", "text": "<at>Alice</at>",
                                                    "mentioned": {"id": "29:1alice", "name": "Alice"}}]
    assert prompt.texts[0] == "Head (your own experiences)"
    assert [button["title"] for button in prompt.card["actions"]] == ["Contribute", "Nothing to add"]
    assert teams_app.connector.calls[0] == ("POST", "v3/conversations")


def test_nothing_to_add_is_confirmed_in_the_1_to_1_chat_and_the_kickoff_updated_in_place(teams_app):
    kickoff, prompt = started(teams_app)
    pass_button = next(b for b in prompt.card["actions"] if b["title"] == "Nothing to add")

    status = teams_app.send(activities.click(teams_app.connector.service_url, prompt.activity_id,
                                             pass_button["data"], user="29:1bob", name="Bob"))

    assert status == 202
    (confirmation,) = teams_app.connector.chat("29:1bob")
    assert confirmation.texts[0].startswith("Noted: nothing to add")
    assert kickoff.versions, "the kickoff was not updated in place"
    assert any("Participants: 1" in text for text in kickoff.texts)
    assert teams_app.connector.calls[-1][0] == "PUT"


def test_a_contribution_is_a_reply_in_the_prompts_thread(teams_app):
    kickoff, prompt = started_in_body(teams_app)

    status = teams_app.send(activities.mention(teams_app.connector.service_url,
                                               "contribute handelingen anonymous We shipped on time &amp; together.",
                                               user="29:1carol", name="Carol"))

    assert status == 202
    (reply,) = teams_app.connector.replies(CHANNEL, prompt.activity_id)
    assert reply.texts[:2] == ["anonymous", "We shipped on time & together."]
    assert "Carol" not in str(reply.activity)
    with teams_app.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Contribution)) == 1
    assert any("Actions 1" in text for text in kickoff.texts)


def test_an_unsigned_activity_is_401_and_nothing_is_stored_or_sent(teams_app, caplog):
    activity = activities.mention(teams_app.connector.service_url, "start 3")

    assert teams_app.send(activity, tenant_token=False) == 401
    assert teams_app.send(activity, token="not.a.token") == 401

    assert teams_app.connector.calls == []
    with teams_app.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(conversations)) == 0
    assert "start 3" not in caplog.text
    assert "no Authorization header" in caplog.text


def test_a_second_tenant_is_refused(teams_app):
    activity = activities.mention(teams_app.connector.service_url, "start 3", tenant=OTHER_TENANT)

    assert teams_app.send(activity) == 403

    assert teams_app.connector.calls == []
    with teams_app.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(conversations)) == 0


def test_a_token_for_another_service_url_is_401(teams_app):
    activity = activities.mention(teams_app.connector.service_url, "start 3")
    token = teams_app.login.token(audience="00000000-0000-0000-0000-00000000b07a",
                                  service_url="https://elsewhere.example/")

    assert teams_app.send(activity, token=token) == 401
    assert teams_app.connector.calls == []


def test_channel_chatter_without_a_mention_is_ignored(teams_app):
    assert teams_app.send(activities.channel_message(teams_app.connector.service_url, "start 3")) == 202

    assert teams_app.connector.calls == []


def test_in_the_1_to_1_chat_no_mention_is_needed_and_it_points_to_the_channel(teams_app):
    assert teams_app.send(activities.personal(teams_app.connector.service_url, "start 3")) == 202

    (answer,) = teams_app.connector.chat("29:1alice")
    assert "team channel" in answer.texts[0]


def test_unknown_activities_and_invokes_get_an_empty_answer(teams_app):
    service_url = teams_app.connector.service_url

    assert teams_app.send({**activities.install(service_url), "type": "messageReaction"}) == 202
    assert teams_app.send(activities.invoke(service_url, "composeExtension/query", {"x": 1})) == 200
    assert teams_app.last_body == b""
    assert teams_app.connector.calls == []


def test_a_body_that_is_not_an_activity_is_400(teams_app):
    import urllib3

    response = urllib3.request("POST", teams_app.url + "/api/messages", body=b"[1, 2",
                               headers={"Content-Type": "application/json", "Connection": "close"})

    assert response.status == 400


def test_throttled_by_teams_the_kickoff_still_lands_once(teams_app):
    teams_app.connector.throttle(2, retry_after="0.2")

    kickoff, prompt = started(teams_app)

    assert kickoff.texts[0].startswith("3. ")
    assert len(teams_app.connector.top_level(CHANNEL)) == 2  # kickoff and prompt, each once
    # 2 refused, 2 channel posts, the facilitator's 1:1 chat and its guide note
    assert [method for method, _ in teams_app.connector.calls].count("POST") == 6


def test_dutch_commands_get_dutch_cards(db, fake_login, fake_connector):
    with running_teams(db, fake_login, fake_connector, language="nl") as app:
        assert app.send(activities.mention(fake_connector.service_url, "start 3")) == 202

        kickoff, prompt = app.connector.top_level(CHANNEL)
        assert "Ronde 1 · loopt" in kickoff.texts
        assert [button["title"] for button in prompt.card["actions"]] == ["Bijdragen", "Niets toe te voegen"]


def test_the_dispatcher_posts_the_next_steps_prompts_in_teams(teams_app):
    started(teams_app)

    assert teams_app.wait_until(lambda: len(teams_app.connector.top_level(CHANNEL)) >= 4, timeout=20)
    labels = [post.texts[0] for post in teams_app.connector.top_level(CHANNEL)]
    assert labels[2].startswith("Now we explore") and labels[3] == "Actions"  # the body intro, then Actions
