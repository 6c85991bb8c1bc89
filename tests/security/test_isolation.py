"""Tenant isolation: crafted payloads from one workspace never touch or reveal another's.

Two workspaces share the app (the single-workspace app accepts any team's signed
request with its one token, which is enough here): T0GOEDWERK (channel C0GOEDWERK)
and T0OTHER (channel C0OTHER). The other team has a published image (round 1), a
draft awaiting consent (round 2) and an active round with named and anonymous
contributions (round 3). Then an attacker in T0GOEDWERK — once as Anna, once under
the very user id of the other team's author and facilitator (user ids are only unique
within a workspace) — aims every entry point at the other team's ids: slash commands,
buttons and menus, modal submissions with forged private_metadata, message shortcuts
on the other team's messages, and the App Home. The other team's rows stay exactly
as they were, no Web API call or response carries its words, and the attacker gets a
refusal or nothing (no form opens).
"""

from __future__ import annotations

import json

from sqlalchemy import select

from bot.slack.blocks.home import HOME_DELETE, HOME_EDIT
from bot.slack.blocks.image_modals import NARRATIVE, TITLE
from bot.slack.blocks.modals import ACTION_OPTIONS, ACTION_TEXT, BLOCK_OPTIONS, BLOCK_TEXT
from bot.slack.listeners.shortcuts import DELETE_SHORTCUT, EDIT_SHORTCUT
from flows.store.models import Channel, MessageRef, PublishedImage, SummaryDraft, Workspace
from tests.security.support import command, contributions_in, dump, rounds_in, settle, snapshot
from tests.slack.conftest import RunningApp
from tests.slack.signing import (
    block_actions_body,
    event_body,
    message_shortcut_body,
    slash_command_body,
    view_submission_body,
)

TEAM, CHANNEL = "T0GOEDWERK", "C0GOEDWERK"
OTHER_TEAM, OTHER_CHANNEL = "T0OTHER", "C0OTHER"
ANNA = "U0ANNA"
BORIS, BEA = "U0BORIS", "U0BEA"  # the other team's facilitator/author and an anonymous author
OTHER_TEXTS = {
    1: ("Boris: at the harbour we phoned the ministry first.", "Bea anonymously: the harbour master hid the memo."),
    2: ("Boris: the province and the water board shared one desk.",),
    3: ("Boris: we wrote the covenant together with the mayor.", "Bea anonymously: the covenant leaked early."),
}
ALL_OTHER_TEXTS = [text for texts in OTHER_TEXTS.values() for text in texts]


def other(app: RunningApp, text: str, user: str = BORIS) -> None:
    command(app, text, user=user, team=OTHER_TEAM, channel=OTHER_CHANNEL, name="other")


def draft_status(app: RunningApp, round_id: int) -> str | None:
    with app.db.transaction() as session:
        draft = session.scalars(select(SummaryDraft).where(SummaryDraft.round_id == round_id)).first()
        return draft.status if draft else None


def set_up_other_team(app: RunningApp) -> dict:
    fake = app.fake
    fake.add_user(BORIS, real_name="Boris Anders", profile={"display_name": "Boris"})
    fake.add_user(BEA, real_name="Bea Verborgen", profile={"display_name": "Bea"})
    ids: dict = {"rounds": []}
    for number, (situation, texts) in enumerate(zip((3, 5, 7), OTHER_TEXTS.values(), strict=True), start=1):
        other(app, f"start {situation} plan=kop=1h,handelingen=1h bevestig")
        assert app.wait_until(lambda number=number: len(rounds_in(app, OTHER_TEAM, OTHER_CHANNEL)) == number)
        round_id = rounds_in(app, OTHER_TEAM, OTHER_CHANNEL)[-1].id
        ids["rounds"].append(round_id)
        before = len(contributions_in(app, OTHER_TEAM, OTHER_CHANNEL))
        other(app, f"bijdrage kop {texts[0]}")
        if len(texts) > 1:
            other(app, f"bijdrage kop anoniem {texts[1]}", user=BEA)
        expected = before + len(texts)
        assert app.wait_until(
            lambda expected=expected: len(contributions_in(app, OTHER_TEAM, OTHER_CHANNEL)) == expected)
        if number == 3:
            other(app, "volgende")  # the head ends: its stories appear in the channel
            assert app.wait_until(lambda: rounds_in(app, OTHER_TEAM, OTHER_CHANNEL)[-1].step_index == 1)
            break
        other(app, "sluit")
        assert app.wait_until(lambda round_id=round_id: draft_status(app, round_id) == "draft")
        other(app, "publiceer")
        assert app.wait_until(lambda round_id=round_id: draft_status(app, round_id) == "awaiting_consent")
        if number == 1:  # Boris, quoted by name, agrees: round 1 is published
            assert app.wait_until(lambda: any(c.params.get("channel") in (BORIS, fake.dm_channel(BORIS))
                                              for c in fake.calls_to("chat.postMessage")))
            app.send(block_actions_body("goedwerk:consent", f"{round_id}:approve@{OTHER_CHANNEL}", user_id=BORIS,
                                        team_id=OTHER_TEAM, channel_id=fake.dm_channel(BORIS)))
            assert app.wait_until(lambda round_id=round_id: draft_status(app, round_id) == "published", timeout=15)
    ids["contributions"] = [row.id for row in contributions_in(app, OTHER_TEAM, OTHER_CHANNEL)]

    def message_ts() -> list[str]:
        with app.db.transaction() as session:
            return list(session.scalars(
                select(MessageRef.ref).join(Channel, MessageRef.channel_id == Channel.id)
                .join(Workspace, Channel.workspace_id == Workspace.id)
                .where(Workspace.external_id == OTHER_TEAM, MessageRef.key.like("contribution:%"))))

    # the heads' stories are posted as each head ends, paced like every post in one channel
    assert app.wait_until(lambda: len(message_ts()) == 5, timeout=30)

    def prompts() -> set[str]:
        with app.db.transaction() as session:
            return set(session.scalars(select(MessageRef.key).where(MessageRef.key.like("prompt:%"))))

    # the step prompts are posted by the dispatcher: let the other team's own timed work finish first
    wanted = {f"prompt:{r}:kop" for r in ids["rounds"]} | {f"prompt:{ids['rounds'][-1]}:handelingen"}
    assert app.wait_until(lambda: wanted <= prompts(), timeout=15)
    ids["message_ts"] = message_ts()
    with app.db.transaction() as session:
        ids["images"] = list(session.scalars(select(PublishedImage.id)))
    assert len(ids["images"]) == 1
    assert len(ids["contributions"]) == 5
    assert len(ids["message_ts"]) == 5
    return ids


def set_up_own_team(app: RunningApp) -> None:
    command(app, "start 1 plan=kop=1h bevestig", user=ANNA, team=TEAM, channel=CHANNEL)
    assert app.wait_until(lambda: len(rounds_in(app, TEAM, CHANNEL)) == 1)
    command(app, "bijdrage kop Anna: our own story in our own channel.", user=ANNA, team=TEAM, channel=CHANNEL)
    assert app.wait_until(lambda: len(contributions_in(app, TEAM, CHANNEL)) == 1)


def contribution_values(text: str) -> dict:
    return {BLOCK_TEXT: {ACTION_TEXT: text},
            BLOCK_OPTIONS: {ACTION_OPTIONS: {"type": "checkboxes", "selected_options": []}}}


def attacks(app: RunningApp, ids: dict, user: str, channel: str) -> list[str]:
    """Signed bodies from T0GOEDWERK aimed at the other team's ids."""
    respond = app.fake.response_url("attack")
    rounds, contributions, images = ids["rounds"], ids["contributions"], ids["images"]
    bodies: list[str] = []

    def slash(text: str) -> None:
        bodies.append(slash_command_body(text=text, user_id=user, team_id=TEAM, channel_id=channel,
                                         response_url=respond))

    def click(action_id: str, value: str, **kwargs) -> None:
        bodies.append(block_actions_body(action_id, value, user_id=user, team_id=TEAM, channel_id=channel,
                                         response_url=respond, **kwargs))

    for text in ("status", "summary", "samenvatting", "collectie", "beeld", "mijn-gegevens export"):
        slash(text)
    for number in contributions:
        slash(f"bewerk {number} x")
        slash(f"verwijder {number}")
        slash(f"ervaring {number}")
    for number in images:
        slash(f"collectie {number}")
        click("goedwerk:open_image", str(number))
    for round_id in rounds:
        for action in ("contribute", "pass"):
            click(f"goedwerk:{action}", f"{round_id}:kop")
        for action in ("publish", "image_text", "image_vote", "image_picture"):
            click(f"goedwerk:{action}", str(round_id))
        for decision in ("approve", "anonymise", "remove"):
            click("goedwerk:consent", f"{round_id}:{decision}@{OTHER_CHANNEL}")
            click("goedwerk:consent", f"{round_id}:{decision}")
    for number in contributions:
        for verb in ("edit", "delete"):
            menu = {"type": "overflow", "action_id": "goedwerk:contribution", "block_id": "b",
                    "selected_option": {"value": f"{verb}:{number}", "text": {"type": "plain_text", "text": verb}}}
            bodies.append(block_actions_body(action=menu, user_id=user, team_id=TEAM, channel_id=channel,
                                             response_url=respond))
        home = {"id": "VHOME", "type": "home", "team_id": TEAM}
        for action_id in (HOME_EDIT, HOME_DELETE):
            bodies.append(block_actions_body(action_id, f"{OTHER_CHANNEL}:{number}", user_id=user, team_id=TEAM,
                                             view=home))
        # a forged edit form: the other team's contribution id in the metadata
        meta = json.dumps({"channel": OTHER_CHANNEL, "round_id": rounds[2], "topic": "kop",
                           "contribution_id": number})
        bodies.append(view_submission_body("goedwerk:contribute", contribution_values("EDITED BY ATTACKER"),
                                           private_metadata=meta, user_id=user, team_id=TEAM))
    for round_id in rounds:
        meta = json.dumps({"channel": OTHER_CHANNEL, "round_id": round_id, "topic": "kop"})
        bodies.append(view_submission_body("goedwerk:contribute", contribution_values("INJECTED BY ATTACKER"),
                                           private_metadata=meta, user_id=user, team_id=TEAM))
        meta = json.dumps({"channel": OTHER_CHANNEL, "round_id": round_id, "part": "text"})
        bodies.append(view_submission_body("goedwerk:image", {TITLE: {TITLE: "HACKED TITLE"},
                                                              NARRATIVE: {NARRATIVE: "HACKED NARRATIVE"}},
                                           private_metadata=meta, user_id=user, team_id=TEAM))
    for ts in ids["message_ts"]:
        for callback in (EDIT_SHORTCUT, DELETE_SHORTCUT):
            bodies.append(message_shortcut_body(callback, message_ts=ts, message_user="U0GOEDBOT", user_id=user,
                                                team_id=TEAM, channel_id=channel))
    bodies.append(event_body({"type": "app_home_opened", "user": user, "tab": "home"}, team_id=TEAM))
    return bodies


def test_crafted_cross_tenant_payloads_change_and_reveal_nothing(slack_app: RunningApp) -> None:
    fake = slack_app.fake
    fake.single_use_triggers = False
    ids = set_up_other_team(slack_app)
    set_up_own_team(slack_app)
    settle(slack_app)
    before_other = snapshot(slack_app, OTHER_TEAM)
    assert {c["text"] for c in before_other["contributions"]} == set(ALL_OTHER_TEXTS)
    first_call, first_response = len(fake.calls), len(fake.responses)

    for user in (ANNA, BORIS):
        for channel in (CHANNEL, OTHER_CHANNEL):
            for body in attacks(slack_app, ids, user, channel):
                status, _, _ = slack_app.send(body)
                assert status == 200, body[:200]
    settle(slack_app, timeout=60)

    # the other workspace is exactly as it was
    after_other = snapshot(slack_app, OTHER_TEAM)
    for part in before_other:
        added = [x for x in after_other[part] if x not in before_other[part]]
        removed = [x for x in before_other[part] if x not in after_other[part]]
        assert after_other[part] == before_other[part], (part, added, removed)
    # nothing that went out reveals its words, its title or its authors' names
    calls = fake.calls[first_call:]
    responses = fake.responses[first_response:]
    outgoing = dump([call.params for call in calls]) + dump([r["body"] for r in responses])
    with slack_app.db.transaction() as session:
        other_title = session.scalar(select(PublishedImage.title))
    for secret in (*ALL_OTHER_TEXTS, "harbour", "covenant", "water board", other_title):
        assert secret not in outgoing, secret
    # no form opened with anything of theirs, nothing posted to their channel, no file shared
    assert not [c for c in calls if c.method in ("views.open", "views.push")]
    assert not [c for c in calls if c.method in ("chat.postMessage", "chat.update", "chat.delete")
                and c.params.get("channel") == OTHER_CHANNEL and c.method != "chat.postEphemeral"]
    # the only files are the attacker's own my-data exports, and they hold nothing of the other team
    uploads = [f for f in fake.uploaded_files.values() if f.filename.startswith("goedwerk-my-data-")]
    assert uploads
    assert all(secret not in f.content.decode() for f in uploads for secret in ALL_OTHER_TEXTS)
    exported = [item for f in uploads for item in json.loads(f.content)["contributions"]]
    assert all(item["id"] not in ids["contributions"] for item in exported)
    assert all(json.loads(f.content)["workspace"]["id"] == TEAM for f in uploads)
    assert all(f.filename.startswith("goedwerk-my-data-") for c in calls if c.method.startswith("files.")
               for f in [fake.uploaded_files[c.response.get("file_id") or c.params["files"][0]["id"]]])
    # the attacker was told no (ephemerally) or nothing at all
    for call in calls:
        assert call.method in ("chat.postEphemeral", "users.info", "views.publish", "conversations.open",
                               "chat.postMessage", "files.getUploadURLExternal",
                               "files.completeUploadExternal"), call.method
        if call.method == "chat.postMessage":  # only a private reply to the attacker (my-data export)
            assert call.params.get("channel") in (ANNA, BORIS, fake.dm_channel(ANNA), fake.dm_channel(BORIS))
    assert responses or [c for c in calls if c.method == "chat.postEphemeral"]
    # the App Home of the same user id in the attacker's workspace lists none of the other team's work
    homes = [c for c in calls if c.method == "views.publish"]
    assert homes
    assert all(secret not in dump(c.params) for c in homes for secret in ALL_OTHER_TEXTS)
