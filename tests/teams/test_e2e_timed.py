"""End to end: timed work in Teams — reminders to silent members from the dispatcher."""

from __future__ import annotations

from tests.teams import activities
from tests.teams.activities import CHANNEL, TEAM


def test_a_silent_member_gets_one_private_reminder_whose_button_works(teams_app):
    connector = teams_app.connector
    connector.set_roster(TEAM, ["29:1alice", "29:1bob", activities.BOT])
    assert teams_app.send(activities.mention(connector.service_url, "start 2 plan=kop=5s,staart=5s bevestig")) == 202

    assert teams_app.wait_until(lambda: connector.chat("29:1bob"), timeout=15)
    (reminder,) = connector.chat("29:1bob")
    assert reminder.texts[0].startswith("Reminder: the step")
    assert ("GET", "v3/conversations/19%3Ateam-general%40thread.tacv2/pagedmembers?pageSize=200") in connector.calls \
        or any(path.startswith("v3/conversations/19%3Ateam-general%40thread.tacv2/pagedmembers")
               for _, path in connector.calls)
    assert not connector.chat(activities.BOT)
    pass_button = next(b for b in reminder.card["actions"] if b["data"]["goedwerk"] == "pass")
    assert pass_button["data"]["channel"] == CHANNEL

    assert teams_app.send(activities.personal_click(connector.service_url, pass_button["data"])) == 202

    assert teams_app.wait_until(lambda: len(connector.chat("29:1bob")) == 2)
    assert connector.chat("29:1bob")[1].texts[0].startswith("Noted: nothing to add")
