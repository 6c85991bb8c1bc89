"""Parsing the text after ``/goedwerk`` into a command every adapter shares.

Subcommands are Dutch with English aliases. Parsing never raises anything but
:class:`CommandError`, whose ``msgid`` and ``params`` the engine translates.
"""

from __future__ import annotations

from typing import Any

import re
from dataclasses import dataclass, field

from flows.engine import anonymity
from flows.i18n import N_

ALIASES = {
    "start": "start", "begin": "start",
    "status": "status",
    "bijdrage": "bijdrage", "contribute": "bijdrage", "bijdragen": "bijdrage",
    "pas": "pas", "pass": "pas",
    "bewerk": "bewerk", "edit": "bewerk",
    "verwijder": "verwijder", "delete": "verwijder",
    "volgende": "volgende", "next": "volgende",
    "sluit": "sluit", "close": "sluit",
    "stop": "stop", "cancel": "stop",
    "samenvatting": "samenvatting", "summary": "samenvatting",
    "situaties": "situaties", "situations": "situaties",
    "toon": "toon", "show": "toon",
    "begeleider": "begeleider", "facilitator": "begeleider",
    "beeldbouwer": "beeldbouwer", "imagebuilder": "beeldbouwer", "image-builder": "beeldbouwer",
    "taal": "taal", "language": "taal",
    "ervaring": "ervaring", "experience": "ervaring",
    "herinneringen": "herinneringen", "reminders": "herinneringen",
    "beeld": "beeld", "image": "beeld",
    "stem": "stem", "vote": "stem",
    "publiceer": "publiceer", "publish": "publiceer",
    "collectie": "collectie", "collection": "collectie",
    "terugblik": "terugblik", "checkback": "terugblik",
    "wekelijks": "wekelijks", "weekly": "wekelijks",
    "mijn-gegevens": "mijn-gegevens", "my-data": "mijn-gegevens",
    "bewaartermijn": "bewaartermijn", "retention": "bewaartermijn",
    "help": "help", "hulp": "help", "?": "help",
}
RANDOM_WORDS = {"willekeurig", "random"}
MAX_COMMAND_LENGTH = 4000
_VIRTUES = re.compile(r"^\[([^\]]*)\]\s*")
_MENTION = re.compile(r"^<@([A-Z0-9]+)(?:\|[^>]*)?>$")


class CommandError(Exception):
    """The text is not a valid command; ``msgid``/``params`` explain it to the user."""

    def __init__(self, msgid: str, **params: object) -> None:
        super().__init__(msgid)
        self.msgid = msgid
        self.params = params


@dataclass(frozen=True)
class Parsed:
    """A parsed subcommand: its canonical (Dutch) name and its arguments."""

    name: str
    args: dict[str, Any] = field(default_factory=dict[str, Any])


def _split_first(text: str) -> tuple[str, str]:
    parts = text.strip().split(None, 1)
    if not parts:
        return "", ""
    return parts[0], parts[1] if len(parts) > 1 else ""


def _number(word: str, usage: str) -> int:
    if not word.isdigit() or len(word) > 6:
        raise CommandError(usage)
    return int(word)


def _parse_start(rest: str) -> dict[str, Any]:
    args: dict[str, Any] = {"situation": None, "random": False, "plan": None}
    for word in rest.split():
        lowered = word.lower()
        if lowered.startswith("plan="):
            args["plan"] = word[5:]
        elif lowered in RANDOM_WORDS:
            args["random"] = True
        elif word.isdigit() and len(word) <= 6:
            args["situation"] = int(word)
        else:
            raise CommandError(N_("Use: start [number | random] [plan=...]"))
    if args["random"] and args["situation"] is not None:
        raise CommandError(N_("Use: start [number | random] [plan=...]"))
    return args


def _parse_contribution(rest: str) -> dict[str, Any]:
    usage = N_("Use: contribute <step> [anonymous] [[virtue, virtue]] <text>")
    topic, rest = _split_first(rest)
    if not topic:
        raise CommandError(usage)
    reading = anonymity.read(rest)
    anonymous, rest = reading.anonymous, reading.text
    virtues: tuple[str, ...] = ()
    match = _VIRTUES.match(rest.strip())
    if match:
        virtues = tuple(v.strip() for v in match.group(1).split(",") if v.strip())
        rest = rest.strip()[match.end():]
    if not rest.strip() and not virtues:
        raise CommandError(usage)
    return {"topic": topic.lower(), "anonymous": anonymous, "virtues": virtues, "text": rest.strip(),
            "doubtful": reading.doubtful}


def _parse_user(rest: str, usage: str) -> str:
    word = rest.strip()
    if not word or len(word.split()) != 1:
        raise CommandError(usage)
    mention = _MENTION.match(word)
    return mention.group(1) if mention else word.lstrip("@")


# -- weekly prompt: wekelijks [aan [dag] [HH:MM] | uit] ----------------------------------

WEEKDAYS = {
    word: day
    for day, words in enumerate((
        ("maandag", "ma", "maa", "monday", "mon", "mo"),
        ("dinsdag", "di", "din", "tuesday", "tue", "tu", "tues"),
        ("woensdag", "wo", "woe", "wednesday", "wed", "we"),
        ("donderdag", "do", "don", "thursday", "thu", "th", "thur", "thurs"),
        ("vrijdag", "vr", "vri", "vrij", "friday", "fri", "fr"),
        ("zaterdag", "za", "zat", "saturday", "sat", "sa"),
        ("zondag", "zo", "zon", "sunday", "sun", "su"),
    ))
    for word in words
}
ON_WORDS = {"aan", "on"}
OFF_WORDS = {"uit", "off"}
_CLOCK_TIME = re.compile(r"^([01]?\d|2[0-3])[:.]([0-5]\d)$")


def _parse_weekly(rest: str) -> dict[str, Any]:
    """``{"mode": "show" | "on" | "off", "weekday": 0-6 | None, "time": "HH:MM" | None}``."""
    usage = N_("Use: weekly [on [day] [HH:MM] | off]")
    args: dict[str, Any] = {"mode": "show", "weekday": None, "time": None}
    words = rest.lower().split()
    if not words:
        return args
    if words[0] in OFF_WORDS:
        if len(words) > 1:
            raise CommandError(usage)
        return {**args, "mode": "off"}
    args["mode"] = "on"
    for word in words[1:] if words[0] in ON_WORDS else words:
        clock = _CLOCK_TIME.match(word)
        if word.rstrip(".") in WEEKDAYS and args["weekday"] is None:
            args["weekday"] = WEEKDAYS[word.rstrip(".")]
        elif clock and args["time"] is None:
            args["time"] = f"{int(clock.group(1)):02d}:{clock.group(2)}"
        else:
            raise CommandError(usage)
    return args


def _parse_my_data(rest: str) -> dict[str, Any]:
    """``{"mode": None | "export" | "delete" | "delete-confirm"}``."""
    words = rest.lower().split()
    if not words:
        return {"mode": None}
    if words == ["export"] or words == ["exporteer"]:
        return {"mode": "export"}
    if words[0] in ("verwijder", "delete") and len(words) <= 2:
        if len(words) == 1:
            return {"mode": "delete"}
        if words[1] in ("bevestig", "confirm"):
            return {"mode": "delete-confirm"}
    raise CommandError(N_("Use: my-data [export | delete [confirm]]"))


def _parse_retention(rest: str) -> dict[str, Any]:
    """``{"days": int | None, "confirmed": bool}`` from ``[days [confirm]]``."""
    words = rest.lower().split()
    confirmed = len(words) == 2 and words[1] in ("bevestig", "confirm")
    if len(words) > 1 + confirmed or (words and (not words[0].isdigit() or len(words[0]) > 6)):
        raise CommandError(N_("Use: retention [days [confirm]] (1 to 3650)"))
    return {"days": int(words[0]) if words else None, "confirmed": confirmed}


def parse(text: str) -> Parsed:
    """Parse one command line; an empty line means help."""
    if len(text) > MAX_COMMAND_LENGTH:
        raise CommandError(N_("That command is too long ({length} characters; at most {limit})."),
                           length=len(text), limit=MAX_COMMAND_LENGTH)
    word, rest = _split_first(text)
    if not word:
        return Parsed("help")
    name = ALIASES.get(word.lower())
    if name is None:
        raise CommandError(N_("Unknown command '{word}'."), word=word[:40])
    if name == "start":
        return Parsed(name, _parse_start(rest))
    if name == "bijdrage":
        return Parsed(name, _parse_contribution(rest))
    if name == "pas":
        topic = rest.strip().lower()
        if not topic or len(topic.split()) != 1:
            raise CommandError(N_("Use: pass <step>"))
        return Parsed(name, {"topic": topic})
    if name == "bewerk":
        number, text_rest = _split_first(rest)
        contribution = _number(number, N_("Use: edit <number> <new text>"))
        if not text_rest.strip():
            raise CommandError(N_("Use: edit <number> <new text>"))
        return Parsed(name, {"contribution": contribution, "text": text_rest.strip()})
    if name == "verwijder":
        return Parsed(name, {"contribution": _number(rest.strip(), N_("Use: delete <number>"))})
    if name == "beeld":
        field, value = _split_first(rest)
        fields = {"titel": "title", "title": "title", "ervaring": "experience", "experience": "experience",
                  "verhaal": "narrative", "narrative": "narrative", "plaatje": "picture", "picture": "picture"}
        if not field:
            return Parsed(name, {"field": None})
        if field.lower() not in fields or not value.strip():
            raise CommandError(N_("Use: image [title | experience | narrative | picture] <text>"))
        return Parsed(name, {"field": fields[field.lower()], "value": value})
    if name == "stem":
        if not rest.strip():
            raise CommandError(N_("Use: vote <number of a title> or vote <your own title>"))
        return Parsed(name, {"choice": rest.strip()})
    if name == "terugblik":
        return Parsed(name, {"argument": rest.strip()})
    if name == "collectie":
        return Parsed(name, {"argument": rest.strip()[:100] or None})
    if name == "herinneringen":
        switch = rest.strip().lower()
        if switch not in ("aan", "uit", "on", "off"):
            raise CommandError(N_("Use: reminders on | off"))
        return Parsed(name, {"on": switch in ("aan", "on")})
    if name == "wekelijks":
        return Parsed(name, _parse_weekly(rest))
    if name == "mijn-gegevens":
        return Parsed(name, _parse_my_data(rest))
    if name == "bewaartermijn":
        return Parsed(name, _parse_retention(rest))
    if name == "ervaring":
        return Parsed(name, {"contribution": _number(rest.strip(), N_("Use: experience <number>"))})
    if name == "toon":
        return Parsed(name, {"situation": _number(rest.strip(), N_("Use: show <number>"))})
    if name == "begeleider":
        return Parsed(name, {"user": _parse_user(rest, N_("Use: facilitator @person"))})
    if name == "beeldbouwer":
        return Parsed(name, {"user": _parse_user(rest, N_("Use: imagebuilder @person"))})
    if name == "taal":
        language = rest.strip().lower()
        if language not in ("nl", "en"):
            raise CommandError(N_("Use: language nl | en"))
        return Parsed(name, {"language": language})
    if rest.strip() and name not in ("help",):
        raise CommandError(N_("'{word}' takes no further words."), word=word)
    return Parsed(name)
