"""The kop in Slack: stories stay private until the head ends, then appear together in its thread."""

from __future__ import annotations

import json

from tests.slack.conftest import RunningApp
from tests.slack.signing import slash_command_body
from tests.slack.test_e2e_round import ANNA, BEN, contribution_replies, end_head, open_form, submit

ANNA_STORY = "Last Tuesday the province called me before our meeting and asked for the figures we had promised."
BEN_STORY = "Herkenbaar."


def ephemerals_for(app: RunningApp, user: str) -> str:
    return "\n".join(json.dumps(call.params, ensure_ascii=False) for call in app.fake.calls_to("chat.postEphemeral")
                     if call.params.get("user") == user)


def test_head_stories_are_private_until_volgende_then_posted_together(slack_app: RunningApp) -> None:
    fake = slack_app.fake
    start = slash_command_body(text="start 5 plan=kop=1h,handelingen=1h bevestig", user_id=ANNA)
    assert slack_app.send(start)[0] == 200
    assert slack_app.wait_until(lambda: len(fake.calls_to("chat.postMessage")) >= 2)
    prompt = fake.calls_to("chat.postMessage")[1]
    prompt_ts = prompt.response["ts"]
    assert "0 stories have come in so far" in json.dumps(prompt.params)
    # the facilitator's notes arrive privately, in her direct messages
    assert slack_app.wait_until(lambda: any(call.params.get("channel") == ANNA and "You are the facilitator"
                                            in json.dumps(call.params) for call in fake.calls_to("chat.postMessage")))

    submit(slack_app, ANNA, open_form(slack_app, ANNA, "1:kop", prompt_ts), ANNA_STORY)
    assert slack_app.wait_until(lambda: ANNA_STORY in ephemerals_for(slack_app, ANNA))
    submit(slack_app, BEN, open_form(slack_app, BEN, "1:kop", prompt_ts), BEN_STORY, view_id="V2")
    assert slack_app.wait_until(lambda: "Herkenbaar." in ephemerals_for(slack_app, BEN))
    # Ben's short reaction gets one private follow-up question; Anna's concrete story does not
    assert slack_app.wait_until(lambda: "Would you like to tell a little more?" in ephemerals_for(slack_app, BEN))
    assert "tell a little more" not in ephemerals_for(slack_app, ANNA)
    assert ANNA_STORY not in ephemerals_for(slack_app, BEN) and BEN_STORY not in ephemerals_for(slack_app, ANNA)
    # the channel sees the count on the head prompt, not the stories
    assert slack_app.wait_until(lambda: any(call.params.get("ts") == prompt_ts
                                            and "2 stories have come in so far" in json.dumps(call.params)
                                            for call in fake.calls_to("chat.update")))
    channel = json.dumps([c.params for c in fake.calls if c.method in ("chat.postMessage", "chat.update")],
                         ensure_ascii=False)
    assert ANNA_STORY not in channel and BEN_STORY not in channel and "tell a little more" not in channel

    end_head(slack_app, 2)  # the facilitator moves on: both stories appear together in the head's thread
    assert slack_app.wait_until(lambda: len(contribution_replies(slack_app, prompt_ts)) == 2)
    thread = [c for c in fake.calls_to("chat.postMessage") if c.params.get("thread_ts") == prompt_ts]
    assert "The head has ended" in json.dumps(thread[0].params)
    texts = [json.dumps(c.params, ensure_ascii=False) for c in thread[1:]]
    assert ANNA_STORY in texts[0] and BEN_STORY in texts[1]
    assert "tell a little more" not in json.dumps([c.params for c in fake.calls_to("chat.postMessage")])
