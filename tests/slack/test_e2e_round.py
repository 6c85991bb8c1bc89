"""A whole round through the real Bolt app over HTTP: signed requests in, Web API calls out."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from bot.slack.blocks import read_metadata
from bot.slack.blocks.modals import ACTION_OPTIONS, ACTION_TEXT, BLOCK_OPTIONS, BLOCK_TEXT, OPTION_ANONYMOUS
from flows.store.models import Contribution, MessageRef
from tests.slack.conftest import CHANNEL_POSTS, RunningApp
from tests.slack.signing import (
    CHANNEL_ID,
    block_actions_body,
    event_body,
    slash_command_body,
    view_submission_body,
)

ANNA, BEN = "U0ANNA", "U0BEN"


def texts_of(app: RunningApp, methods=CHANNEL_POSTS) -> str:
    """Everything the channel can see: message text and blocks of posts and updates."""
    return "\n".join(json.dumps(call.params, ensure_ascii=False) for call in app.fake.calls
                     if call.method in methods)


def remembered(app: RunningApp, ts: str) -> bool:
    """Whether the bot has recorded the message at ``ts`` (so it can update or delete it)."""
    with app.db.transaction() as session:
        return session.scalar(select(func.count()).select_from(MessageRef).where(MessageRef.ref == ts)) > 0


def stored_contributions(app: RunningApp) -> int:
    with app.db.transaction() as session:
        return session.scalar(select(func.count()).select_from(Contribution))


def contribution_replies(app: RunningApp, thread_ts: str) -> list:
    """The thread replies under ``thread_ts`` that show a contribution (not the head's reveal notice)."""
    def key(call: Any) -> str:
        return str((call.params.get("metadata") or {}).get("event_payload", {}).get("key", ""))

    return [call for call in app.fake.calls_to("chat.postMessage")
            if call.params.get("thread_ts") == thread_ts and key(call).startswith("contribution:")]


def end_head(app: RunningApp, stories: int, user: str = "U0ANNA") -> None:
    """Once ``stories`` contributions are stored, the facilitator moves on: the head's stories appear."""
    assert app.wait_until(lambda: stored_contributions(app) >= stories)
    assert app.send(slash_command_body(text="volgende", user_id=user))[0] == 200


def open_form(app: RunningApp, user: str, value: str, prompt_ts: str) -> dict:
    assert app.wait_until(lambda: remembered(app, prompt_ts))  # a person sees the prompt after the bot records it
    before = len(app.fake.calls_to("views.open"))
    status, _, _ = app.send(block_actions_body("goedwerk:contribute", value, user_id=user, message_ts=prompt_ts))
    assert status == 200
    assert app.wait_until(lambda: len(app.fake.calls_to("views.open")) > before)
    return as_dict(app.fake.calls_to("views.open")[-1].params["view"])


def as_dict(view) -> dict:
    return json.loads(view) if isinstance(view, str) else view


def submit(app: RunningApp, user: str, view: dict, text: str, anonymous: bool = False, view_id: str = "V1"):
    options = {"type": "checkboxes", "selected_options": (
        [{"value": OPTION_ANONYMOUS, "text": {"type": "plain_text", "text": "anon"}}] if anonymous else [])}
    values = {BLOCK_TEXT: {ACTION_TEXT: text}, BLOCK_OPTIONS: {ACTION_OPTIONS: options}}
    return app.send(view_submission_body("goedwerk:contribute", values, private_metadata=view["private_metadata"],
                                         user_id=user, view_id=view_id))


def test_a_team_completes_a_round_through_modals(slack_app: RunningApp) -> None:
    fake = slack_app.fake
    fake.add_user(ANNA, real_name="Anna de Vries", profile={"display_name": "Anna"})
    fake.add_user(BEN, real_name="Ben Bakker", profile={"display_name": "Ben"})

    status, _, _ = slack_app.send(slash_command_body(text="start 3", user_id=ANNA, channel_id=CHANNEL_ID))
    assert status == 200
    assert slack_app.wait_until(lambda: len(fake.calls_to("chat.postMessage")) >= 2)
    kickoff, prompt = fake.calls_to("chat.postMessage")[:2]
    assert "<!date^" in json.dumps(kickoff.params)  # times in every reader's own zone
    prompt_ts = prompt.response["ts"]

    # Anna contributes with her name, Ben anonymously, through the button and the modal
    view = open_form(slack_app, ANNA, "1:kop", prompt_ts)
    assert read_metadata(view["private_metadata"])["topic"] == "kop"
    assert submit(slack_app, ANNA, view, "We called the province before writing a letter.")[0] == 200
    view = open_form(slack_app, BEN, "1:kop", prompt_ts)
    assert submit(slack_app, BEN, view, "Nobody dared to decide.", anonymous=True, view_id="V2")[0] == 200
    # the head's stories appear together in its thread when the head ends (its time is up)
    assert slack_app.wait_until(lambda: stored_contributions(slack_app) == 2)
    assert not contribution_replies(slack_app, prompt_ts)
    slack_app.advance(timedelta(seconds=3))
    assert slack_app.wait_until(lambda: len(contribution_replies(slack_app, prompt_ts)) == 2, timeout=20)
    # two submissions a moment apart may be worked on side by side: either reply may come first
    replies = sorted((json.dumps(c.params) for c in contribution_replies(slack_app, prompt_ts)),
                     key=lambda text: "Nobody dared" in text)
    assert "Anna" in replies[0]
    assert "We called the province" in replies[0]
    assert "Nobody dared to decide." in replies[1]
    assert "anonymous" in replies[1]
    assert BEN not in replies[1]
    # the kickoff message is kept up to date in place
    assert slack_app.wait_until(lambda: any(c.params.get("ts") == kickoff.response["ts"]
                                            for c in fake.calls_to("chat.update")))

    # the steps open by themselves when their time comes; the round closes and posts the draft
    slack_app.advance(timedelta(minutes=1))
    assert slack_app.wait_until(lambda: "Image of good work" in texts_of(slack_app), timeout=20)
    channel_text = texts_of(slack_app)
    for heading in ("Actions", "Knowledge", "Values and virtues", "Freedom", "Identity"):
        assert heading in channel_text
    # anonymity: Ben's id and names appear in nothing the channel sees
    for secret in (BEN, "Ben Bakker", '"Ben"'):
        assert secret not in channel_text


def test_edit_and_delete_through_the_contribution_menu(slack_app: RunningApp) -> None:
    fake = slack_app.fake
    slack_app.send(slash_command_body(text="start 5 plan=kop=1h,handelingen=1h bevestig", user_id=ANNA))
    assert slack_app.wait_until(lambda: len(fake.calls_to("chat.postMessage")) >= 2)
    prompt_ts = fake.calls_to("chat.postMessage")[1].response["ts"]
    view = open_form(slack_app, ANNA, "1:kop", prompt_ts)
    submit(slack_app, ANNA, view, "First version.")
    end_head(slack_app, 1)
    assert slack_app.wait_until(lambda: contribution_replies(slack_app, prompt_ts))
    reply_ts = contribution_replies(slack_app, prompt_ts)[0].response["ts"]
    # the fake sees the post before the bot hears back and records the reply's ts; a person cannot be that quick
    assert slack_app.wait_until(lambda: remembered(slack_app, reply_ts))

    menu = {"type": "overflow", "action_id": "goedwerk:contribution", "block_id": "b",
            "selected_option": {"value": "edit:1", "text": {"type": "plain_text", "text": "Edit"}}}
    slack_app.send(block_actions_body(action=menu, user_id=ANNA, message_ts=reply_ts))
    assert slack_app.wait_until(lambda: len(fake.calls_to("views.open")) == 2)
    edit_view = as_dict(fake.calls_to("views.open")[-1].params["view"])
    assert "First version." in json.dumps(edit_view)
    status, _, _ = submit(slack_app, ANNA, edit_view, "Second version.", view_id="V9")
    assert status == 200
    assert slack_app.wait_until(lambda: any(c.params.get("ts") == reply_ts and "Second version." in json.dumps(c.params)
                                            for c in fake.calls_to("chat.update")))
    # someone else cannot delete it
    menu["selected_option"]["value"] = "delete:1"
    slack_app.send(block_actions_body(action=menu, user_id=BEN, message_ts=reply_ts,
                                      response_url=fake.response_url("ben")))
    assert slack_app.wait_until(lambda: any("Only the author" in json.dumps(r) for r in fake.responses))
    assert not fake.calls_to("chat.delete")
    slack_app.send(block_actions_body(action=menu, user_id=ANNA, message_ts=reply_ts))
    assert slack_app.wait_until(lambda: any(c.params.get("ts") == reply_ts for c in fake.calls_to("chat.delete")))


def test_a_double_submission_stores_one_contribution(slack_app: RunningApp) -> None:
    fake = slack_app.fake
    slack_app.send(slash_command_body(text="start 1 plan=kop=1h bevestig", user_id=ANNA))
    assert slack_app.wait_until(lambda: len(fake.calls_to("chat.postMessage")) >= 2)
    view = open_form(slack_app, ANNA, "1:kop", fake.calls_to("chat.postMessage")[1].response["ts"])
    for _ in range(2):
        assert submit(slack_app, ANNA, view, "Only once, please.", view_id="VSAME")[0] == 200
    slack_app.settle()
    with slack_app.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Contribution)) == 1


def test_a_retried_event_changes_nothing(slack_app: RunningApp) -> None:
    body = event_body({"type": "app_home_opened", "user": ANNA, "tab": "home"}, event_id="Ev0001")
    for retry in range(2):
        status, _, _ = slack_app.send(body, headers={"X-Slack-Retry-Num": str(retry)} if retry else None)
        assert status == 200
    assert slack_app.wait_until(lambda: len(slack_app.fake.calls_to("views.publish")) == 1)
    slack_app.settle()
    assert len(slack_app.fake.calls_to("views.publish")) == 1


def test_a_persons_name_is_asked_of_slack_once_for_several_contributions(slack_app: RunningApp) -> None:
    fake = slack_app.fake
    assert slack_app.send(slash_command_body(text="start 1 plan=kop=1h bevestig", user_id=ANNA))[0] == 200
    assert slack_app.wait_until(lambda: len(fake.calls_to("chat.postMessage")) >= 2)
    for number in range(3):
        text = f"bijdrage kop Story {number} of mine."
        assert slack_app.send(slash_command_body(text=text, user_id=BEN))[0] == 200
    assert slack_app.wait_until(lambda: stored_contributions(slack_app) == 3)  # the head keeps them private for now
    assert len([call for call in fake.calls_to("users.info") if call.params.get("user") == BEN]) == 1
