"""End to end: contributing, editing and deleting through Teams dialogs (task modules)."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from flows.store.models import Contribution
from tests.teams import activities
from tests.teams.activities import CHANNEL
from tests.teams.card_schema import validate_card
from tests.teams.conftest import last_json
from tests.teams.test_e2e_round import started, started_in_body


def button(post, title: str) -> dict:
    return next(action for action in post.card["actions"] if action["title"] == title)


def open_dialog(app, post, title: str, **who) -> dict:
    assert app.send(activities.dialog_fetch(app.connector.service_url, post.activity_id, button(post, title)["data"],
                                            **who)) == 200
    answer = last_json(app)
    assert answer["task"]["type"] == "continue", answer
    card = answer["task"]["value"]["card"]["content"]
    validate_card(card)
    return card


def send_dialog(app, post, card: dict, fields: dict, **who) -> dict:
    submit = card["actions"][0]["data"]
    assert app.send(activities.dialog_submit(app.connector.service_url, post.activity_id, submit, fields,
                                             **who)) == 200
    return json.loads(app.last_body) if app.last_body else {}


def inputs(card: dict) -> dict:
    return {element["id"]: element for element in card["body"] if element.get("id")}


def test_contribute_opens_a_dialog_and_sending_it_posts_the_reply_in_the_prompts_thread(teams_app):
    kickoff, prompt = started_in_body(teams_app)

    card = open_dialog(teams_app, prompt, "Contribute", user="29:1dave", user_name="Dave")
    assert set(inputs(card)) == {"text", "options"}
    assert inputs(card)["text"]["maxLength"] == 3000
    answer = send_dialog(teams_app, prompt, card, {"text": "  We asked the other party first.  ",
                                                   "options": "anonymous"}, user="29:1dave", user_name="Dave")

    assert answer["task"]["type"] == "message" and "stored as number" in answer["task"]["value"]
    (reply,) = teams_app.connector.replies(CHANNEL, prompt.activity_id)
    assert reply.texts[:2] == ["anonymous", "We asked the other party first."]
    assert "Dave" not in json.dumps(reply.activity)
    assert any("Actions 1" in text for text in kickoff.texts)


def test_an_overlong_text_keeps_the_dialog_open_with_the_reason_and_the_text(teams_app):
    kickoff, prompt = started(teams_app)
    card = open_dialog(teams_app, prompt, "Contribute")
    long_text = "x" * 3001

    answer = send_dialog(teams_app, prompt, card, {"text": long_text})

    again = answer["task"]["value"]["card"]["content"]
    assert answer["task"]["type"] == "continue"
    assert "At most 3000 characters" in again["body"][1]["text"] and "3001" in again["body"][1]["text"]
    assert inputs(again)["text"]["value"] == long_text
    with teams_app.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Contribution)) == 0
    assert teams_app.connector.replies(CHANNEL, prompt.activity_id) == []


def test_an_empty_dialog_says_what_to_do(teams_app):
    kickoff, prompt = started(teams_app)
    card = open_dialog(teams_app, prompt, "Contribute")

    answer = send_dialog(teams_app, prompt, card, {"text": "   "})

    assert "Write something" in answer["task"]["value"]["card"]["content"]["body"][1]["text"]


def test_ones_own_contribution_is_edited_and_deleted_from_its_card(teams_app):
    kickoff, prompt = started_in_body(teams_app)
    card = open_dialog(teams_app, prompt, "Contribute", user="29:1erin", user_name="Erin")
    send_dialog(teams_app, prompt, card, {"text": "First words"}, user="29:1erin", user_name="Erin")
    (reply,) = teams_app.connector.replies(CHANNEL, prompt.activity_id)
    assert reply.texts[:2] == ["Erin", "First words"]

    edit = open_dialog(teams_app, reply, "Edit", user="29:1erin", user_name="Erin")
    assert inputs(edit)["text"]["value"] == "First words"
    send_dialog(teams_app, reply, edit, {"text": "Better words"}, user="29:1erin", user_name="Erin")
    assert reply.texts[:2] == ["Erin (edited)", "Better words"] and reply.versions

    delete = button(reply, "Delete")["data"]
    assert teams_app.send(activities.click(teams_app.connector.service_url, prompt.activity_id, delete,
                                           user="29:1erin", name="Erin")) == 202
    assert reply.deleted
    with teams_app.db.transaction() as session:
        row = session.scalars(select(Contribution)).one()
        assert row.deleted_at is not None and row.text == ""


def test_someone_elses_contribution_cannot_be_edited(teams_app):
    kickoff, prompt = started_in_body(teams_app)
    card = open_dialog(teams_app, prompt, "Contribute", user="29:1erin", user_name="Erin")
    send_dialog(teams_app, prompt, card, {"text": "Mine"}, user="29:1erin", user_name="Erin")
    (reply,) = teams_app.connector.replies(CHANNEL, prompt.activity_id)

    assert teams_app.send(activities.dialog_fetch(teams_app.connector.service_url, reply.activity_id,
                                                  button(reply, "Edit")["data"], user="29:1mallory",
                                                  user_name="Mallory")) == 200

    answer = last_json(teams_app)
    assert answer["task"]["type"] == "message"
    assert reply.texts[:2] == ["Erin", "Mine"] and not reply.versions


def test_a_forged_dialog_for_a_round_elsewhere_stores_nothing(teams_app):
    kickoff, prompt = started(teams_app)
    forged = {"goedwerk": "contribution_form", "round": 999, "topic": "kop", "contribution": None}

    assert teams_app.send(activities.dialog_submit(teams_app.connector.service_url, prompt.activity_id, forged,
                                                   {"text": "sneaky"})) == 200

    with teams_app.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Contribution)) == 0


def test_the_overview_in_the_1_to_1_chat_lists_ones_words_and_edits_them(teams_app):
    kickoff, prompt = started(teams_app)
    card = open_dialog(teams_app, prompt, "Contribute", user="29:1erin", user_name="Erin")
    send_dialog(teams_app, prompt, card, {"text": "Words to change"}, user="29:1erin", user_name="Erin")

    assert teams_app.send(activities.personal(teams_app.connector.service_url, "overview", user="29:1erin",
                                              name="Erin")) == 202
    overview = teams_app.connector.chat("29:1erin")[-1]
    assert overview.texts[0] == "Your rounds" and "Words to change" in overview.texts
    validate_card(overview.card)
    edit = next(action for element in overview.card["body"] if element["type"] == "ActionSet"
                for action in element["actions"] if action["title"] == "Edit")
    assert edit["data"]["channel"] == CHANNEL

    fetch = activities.dialog_fetch(teams_app.connector.service_url, "x", edit["data"], user="29:1erin",
                                    user_name="Erin")
    fetch["conversation"] = {"conversationType": "personal", "tenantId": fetch["conversation"]["tenantId"],
                             "id": "a:1personal-29:1erin"}
    assert teams_app.send(fetch) == 200
    dialog = last_json(teams_app)["task"]["value"]["card"]["content"]
    assert inputs(dialog)["text"]["value"] == "Words to change"
