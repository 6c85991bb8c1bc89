"""Draft -> vote -> consent -> publish -> files uploaded -> collection, through the real Slack app."""

from __future__ import annotations

import io
import json

from pypdf import PdfReader

from tests.slack.conftest import RunningApp
from tests.slack.signing import CHANNEL_ID, block_actions_body, slash_command_body
from tests.slack.test_e2e_round import ANNA, BEN, contribution_replies, open_form, stored_contributions, submit


def command(app: RunningApp, text: str, user: str, name: str) -> None:
    assert app.send(slash_command_body(text=text, user_id=user, response_url=app.fake.response_url(name)))[0] == 200


def test_a_team_publishes_its_image_of_good_work(slack_app: RunningApp) -> None:
    fake = slack_app.fake
    fake.add_user(ANNA, real_name="Anna de Vries", profile={"display_name": "Anna"})
    fake.add_user(BEN, real_name="Ben Bakker", profile={"display_name": "Ben"})
    command(slack_app, "start 10 plan=kop=1h bevestig", ANNA, "start")
    assert slack_app.wait_until(lambda: len(fake.calls_to("chat.postMessage")) >= 2)
    prompt_ts = fake.calls_to("chat.postMessage")[1].response["ts"]
    submit(slack_app, ANNA, open_form(slack_app, ANNA, "1:kop", prompt_ts), "We used common sense at the border.")
    submit(slack_app, BEN, open_form(slack_app, BEN, "1:kop", prompt_ts), "Ben's words, anonymously.",
           anonymous=True, view_id="V2")
    assert slack_app.wait_until(lambda: stored_contributions(slack_app) == 2)
    command(slack_app, "sluit", ANNA, "close")  # closing during the head shows its stories first
    assert slack_app.wait_until(lambda: len(contribution_replies(slack_app, prompt_ts)) == 2)
    assert slack_app.wait_until(lambda: any("Image of good work" in json.dumps(c.params)
                                            for c in fake.calls_to("chat.postMessage")))
    command(slack_app, "stem Common sense at the border", BEN, "vote")
    assert slack_app.wait_until(lambda: any("is counted" in json.dumps(r["body"]) for r in fake.responses))

    # the facilitator clicks Publish on the draft: Anna is quoted by name and is asked privately
    slack_app.send(block_actions_body("goedwerk:publish", "1", user_id=ANNA))
    assert slack_app.wait_until(lambda: any(c.params.get("channel") in (ANNA, fake.dm_channel(ANNA))
                                            and "May we" in json.dumps(c.params)
                                            for c in fake.calls_to("chat.postMessage")))
    assert not any(c.params.get("channel") in (BEN, fake.dm_channel(BEN)) for c in fake.calls_to("chat.postMessage"))
    slack_app.send(block_actions_body("goedwerk:consent", f"1:approve@{CHANNEL_ID}", user_id=ANNA,
                                      channel_id=fake.dm_channel(ANNA)))
    assert slack_app.wait_until(lambda: fake.uploaded_files and all(f.completed for f in fake.uploaded_files.values()),
                                timeout=15)
    files = list(fake.uploaded_files.values())
    assert sorted(f.filename.rsplit(".", 1)[1] for f in files) == ["pdf", "png"]
    pdf = next(f for f in files if f.filename.endswith(".pdf"))
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages).split())
    assert "Common sense at the border" in text and "Anna" in text
    assert "Ben" not in text and BEN not in text

    command(slack_app, "collectie", BEN, "collection")
    assert slack_app.wait_until(lambda: any(r["name"] == "collection" for r in fake.responses))
    listing = json.dumps([r["body"] for r in fake.responses if r["name"] == "collection"])
    assert "Common sense at the border" in listing


def test_edit_vote_and_picture_through_modals(slack_app: RunningApp) -> None:
    from sqlalchemy import select

    from bot.slack.blocks.image_modals import EXPERIENCE, NARRATIVE, OWN_TITLE, PICTURE, TITLE
    from flows.store.models import SummaryDraft
    from tests.slack.signing import view_submission_body
    from tests.slack.test_e2e_round import as_dict

    fake = slack_app.fake
    command(slack_app, "start 10 plan=kop=1h bevestig", ANNA, "start")
    assert slack_app.wait_until(lambda: len(fake.calls_to("chat.postMessage")) >= 2)
    prompt_ts = fake.calls_to("chat.postMessage")[1].response["ts"]
    submit(slack_app, ANNA, open_form(slack_app, ANNA, "1:kop", prompt_ts), "A story worth telling.")
    assert slack_app.wait_until(lambda: stored_contributions(slack_app) == 1)
    command(slack_app, "sluit", ANNA, "close")
    assert slack_app.wait_until(lambda: any("goedwerk:image_vote" in json.dumps(c.params)
                                            for c in fake.calls_to("chat.postMessage")))

    def modal_for(action: str, user: str) -> dict:
        before = len(fake.calls_to("views.open"))
        slack_app.send(block_actions_body(f"goedwerk:{action}", "1", user_id=user))
        assert slack_app.wait_until(lambda: len(fake.calls_to("views.open")) > before)
        return as_dict(fake.last("views.open").params["view"])

    def chosen_option(value: str) -> dict:
        return {"type": "static_select",
                "selected_option": {"value": value, "text": {"type": "plain_text", "text": value}}}

    vote_modal = modal_for("image_vote", BEN)
    assert "Your title" not in json.dumps(vote_modal)  # no tail, no suggestions yet: no empty select
    slack_app.send(view_submission_body("goedwerk:image", {OWN_TITLE: {OWN_TITLE: "Ask first"}},
                                         private_metadata=vote_modal["private_metadata"], user_id=BEN))
    text_modal = modal_for("image_text", ANNA)
    shown_story = next(block["element"]["initial_value"] for block in text_modal["blocks"]
                       if block.get("block_id") == EXPERIENCE)
    slack_app.send(view_submission_body("goedwerk:image", {TITLE: {TITLE: "Ask before you act"},
                                                           EXPERIENCE: {EXPERIENCE: shown_story},
                                                           NARRATIVE: {NARRATIVE: "We ask first, then we act."}},
                                         private_metadata=text_modal["private_metadata"], user_id=ANNA, view_id="V7"))
    picture_modal = modal_for("image_picture", BEN)
    slack_app.send(view_submission_body("goedwerk:image", {PICTURE: {PICTURE: chosen_option("compass")}},
                                         private_metadata=picture_modal["private_metadata"], user_id=BEN, view_id="V8"))

    def image() -> dict:
        with slack_app.db.transaction() as session:
            return (session.scalars(select(SummaryDraft)).one().content or {}).get("image", {})

    assert slack_app.wait_until(lambda: image().get("picture") == "builtin:compass")
    state = image()
    assert state["narrative"] == "We ask first, then we act."
    assert state["title"] == "Ask before you act"  # the facilitator sets the title
    assert state["votes"][BEN] == "Ask first"  # anyone else proposes one with their vote
    assert state["experience"] is None  # the story sent back unchanged stays Anna's, not an edit by the team


def test_a_picture_uploaded_in_the_modal_becomes_the_drafts_picture(slack_app: RunningApp) -> None:
    from PIL import Image
    from sqlalchemy import select

    from bot.slack.blocks.image_modals import UPLOAD
    from flows.store.models import Picture, SummaryDraft
    from tests.slack.signing import view_submission_body
    from tests.slack.test_e2e_round import as_dict

    fake = slack_app.fake
    buffer = io.BytesIO()
    Image.new("RGB", (120, 80), (10, 120, 200)).save(buffer, format="PNG")
    url = fake.add_download("F0PIC/team.png", buffer.getvalue())
    command(slack_app, "start 10 plan=kop=1h bevestig", ANNA, "start")
    assert slack_app.wait_until(lambda: len(fake.calls_to("chat.postMessage")) >= 2)
    submit(slack_app, ANNA, open_form(slack_app, ANNA, "1:kop", fake.calls_to("chat.postMessage")[1].response["ts"]),
           "A story.")
    assert slack_app.wait_until(lambda: stored_contributions(slack_app) == 1)
    command(slack_app, "sluit", ANNA, "close")
    assert slack_app.wait_until(lambda: any("goedwerk:image_picture" in json.dumps(c.params)
                                            for c in fake.calls_to("chat.postMessage")))
    before = len(fake.calls_to("views.open"))
    slack_app.send(block_actions_body("goedwerk:image_picture", "1", user_id=ANNA))
    assert slack_app.wait_until(lambda: len(fake.calls_to("views.open")) > before)
    modal = as_dict(fake.last("views.open").params["view"])
    assert "file_input" in json.dumps(modal)
    files = {"type": "file_input", "files": [{"id": "F0PIC", "name": "team.png", "url_private_download": url}]}
    slack_app.send(view_submission_body("goedwerk:image", {UPLOAD: {UPLOAD: files}},
                                         private_metadata=modal["private_metadata"], user_id=ANNA, view_id="VPIC"))

    def picture() -> str | None:
        with slack_app.db.transaction() as session:
            return (session.scalars(select(SummaryDraft)).one().content or {}).get("image", {}).get("picture")

    assert slack_app.wait_until(lambda: (picture() or "").startswith("stored:"))
    with slack_app.db.transaction() as session:
        assert session.scalars(select(Picture)).one().content == buffer.getvalue()
