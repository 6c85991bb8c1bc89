"""A whole round in Teams: start → contributions in dialogs → close → vote → consent → publish →
the picture and the A4 by link → the collection, through the real app."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import urllib3
from pypdf import PdfReader
from sqlalchemy import update

from bot.teams.files import links
from tests.teams import activities
from tests.teams.activities import CHANNEL, TEAM
from tests.teams.conftest import PUBLIC_URL
from tests.teams.test_e2e_dialogs import open_dialog, send_dialog

ALICE, BOB = dict(user="29:1alice", user_name="Alice"), dict(user="29:1bob", user_name="Bob")


def mention(app, text: str, who: dict) -> None:
    assert app.send(activities.mention(app.connector.service_url, text, user=who["user"],
                                       name=who["user_name"])) == 202


def fetch(app, link: str) -> urllib3.BaseHTTPResponse:
    assert link.startswith(PUBLIC_URL + "/files/")
    return urllib3.request("GET", app.url + urlsplit(link).path, headers={"Connection": "close"}, retries=False)


def find_post(app, predicate):
    return next((post for post in app.connector.posted if not post.deleted and predicate(post)), None)


def test_a_team_runs_a_round_and_publishes_its_image_in_teams(teams_app):
    connector = teams_app.connector
    connector.set_roster(TEAM, ["29:1alice", "29:1bob"])
    mention(teams_app, "start 10 plan=kop=1h bevestig", ALICE)
    kickoff, prompt = connector.top_level(CHANNEL)
    for who, words, options in ((ALICE, "We used common sense at the border.", ""),
                                (BOB, "Bob's words, anonymously.", "anonymous")):
        card = open_dialog(teams_app, prompt, "Contribute", **who)
        send_dialog(teams_app, prompt, card, {"text": words, "options": options}, **who)
    assert connector.replies(CHANNEL, prompt.activity_id) == []  # the kop holds them until it ends

    mention(teams_app, "sluit", ALICE)
    revealed = [post.texts for post in connector.replies(CHANNEL, prompt.activity_id)]
    # revealed together in its thread, after a line that announces them
    assert len(revealed) == 3 and revealed[0][0].startswith("The head has ended"), revealed
    assert [texts for texts in revealed if "We used common sense at the border." in texts
            or "Bob's words, anonymously." in texts] == revealed[-2:], revealed
    draft = find_post(teams_app, lambda post: any(text.startswith("Image of good work") for text in post.texts))
    assert draft is not None
    mention(teams_app, "stem Common sense at the border", BOB)
    publish = next(action for action in draft.card["actions"] if action["data"]["goedwerk"] == "publish")
    assert teams_app.send(activities.click(connector.service_url, draft.conversation.split("=")[-1],
                                           publish["data"], user="29:1alice", name="Alice")) == 202

    def asked():
        return [post for post in connector.chat("29:1alice") if any("May we" in text for text in post.texts)]

    assert teams_app.wait_until(asked, timeout=30)  # the consent requests may go out from the dispatcher
    (ask,) = asked()
    assert not any("May we" in text for post in connector.chat("29:1bob") for text in post.texts)
    approve = next(action for action in ask.card["actions"] if action["data"]["value"].endswith(":approve"))
    assert teams_app.send(activities.personal_click(connector.service_url, approve["data"], user="29:1alice",
                                                    name="Alice")) == 202

    def shared_post():
        return find_post(teams_app, lambda post: any(element.get("type") == "Image" for card in post.cards
                                                     for element in card["body"]))

    assert teams_app.wait_until(shared_post, timeout=30)  # rendering the A4 takes a while on a busy machine
    shared = shared_post()
    assert shared.conversation == f"{CHANNEL};messageid={shared.activity_id}"
    picture = next(element for element in shared.card["body"] if element["type"] == "Image")
    (pdf_button,) = shared.card["actions"]
    assert pdf_button["type"] == "Action.OpenUrl" and pdf_button["title"] == "The A4 as PDF"
    png = fetch(teams_app, picture["url"])
    assert png.status == 200 and png.headers["Content-Type"] == "image/png" and png.data.startswith(b"\x89PNG")
    pdf = fetch(teams_app, pdf_button["url"])
    assert pdf.status == 200 and pdf.headers["Content-Type"] == "application/pdf"
    assert pdf.headers["Content-Disposition"].startswith("attachment")
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages).split())
    assert "Common sense at the border" in text and "Alice" in text
    assert "Bob" not in text

    mention(teams_app, "collectie", BOB)
    listing = [post for post in connector.chat("29:1bob") if any("Images of good work" in t for t in post.texts)]
    assert listing
    fresh = listing[-1].card["body"][1]["text"]
    assert "Common sense at the border" in fresh
    fresh_link = fresh[fresh.index("(") + 1:fresh.index(")")]
    assert fresh_link != pdf_button["url"]

    with teams_app.db.transaction() as session:  # the first links run out; the fresh one still works
        session.execute(update(links).where(links.c.token == urlsplit(pdf_button["url"]).path.rsplit("/", 1)[1])
                        .values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    assert fetch(teams_app, pdf_button["url"]).status == 404
    assert fetch(teams_app, fresh_link).status == 200


def test_an_unknown_file_token_is_404(teams_app):
    assert fetch(teams_app, PUBLIC_URL + "/files/" + "x" * 43).status == 404
    assert fetch(teams_app, PUBLIC_URL + "/files/").status == 404


def test_the_data_export_reaches_the_person_in_the_1_to_1_chat_by_link(teams_app):
    mention(teams_app, "start 3", ALICE)
    mention(teams_app, "contribute kop Alice's own words", ALICE)

    mention(teams_app, "my-data export", ALICE)

    shared = [post for post in teams_app.connector.chat("29:1alice") if post.card.get("actions")
              and post.card["actions"][0]["type"] == "Action.OpenUrl"]
    assert shared
    export = fetch(teams_app, shared[-1].card["actions"][0]["url"])
    assert export.status == 200 and export.headers["Content-Type"] == "application/json"
    assert "Alice's own words" in export.data.decode()
    assert not any(post.cards and "Action.OpenUrl" in str(post.card) for post in teams_app.connector.top_level(CHANNEL))
