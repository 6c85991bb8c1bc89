"""The start modal, the App Home and the message shortcuts, end to end over HTTP."""

from __future__ import annotations

import json

from bot.slack.blocks.home import HOME_DELETE, HOME_EDIT
from bot.slack.blocks.start import ACTION_SITUATION, BLOCK_SITUATION
from bot.slack.listeners.shortcuts import DELETE_SHORTCUT, EDIT_SHORTCUT
from tests.harness import content
from tests.slack.conftest import RunningApp
from tests.slack.signing import (
    CHANNEL_ID,
    block_actions_body,
    event_body,
    message_shortcut_body,
    slash_command_body,
)
from tests.slack.test_e2e_round import ANNA, BEN, as_dict, contribution_replies, end_head, open_form, remembered, submit


def start_with_one_contribution(app: RunningApp, text: str = "Our story.") -> str:
    """Start a round, let Anna contribute to the head; returns the ts of her thread reply."""
    fake = app.fake
    app.send(slash_command_body(text="start 9 plan=kop=1h,handelingen=1h bevestig", user_id=ANNA))
    assert app.wait_until(lambda: len(fake.calls_to("chat.postMessage")) >= 2)
    prompt_ts = fake.calls_to("chat.postMessage")[1].response["ts"]
    submit(app, ANNA, open_form(app, ANNA, "1:kop", prompt_ts), text)
    end_head(app, 1)  # the head's stories appear when it ends
    assert app.wait_until(lambda: contribution_replies(app, prompt_ts))
    reply_ts = contribution_replies(app, prompt_ts)[0].response["ts"]
    assert app.wait_until(lambda: remembered(app, reply_ts))  # the bot notes where its reply landed just after
    return reply_ts


def test_start_without_a_number_opens_the_choice_modal(slack_app: RunningApp) -> None:
    fake = slack_app.fake
    slack_app.send(slash_command_body(text="start", user_id=ANNA))
    assert slack_app.wait_until(lambda: fake.calls_to("views.open"))
    modal = as_dict(fake.last("views.open").params["view"])
    assert modal["callback_id"] == "goedwerk:start"
    options = json.dumps(modal, ensure_ascii=False)
    assert content().situation(1).title.en[:30] in options
    assert "random" in options.lower()
    values = {BLOCK_SITUATION: {ACTION_SITUATION: {"type": "static_select", "selected_option": {
        "value": "4", "text": {"type": "plain_text", "text": "4"}}}}}
    from tests.slack.signing import view_submission_body

    status, _, _ = slack_app.send(view_submission_body("goedwerk:start", values,
                                                       private_metadata=modal["private_metadata"], user_id=ANNA))
    assert status == 200
    assert slack_app.wait_until(lambda: len(fake.calls_to("chat.postMessage")) >= 2)
    kickoff = json.dumps(fake.calls_to("chat.postMessage")[0].params, ensure_ascii=False)
    assert content().situation(4).title.en in kickoff


def test_app_home_lists_own_contributions_and_edits_from_there(slack_app: RunningApp) -> None:
    fake = slack_app.fake
    reply_ts = start_with_one_contribution(slack_app, "Words only Anna may change.")
    slack_app.send(event_body({"type": "app_home_opened", "user": ANNA, "tab": "home"}, event_id="EvHome1"))
    assert slack_app.wait_until(lambda: fake.calls_to("views.publish"))
    home = as_dict(fake.last("views.publish").params["view"])
    text = json.dumps(home, ensure_ascii=False)
    assert "Words only Anna may change." in text
    assert f"<#{CHANNEL_ID}>" in text
    # Ben's home does not show Anna's words
    slack_app.send(event_body({"type": "app_home_opened", "user": BEN, "tab": "home"}, event_id="EvHome2"))
    assert slack_app.wait_until(lambda: len(fake.calls_to("views.publish")) == 2)
    assert "Words only Anna may change." not in json.dumps(fake.last("views.publish").params)

    home_view = {"id": "VHOME", "type": "home", "blocks": []}
    opened = len(fake.calls_to("views.open"))
    slack_app.send(block_actions_body(HOME_EDIT, f"{CHANNEL_ID}:1", user_id=ANNA, view=home_view))
    assert slack_app.wait_until(lambda: len(fake.calls_to("views.open")) > opened)
    assert "Words only Anna may change." in json.dumps(fake.last("views.open").params)
    slack_app.send(block_actions_body(HOME_DELETE, f"{CHANNEL_ID}:1", user_id=ANNA, view=home_view))
    assert slack_app.wait_until(lambda: any(c.params.get("ts") == reply_ts for c in fake.calls_to("chat.delete")))
    assert slack_app.wait_until(lambda: len(fake.calls_to("views.publish")) == 3)


def test_message_shortcuts_edit_and_delete_only_your_own(slack_app: RunningApp) -> None:
    fake = slack_app.fake
    reply_ts = start_with_one_contribution(slack_app)
    opened = len(fake.calls_to("views.open"))
    slack_app.send(message_shortcut_body(EDIT_SHORTCUT, message_ts=reply_ts, user_id=ANNA))
    assert slack_app.wait_until(lambda: len(fake.calls_to("views.open")) > opened)
    slack_app.send(message_shortcut_body(DELETE_SHORTCUT, message_ts=reply_ts, user_id=BEN))
    assert slack_app.wait_until(lambda: any("Only the author" in json.dumps(c.params)
                                            for c in fake.calls_to("chat.postEphemeral")))
    assert not fake.calls_to("chat.delete")
    slack_app.send(message_shortcut_body(DELETE_SHORTCUT, message_ts=reply_ts, user_id=ANNA))
    assert slack_app.wait_until(lambda: any(c.params.get("ts") == reply_ts for c in fake.calls_to("chat.delete")))
