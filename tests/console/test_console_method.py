"""The console as a facilitator meets it: restarts, buttons, usage errors, status and views.

Dutch and English dialogues: the clock goes on where it stood after a restart, buttons
from an earlier session are listed and still work, a usage error is one line and a
hint, 'samenvatting' shows what 'beeld' shows, 'status' shows when steps really ran,
the situation's question is read once, the kickoff shows the description, and the
Markdown export speaks the channel's language.
"""

from __future__ import annotations

import re
from pathlib import Path

from flows.clock import ManualClock
from flows.store.db import Database
from tests.console.test_dialogues import console
from tests.harness import MONDAY, QUICK_PLAN, Console, content
from tests.test_cli import goedwerk


def test_a_restarted_console_goes_on_where_its_clock_and_buttons_were(tmp_path: Path) -> None:
    me = {"LOGNAME": "joost", "USER": "joost", "USERNAME": "joost"}
    first = goedwerk("console", cwd=tmp_path, env=me, stdin="/goedwerk start\n/tick 3d\n/quit\n")
    assert first.returncode == 0, first.stderr
    assert "joost@#team> /goedwerk start" in first.stdout  # the login name, not "me"
    assert "[formulier voor joost]" in first.stdout
    moved = re.search(r"De klok staat nu op (.+)\.", first.stdout).group(1)
    second = goedwerk("console", cwd=tmp_path, env=me, stdin="/tick 0s\n/knoppen\n/kies 3\n")
    assert f"De klok staat nu op {moved}." in second.stdout  # not back at the last stored event
    listed = second.stdout.split("/knoppen", 1)[1]
    assert "Knoppen die voor je openstaan" in listed and "[3] 3. Wat als" in listed
    assert "Ronde 1 — 3." in second.stdout  # a button from the first session still works
    third = goedwerk("console", cwd=tmp_path, env={"LOGNAME": "anna", "USER": "anna", "USERNAME": "anna"},
                     stdin="/knoppen\n")
    assert "Bijdragen · #team" in third.stdout  # the round's prompt is the channel's: open for anna too
    assert "Wat als" not in third.stdout  # the list of situations was only for joost


def test_buttons_in_english_after_a_restart_and_the_used_ones_gone(db: Database) -> None:
    session = console(db, QUICK_PLAN)
    out = session.run("/as anna\n/goedwerk taal en\n/goedwerk start 2\n/buttons")
    assert "Buttons open for you" in out and "Contribute" in out
    contribute = re.search(r"\[(\d+)\] Contribute · #team", out).group(1)
    restarted = Console(db, ManualClock(MONDAY), plan=QUICK_PLAN)
    out = restarted.run(f"/as anna\n/buttons\n/choose {contribute}")
    assert f"[{contribute}] Contribute" in out and "Contribute to: Head" in out
    out = restarted.run("\n/buttons")  # an empty line cancels the form; the pressed button is no longer open
    assert f"[{contribute}] Contribute" not in out.split("/buttons", 1)[1]


def test_a_usage_error_is_one_line_and_a_hint_in_dutch_and_english(db: Database) -> None:
    session = console(db)
    out = session.run("/goedwerk stem")
    assert "Gebruik: stem <nummer van een titel> of stem <je eigen titel>" in out
    assert "Alle commando's en wat ze doen: '/goedwerk help'." in out
    assert "Commando's (na /goedwerk)" not in out
    out = session.run("/goedwerk taal en\n/goedwerk beeldbouwer")
    assert "Use: imagebuilder @person" in out and "All commands and what they do: '/goedwerk help'." in out
    assert len([line for line in out.splitlines() if line.startswith("  ")]) <= 4


def test_the_question_is_read_once_and_the_kickoff_shows_the_description(db: Database) -> None:
    situation = content().situation(7)
    session = console(db, QUICK_PLAN)
    card = " ".join(session.run("/goedwerk toon 7").split())
    assert "7. Wat als... men je kritische boodschap wel vraagt, maar niet wil horen?" in card
    assert card.count(" ".join(situation.question.nl.split())) == 1
    kickoff = " ".join(session.run("/goedwerk start 7").split())
    opening = " ".join(situation.description.nl.split()[:12])
    assert opening in kickoff  # the console's kickoff shows the description
    assert kickoff.count(" ".join(situation.question.nl.split())) == 1
    english = " ".join(session.run("/in other\n/goedwerk taal en\n/goedwerk toon 3").split())
    assert english.count(" ".join(content().situation(3).question.en.split())) == 1


def test_summary_shows_what_image_shows_and_status_shows_real_step_times(db: Database) -> None:
    session = console(db, "kop=1d,handelingen+kennis=1d,waarden+vrijheid=1d,identiteit=1d,staart=2d")
    session.run("/members anna bob\n/as anna\n/goedwerk taal en\n/goedwerk start 6\n"
                "/goedwerk bijdrage kop We phoned first.\n/tick 2h\n/goedwerk volgende")
    out = session.run("/goedwerk status")
    # the head really ran from 10:00 to 12:00 (the facilitator moved on), not until the next morning
    assert re.search(r"✓ Head: your own experiences: Mon 30 Nov 10:00 – Mon 30 Nov 12:00", out), out
    assert re.search(r"▶ Actions \+ Knowledge: Mon 30 Nov 12:00 –", out), out
    session.run("/goedwerk volgende\n/goedwerk volgende\n/goedwerk volgende\n"
                "/goedwerk bijdrage staart Phone first, write later.\n/goedwerk sluit")
    session.run("/goedwerk stem Phone first\n/as bob\n/goedwerk stem 1")
    image = session.run("/goedwerk beeld")
    summary = session.run("/goedwerk samenvatting")
    shown = image.split("]", 1)[1].rsplit("\n   [", 1)[0]  # the view, without its freshly numbered buttons
    assert "“Phone first” (1)" in shown and "Phone first, write later." in shown
    assert shown == summary.split("]", 1)[1].rsplit("\n   [", 1)[0]


def test_markdown_export_speaks_dutch(db: Database, tmp_path: Path) -> None:
    from bot.export import export
    from bot.settings import load_settings

    session = console(db, QUICK_PLAN)
    session.run("/members anna bob\n/as anna\n/goedwerk start 7\n/goedwerk bijdrage kop Ik zei het toch.\n"
                "/tick 1m\n/as bob\n/goedwerk bijdrage handelingen anoniem Eerst luisteren.\n/tick 4m\n/as anna\n"
                "/goedwerk bijdrage staart Luisteren en dan zeggen.\n/tick 5m\n/goedwerk publiceer\n/tick 49h")
    export(load_settings(database_url=db.url), "team", "md", tmp_path / "beelden.md")
    markdown = (tmp_path / "beelden.md").read_text()
    assert "## Kenmerkende ervaring" in markdown and "## Beeld van goed werk" in markdown
    assert "„Eerst luisteren.” — anoniem" in markdown
    assert "Met het team" in markdown or "Met " in markdown
    assert "Characteristic experience" not in markdown and "With:" not in markdown
