"""Anonymity everywhere: someone who only ever contributes anonymously is never named.

Zorro Geheim (U0SECRET) writes only anonymously — in the head, in a perspective and in
the tail — through the contribution modal, and votes; Anna (facilitator) and Ben write
by name. The round closes, the facilitator clicks Publish, the people quoted by name
approve from their DM, the image is published (PDF and PNG). Then everything that
left the app is scanned for U0SECRET, "Zorro" and "Geheim": every Web API call's
params (all methods: channel posts and updates, DMs, views.publish of OTHER people's
App Home, file uploads, the PDF's text), every response_url post, `goedwerk export` as
md and json, and the goedwerk loggers at DEBUG.

Left out of the scan, because they are the person's own and nobody else sees them:
their own App Home (views.publish for U0SECRET, which may list their own
contributions), ephemerals to them (chat.postEphemeral with user U0SECRET and the
response_url answers to their own commands), and users.info calls about them (the
app asking Slack for their name, which it needs for named contributions; Slack
already knows who they are).
"""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from bot.export import export
from bot.settings import load_settings
from flows.store.models import Round, SummaryDraft
from tests.security.support import settle
from tests.slack.conftest import RunningApp
from tests.slack.signing import CHANNEL_ID, TEAM_ID, block_actions_body, event_body, slash_command_body
from tests.slack.test_e2e_round import open_form, submit

ANNA, BEN, SECRET = "U0ANNA", "U0BEN", "U0SECRET"
FORBIDDEN = (SECRET, "Zorro", "Geheim", "zorro", "geheim")


def command(app: RunningApp, text: str, user: str) -> None:
    name = "secret" if user == SECRET else f"cmd-{user}"
    assert app.send(slash_command_body(text=text, user_id=user, response_url=app.fake.response_url(name)))[0] == 200


def round_row(app: RunningApp) -> Round:
    with app.db.transaction() as session:
        row = session.scalars(select(Round)).one()
        session.expunge(row)
        return row


def draft_status(app: RunningApp) -> str | None:
    with app.db.transaction() as session:
        draft = session.scalars(select(SummaryDraft)).first()
        return draft.status if draft else None


def contribute(app: RunningApp, user: str, topic: str, text: str, anonymous: bool, view_id: str) -> None:
    prompt_ts = app.fake.calls_to("chat.postMessage")[-1].response.get("ts", "1700000000.000100")
    view = open_form(app, user, f"{round_row(app).id}:{topic}", prompt_ts)
    assert submit(app, user, view, text, anonymous=anonymous, view_id=view_id)[0] == 200


def test_an_anonymous_contributor_is_named_nowhere(slack_app: RunningApp, caplog: pytest.LogCaptureFixture,
                                                   tmp_path: Path) -> None:
    caplog.set_level(logging.DEBUG, logger="goedwerk")
    fake = slack_app.fake
    fake.single_use_triggers = False
    fake.add_user(ANNA, real_name="Anna de Vries", profile={"display_name": "Anna"})
    fake.add_user(BEN, real_name="Ben Bakker", profile={"display_name": "Ben"})
    fake.add_user(SECRET, name="zorro.geheim", real_name="Zorro Geheim",
                  profile={"display_name": "Zorro Geheim", "real_name": "Zorro Geheim"})
    fake.set_members(CHANNEL_ID, [ANNA, BEN, SECRET])

    command(slack_app, "start 3 plan=kop=1h,handelingen=1h,staart=1h", ANNA)
    assert slack_app.wait_until(lambda: len(fake.calls_to("chat.postMessage")) >= 2)
    written = {"kop": [(ANNA, "Anna: we phoned the province before writing."),
                       (SECRET, "Secret head story: the alderman kept the file closed."),
                       (BEN, "Ben: the water board took the lead.")],
               "handelingen": [(SECRET, "Secret perspective: we acted before the memo arrived."),
                               (BEN, "Ben: we shared the calendar with the other team.")],
               "staart": [(SECRET, "Secret tail: good work means asking first."),
                          (ANNA, "Anna: good work means daring to decide together.")]}
    views = iter(f"V{n}" for n in range(100))
    for index, (topic, texts) in enumerate(written.items()):
        if index:
            command(slack_app, "volgende", ANNA)
            assert slack_app.wait_until(lambda index=index: round_row(slack_app).step_index == index)
            settle(slack_app)
        for user, text in texts:
            contribute(slack_app, user, topic, text, anonymous=user == SECRET, view_id=next(views))
        settle(slack_app)
    command(slack_app, "status", SECRET)
    command(slack_app, "status", BEN)
    command(slack_app, "sluit", ANNA)
    assert slack_app.wait_until(lambda: draft_status(slack_app) == "draft")
    command(slack_app, "stem 1", SECRET)
    command(slack_app, "stem 1", BEN)
    command(slack_app, "samenvatting", BEN)
    settle(slack_app)

    # the facilitator publishes; the people quoted by name approve from their DM
    slack_app.send(block_actions_body("goedwerk:publish", str(round_row(slack_app).id), user_id=ANNA))
    assert slack_app.wait_until(lambda: draft_status(slack_app) == "awaiting_consent")
    settle(slack_app)
    asked = {c.params.get("channel") for c in fake.calls_to("chat.postMessage")
             if "goedwerk:consent" in json.dumps(c.params)}
    assert asked
    assert SECRET not in asked
    assert fake.dm_channel(SECRET) not in asked  # only the named are asked
    for user in (ANNA, BEN):
        if user in asked or fake.dm_channel(user) in asked:
            slack_app.send(block_actions_body("goedwerk:consent", f"{round_row(slack_app).id}:approve@{CHANNEL_ID}",
                                              user_id=user, channel_id=fake.dm_channel(user)))
    assert slack_app.wait_until(lambda: draft_status(slack_app) == "published", timeout=15)
    assert slack_app.wait_until(lambda: len(fake.uploaded_files) == 2
                                and all(f.completed for f in fake.uploaded_files.values()), timeout=15)
    command(slack_app, "collectie", BEN)
    for user in (ANNA, BEN, SECRET):
        slack_app.send(event_body({"type": "app_home_opened", "user": user, "tab": "home"}))
    settle(slack_app)

    # the round really happened: the secret words are in the channel, without a name
    channel_text = json.dumps([c.params for c in fake.calls if c.method in ("chat.postMessage", "chat.update")],
                              ensure_ascii=False)
    assert "Secret head story" in channel_text
    assert "Secret tail" in channel_text
    # and the app did know the name (looked up in Slack), so its absence below is not luck
    assert any(c.params.get("user") == SECRET for c in fake.calls_to("users.info"))

    # every Web API call except the person's own surfaces
    def own(call) -> bool:
        params = call.params
        return ((call.method == "views.publish" and params.get("user_id") == SECRET)
                or (call.method == "chat.postEphemeral" and params.get("user") == SECRET)
                or (call.method == "users.info" and params.get("user") == SECRET))

    scanned = [c for c in fake.calls if not own(c)]
    assert any(c.method == "views.publish" and c.params.get("user_id") in (ANNA, BEN) for c in scanned)
    leaks = [(c.method, word) for c in scanned for word in FORBIDDEN
             if word in json.dumps(c.params, ensure_ascii=False)]
    assert not leaks, leaks
    others = [r for r in fake.responses if r["name"] != "secret"]
    assert others
    assert not [word for word in FORBIDDEN if word in json.dumps([r["body"] for r in others], ensure_ascii=False)]

    # the files: PDF text and the upload's metadata
    for upload in fake.uploaded_files.values():
        meta = json.dumps([upload.filename, upload.title, upload.alt_txt, upload.initial_comment], ensure_ascii=False)
        assert not [word for word in FORBIDDEN if word in meta]
        if upload.filename.endswith(".pdf"):
            pdf_text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(upload.content)).pages)
            assert "Anna" in pdf_text or "asking first" in " ".join(pdf_text.split())
            assert not [word for word in FORBIDDEN if word in pdf_text]

    # `goedwerk export` as markdown and json
    settings = load_settings(database_url=slack_app.db.url)
    for fmt in ("md", "json"):
        out = tmp_path / f"export.{fmt}"
        assert export(settings, CHANNEL_ID, fmt, out, workspace=TEAM_ID) == 0
        text = out.read_text(encoding="utf-8")
        assert text.strip() and "#" in text or fmt == "json"
        assert not [word for word in FORBIDDEN if word in text], fmt

    # the logs of every goedwerk logger, DEBUG included
    logged = [r for r in caplog.records if r.name.startswith("goedwerk")]
    assert logged
    for record in logged:
        text = record.getMessage() + (record.exc_text or "")
        assert not [word for word in FORBIDDEN if word in text], text
