"""`goedwerk teams package`: a Teams app package that keeps to the manifest schema's rules."""

from __future__ import annotations

import io
import json
import re
import zipfile

from PIL import Image

from bot.cli import main
from tests.teams.conftest import APP_ID

GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
SCOPES = {"team", "groupChat", "personal"}


def check_manifest(manifest: dict) -> None:
    """The constraints of Teams' manifest schema 1.22 that this manifest uses."""
    assert manifest["$schema"].endswith("/v1.22/MicrosoftTeams.schema.json")
    assert manifest["manifestVersion"] == "1.22"
    assert re.fullmatch(r"\d+\.\d+\.\d+", manifest["version"])
    assert GUID.match(manifest["id"])
    for url in manifest["developer"].values():
        assert url == manifest["developer"]["name"] or url.startswith("https://")
    assert 0 < len(manifest["name"]["short"]) <= 30 and 0 < len(manifest["name"]["full"]) <= 100
    assert 0 < len(manifest["description"]["short"]) <= 80 and 0 < len(manifest["description"]["full"]) <= 4000
    assert re.fullmatch(r"#[0-9A-Fa-f]{6}", manifest["accentColor"])
    (bot,) = manifest["bots"]
    assert GUID.match(bot["botId"]) and set(bot["scopes"]) <= SCOPES
    for command_list in bot["commandLists"]:
        assert set(command_list["scopes"]) <= set(bot["scopes"]) and len(command_list["commands"]) <= 10
        for command in command_list["commands"]:
            assert 0 < len(command["title"]) <= 32 and 0 < len(command["description"]) <= 128
    for domain in manifest["validDomains"]:
        assert re.fullmatch(r"[a-z0-9.-]+(:\d+)?", domain)
    assert {"color", "outline"} == set(manifest["icons"])


def test_the_package_holds_a_manifest_nl_texts_and_valid_icons(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TEAMS_APP_ID", APP_ID)
    monkeypatch.setenv("GOEDWERK_PUBLIC_URL", "https://goedwerk.example.org/")
    out = tmp_path / "goedwerk-teams.zip"

    assert main(["teams", "package", "--out", str(out)]) == 0

    archive = zipfile.ZipFile(out)
    assert sorted(archive.namelist()) == ["color.png", "manifest.json", "nl.json", "outline.png"]
    manifest = json.loads(archive.read("manifest.json"))
    check_manifest(manifest)
    assert manifest["validDomains"] == ["goedwerk.example.org"]
    assert manifest["bots"][0]["botId"] == APP_ID
    assert [c["title"] for c in manifest["bots"][0]["commandLists"][0]["commands"]][:2] == ["start", "status"]
    dutch = json.loads(archive.read("nl.json"))
    assert dutch["bots[0].commandLists[0].commands[2].title"] == "bijdrage"
    assert dutch["description.short"].startswith("Praat als team")
    color = Image.open(io.BytesIO(archive.read("color.png")))
    outline = Image.open(io.BytesIO(archive.read("outline.png")))
    assert color.size == (192, 192) and color.mode == "RGB"
    assert outline.size == (32, 32) and outline.mode == "RGBA"
    raw = outline.tobytes()
    pixels = [tuple(raw[start:start + 4]) for start in range(0, len(raw), 4)]
    assert {pixel[:3] for pixel in pixels if pixel[3]} == {(255, 255, 255)}
    assert any(pixel[3] == 0 for pixel in pixels)


def test_without_a_public_url_it_says_what_is_missing(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TEAMS_APP_ID", APP_ID)
    monkeypatch.delenv("GOEDWERK_PUBLIC_URL", raising=False)

    assert main(["teams", "package"]) == 2

    assert "GOEDWERK_PUBLIC_URL is needed" in capsys.readouterr().err
    assert not (tmp_path / "goedwerk-teams.zip").exists()
