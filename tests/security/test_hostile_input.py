"""Hostile input: the command parser and the HTTP entry point under fuzzing.

- ``flows.engine.commands.parse`` returns a :class:`Parsed` or raises
  :class:`CommandError` for any text at all (control characters, unicode, huge).
- ``POST /slack/events`` with signed garbage — malformed form bodies, ``payload=`` with
  garbage, truncated JSON, unknown action and callback ids, hostile metadata,
  100 KB fields — never answers 5xx, the server stays up (``GET /healthz`` 200) and
  no contribution row appears (none of the inputs is a valid contribution).
- A contribution with ``<!channel>``, ``<!here>``, ``<@U…>`` and control characters is
  stored without the control characters and posted escaped: the thread reply has
  ``&lt;!channel&gt;`` and never ``<!channel>``.
- Forged, stale and missing signatures get 401 and reach no listener.
"""

from __future__ import annotations

import json
import time
import urllib.request
from urllib.parse import parse_qsl, quote, urlencode

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.slack.blocks import read_metadata
from bot.slack.blocks.modals import ACTION_TEXT, BLOCK_TEXT
from flows.engine.commands import MAX_COMMAND_LENGTH, CommandError, Parsed, parse
from flows.store.models import Contribution
from tests.security.support import settle
from tests.slack.conftest import SECRET, RunningApp
from tests.slack.signing import (
    CHANNEL_ID,
    block_actions_body,
    event_body,
    message_shortcut_body,
    post,
    sign,
    slash_command_body,
    view_submission_body,
)
from tests.slack.test_e2e_round import ANNA, contribution_replies, end_head, open_form, submit

HOSTILE_WORDS = ["<!channel>", "<!here>", "<!everyone>", "<@U123>", "<#C999|x>", "<https://evil.example|click>",
                 "\x00", "\x07", "\x1b[31m", "\u202e", "\ufeff", "\r\n", "&amp;", "*bold*", "```", "🦊",
                 "'; DROP TABLE contributions; --"]
hostile_text = st.lists(st.one_of(st.sampled_from(HOSTILE_WORDS), st.text(max_size=20)), max_size=8).map("".join)
WORDS = ["start", "status", "bijdrage", "contribute", "pas", "bewerk", "verwijder", "stem", "beeld", "toon",
         "collectie", "ervaring", "wekelijks", "mijn-gegevens", "taal", "herinneringen", "begeleider", "help",
         "kop", "anoniem", "plan=", "[", "]", "aan", "uit", "1", "999999", "9" * 20, "-1", "0", "@", "<@U1>"]
command_like = st.lists(st.one_of(st.sampled_from(WORDS), st.text(max_size=12)), max_size=10).map(" ".join)


# -- the parser -----------------------------------------------------------------------

@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(), command_like, hostile_text,
                 st.text(min_size=MAX_COMMAND_LENGTH - 5, max_size=MAX_COMMAND_LENGTH + 5),
                 st.builds(lambda word, rest: word + " " + rest, st.sampled_from(WORDS), st.text())))
def test_parse_returns_parsed_or_raises_command_error(text: str) -> None:
    try:
        result = parse(text)
    except CommandError as error:
        assert isinstance(error.msgid, str)
        assert error.msgid
        return
    assert isinstance(result, Parsed)
    assert isinstance(result.name, str)
    assert isinstance(result.args, dict)


def test_parse_refuses_a_huge_command() -> None:
    for text in ("bijdrage kop " + "x" * 200_000, "\x00" * 100_000, "🦊" * (MAX_COMMAND_LENGTH + 1)):
        try:
            parse(text)
        except CommandError:
            continue
        raise AssertionError("a huge command was accepted")


# -- the HTTP entry point ---------------------------------------------------------------

def healthz(app: RunningApp) -> int:
    with urllib.request.urlopen(app.url + "/healthz", timeout=5) as response:
        return response.status


def contribution_count(app: RunningApp) -> int:
    with app.db.transaction() as session:
        return session.scalar(select(func.count()).select_from(Contribution))


def start_round(app: RunningApp) -> tuple[int, str]:
    """An active round (id, prompt ts) so that hostile contributions have somewhere to land."""
    fake = app.fake
    fake.single_use_triggers = False
    assert app.send(slash_command_body(text="start 3 plan=kop=1h,handelingen=1h bevestig", user_id=ANNA))[0] == 200
    assert app.wait_until(lambda: len(fake.calls_to("chat.postMessage")) >= 2)
    prompt_ts = fake.calls_to("chat.postMessage")[1].response["ts"]
    view = open_form(app, ANNA, "1:kop", prompt_ts)
    return int(read_metadata(view["private_metadata"])["round_id"]), prompt_ts


def _garbage_bodies(round_id: int):
    """(body, content type) pairs that are not valid contributions, however they are read."""
    valid_action = json.loads(dict(parse_qsl(block_actions_body("goedwerk:contribute", f"{round_id}:kop")))["payload"])
    valid_action_json = json.dumps(valid_action)
    meta_good = json.dumps({"channel": CHANNEL_ID, "round_id": round_id, "topic": "kop"})
    big = "x" * 100_000
    anything = st.one_of(st.text(max_size=60), hostile_text)
    json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=10),
                               lambda children: st.lists(children, max_size=3)
                               | st.dictionaries(st.text(max_size=8), children, max_size=3), max_leaves=8)
    return st.one_of(
        # a malformed form body, or one without a payload
        st.builds(lambda text: (text, "application/x-www-form-urlencoded"), st.text(max_size=200)),
        st.builds(lambda text: ("payload=" + quote(text), "application/x-www-form-urlencoded"), anything),
        st.builds(lambda data: (urlencode({"payload": json.dumps(data)}), "application/x-www-form-urlencoded"),
                  json_values),
        # a well-formed payload with one field replaced by anything
        st.builds(lambda key, value: (urlencode({"payload": json.dumps({**valid_action, key: value})}),
                                      "application/x-www-form-urlencoded"),
                  st.sampled_from(sorted(valid_action)), json_values),
        st.builds(lambda key, value: (urlencode({"payload": json.dumps(
                      {**valid_action, "actions": [{**valid_action["actions"][0], key: value}]})}),
                  "application/x-www-form-urlencoded"),
                  st.sampled_from(["action_id", "value", "type", "selected_option"]), json_values),
        # a truncated JSON payload
        st.builds(lambda cut: (urlencode({"payload": valid_action_json[:cut]}), "application/x-www-form-urlencoded"),
                  st.integers(0, len(valid_action_json) - 1)),
        # a JSON body (events) that is garbage or truncated
        st.builds(lambda text: ("{" + text, "application/json"), st.text(max_size=80)),
        st.builds(lambda cut: (event_body({"type": "app_home_opened", "user": ANNA})[:cut], "application/json"),
                  st.integers(1, 300)),
        st.builds(lambda event: (event_body(event), "application/json"),
                  st.dictionaries(st.sampled_from(["type", "user", "tab", "channel"]),
                                  st.one_of(st.text(max_size=20), st.sampled_from(["app_home_opened", "message"])))),
        # unknown or hostile action ids, values and menus
        st.builds(lambda action, value: (block_actions_body(action, value), None),
                  st.one_of(st.text(max_size=30), st.sampled_from([
                      "goedwerk:", "goedwerk:nope", "goedwerk:contribute#1", "goedwerk:consent", "goedwerk:edit",
                      "goedwerk:delete", "goedwerk:home_edit", "goedwerk:publish"])),
                  st.one_of(anything, st.sampled_from([f"{round_id}:nope", f"{round_id}:", ":kop", "1:2:3@",
                                                       "@", f"{round_id}:approve@", "C1:", "edit:x", "9" * 40]))),
        st.builds(lambda action: (block_actions_body(action=action), None),
                  st.fixed_dictionaries({"action_id": st.sampled_from(["goedwerk:contribution", "goedwerk:start"]),
                                         "type": st.sampled_from(["overflow", "static_select", "button"])},
                                        optional={"selected_option": json_values, "value": json_values})),
        # unknown callbacks and hostile private_metadata / state
        st.builds(lambda callback, meta, text: (view_submission_body(callback, {BLOCK_TEXT: {ACTION_TEXT: text}},
                                                                     private_metadata=meta), None),
                  st.one_of(st.text(max_size=20), st.sampled_from(["goedwerk:image", "goedwerk:start"])),
                  st.one_of(anything, st.just(meta_good)), anything),
        st.builds(lambda meta, text: (view_submission_body("goedwerk:contribute", {BLOCK_TEXT: {ACTION_TEXT: text}},
                                                           private_metadata=meta), None),
                  st.one_of(anything, st.builds(json.dumps, json_values),
                            st.sampled_from([json.dumps({"channel": CHANNEL_ID, "round_id": str(round_id)}),
                                             json.dumps({"channel": "", "round_id": round_id}),
                                             json.dumps({"channel": CHANNEL_ID, "round_id": round_id + 1,
                                                         "topic": "kop"}),
                                             json.dumps({"channel": CHANNEL_ID, "round_id": round_id,
                                                         "topic": "nope"}),
                                             json.dumps([1, 2])])),
                  anything),
        st.builds(lambda state: (view_submission_body("goedwerk:contribute", private_metadata=meta_good)
                                 .replace(quote('"values": {}'), quote('"values": ' + json.dumps(state))), None),
                  json_values),
        # oversized fields: a 100 KB contribution (refused: too long) and a 100 KB command
        st.just((view_submission_body("goedwerk:contribute", {BLOCK_TEXT: {ACTION_TEXT: big}},
                                      private_metadata=meta_good), None)),
        st.just((slash_command_body(text="bijdrage kop " + big), None)),
        st.just((slash_command_body(text=big, user_id="U" + "X" * 5000, channel_id="C" + "Y" * 5000), None)),
        # slash commands that are not contributions
        st.builds(lambda text: (slash_command_body(text=text), None),
                  st.one_of(anything, command_like).filter(lambda t: t.strip().split()[:1] not in (
                      ["bijdrage"], ["contribute"], ["bijdragen"], ["pas"], ["pass"], ["start"], ["begin"],
                      ["sluit"], ["close"], ["stop"], ["cancel"], ["volgende"], ["next"]))),
        # message shortcuts with unknown callbacks or messages
        st.builds(lambda callback, ts: (message_shortcut_body(callback, message_ts=ts), None),
                  st.one_of(st.text(max_size=20), st.sampled_from(["goedwerk_edit", "goedwerk_delete"])),
                  st.one_of(st.text(max_size=20), st.just("1700000000.000100"))),
    )


def test_signed_garbage_never_breaks_the_server_or_stores_anything(slack_app: RunningApp) -> None:
    round_id, _ = start_round(slack_app)
    statuses: list[int] = []

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                     HealthCheck.too_slow])
    @given(_garbage_bodies(round_id))
    def send_garbage(case: tuple[str, str | None]) -> None:
        body, content_type = case
        status, _, answer = slack_app.send(body, content_type=content_type, timeout=15)
        statuses.append(status)
        assert status < 500, (status, body[:300], answer[:300])

    send_garbage()
    settle(slack_app, timeout=30)
    assert statuses
    assert all(s < 500 for s in statuses)
    assert healthz(slack_app) == 200
    assert contribution_count(slack_app) == 0
    # and it still works for a real person afterwards
    view = open_form(slack_app, ANNA, f"{round_id}:kop", slack_app.fake.calls_to("chat.postMessage")[1].response["ts"])
    assert submit(slack_app, ANNA, view, "Still here.", view_id="VAFTER")[0] == 200
    assert slack_app.wait_until(lambda: contribution_count(slack_app) == 1)


def test_mentions_and_control_characters_are_stored_clean_and_posted_escaped(slack_app: RunningApp) -> None:
    fake = slack_app.fake
    round_id, prompt_ts = start_round(slack_app)
    text = "Heads up <!channel> and <!here>, <!everyone>, ping <@U123> \x00\x07\x1b bell <https://evil.example|x>"
    view = open_form(slack_app, ANNA, f"{round_id}:kop", prompt_ts)
    assert submit(slack_app, ANNA, view, text, view_id="VESC")[0] == 200
    slack_app.send(slash_command_body(text="bijdrage kop anoniem Also <!channel> via the command \x01",
                                      user_id="U0BEN"))
    end_head(slack_app, 2)  # the head's stories are posted when it ends
    assert slack_app.wait_until(lambda: len(contribution_replies(slack_app, prompt_ts)) == 2)
    with slack_app.db.transaction() as session:
        stored = [row.text for row in session.scalars(select(Contribution).order_by(Contribution.id))]
    assert stored == ["Heads up <!channel> and <!here>, <!everyone>, ping <@U123>  bell <https://evil.example|x>",
                      "Also <!channel> via the command"]
    assert not any(ch in "".join(stored) for ch in "\x00\x01\x07\x1b")
    settle(slack_app)
    replies = contribution_replies(slack_app, prompt_ts)
    for reply in replies:
        posted = json.dumps(reply.params, ensure_ascii=False)
        assert "&lt;!channel&gt;" in posted
        assert "<!channel>" not in posted
    everything = json.dumps([c.params for c in fake.calls if c.method in ("chat.postMessage", "chat.update")],
                            ensure_ascii=False)
    for raw in ("<!channel>", "<!here>", "<!everyone>", "<@U123>", "<https://evil.example"):
        assert raw not in everything, raw
    assert "&lt;!here&gt;" in everything
    assert "&lt;@U123&gt;" in everything


def test_forged_stale_and_missing_signatures_are_refused(slack_app: RunningApp) -> None:
    body = slash_command_body(text="start 3 plan=kop=1h bevestig", user_id=ANNA)
    url = slack_app.url + "/slack/events"
    forged = sign(body, "not-the-secret")
    assert post(url, body, SECRET, headers=forged)[0] == 401
    assert post(url, body, SECRET, timestamp=int(time.time()) - 600)[0] == 401
    assert post(url, body, SECRET, headers={"X-Slack-Signature": "v0=" + "0" * 64})[0] == 401
    assert post(url, body, SECRET, headers={"X-Slack-Signature": "", "X-Slack-Request-Timestamp": ""})[0] in (400, 401)
    tampered = sign(body, SECRET)
    assert post(url, body.replace("start", "stop"), SECRET, headers=tampered)[0] == 401
    slack_app.settle()
    assert not slack_app.fake.calls, "a refused request reached the Web API"
    assert contribution_count(slack_app) == 0, "a refused request stored something"
    assert slack_app.send(body)[0] == 200  # the genuine one still works
