"""The `goedwerk` command as a newcomer uses it: real processes, real files."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from flows.store import migrate

REPO = Path(__file__).resolve().parent.parent


def goedwerk(*args: str, cwd: Path, env: dict | None = None, stdin: str = "") -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "GOEDWERK_", "DATABASE_URL"))}
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], cwd=cwd, env={**clean, **(env or {})},
                          input=stdin, capture_output=True, text=True, timeout=120)


def test_help_lists_every_subcommand(tmp_path: Path) -> None:
    result = goedwerk("--help", cwd=tmp_path)
    assert result.returncode == 0
    for name in ("run", "console", "db", "content"):
        assert name in result.stdout
    for args in (["run"], ["console"], ["db"], ["db", "upgrade"], ["db", "current"], ["content", "check"]):
        assert goedwerk(*args, "--help", cwd=tmp_path).returncode == 0


@pytest.mark.parametrize("variable, value", [
    ("DATABASE_URL", "mysql://x"),
    ("GOEDWERK_LANGUAGE", "fr"),
    ("GOEDWERK_TIMEZONE", "Mars/Olympus"),
    ("GOEDWERK_ROUND_PLAN", "kop=1x"),
    ("GOEDWERK_CONTENT_DIR", "/does/not/exist"),
])
def test_a_bad_setting_is_one_line_and_exit_code_2(tmp_path: Path, variable: str, value: str) -> None:
    result = goedwerk("db", "current", cwd=tmp_path, env={variable: value})
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and variable in lines[0]
    assert "Traceback" not in result.stderr


def test_a_bad_setting_in_dot_env_is_reported_too(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("GOEDWERK_LANGUAGE=de\n")
    result = goedwerk("db", "current", cwd=tmp_path)
    assert result.returncode == 2 and "GOEDWERK_LANGUAGE" in result.stderr


def test_db_upgrade_and_current_on_the_default_sqlite_file(tmp_path: Path) -> None:
    result = goedwerk("db", "current", cwd=tmp_path)
    assert result.returncode == 0 and "empty database" in result.stdout
    result = goedwerk("db", "upgrade", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "goedwerk.db").exists()
    result = goedwerk("db", "current", cwd=tmp_path)
    assert result.stdout.strip() == migrate.head()


def test_content_check_accepts_the_pack_and_reports_broken_files(tmp_path: Path) -> None:
    assert goedwerk("content", "check", cwd=tmp_path).returncode == 0
    own = tmp_path / "own"
    own.mkdir()
    (own / "11-x.yaml").write_text("number: 11\ntitle: {nl: a, en: b}\n")
    result = goedwerk("content", "check", str(own), cwd=tmp_path)
    assert result.returncode == 1
    assert "11-x.yaml" in result.stderr and "Traceback" not in result.stderr


def test_broken_content_stops_the_bot_with_the_same_message(tmp_path: Path) -> None:
    own = tmp_path / "own"
    own.mkdir()
    (own / "12-x.yaml").write_text("number: [unclosed\n")
    result = goedwerk("console", cwd=tmp_path, env={"GOEDWERK_CONTENT_DIR": str(own)})
    assert result.returncode == 2
    assert "12-x.yaml:" in result.stderr and "Traceback" not in result.stderr


def test_run_without_slack_settings_starts_the_console_on_sqlite(tmp_path: Path) -> None:
    result = goedwerk("run", cwd=tmp_path, stdin="/goedwerk taal en\n/goedwerk start 2\n/quit\n")
    assert result.returncode == 0, result.stderr
    assert "starting the local console" in result.stderr
    assert "Round 1 — 2." in result.stdout
    assert (tmp_path / "goedwerk.db").exists()
    # the state is in the database: a second session sees the same round
    result = goedwerk("console", cwd=tmp_path, stdin="/goedwerk status\n")
    assert "Round 1 — 2." in result.stdout


def test_readme_test_command_is_what_ci_runs() -> None:
    readme = (REPO / "README.md").read_text()
    ci = (REPO / ".ci" / "run").read_text()
    command = next(line for line in ci.splitlines() if line.startswith("python3 -m venv"))
    assert command in readme
