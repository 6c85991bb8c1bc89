"""`goedwerk run` as a real process serving Teams, alone and beside Slack on one port."""

from __future__ import annotations

import signal
from pathlib import Path

import urllib3

from tests.slack.fake_slack import FakeSlack, fake_slack  # noqa: F401 (fixture)
from tests.slack.signing import post, slash_command_body
from tests.slack.test_run_process import ROOT, STOP_TIMEOUT, clean_env, free_port, goedwerk, wait_healthy
from tests.teams import activities
from tests.teams.activities import CHANNEL
from tests.teams.conftest import APP_ID, APP_PASSWORD, TENANT
from tests.teams.pki import throwaway_pki


def teams_env(tmp_path: Path, fake_login, **more: str) -> dict[str, str]:
    env = clean_env(TEAMS_APP_ID=APP_ID, TEAMS_APP_PASSWORD=APP_PASSWORD, TEAMS_TENANT_ID=TENANT,
                    TEAMS_OPENID_METADATA_URL=fake_login.metadata_url, TEAMS_LOGIN_URL=fake_login.base_url,
                    SSL_CERT_FILE=str(throwaway_pki().ca_file), DATABASE_URL=f"sqlite:///{tmp_path / 'goedwerk.db'}",
                    GOEDWERK_PUBLIC_URL="https://goedwerk.example.org", GOEDWERK_LANGUAGE="en",
                    PYTHONPATH=str(ROOT), **more)
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        env.pop(name, None)
    return env


def send(url: str, fake_login, activity: dict) -> int:
    token = fake_login.token(audience=APP_ID, service_url=activity["serviceUrl"])
    return urllib3.request("POST", url + "/api/messages", json=activity, retries=False, timeout=30,
                           headers={"Authorization": f"Bearer {token}", "Connection": "close"}).status


def stop(process) -> str:
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=STOP_TIMEOUT + 55)  # generous: a loaded machine stops slowly
    return err


def test_goedwerk_run_serves_teams_alone(tmp_path, fake_login, fake_connector):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = goedwerk(["run", "--port", str(port)], teams_env(tmp_path, fake_login), tmp_path)
    try:
        wait_healthy(process, url)

        assert send(url, fake_login, activities.mention(fake_connector.service_url, "start 3")) == 202
        assert len(fake_connector.top_level(CHANNEL)) == 2
        assert urllib3.request("POST", url + "/api/messages", json={"type": "message"}).status == 401
        assert urllib3.request("POST", url + "/slack/events", body=b"x").status == 404
    finally:
        err = stop(process)
    assert "serving Teams on port" in err
    assert process.returncode == 0


def test_goedwerk_run_serves_slack_and_teams_on_one_port(tmp_path, fake_login, fake_connector,
                                                        fake_slack: FakeSlack):  # noqa: F811
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = teams_env(tmp_path, fake_login, SLACK_BOT_TOKEN="xoxb-x", SLACK_SIGNING_SECRET="s",
                    SLACK_API_URL=fake_slack.base_url, GOEDWERK_WORK_PROCESSES="0")
    process = goedwerk(["run", "--port", str(port), "--no-scheduler"], env, tmp_path)
    try:
        wait_healthy(process, url)

        assert send(url, fake_login, activities.mention(fake_connector.service_url, "start 3")) == 202
        status, _, _ = post(url + "/slack/events", slash_command_body(text="start 2"), "s")
        assert status == 200
        assert fake_slack.wait_for("chat.postMessage", timeout=10)
        assert len(fake_connector.top_level(CHANNEL)) == 2
    finally:
        err = stop(process)
    assert "POST /api/messages" in err


def test_goedwerk_run_names_the_missing_teams_setting(tmp_path, fake_login):
    env = teams_env(tmp_path, fake_login)
    del env["TEAMS_APP_PASSWORD"]

    process = goedwerk(["run", "--port", str(free_port())], env, tmp_path)
    _, err = process.communicate(timeout=30)

    assert process.returncode == 2
    assert "TEAMS_APP_PASSWORD needed to serve Microsoft Teams" in err
