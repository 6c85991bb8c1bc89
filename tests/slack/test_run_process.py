"""`goedwerk run` as a real process against the fake Web API, and manifest.yml against the code."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from bot.slack.app import BOT_SCOPES
from bot.slack.http import SLACK_PATHS
from bot.slack.listeners.shortcuts import DELETE_SHORTCUT, EDIT_SHORTCUT
from tests.slack.fake_slack import FakeSlack
from tests.slack.probe import healthz
from tests.slack.signing import post, slash_command_body

ROOT = Path(__file__).resolve().parents[2]
SECRET = "s"
START_TIMEOUT = 20.0
STOP_TIMEOUT = 5.0
#: Events the app listens to (bot/slack/listeners/events.py).
EVENTS = {"app_home_opened", "app_uninstalled", "tokens_revoked"}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def clean_env(**settings: str) -> dict[str, str]:
    """The test's environment without any goedwerk/Slack settings, plus ``settings``."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("SLACK_", "GOEDWERK_", "DATABASE_URL"))}
    env.update(settings)
    return env


def goedwerk(args: list[str], env: dict[str, str], cwd: Path, **kwargs) -> subprocess.Popen:
    """``goedwerk *args`` in a session of its own (so :func:`kill` reaches its work processes too)."""
    # cwd is a fresh directory, so no .env file from the developer's checkout is read
    return subprocess.Popen([sys.executable, "-m", "bot.cli", *args], env=env, cwd=cwd, start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)


def kill(process: subprocess.Popen) -> None:
    """Kill a :func:`goedwerk` process and everything it started: its work processes inherit
    its output pipes, and reading them to the end would otherwise wait for those forever."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.communicate(timeout=30)


def wait_healthy(process: subprocess.Popen, url: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            _, err = process.communicate(timeout=30)
            pytest.fail(f"goedwerk run exited early with {process.returncode}: {err}")
        if healthz(url) == 200:
            return
        time.sleep(0.1)
    pytest.fail(f"GET /healthz did not answer 200 within {START_TIMEOUT:.0f} s")


def test_goedwerk_run_serves_slack_and_stops_on_sigterm(tmp_path: Path, fake_slack: FakeSlack) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = clean_env(SLACK_BOT_TOKEN="xoxb-x", SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=fake_slack.base_url,
                    DATABASE_URL=f"sqlite:///{tmp_path / 'goedwerk.db'}", GOEDWERK_LANGUAGE="en",
                    PYTHONPATH=str(ROOT))
    process = goedwerk(["run", "--port", str(port)], env, tmp_path)
    try:
        wait_healthy(process, url)

        status, _, _ = post(url + "/slack/events", slash_command_body(text="start 2"), SECRET)
        assert status == 200
        kickoff = fake_slack.wait_for("chat.postMessage", timeout=10)[0]
        assert kickoff.token == "xoxb-x"
        assert kickoff.ok

        status, _, _ = post(url + "/slack/events", slash_command_body(text="help"), "wrong-secret")
        assert status == 401

        process.send_signal(signal.SIGTERM)
        try:
            _, err = process.communicate(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            pytest.fail(f"goedwerk run did not stop within {STOP_TIMEOUT:.0f} s of SIGTERM")
        assert process.returncode == 0, err
        assert f"serving Slack on port {port}" in err
    finally:
        if process.poll() is None:
            kill(process)


def test_goedwerk_run_without_signing_secret_exits_2_with_one_line(tmp_path: Path) -> None:
    env = clean_env(SLACK_BOT_TOKEN="xoxb-x", DATABASE_URL=f"sqlite:///{tmp_path / 'goedwerk.db'}",
                    PYTHONPATH=str(ROOT))
    process = goedwerk(["run", "--port", str(free_port())], env, tmp_path)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("goedwerk: ") and "SLACK_SIGNING_SECRET" in lines[0]
    assert "Traceback" not in err and out == ""


# --- manifest.yml agrees with the code ----------------------------------------------


@pytest.fixture(scope="module")
def manifest() -> dict:
    return yaml.safe_load((ROOT / "manifest.yml").read_text(encoding="utf-8"))


def test_manifest_declares_what_the_code_handles(manifest: dict) -> None:
    features, settings = manifest["features"], manifest["settings"]
    assert manifest["display_information"]["name"] == "goedwerk"
    assert len(manifest["display_information"]["description"]) <= 140

    assert [command["command"] for command in features["slash_commands"]] == ["/goedwerk"]
    shortcuts = {shortcut["callback_id"]: shortcut for shortcut in features["shortcuts"]}
    assert set(shortcuts) == {EDIT_SHORTCUT, DELETE_SHORTCUT}
    assert {shortcut["type"] for shortcut in shortcuts.values()} == {"message"}
    assert shortcuts[EDIT_SHORTCUT]["name"] == "Bijdrage bewerken"
    assert shortcuts[DELETE_SHORTCUT]["name"] == "Bijdrage verwijderen"

    assert manifest["oauth_config"]["scopes"]["bot"] == BOT_SCOPES
    assert set(settings["event_subscriptions"]["bot_events"]) == EVENTS
    assert features["app_home"]["home_tab_enabled"] is True
    # private reminders are direct messages: the Messages tab must show them (read-only)
    assert features["app_home"]["messages_tab_enabled"] is True
    assert features["app_home"]["messages_tab_read_only_enabled"] is True
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["socket_mode_enabled"] is False
    assert settings["token_rotation_enabled"] is False


def test_manifest_urls_are_routes_the_server_answers(manifest: dict) -> None:
    urls = [command["url"] for command in manifest["features"]["slash_commands"]]
    urls += [manifest["settings"]["event_subscriptions"]["request_url"],
             manifest["settings"]["interactivity"]["request_url"]]
    urls += manifest["oauth_config"]["redirect_urls"]
    for url in urls:
        assert url.startswith("https://goedwerk.example.org/"), url
        assert url.removeprefix("https://goedwerk.example.org") in SLACK_PATHS, url
    assert set(urls[:-1]) == {"https://goedwerk.example.org/slack/events"}
    assert urls[-1].endswith("/slack/oauth_redirect")


def test_the_app_registers_the_manifests_command_events_and_shortcuts() -> None:
    """What the manifest declares is really listened to (the listener sources name it)."""
    listeners = ROOT / "bot" / "slack" / "listeners"
    assert '@app.command("/goedwerk")' in (listeners / "interactions.py").read_text(encoding="utf-8")
    events = (listeners / "events.py").read_text(encoding="utf-8")
    for event in EVENTS:
        assert f'@app.event("{event}")' in events
    shortcuts = (listeners / "shortcuts.py").read_text(encoding="utf-8")
    assert "@app.shortcut(EDIT_SHORTCUT)" in shortcuts and "@app.shortcut(DELETE_SHORTCUT)" in shortcuts


# --- ready means ready; stopping; children never outlive the server ------------------


def test_healthz_answers_503_until_the_workers_run_and_live_always_answers(tmp_path: Path) -> None:
    from io import BytesIO

    from bot.slack.http import make_wsgi
    from flows.store.db import Database

    db = Database(f"sqlite:///{tmp_path / 'health.db'}")
    ready = [False]
    app = make_wsgi(None, db, ready=lambda: ready[0])

    def get(path: str) -> str:
        answer: list[str] = []
        app({"PATH_INFO": path, "REQUEST_METHOD": "GET", "wsgi.input": BytesIO()},
            lambda status, headers: answer.append(status))
        return answer[0]

    try:
        assert get("/healthz").startswith("503")
        assert get("/healthz/live").startswith("200")
        ready[0] = True
        assert get("/healthz").startswith("200")
    finally:
        db.dispose()


def run_env(tmp_path: Path, fake: FakeSlack, **extra: str) -> dict[str, str]:
    return clean_env(SLACK_BOT_TOKEN="xoxb-x", SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=fake.base_url,
                     DATABASE_URL=f"sqlite:///{tmp_path / 'goedwerk.db'}", GOEDWERK_LANGUAGE="en",
                     PYTHONPATH=str(ROOT), **extra)


def quiet_run(port: int, env: dict[str, str], tmp_path: Path) -> subprocess.Popen:
    """`goedwerk run` logging to a file (a pipe nobody reads would block its logging when full)."""
    log = (tmp_path / "run.log").open("w")
    return subprocess.Popen([sys.executable, "-m", "bot.cli", "run", "--port", str(port)], env=env, cwd=tmp_path,
                            stdout=subprocess.DEVNULL, stderr=log)


def gone(pids: list[int], timeout: float) -> bool:
    """Whether every process in ``pids`` ended within ``timeout`` seconds."""
    import psutil

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not any(psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE for pid in pids):
            return True
        time.sleep(0.1)
    return False


def test_a_killed_server_takes_its_work_processes_with_it(tmp_path: Path, fake_slack: FakeSlack) -> None:
    import psutil

    port = free_port()
    process = quiet_run(port, run_env(tmp_path, fake_slack, GOEDWERK_WORK_PROCESSES="2"), tmp_path)
    try:
        wait_healthy(process, f"http://127.0.0.1:{port}")
        children = [child.pid for child in psutil.Process(process.pid).children(recursive=True)]
        assert len(children) >= 2
        process.kill()  # SIGKILL: no handler runs in the server
        process.wait(10)
        assert gone(children, 10.0), "work processes outlived the server"
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)


def test_sigterm_with_a_backlog_stops_within_seconds_and_leaves_the_rest_in_the_inbox(
        tmp_path: Path, fake_slack: FakeSlack) -> None:
    from bot.runtime import inbox
    from flows.store.db import Database

    fake_slack.latency = 0.5  # every Web API call takes half a second: a backlog builds up
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = quiet_run(port, run_env(tmp_path, fake_slack, GOEDWERK_WORK_PROCESSES="1",
                                      GOEDWERK_REQUEST_WORKERS="2"), tmp_path)
    db = Database(f"sqlite:///{tmp_path / 'goedwerk.db'}")
    try:
        wait_healthy(process, url)
        for number in range(40):
            assert post(url + "/slack/events", slash_command_body(text="status", channel_id=f"C0BUSY{number}"),
                        SECRET)[0] == 200
        waiting = inbox.waiting(db)
        assert waiting > 0
        stopping = time.monotonic()
        process.send_signal(signal.SIGTERM)
        assert process.wait(STOP_TIMEOUT + 5) == 0
        assert time.monotonic() - stopping < STOP_TIMEOUT + 5
        assert 0 < inbox.waiting(db) <= waiting  # unfinished requests stay for the next process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
        db.dispose()
