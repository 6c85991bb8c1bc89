"""`goedwerk teams package`: the Teams app package an admin uploads (manifest and icons, zipped).

The manifest follows Teams' manifest schema 1.22: the bot (``TEAMS_APP_ID``) in team,
group chat and personal scope, lists of suggested commands per scope, ``validDomains``
from ``GOEDWERK_PUBLIC_URL``, and the texts in English with a Dutch localization file
(``nl.json``), both from the catalogues. The icons are drawn here: a 192×192 colour
icon and a 32×32 outline (white on transparent), as Teams asks.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from urllib.parse import urlsplit

from PIL import Image, ImageDraw

from flows.i18n import N_, t

SCHEMA_VERSION = "1.22"
SCHEMA = f"https://developer.microsoft.com/json-schemas/teams/v{SCHEMA_VERSION}/MicrosoftTeams.schema.json"
LOCALIZATION_SCHEMA = (f"https://developer.microsoft.com/json-schemas/teams/v{SCHEMA_VERSION}/"
                       "MicrosoftTeams.Localization.schema.json")
APP_VERSION = "1.0.0"
ACCENT = "#2E6B4F"
COLOR_ICON, OUTLINE_ICON = "color.png", "outline.png"
SHORT_NAME = "goedwerk"
FULL_NAME = N_("goedwerk: a weekly conversation about good work")
SHORT_DESCRIPTION = N_("Talk as a team about a tricky situation and write down what good work is.")
FULL_DESCRIPTION = N_("goedwerk walks a team through a week-long conversation about a critical collaboration "
                      "situation: everyone brings in experiences, the team looks at it from several perspectives, "
                      "and together you write an image of good work that you can publish and find back later.")
CHANNEL_COMMANDS = (
    ("start", "start", N_("Start a round, for example: start 3")),
    ("status", "status", N_("Show the round's progress")),
    ("bijdrage", "contribute", N_("Add to a step: contribute <step> <text>")),
    ("situaties", "situations", N_("List the situations to choose from")),
    ("hulp", "help", N_("Every command goedwerk knows")),
)
PERSONAL_COMMANDS = (("hulp", "help", N_("Every command goedwerk knows")),)


class PackageError(Exception):
    """A setting the package needs is missing; ``str()`` says which."""


def manifest(app_id: str, public_url: str) -> dict:
    """The manifest (English texts)."""
    return {
        "$schema": SCHEMA, "manifestVersion": SCHEMA_VERSION, "version": APP_VERSION, "id": app_id,
        "developer": {"name": SHORT_NAME, "websiteUrl": public_url + "/", "privacyUrl": public_url + "/",
                      "termsOfUseUrl": public_url + "/"},
        "name": {"short": SHORT_NAME, "full": _text("en", FULL_NAME, 100)},
        "description": {"short": _text("en", SHORT_DESCRIPTION, 80), "full": _text("en", FULL_DESCRIPTION, 4000)},
        "icons": {"color": COLOR_ICON, "outline": OUTLINE_ICON},
        "accentColor": ACCENT,
        "bots": [{"botId": app_id, "scopes": ["team", "groupChat", "personal"], "supportsFiles": False,
                  "isNotificationOnly": False,
                  "commandLists": [{"scopes": ["team", "groupChat"], "commands": _commands("en", CHANNEL_COMMANDS)},
                                   {"scopes": ["personal"], "commands": _commands("en", PERSONAL_COMMANDS)}]}],
        "permissions": ["identity", "messageTeamMembers"],
        "validDomains": [urlsplit(public_url).netloc],
        "localizationInfo": {"defaultLanguageTag": "en", "additionalLanguages": [{"languageTag": "nl",
                                                                                  "file": "nl.json"}]},
    }


def localization(language: str) -> dict:
    """A localization file: the manifest's texts and command lists in ``language``."""
    texts = {"$schema": LOCALIZATION_SCHEMA, "name.short": SHORT_NAME, "name.full": _text(language, FULL_NAME, 100),
             "description.short": _text(language, SHORT_DESCRIPTION, 80),
             "description.full": _text(language, FULL_DESCRIPTION, 4000)}
    for number, commands in enumerate((CHANNEL_COMMANDS, PERSONAL_COMMANDS)):
        for index, command in enumerate(_commands(language, commands)):
            prefix = f"bots[0].commandLists[{number}].commands[{index}]"
            texts[f"{prefix}.title"] = command["title"]
            texts[f"{prefix}.description"] = command["description"]
    return texts


def _commands(language: str, commands) -> list[dict]:
    return [{"title": dutch if language == "nl" else english, "description": _text(language, description, 128)}
            for dutch, english, description in commands]


def _text(language: str, msgid: str, limit: int) -> str:
    return t(language, msgid)[:limit]


def icons() -> dict[str, bytes]:
    """The colour icon (192×192, opaque) and the outline icon (32×32, white on transparent)."""
    color = Image.new("RGB", (192, 192), ACCENT)
    draw = ImageDraw.Draw(color)
    draw.ellipse((36, 36, 156, 156), outline="white", width=14)
    draw.line((70, 98, 90, 120, 124, 76), fill="white", width=14, joint="curve")
    outline = Image.new("RGBA", (32, 32), (0, 0, 0, 0))
    draw = ImageDraw.Draw(outline)
    draw.ellipse((3, 3, 28, 28), outline=(255, 255, 255, 255), width=2)
    draw.line((10, 16, 14, 20, 22, 11), fill=(255, 255, 255, 255), width=2)
    return {COLOR_ICON: _png(color), OUTLINE_ICON: _png(outline)}


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def write_package(out: Path, app_id: str | None, public_url: str | None) -> Path:
    """Write the zip (manifest.json, nl.json and the icons at its root); returns ``out``."""
    if not app_id:
        raise PackageError("TEAMS_APP_ID is needed: the bot's app id goes into the package.")
    if not public_url:
        raise PackageError("GOEDWERK_PUBLIC_URL is needed: its host is the package's valid domain.")
    files = {"manifest.json": json.dumps(manifest(app_id, public_url), indent=2, ensure_ascii=False).encode(),
             "nl.json": json.dumps(localization("nl"), indent=2, ensure_ascii=False).encode(), **icons()}
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return out
