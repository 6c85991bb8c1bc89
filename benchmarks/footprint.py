"""Footprint: start-up time to ``/healthz`` answering, and resident memory idle and after a soak.

Start-up: the real ``goedwerk run`` (``python -m bot.cli run``) is spawned against a
fake Slack Web API (``tests/slack/fake_slack.py``) on an already migrated database, and
timed from spawn to the first 200 from ``GET /healthz``. The baseline, measured in the
same run and interleaved with it, is a bare Bolt app served by waitress (16 threads,
like goedwerk) with its own ``/healthz`` that answers at once: what any Bolt app on this
server pays, so the ratio shows what goedwerk adds (importing SQLAlchemy, Alembic,
reportlab and its own modules, the content pack, the migration check, the scheduler,
a database query per ``/healthz``). The interpreter alone (``python -c pass``) and one start on
an empty database (goedwerk migrates it first) are shown for reference. Resident memory
(VmRSS) is read a few seconds after ``/healthz`` answers, summed over the server and its
work processes (bot/runtime/processes.py). ``/healthz`` answers 200 only once the work
processes run their workers, so the start-up time is the time until requests get done.

Soak: one ``goedwerk run`` on a fresh database gets ``--actions`` signed HTTP requests
from 4 clients over 8 channels: ``/goedwerk status`` commands, clicks on a topic's
"contribute" button (the app opens the form) and form submissions (new contributions),
plus ``/goedwerk start`` whenever a channel has no running round. The round plan is
short (about a minute), so the in-process scheduler opens steps, sends reminders and
closes rounds (posting the draft) during the soak. Each client waits for the app's
answer to its request (the form opening, the private reply) before it sends the next,
so no backlog builds up. RSS is sampled idle, every tenth of the soak and once settled;
the growth from the 20% point to the end (warm-up excluded) should be small (< 10%).
With ``--tracemalloc`` the server traces Python allocations from the end of its start-up
and the script prints which source lines grew between the 20% point and the end.

    python benchmarks/footprint.py                 # SQLite, and PostgreSQL when reachable
    python benchmarks/footprint.py --database-url postgresql://postgres@127.0.0.1:5432/test
    python benchmarks/footprint.py --sqlite-only --tracemalloc   # where memory grows, if it does
    python benchmarks/footprint.py --quick         # 1 start, 200 actions, SQLite (the CI smoke test)
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, select, text

from benchmarks import proctree
from bot.slack.blocks import write_metadata
from bot.slack.blocks.modals import (
    ACTION_OPTIONS,
    ACTION_TEXT,
    BLOCK_OPTIONS,
    BLOCK_TEXT,
    CALLBACK_CONTRIBUTE,
    OPTION_ANONYMOUS,
)
from flows.store import migrate
from flows.store.db import normalise_url
from flows.store.models import ROUND_ACTIVE, Channel, Round
from tests.slack import probe
from tests.slack.fake_slack import FakeSlack
from tests.slack.signing import block_actions_body, post, slash_command_body, view_submission_body

SECRET = "footprint-signing-secret"
TOKEN = "xoxb-footprint"
POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
SOAK_PLAN = "kop=20s,handelingen+kennis=10s,waarden+vrijheid=10s,identiteit=10s,staart=10s"
CLIENTS, CHANNELS_PER_CLIENT, USERS_PER_CLIENT = 4, 2, 4
MIX = (("status", 0.30), ("click", 0.35), ("submit", 0.35))
TOPICS = ("kop", "kop", "kop", "handelingen", "kennis", "waarden", "vrijheid", "identiteit", "staart")
ANSWER_TIMEOUT = 15.0
START_TIMEOUT = 60.0
MIB = 1024 * 1024
WORDS = ("we belden eerst de provincie voordat iemand een brief schreef en dat hielp omdat de regels van "
         "ieder een andere kant op wezen terwijl de bewoner zenuwachtig wachtte op één duidelijk antwoord "
         "café overleg gemeente woningcorporatie wijkagent vertrouwen geëvalueerd “samen” ideeën").split()

# A bare Bolt app with its own /healthz, on waitress like goedwerk: the start-up baseline.
BARE_BOLT = """
import os, sys
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from waitress import create_server

client = WebClient(token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"])
app = App(client=client, signing_secret=os.environ["SLACK_SIGNING_SECRET"], token_verification_enabled=False,
          process_before_response=False)
app.command("/goedwerk")(lambda ack: ack())
slack = SlackRequestHandler(app)

def application(environ, start_response):
    if environ.get("PATH_INFO") == "/healthz":
        start_response("200 OK", [("Content-Type", "application/json")])
        return [b'{"status": "ok"}']
    return slack(environ, start_response)

create_server(application, host="127.0.0.1", port=int(sys.argv[1]), threads=16).run()
"""

# goedwerk run with tracemalloc: the first SIGUSR1 starts tracing (imports under tracemalloc take
# minutes), each later one writes a snapshot to $FOOTPRINT_SNAPSHOT.<n>.
TRACED_RUN = """
import itertools, os, signal, sys, tracemalloc
numbers = itertools.count(1)

def on_signal(*_):
    if not tracemalloc.is_tracing():
        tracemalloc.start(5)
    else:
        tracemalloc.take_snapshot().dump(f"{os.environ['FOOTPRINT_SNAPSHOT']}.{next(numbers)}")

signal.signal(signal.SIGUSR1, on_signal)
from bot.cli import main
sys.exit(main(sys.argv[1:]))
"""


# -- databases and processes --------------------------------------------------------------

@dataclass
class Backend:
    """A database server to run on: SQLite files in a folder, or a PostgreSQL server."""

    name: str
    folder: Path
    server: str | None = None  # a PostgreSQL URL; None for SQLite
    created: list[str] = field(default_factory=list)

    def fresh(self, name: str, migrated: bool = True) -> str:
        """The URL of a new, empty database ``name`` (migrated to the latest schema by default)."""
        if self.server is None:
            url = f"sqlite:///{self.folder / name}.db"
        else:
            self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')
            self.created.append(name)
            url = self.server.rsplit("/", 1)[0] + f"/{name}"
        if migrated:
            migrate.upgrade(url)
        return url

    def drop_all(self) -> None:
        if self.server is not None:
            self._admin(*(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)' for name in self.created))

    def _admin(self, *statements: str) -> None:
        admin = create_engine(normalise_url(self.server), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            for statement in statements:
                connection.execute(text(statement))
        admin.dispose()


def reachable(url: str) -> bool:
    try:
        engine = create_engine(normalise_url(url), connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
        return True
    except Exception:  # any failure means: not usable here
        return False


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def app_env(fake: FakeSlack, database_url: str, **extra: str) -> dict[str, str]:
    """This environment without goedwerk/Slack settings, plus the ones for the fake Slack."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("SLACK_", "GOEDWERK_", "DATABASE_URL"))}
    env.update(SLACK_BOT_TOKEN=TOKEN, SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=fake.base_url,
               DATABASE_URL=database_url, GOEDWERK_LANGUAGE="en", PYTHONPATH=str(ROOT), **extra)
    return env


def spawn(command: list[str], env: dict[str, str], folder: Path, log: Path) -> subprocess.Popen:
    """Start ``command`` in ``folder`` (no .env there) with its output going to ``log``."""
    with log.open("a") as output:
        return subprocess.Popen(command, env=env, cwd=folder, stdout=output, stderr=subprocess.STDOUT)


def goedwerk_command(port: int, traced: bool = False) -> list[str]:
    if traced:
        return [sys.executable, "-c", TRACED_RUN, "run", "--port", str(port)]
    return [sys.executable, "-m", "bot.cli", "run", "--port", str(port)]


def wait_healthy(process: subprocess.Popen, url: str, log: Path) -> float:
    """Seconds until ``/healthz`` answers 200 (the caller noted the spawn time just before)."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the process exited early with {process.returncode}:\n{log.read_text()[-3000:]}")
        if probe.healthz(url, timeout=2) == 200:
            return time.monotonic()
        time.sleep(0.005)
    raise SystemExit(f"GET /healthz did not answer 200 within {START_TIMEOUT:.0f} s:\n{log.read_text()[-3000:]}")


def stop(process: subprocess.Popen) -> int:
    """SIGTERM, then the exit code (killed after 15 s)."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            return process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            return -9
    return process.returncode


def rss(pid: int) -> int:
    """Resident memory (VmRSS, bytes) of process ``pid`` and its work processes, summed."""
    return proctree.rss(pid)


# -- start-up -------------------------------------------------------------------------------

@dataclass
class Start:
    seconds: float
    idle_rss: int


def start_once(command: list[str], env: dict[str, str], folder: Path, idle_wait: float) -> Start:
    port = free_port()
    if "{port}" in command:
        command = [str(port) if part == "{port}" else part for part in command]
    else:
        command = [*command, "--port", str(port)]
    log = folder / "start.log"
    spawned = time.monotonic()
    process = spawn(command, env, folder, log)
    try:
        answered = wait_healthy(process, f"http://127.0.0.1:{port}", log)
        time.sleep(idle_wait)
        return Start(answered - spawned, rss(process.pid))
    finally:
        stop(process)


def interpreter_start(repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.monotonic()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        times.append(time.monotonic() - started)
    return times


def startups(backends: list[Backend], fake: FakeSlack, repeat: int, idle_wait: float) -> dict[str, list[Start]]:
    """Start-up figures by row name; goedwerk and the baseline interleaved so load hits both alike."""
    rows: dict[str, list[Start]] = {"bare Bolt app on waitress (baseline)": []}
    bare = [sys.executable, "-c", BARE_BOLT, "{port}"]
    goedwerk = [sys.executable, "-m", "bot.cli", "run"]
    for backend in backends:
        url = backend.fresh("footprint_start")
        env = app_env(fake, url)
        row = rows.setdefault(f"goedwerk run ({backend.name})", [])
        for _ in range(repeat):
            rows["bare Bolt app on waitress (baseline)"].append(
                start_once(bare, app_env(fake, url), backend.folder, idle_wait))
            row.append(start_once(goedwerk, env, backend.folder, idle_wait))
        empty = backend.fresh("footprint_empty", migrated=False)
        rows[f"goedwerk run, empty database ({backend.name})"] = [
            start_once(goedwerk, app_env(fake, empty), backend.folder, idle_wait)]
    return rows


# -- the soak --------------------------------------------------------------------------------

class Answers:
    """How many answers the app gave each soak client: forms opened, private replies, responses."""

    def __init__(self) -> None:
        self._counts: Counter[int] = Counter()
        self._changed = threading.Condition()

    def add(self, client: int | None) -> None:
        if client is None:
            return
        with self._changed:
            self._counts[client] += 1
            self._changed.notify_all()

    def count(self, client: int) -> int:
        with self._changed:
            return self._counts[client]

    def wait(self, client: int, seen: int, timeout: float) -> bool:
        """Whether client ``client`` got an answer beyond the ``seen`` it had, within ``timeout``."""
        with self._changed:
            return self._changed.wait_for(lambda: self._counts[client] > seen, timeout)


def user_id(client: int, number: int) -> str:
    return f"U0S{client}X{number}"


def client_of(user_or_trigger: str) -> int | None:
    """The soak client a user id (``U0S<client>X<n>``) or trigger id (``<n>.<client>.<hex>``) belongs to."""
    found = re.match(r"^U0S(\d+)X|^\d+\.(\d+)\.", user_or_trigger or "")
    return int(found.group(1) or found.group(2)) if found else None


def listen(fake: FakeSlack, answers: Answers) -> None:
    """Count the fake's ``views.open`` and ``chat.postEphemeral`` calls as answers to a client."""
    stamps = itertools.count(1)

    def opened(params: dict) -> dict:
        answers.add(client_of(str(params.get("trigger_id", ""))))
        return {"view": {"id": f"VSOAK{next(stamps)}", "type": "modal", "hash": "1"}}

    def ephemeral(params: dict) -> dict:
        answers.add(client_of(str(params.get("user", ""))))
        return {"message_ts": f"1800000000.{next(stamps):06d}"}

    fake.on("views.open", opened)
    fake.on("chat.postEphemeral", ephemeral)


class ResponseSink:
    """A local server for the ``response_url`` of commands and buttons: ``/<client>`` counts as an answer."""

    def __init__(self, answers: Answers) -> None:
        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")
                answers.add(int(self.path.strip("/")) if self.path.strip("/").isdigit() else None)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Rounds:
    """The running round of each soak channel, read from the database (not through the app)."""

    def __init__(self, url: str) -> None:
        self.engine = create_engine(normalise_url(url))  # plain reads: no BEGIN IMMEDIATE on SQLite

    def active(self, channel: str) -> int | None:
        query = (select(Round.id).join(Channel, Round.channel_id == Channel.id)
                 .where(Channel.external_id == channel, Round.status == ROUND_ACTIVE)
                 .order_by(Round.id.desc()).limit(1))
        with self.engine.connect() as connection:
            return connection.execute(query).scalar()

    def close(self) -> None:
        self.engine.dispose()


@dataclass
class Soak:
    """Shared state of one soak: counts, RSS samples and the tallies printed at the end."""

    pid: int
    total: int
    every: int
    started: float = field(default_factory=time.monotonic)
    done: int = 0
    samples: list[tuple[int, float, int]] = field(default_factory=list)
    kinds: Counter = field(default_factory=Counter)
    statuses: Counter = field(default_factory=Counter)
    unanswered: int = 0
    snapshot: Callable[[int], None] | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, kind: str, status: int, answered: bool) -> None:
        with self.lock:
            self.kinds[kind] += 1
            self.statuses[status] += 1
            self.unanswered += not answered

    def take(self) -> bool:
        """Claim the next action; False when all are taken."""
        with self.lock:
            if self.done >= self.total:
                return False
            self.done += 1
            if self.done % self.every == 0:
                self.samples.append((self.done, time.monotonic() - self.started, rss(self.pid)))
                if self.snapshot is not None:
                    self.snapshot(self.done)
            return True


def story(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 120))).capitalize() + "."


def client_loop(number: int, app_url: str, sink: ResponseSink, answers: Answers, rounds: Rounds,
                soak: Soak) -> None:
    """One soak client: its own channels and users, one request at a time, each answered first."""
    rng = random.Random(number)
    channels = [f"C0SOAK{number}X{index}" for index in range(CHANNELS_PER_CLIENT)]
    users = [user_id(number, index) for index in range(USERS_PER_CLIENT)]
    triggers = itertools.count(1)
    views = itertools.count(1)
    known: dict[str, tuple[int | None, float]] = {}

    def round_of(channel: str) -> int | None:
        found, checked = known.get(channel, (None, 0.0))
        if time.monotonic() - checked > 2.0:
            found = rounds.active(channel)
            known[channel] = (found, time.monotonic())
        return found

    def send(kind: str, body: str, expect_answer: bool = True) -> None:
        seen = answers.count(number)
        status, _, _ = post(app_url + "/slack/events", body, SECRET, timeout=30)
        answered = not expect_answer or status != 200 or answers.wait(number, seen, ANSWER_TIMEOUT)
        soak.record(kind, status, answered)

    while soak.take():
        channel, user = rng.choice(channels), rng.choice(users)
        trigger = f"{7_100_000_000_000 + next(triggers)}.{number}.{secrets.token_hex(8)}"
        respond = f"{sink.url}/{number}"
        round_id = round_of(channel)
        if round_id is None:
            send("start", slash_command_body(text=f"start {rng.randint(1, 10)}", channel_id=channel, user_id=user,
                                             user_name=user.lower(), trigger_id=trigger, response_url=respond),
                 expect_answer=False)
            wait_for_round(rounds, channel, known)
            continue
        kind = rng.choices([name for name, _ in MIX], [share for _, share in MIX])[0]
        topic = rng.choice(TOPICS)
        if kind == "status":
            body = slash_command_body(text="status", channel_id=channel, user_id=user, user_name=user.lower(),
                                      trigger_id=trigger, response_url=respond)
        elif kind == "click":
            body = block_actions_body("goedwerk:contribute", f"{round_id}:{topic}", channel_id=channel,
                                      user_id=user, user_name=user.lower(), trigger_id=trigger, response_url=respond)
        else:
            options = {"type": "checkboxes", "selected_options": [
                {"value": OPTION_ANONYMOUS, "text": {"type": "plain_text", "text": "anon"}}] if rng.random() < 0.2
                else []}
            values = {BLOCK_TEXT: {ACTION_TEXT: story(rng)}, BLOCK_OPTIONS: {ACTION_OPTIONS: options}}
            body = view_submission_body(CALLBACK_CONTRIBUTE, values, user_id=user, user_name=user.lower(),
                                        private_metadata=write_metadata(round_id=round_id, topic=topic,
                                                                        channel=channel),
                                        view_id=f"VS{number}X{next(views)}", trigger_id=trigger)
        send(kind, body)


def wait_for_round(rounds: Rounds, channel: str, known: dict, timeout: float = ANSWER_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = rounds.active(channel)
        if found is not None:
            known[channel] = (found, time.monotonic())
            return
        time.sleep(0.05)


def settle(fake: FakeSlack, quiet: float = 3.0, limit: float = 60.0) -> None:
    """Wait until the app has made no Web API call for ``quiet`` seconds (or ``limit`` passed)."""
    deadline = time.monotonic() + limit
    last, since = -1, time.monotonic()
    while time.monotonic() < deadline:
        count = len(fake.calls)
        if count != last:
            last, since = count, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return
        time.sleep(0.25)


@dataclass
class SoakResult:
    idle: int
    samples: list[tuple[int, float, int]]
    settled: int
    seconds: float
    kinds: Counter
    statuses: Counter
    unanswered: int
    exit_code: int
    log_errors: int
    scheduled_posts: int
    growth_lines: list[str]


def soak(backend: Backend, fake: FakeSlack, actions: int, idle_wait: float, traced: bool) -> SoakResult:
    url = backend.fresh("footprint_soak")
    folder = backend.folder
    port = free_port()
    app_url = f"http://127.0.0.1:{port}"
    snapshots = folder / "soak.snapshot"
    env = app_env(fake, url, GOEDWERK_ROUND_PLAN=SOAK_PLAN, GOEDWERK_DISPATCH_INTERVAL="1",
                  FOOTPRINT_SNAPSHOT=str(snapshots))
    log = folder / "soak.log"
    log.write_text("")
    process = spawn(goedwerk_command(port, traced), env, folder, log)
    answers, rounds = Answers(), Rounds(url)
    listen(fake, answers)
    sink = ResponseSink(answers)
    try:
        wait_healthy(process, app_url, log)
        time.sleep(idle_wait)
        idle = rss(process.pid)
        if traced:
            process.send_signal(signal.SIGUSR1)  # start tracing
        every = max(1, actions // 10)
        state = Soak(process.pid, actions, every)
        if traced:
            state.snapshot = lambda done: snapshot_at(process, done, every)
        threads = [threading.Thread(target=client_loop, args=(number, app_url, sink, answers, rounds, state))
                   for number in range(CLIENTS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        seconds = time.monotonic() - state.started
        settle(fake)
        settled = rss(process.pid)
        growth = snapshot_growth(process, snapshots) if traced else []
    finally:
        exit_code = stop(process)
        sink.close()
        rounds.close()
    scheduled = sum(1 for call in fake.calls if call.method == "chat.postMessage" and not call.params.get("thread_ts"))
    errors = sum(1 for line in log.read_text().splitlines() if " ERROR " in line or line.startswith("Traceback"))
    return SoakResult(idle, state.samples, settled, seconds, state.kinds, state.statuses, state.unanswered,
                      exit_code, errors, scheduled, growth)


def snapshot_at(process: subprocess.Popen, done: int, every: int) -> None:
    """In --tracemalloc mode: a snapshot at the 20% point (after warm-up)."""
    if done == 2 * every:
        process.send_signal(signal.SIGUSR1)


def snapshot_growth(process: subprocess.Popen, snapshots: Path, top: int = 12) -> list[str]:
    """The lines whose Python allocations grew most from the 20% snapshot to the end of the soak."""
    process.send_signal(signal.SIGUSR1)
    first, last = Path(f"{snapshots}.1"), Path(f"{snapshots}.2")
    deadline = time.monotonic() + 60
    while not last.exists() and time.monotonic() < deadline:
        time.sleep(0.5)
    time.sleep(2)  # let the dump finish writing
    if not first.exists() or not last.exists():
        return ["(no tracemalloc snapshots were written)"]
    keep = [tracemalloc.Filter(False, tracemalloc.__file__), tracemalloc.Filter(False, "<frozen importlib._bootstrap>")]
    old = tracemalloc.Snapshot.load(str(first)).filter_traces(keep)
    new = tracemalloc.Snapshot.load(str(last)).filter_traces(keep)
    before, after = (sum(stat.size for stat in snapshot.statistics("filename")) / MIB for snapshot in (old, new))
    total = f"traced Python memory {before:.1f} MiB at the 20% point, {after:.1f} MiB at the end; largest changes:"
    return [total, *(str(stat) for stat in new.compare_to(old, "lineno")[:top])]


# -- report ------------------------------------------------------------------------------------

def median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def print_startups(rows: dict[str, list[Start]], interpreter: list[float]) -> None:
    base = median([start.seconds for start in rows["bare Bolt app on waitress (baseline)"]])
    print(f"{'start-up (spawn to the first 200 from /healthz)':<50} {'starts':>6} {'median ms':>9} {'min':>7} "
          f"{'max':>7} {'ratio':>6} {'idle RSS MiB':>12}")
    print(f"{'interpreter only (python -c pass, to its exit)':<50} {len(interpreter):>6} "
          f"{median(interpreter) * 1000:>9.0f} {min(interpreter) * 1000:>7.0f} {max(interpreter) * 1000:>7.0f} "
          f"{median(interpreter) / base:>6.2f} {'-':>12}")
    for name, starts in rows.items():
        seconds = [start.seconds for start in starts]
        print(f"{name:<50} {len(starts):>6} {median(seconds) * 1000:>9.0f} {min(seconds) * 1000:>7.0f} "
              f"{max(seconds) * 1000:>7.0f} {median(seconds) / base:>6.2f} "
              f"{median([start.idle_rss for start in starts]) / MIB:>12.1f}")


def print_soak(name: str, result: SoakResult, actions: int) -> None:
    mix = ", ".join(f"{kind} {count}" for kind, count in sorted(result.kinds.items()))
    statuses = ", ".join(f"HTTP {status}: {count}" for status, count in sorted(result.statuses.items()))
    print(f"soak on {name}: {actions:,} actions in {result.seconds:.0f} s ({actions / result.seconds:.0f}/s); "
          f"{mix}; {statuses}; unanswered within {ANSWER_TIMEOUT:.0f} s: {result.unanswered}")
    print(f"{'point':<10} {'actions':>7} {'seconds':>7} {'RSS MiB':>8} {'vs idle':>8}")
    print(f"{'idle':<10} {0:>7} {0:>7} {result.idle / MIB:>8.1f} {'':>8}")
    for done, seconds, resident in result.samples:
        print(f"{'':<10} {done:>7} {seconds:>7.0f} {resident / MIB:>8.1f} {(resident - result.idle) / MIB:>+8.1f}")
    print(f"{'settled':<10} {actions:>7} {'':>7} {result.settled / MIB:>8.1f} "
          f"{(result.settled - result.idle) / MIB:>+8.1f}")
    if len(result.samples) >= 3:
        (start_done, _, start_rss), (end_done, _, end_rss) = result.samples[1], result.samples[-1]
        growth = (end_rss - start_rss) / start_rss * 100
        verdict = "flat" if growth < 10 else "GROWING"
        print(f"growth from {start_done:,} to {end_done:,} actions (warm-up excluded): "
              f"{(end_rss - start_rss) / MIB:+.1f} MiB ({growth:+.1f}%) — {verdict} (flat: < 10%)")
    print(f"scheduled and channel posts during the soak (kickoffs, step prompts, drafts): {result.scheduled_posts}; "
          f"app log ERROR lines: {result.log_errors}; exit code after SIGTERM: {result.exit_code}")
    for line in result.growth_lines:
        print(f"  tracemalloc: {line}")


# -- main ----------------------------------------------------------------------------------------

def choose_backends(args, folder: Path) -> list[Backend]:
    backends = [Backend("sqlite", folder)]
    server = args.database_url or (None if args.sqlite_only or args.quick else POSTGRES)
    if server is not None:
        if reachable(server):
            backends.append(Backend("postgresql", folder, server))
        else:
            print(f"PostgreSQL at {server} is not reachable: measuring SQLite only")
    return backends


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1 start, a 200-action soak, SQLite only (smoke test)")
    parser.add_argument("--database-url", help=f"a PostgreSQL server URL (default: {POSTGRES}, when reachable)")
    parser.add_argument("--sqlite-only", action="store_true", help="do not use PostgreSQL")
    parser.add_argument("--starts", type=int, help="start-ups per row (default 5; quick 1)")
    parser.add_argument("--actions", type=int, help="actions in the soak (default 10,000; quick 200)")
    parser.add_argument("--tracemalloc", action="store_true",
                        help="run the soak under tracemalloc and print where Python memory grew (slower)")
    args = parser.parse_args(argv)
    starts = args.starts or (1 if args.quick else 5)
    actions = args.actions or (200 if args.quick else 10_000)
    idle_wait = 1.0 if args.quick else 3.0
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="footprint-") as temp, FakeSlack(single_use_triggers=False) as fake:
        backends = choose_backends(args, Path(temp))
        try:
            interpreter = interpreter_start(starts)
            rows = startups(backends, fake, starts, idle_wait)
            fake.reset()
            results = {}
            for backend in backends:
                results[backend.name] = soak(backend, fake, actions, idle_wait, args.tracemalloc)
                fake.reset()
        finally:
            for backend in backends:
                backend.drop_all()
    print(f"databases: {', '.join(backend.name for backend in backends)}; fake Slack Web API in this process; "
          f"baseline: a bare Bolt app on waitress with its own /healthz, same run")
    print()
    print_startups(rows, interpreter)
    print("idle RSS: VmRSS of the server and its work processes, summed, a few seconds after /healthz first "
          "answered (median)")
    if args.tracemalloc:
        print("--tracemalloc: the soak's RSS includes tracemalloc's own bookkeeping (not comparable to a plain run)")
    for name, result in results.items():
        print()
        print_soak(name, result, actions)
    print()
    print(f"total time {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
