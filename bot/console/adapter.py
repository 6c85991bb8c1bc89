"""The console adapter: a whole goedwerk round on your own machine, no Slack needed.

Like errbot's text backend or hubot's shell, it is just another adapter: typed lines
become engine events, effects are printed. Lines:

* ``/goedwerk <subcommand …>`` — as in Slack
* ``/as <user>`` — act as someone else; ``/in <channel>`` — switch channel
* ``/members <user> …`` — set the channel's members (otherwise: who acted there)
* ``/tick <duration>`` — move the clock (``30s``, ``10m``, ``2h``, ``1d``); due steps fire
* ``/choose <n>`` (or just ``<n>``) — pick numbered choice n (a button)
* ``/buttons`` (``/knoppen``) — the buttons still open for you, also from earlier sessions
* ``/quit``

State lives in the database, so a session can stop and resume: the clock goes on where
it stood and the buttons shown before still work (:mod:`bot.console.state`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.console import state
from bot.console.render import render
from flows.clock import ManualClock
from flows.effects import DirectFile, DirectMessage, Effect, Ephemeral, OpenForm, Post, Remove, Update, Upload
from flows.engine.core import Engine
from flows.engine.head import held_line
from flows.engine.presenters import ROUND_STATES
from flows.events import Actor, Choose, Command, Contribute, EditImage
from flows.i18n import t
from flows.scheduling.dispatcher import Dispatcher
from flows.store import messages
from flows.views import Choice, ContributionForm, Notice, PromptView, RoundView, SituationList

PLATFORM = "console"
WORKSPACE = "local"
_DURATION = re.compile(r"^(\d{1,6})([smhd])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
ANONYMOUS_PREFIXES = ("anonymous:", "anoniem:")
MAX_PICTURE_READ = 11 * 1024 * 1024  # the engine refuses anything above 10 MB


@dataclass
class PendingForm:
    user: str
    channel: str
    form: ContributionForm


class ConsoleAdapter:
    """Reads lines, feeds the engine, prints effects through ``write``."""

    def __init__(self, engine: Engine, dispatcher: Dispatcher, clock: ManualClock, zone: ZoneInfo,
                 write: Callable[[str], None] = print, user: str = "me", channel: str = "team",
                 files_dir: Path = Path("goedwerk-files")) -> None:
        self.engine = engine
        self.dispatcher = dispatcher
        self.clock = clock
        self.zone = zone
        self.write = write
        self.user = user
        self.channel = channel
        self.choices: dict[int, tuple[str, Choice]] = {}
        self.pending: PendingForm | None = None
        self.language = engine.defaults.language
        self.files_dir = files_dir
        for button in state.saved_buttons(engine.db):  # what an earlier session showed still works
            self.choices[button.number] = (button.channel, Choice(button.label, button.action, button.value))

    # -- the loop -----------------------------------------------------------------------

    def prompt(self) -> str:
        return f"{self.user}@#{self.channel}> "

    def run(self, lines: Iterable[str], echo: bool = False) -> None:
        """Handle lines until they end or ``/quit``; with ``echo`` print each line (scripts)."""
        for raw in lines:
            line = raw.rstrip("\n")
            if echo:
                self.write(self.prompt() + line)
            if not self.handle_line(line):
                break

    def handle_line(self, line: str) -> bool:
        """Handle one typed line; False when the session should end."""
        stripped = line.strip()
        if self.pending is not None and not stripped.startswith("/"):
            self._answer_form(stripped)
            return True
        if not stripped or stripped.startswith("#"):
            return True
        word, _, rest = stripped.partition(" ")
        word = word.lower()
        if word in ("/quit", "/exit"):
            return False
        if word == "/goedwerk":
            upload = self._local_picture(rest)
            self._send(upload if upload is not None else Command(self._actor(), rest))
        elif word == "/as" and rest.strip():
            self.user = rest.strip().lstrip("@")
        elif word == "/in" and rest.strip():
            self.channel = rest.strip().lstrip("#")
        elif word == "/members":
            users = [name.lstrip("@") for name in rest.split()]
            self.engine.declare_members(self._actor(), users)
            self._say(t(self.language, "Members of #{channel}: {users}", channel=self.channel,
                        users=", ".join(users) or "-"))
        elif word == "/tick":
            self._tick(rest.strip())
        elif word in ("/knoppen", "/buttons"):
            self._list_buttons()
        elif word in ("/choose", "/kies") or stripped.isdigit():
            self._choose(rest.strip() if not stripped.isdigit() else stripped)
        else:
            self._say(t(self.language, "Console commands: /goedwerk <command>, /as <user>, /in <channel>, /members <user> …, /tick <duration>, /choose <n>, /buttons, /quit. Try '/goedwerk help'."))
        return True

    # -- lines --------------------------------------------------------------------------

    def _actor(self) -> Actor:
        return Actor(PLATFORM, WORKSPACE, self.channel, self.user, user_name=self.user, channel_name=self.channel)

    def _send(self, event) -> None:
        """Hand the event to the engine, print the effects, then run what became due (as the
        ticker's wake-up does in a real process)."""
        self.deliver(self.engine.handle(event))
        if self.dispatcher is not None:
            self.dispatcher.run_due()

    def _local_picture(self, text: str) -> EditImage | None:
        """``image picture <path>`` with a file on this machine uploads it (as Slack's file input)."""
        words = text.split(None, 2)
        if len(words) == 3 and words[0].lower() in ("beeld", "image") and words[1].lower() in ("plaatje", "picture"):
            path = Path(words[2]).expanduser()
            if path.is_file():
                return EditImage(self._actor(), None, picture_bytes=path.read_bytes()[:MAX_PICTURE_READ])
        return None

    def _tick(self, text: str) -> None:
        match = _DURATION.match(text.lower())
        if not match:
            self._say(t(self.language, "Use: /tick <number><s|m|h|d>, e.g. /tick 1d"))
            return
        target = self.clock.now() + timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
        # step through due moments in order, so each step fires at its own time
        while True:
            upcoming = self.dispatcher.next_due()
            if upcoming is None or upcoming > target:
                break
            self.clock.set(max(upcoming, self.clock.now()))
            self.dispatcher.run_due()
        self.clock.set(target)
        state.save_clock(self.engine.db, target)  # a restart goes on from here
        self._say(t(self.language, "The clock is now {moment}.", moment=self._when(target)))

    def _when(self, moment: datetime) -> str:
        from flows.i18n import when

        return when(self.language, moment, self.zone)

    def _choose(self, text: str) -> None:
        if not text.isdigit() or int(text) not in self.choices:
            self._say(t(self.language, "There is no choice {number}.", number=text or "?"))
            return
        channel, choice = self.choices[int(text)]
        self.channel = channel
        state.save_buttons(self.engine.db, [
            replace(button, used_by=(*button.used_by, self.user)) if button.number == int(text)
            and self.user not in button.used_by else button for button in state.saved_buttons(self.engine.db)])
        self._send(Choose(self._actor(), choice.action, choice.value))

    def _list_buttons(self) -> None:
        """``/knoppen``: the buttons still open for the current user, also from earlier sessions."""
        found = state.open_buttons(state.saved_buttons(self.engine.db), self.user)
        if not found:
            self._say(t(self.language, "No buttons are open for you."))
            return
        self._say(t(self.language, "Buttons open for you (choose with /choose <number>):"))
        for button in found:
            self.write(f"   [{button.number}] {button.label} · #{button.channel}")

    def _answer_form(self, text: str) -> None:
        pending, self.pending = self.pending, None
        if not text:
            self._say(t(self.language, "Cancelled; nothing was stored."))
            return
        anonymous = text.lower().startswith(ANONYMOUS_PREFIXES)
        if anonymous:
            text = text.split(":", 1)[1].strip()
        virtues: tuple[str, ...] = ()
        if text.startswith("[") and "]" in text:
            inside, text = text[1:].split("]", 1)
            virtues = tuple(v.strip() for v in inside.split(",") if v.strip())
            text = text.strip()
        actor = Actor(PLATFORM, WORKSPACE, pending.channel, pending.user, user_name=pending.user,
                      channel_name=pending.channel)
        self._send(Contribute(actor, pending.form.topic, text, anonymous=anonymous, virtues=virtues,
                              round_id=pending.form.round_id))

    # -- effects ------------------------------------------------------------------------

    def deliver(self, effects: list[Effect], resend: bool = False) -> None:
        """Print effects; this is also the dispatcher's delivery for timed actions.

        When one answer updates several messages with the same view (the draft under the
        tail's prompt and the closing summary), the view is printed once, with the last.
        """
        updates = [(index, effect.view) for index, effect in enumerate(effects) if isinstance(effect, Update)]
        for index, effect in enumerate(effects):
            if isinstance(effect, Update) and any(later > index and view == effect.view for later, view in updates):
                self.write(f"[#{effect.place.channel}] ↻ {effect.key}")  # the same view follows in full
                continue
            self._print(effect)

    def _print(self, effect: Effect) -> None:
        view = getattr(effect, "view", None)
        if view is not None:  # headings speak the language of what they introduce
            self.language = view.language
        if isinstance(effect, Post):
            where = f"[#{effect.place.channel}]"
            if effect.thread_key:
                where += f" ↳ {effect.thread_key}"
            self._block(where, effect.view, effect.place.channel)
        elif isinstance(effect, Update):
            if isinstance(effect.view, RoundView):
                self._round_line(effect)
            elif isinstance(effect.view, PromptView):  # the prompt itself was printed when it opened
                line = held_line(effect.view.language, effect.view.held) if effect.view.held is not None \
                    else t(effect.view.language, "open")
                self.write(f"[#{effect.place.channel}] ↻ {effect.key}: {line}")
            else:
                self._block(f"[#{effect.place.channel}] ↻ {effect.key}", effect.view)
        elif isinstance(effect, Remove):
            self.write(f"[#{effect.place.channel}] ✗ {effect.key} " + t(self.language, "removed"))
        elif isinstance(effect, DirectMessage):
            self._block(f"[DM → {effect.user}]", effect.view, effect.place.channel, user=effect.user)
        elif isinstance(effect, Ephemeral):
            heading = t(self.language, "[#{channel} · only for {user}]", channel=effect.place.channel, user=effect.user)
            self._block(heading, effect.view, effect.place.channel, user=effect.user)
        elif isinstance(effect, Upload):
            self._save_files(effect)
        elif isinstance(effect, DirectFile):
            self.files_dir.mkdir(parents=True, exist_ok=True)
            path = self.files_dir / effect.file.name
            path.write_bytes(effect.file.content)
            self.write(f"[DM → {effect.user}] 📎 {path}")
            for line in render(Notice(self.language, effect.comment), self.zone):
                self.write(line)
        elif isinstance(effect, OpenForm):
            self._block(t(self.language, "[form for {user}]", user=effect.user), effect.view, user=effect.user)
            if isinstance(effect.view, ContributionForm):
                self.pending = PendingForm(effect.user, effect.place.channel, effect.view)

    def _save_files(self, effect: Upload) -> None:
        """Files shared in the channel land in ``files_dir``; their paths are printed."""
        self.files_dir.mkdir(parents=True, exist_ok=True)
        paths = []
        for blob in effect.files:
            path = self.files_dir / blob.name
            path.write_bytes(blob.content)
            paths.append(str(path))
        self.write(f"[#{effect.place.channel}] 📎 " + ", ".join(paths))
        for line in render(Notice(self.language, effect.comment), self.zone):
            self.write(line)
        if effect.key and paths:
            messages.remember(self.engine.db, effect.place, effect.key, paths[0], None, self.clock.now())

    def _round_line(self, effect: Update) -> None:
        view = effect.view
        counts = ", ".join(f"{c.topic} {c.count}" for c in view.coverage)
        state = view.current_step or t(view.language, ROUND_STATES.get(view.status, view.status))
        self.write(f"[#{effect.place.channel}] ↻ {effect.key}: {state} · {counts}")

    def _block(self, heading: str, view, channel: str | None = None, user: str | None = None) -> None:
        """Print ``view`` under ``heading``; its buttons are numbered and kept (``user``: the
        only one who sees them, None when the channel does)."""
        self.language = view.language
        self.write(heading)
        for line in render(view, self.zone):
            self.write(line)
        choices = getattr(view, "choices", ())
        if choices:
            numbered = []
            kept = state.saved_buttons(self.engine.db)  # read afresh: an erasure may have cleared them
            for choice in choices:
                number = max(self.choices, default=0) + 1
                self.choices[number] = (channel or self.channel, choice)
                kept.append(state.Button(number, channel or self.channel, choice.label, choice.action,
                                         choice.value, user))
                numbered.append(f"[{number}] {choice.label}")
            state.save_buttons(self.engine.db, kept)
            if isinstance(view, SituationList):
                for entry in numbered:
                    self.write("   " + entry)
            else:
                self.write("   " + "  ".join(numbered))

    def _say(self, text: str) -> None:
        self.write(f"(console) {text}")
