"""The offline Slack fake and the request-signing helpers, driven by the real SDKs.

Everything goes through ``slack_sdk.WebClient`` (and, at the end, a Bolt app served over
real HTTP), so the fake is known to speak the wire format the app's clients speak.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pytest
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier

from tests.slack import signing
from tests.slack.fake_slack import BOT_ID, BOT_USER_ID, TEAM_ID, FakeSlack

TOKEN = "xoxb-test"
SECRET = "geheim-signing-secret"


@pytest.fixture
def client(fake_slack: FakeSlack) -> WebClient:
    return WebClient(base_url=fake_slack.base_url, token=TOKEN, timeout=5)


# ---------------------------------------------------------------------- the fake


def test_base_url_and_auth_test(fake_slack: FakeSlack, client: WebClient) -> None:
    assert fake_slack.base_url.startswith("http://127.0.0.1:") and fake_slack.base_url.endswith("/api/")
    response = client.auth_test()
    assert (response["team_id"], response["user_id"], response["bot_id"], response["bot_user_id"]) == (
        TEAM_ID, BOT_USER_ID, BOT_ID, BOT_USER_ID)
    call = fake_slack.last("auth.test")
    assert call.token == TOKEN
    assert call.headers["Authorization"] == f"Bearer {TOKEN}"
    assert call.ok and call.time <= time.time()


def test_post_update_delete(fake_slack: FakeSlack, client: WebClient) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*Hoi*"}}]
    first = client.chat_postMessage(channel="C1", text="hoi", blocks=blocks)
    second = client.chat_postMessage(channel="C1", text="tweede")
    assert first["channel"] == "C1" and first["message"]["text"] == "hoi"
    assert first["ts"] == "1700000000.000100"
    assert float(second["ts"]) > float(first["ts"])
    assert fake_slack.last("chat.postMessage").params["text"] == "tweede"
    assert fake_slack.calls_to("chat.postMessage")[0].params["blocks"] == blocks  # JSON form field decoded

    updated = client.chat_update(channel="C1", ts=first["ts"], text="bijgewerkt")
    assert updated["ts"] == first["ts"] and updated["message"]["text"] == "bijgewerkt"
    assert fake_slack.message("C1", first["ts"])["text"] == "bijgewerkt"
    assert fake_slack.updated[0]["channel"] == "C1"

    client.chat_delete(channel="C1", ts=second["ts"])
    assert [m["ts"] for m in fake_slack.messages("C1")] == [first["ts"]]
    assert [m["text"] for m in fake_slack.deleted] == ["tweede"]
    assert len(fake_slack.posted) == 2

    with pytest.raises(SlackApiError) as missing:
        client.chat_update(channel="C1", ts=second["ts"], text="weg")
    assert missing.value.response["error"] == "message_not_found"
    with pytest.raises(SlackApiError) as empty, pytest.warns(UserWarning, match="text"):
        client.chat_postMessage(channel="C1")
    assert empty.value.response["error"] == "no_text"


def test_json_body_is_recorded_like_a_form(fake_slack: FakeSlack) -> None:
    client = WebClient(base_url=fake_slack.base_url, token=TOKEN)
    client.api_call("chat.postMessage", json={"channel": "C1", "text": "json", "blocks": []})
    assert fake_slack.last("chat.postMessage").params == {"channel": "C1", "text": "json", "blocks": []}


def test_ephemeral_permalink_and_dm(fake_slack: FakeSlack, client: WebClient) -> None:
    response = client.chat_postEphemeral(channel="C1", user="U1", text="alleen voor jou")
    assert response["message_ts"]
    assert fake_slack.ephemerals[0]["user"] == "U1"
    assert fake_slack.messages("C1") == []

    fake_slack.set_members("C2", ["U2"])
    with pytest.raises(SlackApiError) as outsider:
        client.chat_postEphemeral(channel="C2", user="U1", text="x")
    assert outsider.value.response["error"] == "user_not_in_channel"

    dm = client.conversations_open(users="U1")["channel"]["id"]
    assert dm.startswith("D") and client.conversations_open(users="U1")["channel"]["id"] == dm
    posted = client.chat_postMessage(channel="U1", text="via user id")  # lands in the DM, like Slack
    assert posted["channel"] == dm and fake_slack.dms == {"U1": dm}
    link = client.chat_getPermalink(channel=dm, message_ts=posted["ts"])["permalink"]
    assert link.endswith(f"/archives/{dm}/p{posted['ts'].replace('.', '')}")


def test_conversations_info_and_channel_state(fake_slack: FakeSlack, client: WebClient) -> None:
    channel = client.conversations_info(channel="C1")["channel"]
    assert channel["id"] == "C1" and channel["is_member"] is True and channel["is_archived"] is False

    fake_slack.set_channel("C3", is_member=False)
    assert client.conversations_info(channel="C3")["channel"]["is_member"] is False
    with pytest.raises(SlackApiError) as error:
        client.chat_postMessage(channel="C3", text="hoi")
    assert error.value.response["error"] == "not_in_channel"


def test_members_paginate(fake_slack: FakeSlack, client: WebClient) -> None:
    people = [f"U{i:03d}" for i in range(7)]
    fake_slack.set_members("C1", people)
    seen, cursor, pages = [], None, 0
    while True:
        page = client.conversations_members(channel="C1", limit=3, cursor=cursor)
        seen += page["members"]
        pages += 1
        cursor = page["response_metadata"]["next_cursor"]
        if not cursor:
            break
    assert seen == people and pages == 3
    assert client.conversations_members(channel="C9")["members"] == [BOT_USER_ID]


def test_users_info(fake_slack: FakeSlack, client: WebClient) -> None:
    fake_slack.add_user("U1", name="anna", real_name="Anna de Vries", is_admin=True)
    user = client.users_info(user="U1", include_locale=True)["user"]
    assert (user["id"], user["name"], user["real_name"], user["is_admin"]) == ("U1", "anna", "Anna de Vries", True)
    assert (user["tz"], user["locale"]) == ("Europe/Amsterdam", "nl-NL")
    assert user["tz_offset"] in (3600, 7200)
    assert "locale" not in client.users_info(user="U1")["user"]  # only with include_locale, as in Slack
    assert client.users_info(user="U2", include_locale=True)["user"]["tz"] == "Europe/Amsterdam"


def test_views(fake_slack: FakeSlack, client: WebClient) -> None:
    modal = {"type": "modal", "callback_id": "start", "title": {"type": "plain_text", "text": "Start"},
             "blocks": [], "private_metadata": "p"}
    view = client.views_open(trigger_id="1.2.abc", view=modal)["view"]
    assert view["id"].startswith("V") and view["callback_id"] == "start" and view["hash"]
    assert fake_slack.opened_views[0]["id"] == view["id"]
    with pytest.raises(SlackApiError) as reused:
        client.views_open(trigger_id="1.2.abc", view=modal)
    assert reused.value.response["error"] == "expired_trigger_id"

    updated = client.views_update(view_id=view["id"], hash=view["hash"], view={**modal, "private_metadata": "q"})
    assert updated["view"]["id"] == view["id"] and fake_slack.views[view["id"]]["private_metadata"] == "q"
    with pytest.raises(SlackApiError) as stale:
        client.views_update(view_id=view["id"], hash=view["hash"], view=modal)
    assert stale.value.response["error"] == "hash_conflict"

    pushed = client.views_push(trigger_id="1.2.def", view=modal)["view"]
    assert pushed["id"] != view["id"] and len(fake_slack.opened_views) == 2

    home = client.views_publish(user_id="U1", view={"type": "home", "blocks": []})["view"]
    assert home["id"].startswith("V") and fake_slack.home_views["U1"]["type"] == "home"


def test_files_upload_v2_end_to_end(fake_slack: FakeSlack, client: WebClient) -> None:
    data = b"\x89PNG\r\n\x1a\n goed werk"
    response = client.files_upload_v2(channel="C1", content=data, filename="beeld.png", title="Beeld",
                                      initial_comment="Het beeld")
    file_id = response["file"]["id"]
    assert response["file"]["title"] == "Beeld"
    upload_url = fake_slack.last("files.getUploadURLExternal").response["upload_url"]
    assert upload_url.startswith(fake_slack.origin)
    uploaded = fake_slack.uploaded_files[file_id]
    assert uploaded.content == data and uploaded.completed and uploaded.channels == ["C1"]
    assert uploaded.initial_comment == "Het beeld"
    assert [c.method for c in fake_slack.calls] == ["files.getUploadURLExternal", "files.completeUploadExternal"]


def test_injected_failure(fake_slack: FakeSlack, client: WebClient) -> None:
    fake_slack.fail("chat.postMessage", "not_in_channel", times=1, channel="C1")
    client.chat_postMessage(channel="C2", text="andere kanaal")  # not affected
    with pytest.raises(SlackApiError) as error:
        client.chat_postMessage(channel="C1", text="hoi")
    assert error.value.response.status_code == 200
    assert error.value.response["error"] == "not_in_channel"
    assert client.chat_postMessage(channel="C1", text="hoi")["ok"]  # times=1 is used up
    assert [c.ok for c in fake_slack.calls_to("chat.postMessage")] == [True, False, True]


def test_unknown_method(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as error:
        client.api_call("chat.bestaatNiet")
    assert error.value.response["error"] == "unknown_method"


def test_rate_limit_is_retried(fake_slack: FakeSlack) -> None:
    client = WebClient(base_url=fake_slack.base_url, token=TOKEN)
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=1))
    fake_slack.rate_limit("chat.postMessage", retry_after=0, times=1)  # the SDK sleeps 0–1 s
    assert client.chat_postMessage(channel="C1", text="na even wachten")["ok"]
    calls = fake_slack.calls_to("chat.postMessage")
    assert [c.status for c in calls] == [429, 200]
    assert fake_slack.rate_limited == 1


def test_rate_limit_without_retry_handler(fake_slack: FakeSlack, client: WebClient) -> None:
    fake_slack.rate_limit("users.info", retry_after=7)
    with pytest.raises(SlackApiError) as error:
        client.users_info(user="U1")
    assert error.value.response.status_code == 429
    assert error.value.response.headers["Retry-After"] == "7"
    assert error.value.response["error"] == "ratelimited"


def test_channel_rate_enforcement(fake_slack: FakeSlack, client: WebClient) -> None:
    fake_slack.enforce_channel_rate(per_second=1.0)
    client.chat_postMessage(channel="C1", text="een")
    client.chat_postMessage(channel="C2", text="ander kanaal")
    with pytest.raises(SlackApiError) as error:
        client.chat_postMessage(channel="C1", text="te snel")
    assert error.value.response.status_code == 429
    assert int(error.value.response.headers["Retry-After"]) >= 1
    assert fake_slack.rate_limited == 1
    assert [m["text"] for m in fake_slack.messages("C1")] == ["een"]


def test_workspace_rate_enforcement(fake_slack: FakeSlack) -> None:
    fake_slack.enforce_workspace_rate(per_minute=60, burst=2)  # two at once, then one a second
    team_a = WebClient(base_url=fake_slack.base_url, token="xoxb-team-a")
    team_b = WebClient(base_url=fake_slack.base_url, token="xoxb-team-b")
    team_a.chat_postMessage(channel="C1", text="een")
    team_a.chat_postMessage(channel="C2", text="twee")
    team_b.chat_postMessage(channel="C3", text="andere werkruimte")
    with pytest.raises(SlackApiError) as error:
        team_a.chat_postMessage(channel="C4", text="te veel")
    assert error.value.response.status_code == 429
    assert error.value.response.headers["Retry-After"] == "1"
    assert fake_slack.rate_limited == 1 and fake_slack.rate_limited_by == {"channel": 0, "workspace": 1}
    assert fake_slack.messages("C4") == []
    fake_slack.enforce_workspace_rate(None)
    assert team_a.chat_postMessage(channel="C4", text="weer open")["ok"]


def test_a_post_refused_by_one_limit_counts_toward_neither(fake_slack: FakeSlack) -> None:
    fake_slack.enforce_channel_rate(per_second=1.0)
    fake_slack.enforce_workspace_rate(per_minute=60, burst=1)
    team_a = WebClient(base_url=fake_slack.base_url, token="xoxb-team-a")
    team_b = WebClient(base_url=fake_slack.base_url, token="xoxb-team-b")
    team_a.chat_postMessage(channel="C1", text="een")
    with pytest.raises(SlackApiError):
        team_b.chat_postMessage(channel="C1", text="kanaal vol")  # refused by the channel limit
    assert team_b.chat_postMessage(channel="C2", text="werkruimte b nog vrij")["ok"]
    assert fake_slack.rate_limited_by == {"channel": 1, "workspace": 0}


def test_revoked_and_missing_tokens(fake_slack: FakeSlack, client: WebClient) -> None:
    fake_slack.revoked_tokens.add(TOKEN)
    with pytest.raises(SlackApiError) as revoked:
        client.auth_test()
    assert revoked.value.response["error"] == "invalid_auth"
    with pytest.raises(SlackApiError) as missing:
        WebClient(base_url=fake_slack.base_url).auth_test()
    assert missing.value.response["error"] == "not_authed"


def test_history_newest_first_with_metadata(fake_slack: FakeSlack, client: WebClient) -> None:
    metadata = {"event_type": "goedwerk_round", "event_payload": {"round": 1}}
    first = client.chat_postMessage(channel="C1", text="eerste", metadata=metadata)
    client.chat_postMessage(channel="C1", text="antwoord", thread_ts=first["ts"])
    client.chat_postMessage(channel="C1", text="tweede")
    history = client.conversations_history(channel="C1", include_all_metadata=True)["messages"]
    assert [m["text"] for m in history] == ["tweede", "eerste"]  # newest first, no thread replies
    assert history[1]["metadata"] == metadata
    assert "metadata" not in client.conversations_history(channel="C1")["messages"][1]
    replies = client.conversations_replies(channel="C1", ts=first["ts"])["messages"]
    assert [m["text"] for m in replies] == ["eerste", "antwoord"]


def test_reset_keeps_configuration(fake_slack: FakeSlack, client: WebClient) -> None:
    fake_slack.set_members("C1", ["U1"])
    fake_slack.fail("auth.test", times=None)
    client.chat_postMessage(channel="C1", text="hoi")
    fake_slack.reset()
    assert fake_slack.calls == [] and fake_slack.messages("C1") == []
    assert client.auth_test()["ok"]
    assert client.conversations_members(channel="C1")["members"] == ["U1"]
    with pytest.raises(AssertionError, match="no call to 'chat.update'"):
        fake_slack.last("chat.update")


def test_response_url_capture(fake_slack: FakeSlack) -> None:
    from slack_sdk.webhook import WebhookClient

    WebhookClient(fake_slack.response_url("cmd")).send(text="klaar", response_type="ephemeral")
    assert fake_slack.responses[0]["name"] == "cmd"
    assert fake_slack.responses[0]["body"]["text"] == "klaar"


def test_calls_are_recorded_from_many_threads(fake_slack: FakeSlack) -> None:
    def post(i: int) -> None:
        WebClient(base_url=fake_slack.base_url, token=TOKEN).chat_postMessage(channel=f"C{i % 3}", text=str(i))

    threads = [threading.Thread(target=post, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(fake_slack.calls_to("chat.postMessage")) == 20
    assert len({m["ts"] for m in fake_slack.posted}) == 20


# ---------------------------------------------------------------------- signing


# The body of the worked example on docs.slack.dev/authentication/verifying-requests-from-slack.
# Note the token: "xyzz0WbapA4vBCDEFasx0q6G". A copy with "xyzz0WbapA4vBCDEEzzx3BQ3" circulates
# (it was in this task's brief); it does NOT give the documented signature.
DOCS_BODY = (
    "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V"
    "&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text="
    "&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN"
    "&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
)


def test_sign_matches_slack_docs_vector() -> None:
    headers = signing.sign(DOCS_BODY, "8f742231b10e8888abcd99yyyzzz85a5", timestamp=1531420618)
    assert headers == {
        "X-Slack-Request-Timestamp": "1531420618",
        "X-Slack-Signature": "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503",
    }


def test_sign_agrees_with_slack_sdk_verifier() -> None:
    body = signing.slash_command_body(text="start ä & ü")
    headers = signing.sign(body, SECRET)
    assert SignatureVerifier(SECRET).is_valid_request(body, headers)
    assert not SignatureVerifier("ander-geheim").is_valid_request(body, headers)


def test_bodies_have_slack_shapes() -> None:
    form = parse_qs(signing.slash_command_body(text="hoi"))
    assert form["command"] == ["/goedwerk"] and form["text"] == ["hoi"] and form["trigger_id"][0].count(".") == 2
    payload = json.loads(parse_qs(signing.block_actions_body("vote", "3"))["payload"][0])
    assert payload["type"] == "block_actions" and payload["actions"][0]["value"] == "3"
    submission = json.loads(parse_qs(signing.view_submission_body("start", {"b": {"a": "tekst"}}))["payload"][0])
    assert submission["view"]["state"]["values"] == {"b": {"a": {"type": "plain_text_input", "value": "tekst"}}}
    event = json.loads(signing.event_body({"type": "app_mention", "text": "hoi"}, event_id="Ev1"))
    assert event["type"] == "event_callback" and event["event_id"] == "Ev1"


# ---------------------------------------------------------------------- a Bolt app over real HTTP


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def bolt_url(fake_slack: FakeSlack) -> Iterator[str]:
    """A tiny Bolt app with one listener of each kind, served by wsgiref on a free port."""
    client = WebClient(base_url=fake_slack.base_url, token=TOKEN)
    app = App(signing_secret=SECRET, client=client, token_verification_enabled=False)

    @app.command("/goedwerk")
    def command(ack, body, client) -> None:
        ack("Even geduld")
        client.chat_postMessage(channel=body["channel_id"], text=f"gestart: {body['text']}")

    @app.action("vote")
    def vote(ack) -> None:
        ack()

    @app.view("start")
    def submitted(ack) -> None:
        ack()

    @app.shortcut("goedwerk_message")
    def shortcut(ack) -> None:
        ack()

    @app.event("app_mention")
    def mention(ack) -> None:
        ack()

    server = make_server("127.0.0.1", 0, SlackRequestHandler(app), handler_class=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/slack/events"
    finally:
        server.shutdown()
        server.server_close()


def test_bolt_accepts_signed_slash_command(bolt_url: str, fake_slack: FakeSlack) -> None:
    status, _, body = signing.post(bolt_url, signing.slash_command_body(text="team"), SECRET, signing.FORM)
    assert status == 200 and "Even geduld" in body
    call = fake_slack.wait_for("chat.postMessage")[0]
    assert call.params["channel"] == signing.CHANNEL_ID and call.params["text"] == "gestart: team"
    assert call.params["team_id"] == TEAM_ID  # Bolt's listener client adds the request's team


def test_bolt_rejects_forged_and_stale_requests(bolt_url: str, fake_slack: FakeSlack) -> None:
    body = signing.slash_command_body()
    forged, _, _ = signing.post(bolt_url, body, "niet-het-geheim", signing.FORM)
    stale, _, _ = signing.post(bolt_url, body, SECRET, signing.FORM, timestamp=int(time.time()) - 6 * 60)
    tampered_headers = signing.sign(body, SECRET)
    tampered, _, _ = signing.post(bolt_url, body + "&text=extra", SECRET, signing.FORM,
                                  headers=tampered_headers)
    assert (forged, stale, tampered) == (401, 401, 401)  # refused before any listener runs
    assert fake_slack.calls_to("chat.postMessage") == []


@pytest.mark.parametrize("body", [
    signing.block_actions_body("vote", "3"),
    signing.view_submission_body("start", {"b": {"a": "tekst"}}),
    signing.message_shortcut_body("goedwerk_message", "een bericht"),
    signing.event_body({"type": "app_mention", "user": "U1", "text": "<@U0GOEDBOT> hoi", "ts": "1.2",
                        "channel": "C1", "event_ts": "1.2"}),
], ids=["block_actions", "view_submission", "message_shortcut", "event"])
def test_bolt_routes_every_body_kind(bolt_url: str, body: str) -> None:
    status, _, _ = signing.post(bolt_url, body, SECRET)  # unmatched requests would get 404
    assert status == 200


def test_bolt_answers_url_verification(bolt_url: str) -> None:
    status, _, body = signing.post(bolt_url, signing.url_verification_body("uitdaging"), SECRET)
    assert status == 200 and json.loads(body)["challenge"] == "uitdaging"
