"""Acknowledgement latency under load: signed requests over HTTP against `goedwerk run`.

Sends freshly signed `/goedwerk status` commands, button clicks (open the contribution
form) and form submissions (a new contribution), in turn, at fixed rates (open loop:
each request leaves at its scheduled time, whatever the answers before it did) to the
real `goedwerk run` on SQLite and on PostgreSQL, with a round running in each channel.
The load is spread over enough channels (default: 2/3 of the top rate) that no channel
gets more than one new contribution, hence one thread reply, every 1.5 s: goedwerk paces
its posts to Slack's one message per second per channel. `--channels 1` shows what one
crowded channel does instead.

Every target (the baseline and each goedwerk) runs at once, and each rate is measured
in short segments that visit the targets in turn, repeated with the order rotated, so
the noise of a shared machine lands on every target alike rather than on whichever ran
while another job was busy. After each segment the requests it acknowledged are worked
off (the requests inbox empties) before the next begins: that wait is the *drain*.
Latency is counted from each request's *scheduled* send time, so a stalled server or
generator shows up in the figures instead of hiding them (no coordinated omission).
The baseline, in the same run, is a bare Bolt app on the same stack (waitress, same
thread count, Bolt's WSGI adapter) whose listeners only call ack(). The Web API calls
of both go to the tests' FakeSlack, run in its own process, answering after
``--latency`` milliseconds (a real Slack takes 100-300). As the form a click opens comes
after the ack, the time from each click to its `views.open` is reported too: Slack's
trigger id expires after 3 s (goedwerk tells the person instead of opening a form whose
trigger is over 2.5 s old; those are counted as "told it came too late").

    python benchmarks/ack_latency.py --latency 100            # SQLite and PostgreSQL, 3 x 5 s per rate
    python benchmarks/ack_latency.py --database-url sqlite    # one dialect (or a postgresql:// server URL)
    python benchmarks/ack_latency.py --quick                  # 2 x 1 s per rate (the CI smoke test)

Targets: p99 within 1.5x the baseline, max far under Slack's 3 s, zero errors; CPU per
request within 4x the baseline's; drain within 2 s. A miss is printed, not turned into
an exit code. Internal roles (started by the script): ``--serve-fake-slack --channels N
--latency S`` and ``--serve-baseline PORT --api-url URL``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import proctree
from bot.slack.blocks import CALLBACK_CONTRIBUTE, write_metadata
from bot.slack.blocks.modals import ACTION_OPTIONS, ACTION_TEXT, BLOCK_OPTIONS, BLOCK_TEXT
from tests.slack.signing import (
    block_actions_body,
    sign,
    slash_command_body,
    view_submission_body,
)

SECRET = "ack-latency-signing-secret"
TOKEN = "xoxb-ack-latency"
DEFAULT_POSTGRES = os.environ.get("TEST_DATABASE_URL") or "postgresql://postgres@127.0.0.1:5432/test"
KINDS = ("status", "click", "submit")
CONTRIBUTE_BUTTON = "goedwerk:contribute"  # the prompt's button: opens the contribution form
USERS = [f"U0LOAD{number:03d}" for number in range(50)]
FORM = "application/x-www-form-urlencoded"
REQUEST_TIMEOUT = 10.0  # seconds; Slack gives up after 3
SLACK_LIMIT = 3.0
TARGET_RATIO = 1.5
TARGET_CPU = 4.0
TARGET_DRAIN = 2.0


# --- the servers -----------------------------------------------------------------------


def channel_ids(count: int) -> list[str]:
    return [f"C0LOAD{number:04d}" for number in range(count)]


def serve_fake_slack(channels: int, latency: float = 0.0) -> int:
    """Run FakeSlack, answering every call after ``latency`` seconds, until standard input
    closes; its base URL is the first line printed.

    Each line ``forms`` read is answered with a JSON list: for every ``views.open`` since
    the last one, the seconds from its click's scheduled time (carried in the trigger id),
    then the number of people told since the last one that their form came too late.
    """
    from bot.slack.sender import ERROR_TEXTS
    from tests.slack.fake_slack import FakeSlack

    too_late = ERROR_TEXTS["expired_trigger_id"]  # the servers speak English
    with FakeSlack(single_use_triggers=False) as fake:
        fake.latency = latency
        for channel in channel_ids(channels):
            fake.set_members(channel, USERS)
        print(fake.base_url, flush=True)
        seen = seen_told = 0
        for _ in sys.stdin:
            opened = fake.calls_to("views.open")
            told = sum(too_late in json.dumps(response["body"]) for response in fake.responses)
            print(json.dumps([[call.time - int(str(call.params.get("trigger_id")).split(".")[0]) / 1e6
                               for call in opened[seen:] if call.ok], told - seen_told]), flush=True)
            seen, seen_told = len(opened), told
    return 0


def form_delays(fake: subprocess.Popen) -> tuple[list[float], int]:
    """Ask the FakeSlack process how long after their clicks the latest forms opened (seconds),
    and how many people were told their form came too late."""
    fake.stdin.write("forms\n")
    fake.stdin.flush()
    delays, told = json.loads(fake.stdout.readline())
    return delays, told


def serve_baseline(port: int, api_url: str) -> int:
    """A bare Bolt app, served like `goedwerk run` serves Slack, whose listeners only ack()."""
    from slack_bolt import App
    from slack_bolt.adapter.wsgi import SlackRequestHandler
    from slack_sdk import WebClient
    from waitress import create_server

    from bot.slack.main import WAITRESS_THREADS

    app = App(signing_secret=SECRET, client=WebClient(base_url=api_url, token=TOKEN),
              token_verification_enabled=False, raise_error_for_unhandled_request=False)
    anything = re.compile(".*")

    def only_ack(ack):
        ack()

    app.command("/goedwerk")(only_ack)
    app.action(anything)(only_ack)
    app.view(anything)(only_ack)
    server = create_server(SlackRequestHandler(app), host="127.0.0.1", port=port, threads=WAITRESS_THREADS)
    signal.signal(signal.SIGTERM, lambda *_: server.close())
    try:
        server.run()
    except OSError:
        pass  # closed by SIGTERM
    return 0


@dataclass
class Server:
    """A server process under test; ``db_url`` is None for the baseline."""

    name: str
    url: str
    process: subprocess.Popen
    log: Path
    db_url: str | None = None
    rounds: dict[str, int] = field(default_factory=dict)  # channel -> its active round's id


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def clean_env(**settings: str) -> dict[str, str]:
    """This environment without goedwerk or Slack settings, plus ``settings``."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("SLACK_", "GOEDWERK_", "DATABASE_URL"))}
    return {**env, "PYTHONPATH": str(ROOT), **settings}


def spawn(name: str, args: list[str], env: dict[str, str], folder: Path, port: int) -> Server:
    """Start a server process (output to a log file, cwd a fresh folder: no .env) and wait for it."""
    log = folder / f"{name}.log"
    with log.open("w") as out:
        process = subprocess.Popen([sys.executable, *args], env=env, cwd=folder, stdout=out, stderr=out)
    server = Server(name, f"http://127.0.0.1:{port}", process, log)
    deadline = time.monotonic() + 60
    while post(server.url, "", {}) != 401:  # an unsigned request is refused once Bolt listens
        if process.poll() is not None or time.monotonic() > deadline:
            stop(server)
            raise RuntimeError(f"{name} did not start:\n{log.read_text()[-3000:]}")
        time.sleep(0.2)
    return server


def stop(server: Server) -> None:
    if server.process.poll() is None:
        server.process.send_signal(signal.SIGTERM)
        try:
            server.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()


def start_goedwerk(name: str, db_url: str, api_url: str, folder: Path, channels: list[str]) -> Server:
    """Migrate ``db_url``, start `goedwerk run` on it and start a round in each channel."""
    env = clean_env(SLACK_BOT_TOKEN=TOKEN, SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=api_url,
                    DATABASE_URL=db_url, GOEDWERK_LANGUAGE="en")
    subprocess.run([sys.executable, "-m", "bot.cli", "db", "upgrade"], env=env, cwd=folder, check=True,
                   capture_output=True)
    port = free_port()
    server = spawn(name, ["-m", "bot.cli", "run", "--port", str(port), "--no-scheduler"], env, folder, port)
    server.db_url = db_url
    with ThreadPoolExecutor(max_workers=4) as pool:
        for channel in channels:
            body = slash_command_body(text="start 3", user_id=USERS[0], channel_id=channel)
            pool.submit(post, server.url, body, sign_now=True)
    deadline = time.monotonic() + 120
    while len(server.rounds) < len(channels):
        server.rounds = dict(select(db_url, "SELECT c.external_id, r.id FROM rounds r JOIN channels c "
                                          "ON c.id = r.channel_id WHERE r.status = 'active'"))
        if time.monotonic() > deadline:
            stop(server)
            raise RuntimeError(f"{name}: {len(server.rounds)} of {len(channels)} rounds started:\n"
                               f"{server.log.read_text()[-3000:]}")
        time.sleep(0.2)
    return server


def start_baseline(api_url: str, folder: Path) -> Server:
    port = free_port()
    args = [str(Path(__file__).resolve()), "--serve-baseline", str(port), "--api-url", api_url]
    return spawn("baseline", args, clean_env(), folder, port)


def select(db_url: str, query: str) -> list[tuple]:
    from sqlalchemy import text

    from flows.store.db import create_db_engine

    engine = create_db_engine(db_url)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(query))]
    finally:
        engine.dispose()


def contributions(db_url: str) -> int:
    return select(db_url, "SELECT count(*) FROM contributions")[0][0]


def postgres_database(server_url: str, name: str, create: bool) -> str:
    """CREATE (or DROP) database ``name`` on ``server_url``; its URL."""
    import psycopg

    with psycopg.connect(server_url, autocommit=True, connect_timeout=3) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if create:
            connection.execute(f'CREATE DATABASE "{name}"')
    return server_url.rsplit("/", 1)[0] + "/" + name


def postgres_reachable(server_url: str) -> bool:
    try:
        import psycopg

        psycopg.connect(server_url, connect_timeout=3).close()
        return True
    except Exception:
        return False


# --- the load --------------------------------------------------------------------------


@dataclass
class Sample:
    kind: str
    latency: float  # seconds from the scheduled send time to the whole answer
    lag: float  # seconds the request left after its scheduled time (the generator's own delay)
    ok: bool


_connections = threading.local()


def post(url: str, body: str, headers: dict[str, str] | None = None, sign_now: bool = False) -> int | None:
    """POST ``body`` to ``url``/slack/events on this thread's keep-alive connection; the status or None."""
    headers = {"Content-Type": FORM, **(sign(body, SECRET) if sign_now else headers or {})}
    connection = getattr(_connections, url, None)
    if connection is None:
        connection = http.client.HTTPConnection(url.removeprefix("http://"), timeout=REQUEST_TIMEOUT)
        setattr(_connections, url, connection)
    try:
        connection.request("POST", "/slack/events", body=body.encode(), headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status
    except OSError:
        connection.close()
        return None


def body_for(kind: str, number: int, server: Server, api_url: str, channels: list[str], due: float) -> str:
    """The body of request ``number``; every submission is a new contribution by a channel member.

    A click's trigger id starts with ``due``, its scheduled time (epoch microseconds).
    """
    user, channel = USERS[number % len(USERS)], channels[number // len(KINDS) % len(channels)]
    round_id = server.rounds.get(channel, 1)
    respond = api_url.removesuffix("/api/") + "/respond/load"
    if kind == "status":
        return slash_command_body(text="status", user_id=user, channel_id=channel, response_url=respond)
    if kind == "click":
        return block_actions_body(CONTRIBUTE_BUTTON, f"{round_id}:kop", user_id=user, channel_id=channel,
                                  response_url=respond, trigger_id=f"{round(due * 1e6)}.{number}.load")
    metadata = write_metadata(round_id=round_id, topic="kop", channel=channel)
    values = {BLOCK_TEXT: {ACTION_TEXT: f"Load test story number {number}."},
              BLOCK_OPTIONS: {ACTION_OPTIONS: {"type": "checkboxes", "selected_options": []}}}
    return view_submission_body(CALLBACK_CONTRIBUTE, values, private_metadata=metadata, user_id=user,
                                view_id=f"VLOAD{os.getpid()}x{number}")


def run_level(server: Server, api_url: str, channels: list[str], rate: float, seconds: float,
              first: int) -> list[Sample]:
    """Send ``rate`` requests per second for ``seconds``, open loop; one sample per request.

    A request the client could not even send within REQUEST_TIMEOUT of its time (every
    client thread waiting on a stalled server) is an error, not sent late: Slack does not queue.
    """
    samples: list[Sample] = []
    total = max(1, round(rate * seconds))

    def send(number: int, due: float) -> None:
        kind = KINDS[number % len(KINDS)]
        body = body_for(kind, first + number, server, api_url, channels, time.time() - time.perf_counter() + due)
        sent = time.perf_counter()
        status = post(server.url, body, sign(body, SECRET)) if sent - due < REQUEST_TIMEOUT else None
        samples.append(Sample(kind, time.perf_counter() - due, sent - due, status == 200))

    with ThreadPoolExecutor(max_workers=256, thread_name_prefix="load") as pool:
        start = time.perf_counter() + 0.05
        for number in range(total):
            due = start + number / rate
            time.sleep(max(0.0, due - time.perf_counter()))
            pool.submit(send, number, due)
    return samples


def cpu_seconds(server: Server) -> float:
    """CPU time the server and its work processes have used so far (user + system; Linux)."""
    return proctree.cpu_seconds(server.process.pid)


def settle(server: Server, limit: float = 180.0) -> float:
    """Wait until every request acknowledged so far has been worked off (the requests inbox
    is empty); the seconds that took (the drain after the burst). The baseline has nothing to drain."""
    began = time.monotonic()
    while server.db_url and time.monotonic() - began < limit:
        if not select(server.db_url, "SELECT count(*) FROM requests_inbox")[0][0]:
            break
        time.sleep(0.1)
    return time.monotonic() - began


# --- the report ------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    """The ``share`` quantile of ``values`` (seconds) in milliseconds; 1.0 is the maximum."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000 if ordered else float("nan")


@dataclass
class Row:
    """One line of the table; ``cpu`` (server ms per request) and ``drain`` (s) on the "all" rows only,
    ``forms`` (seconds from a click to its form) and ``told`` (clicks answered "too late") on the "click" rows."""

    target: str
    rate: float
    kind: str
    samples: list[Sample] = field(repr=False)
    cpu: float | None = None
    drain: float | None = None
    forms: list[float] = field(default_factory=list, repr=False)
    told: int = 0

    def percentile(self, share: float) -> float:
        return percentile([s.latency for s in self.samples], share)

    @property
    def errors(self) -> int:
        return sum(not s.ok for s in self.samples)

    @property
    def lag(self) -> float:
        return max(s.lag for s in self.samples) * 1000


def rows_for(target: str, rate: float, samples: list[Sample], cpu: float, drain: float,
             forms: tuple[list[float], int]) -> list[Row]:
    rows = [Row(target, rate, kind, [s for s in samples if s.kind == kind],
                forms=forms[0] if kind == "click" else [], told=forms[1] if kind == "click" else 0)
            for kind in KINDS]
    return rows + [Row(target, rate, "all", samples, cpu, drain)]


def print_table(rows: list[Row]) -> None:
    baseline = {(r.rate, r.kind): r.percentile(0.99) for r in rows if r.target == "baseline"}
    print(f"{'target':<20} {'rate/s':>6} {'kind':<6} {'sent':>6} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} "
          f"{'errors':>6} {'p99/base':>8} {'lag ms':>7} {'cpu ms':>6} {'drain s':>7}")
    for row in rows:
        base = baseline.get((row.rate, row.kind))
        ratio = f"{row.percentile(0.99) / base:8.2f}" if base else f"{'-':>8}"
        extra = f" {row.cpu:>6.1f} {row.drain:>7.1f}" if row.cpu is not None else ""
        print(f"{row.target:<20} {row.rate:>6g} {row.kind:<6} {len(row.samples):>6} {row.percentile(0.5):>8.1f} "
              f"{row.percentile(0.99):>8.1f} {row.percentile(1.0):>8.1f} {row.errors:>6} {ratio} {row.lag:>7.1f}"
              f"{extra}")


def print_verdicts(rows: list[Row]) -> None:
    baseline = {r.rate: r for r in rows if r.target == "baseline" and r.kind == "all"}
    for row in (r for r in rows if r.kind == "all" and r.target != "baseline"):
        base = baseline[row.rate]
        ratio = row.percentile(0.99) / base.percentile(0.99)
        cpu = row.cpu / base.cpu if base.cpu else float("nan")
        holds = ratio <= TARGET_RATIO and row.percentile(1.0) < SLACK_LIMIT * 1000 and row.errors == 0
        print(f"{row.target} at {row.rate:g}/s: p99 {ratio:.2f}x the baseline, max {row.percentile(1.0):.0f} ms, "
              f"{row.errors} errors -> target {'holds' if holds else 'MISSED'}; CPU per request {cpu:.1f}x the "
              f"baseline's -> {'holds' if cpu <= TARGET_CPU else 'MISSED'}; drain {row.drain:.1f} s -> "
              f"{'holds' if row.drain <= TARGET_DRAIN else 'MISSED'}")


def print_forms(rows: list[Row]) -> None:
    """How long after its click each form opened (goedwerk may open it after the ack)."""
    for row in (r for r in rows if r.kind == "click" and r.target != "baseline"):
        late = sum(delay >= SLACK_LIMIT for delay in row.forms)
        print(f"{row.target} at {row.rate:g}/s: {len(row.forms)} of {len(row.samples)} forms opened, "
              f"p50 {percentile(row.forms, 0.5):.0f} ms, p99 {percentile(row.forms, 0.99):.0f} ms, "
              f"max {percentile(row.forms, 1.0):.0f} ms after the click; {late} after 3 s (trigger expired in Slack); "
              f"{row.told} told it came too late")


def log_summary(server: Server) -> str:
    """The server log's warning and error lines, counted by message (numbers left out), commonest first."""
    counts: dict[str, int] = {}
    for line in server.log.read_text(errors="replace").splitlines():
        parts = line.split(" ", 3)
        if len(parts) == 4 and parts[2] in ("WARNING", "ERROR"):
            message = re.sub(r"\d+", "N", f"{parts[2]} {parts[3]}")[:70]
            counts[message] = counts.get(message, 0) + 1
    common = sorted(counts.items(), key=lambda item: -item[1])[:4]
    return f"{server.name} log: " + ("; ".join(f"{count} x {message}" for message, count in common) or "clean")


# --- main ------------------------------------------------------------------------------


def targets_wanted(database_url: str | None) -> list[tuple[str, str | None]]:
    """``(name, postgres server URL or None for SQLite)`` for each goedwerk target to measure."""
    if database_url == "sqlite":
        return [("goedwerk-sqlite", None)]
    if database_url:
        return [("goedwerk-postgresql", database_url)]
    if postgres_reachable(DEFAULT_POSTGRES):
        return [("goedwerk-sqlite", None), ("goedwerk-postgresql", DEFAULT_POSTGRES)]
    print(f"note: PostgreSQL at {DEFAULT_POSTGRES} is not reachable; measuring SQLite only")
    return [("goedwerk-sqlite", None)]


@dataclass
class Plan:
    """What one run measures, shared by every target."""

    fake: subprocess.Popen
    api_url: str
    channels: list[str]
    rates: list[float]
    seconds: float
    repeats: int
    warmup: float
    folder: Path


@dataclass
class Tally:
    """One target at one rate, over all its segments."""

    samples: list[Sample] = field(default_factory=list)
    cpu: float = 0.0
    drains: list[float] = field(default_factory=list)
    forms: list[float] = field(default_factory=list)
    told: int = 0


def segment(server: Server, plan: Plan, rate: float, first: int, tally: Tally) -> int:
    """One short segment of ``rate`` against ``server``, its work drained; the next request number."""
    cpu = cpu_seconds(server)
    samples = run_level(server, plan.api_url, plan.channels, rate, plan.seconds, first=first)
    tally.drains.append(settle(server))
    tally.cpu += cpu_seconds(server) - cpu
    tally.samples += samples
    forms, told = form_delays(plan.fake)
    tally.forms += forms
    tally.told += told
    return first + len(samples)


def measure(servers: list[Server], plan: Plan) -> list[Row]:
    """Every rate, in ``plan.repeats`` rounds of short segments that visit the targets in turn
    (each round starting at the next target), so every target sees the same noise of a
    shared machine; each segment's work is drained before the next begins."""
    number = 10_000_000  # request numbers after the warm-ups', so view ids stay unique
    for server in servers:
        run_level(server, plan.api_url, plan.channels, 10, plan.warmup, first=number)  # imports, pools, queries
        number += round(10 * plan.warmup) + 1
        settle(server)
    form_delays(plan.fake)  # the warm-ups'
    table = []
    for rate in plan.rates:
        tallies = {server.name: Tally() for server in servers}
        for repeat in range(plan.repeats):
            turn = servers[repeat % len(servers):] + servers[:repeat % len(servers)]
            for server in turn:
                number = segment(server, plan, rate, number, tallies[server.name])
        for server in servers:
            tally = tallies[server.name]
            table += rows_for(server.name, rate, tally.samples, tally.cpu * 1000 / max(1, len(tally.samples)),
                              max(tally.drains), (tally.forms, tally.told))
        print(f"  {rate:g}/s done, load average {os.getloadavg()[0]:.1f}", file=sys.stderr, flush=True)
    return table


def start_targets(targets: list[tuple[str, str | None]], plan: Plan) -> tuple[list[Server], list[str]]:
    """The baseline and `goedwerk run` on a fresh database per target (a SQLite file, or one made
    on the PostgreSQL server); the servers and the PostgreSQL databases made."""
    servers, made = [start_baseline(plan.api_url, plan.folder)], []
    for name, postgres in targets:
        database = f"bench_ack_{os.getpid()}_{len(made)}"
        if postgres:
            made.append(postgres_database(postgres, database, create=True))
        db_url = made[-1] if postgres else f"sqlite:///{plan.folder / name}.db"
        servers.append(start_goedwerk(name, db_url, plan.api_url, plan.folder, plan.channels))
    return servers, made


def run(args: argparse.Namespace) -> int:
    rates = [float(rate) for rate in args.rates.split(",")]
    channels = channel_ids(args.channels or max(1, round(max(rates) * 2 / 3)))
    targets = targets_wanted(args.database_url)
    fake = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--serve-fake-slack",
                             "--channels", str(len(channels)), "--latency", str(args.latency / 1000)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=clean_env())
    began, table, servers, made = time.monotonic(), [], [], []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            plan = Plan(fake, fake.stdout.readline().strip(), channels, rates,
                        args.seconds or (1.0 if args.quick else 5.0), args.repeats or (2 if args.quick else 3),
                        1.0 if args.quick else 5.0, args.work_dir or Path(tmp))
            plan.folder.mkdir(parents=True, exist_ok=True)
            try:
                servers, made = start_targets(targets, plan)
                table = measure(servers, plan)
            finally:
                for server in servers:
                    stop(server)
                    if server.db_url:
                        print(log_summary(server), flush=True)
                        print(f"{server.name}: {contributions(server.db_url)} contributions stored", flush=True)
                for url in made:
                    postgres_database(url.rsplit("/", 1)[0] + "/postgres", url.rsplit("/", 1)[1], create=False)
    finally:
        fake.stdin.close()
        fake.wait(timeout=15)
    print(f"signed requests over HTTP, open loop, rates in {plan.repeats} rounds of {plan.seconds:g} s segments that "
          f"alternate the targets; kinds in turn: {', '.join(KINDS)}, over {len(channels)} channels with a round each; "
          f"fake Slack answers after {args.latency:g} ms; baseline: a bare Bolt app that only acks (same run)")
    print(f"client, servers and fake Slack share this machine's {os.cpu_count()} cores; latency counts from "
          "each request's scheduled send time (no coordinated omission)")
    print("lag: the worst delay of a send behind its schedule (client threads all waiting on a stalled server); "
          "cpu: CPU per request of the server and its work processes, with the drain; "
          "drain: the longest a segment's acknowledged requests kept being worked on after its last answer")
    print_table(table)
    print_forms(table)
    print_verdicts(table)
    print(f"target: p99 <= {TARGET_RATIO}x the baseline, max < {SLACK_LIMIT:g} s, zero errors, CPU per request "
          f"<= {TARGET_CPU:g}x the baseline's, drain <= {TARGET_DRAIN:g} s; whole run {time.monotonic() - began:.0f} s")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="'sqlite' or a PostgreSQL server URL: measure that one only "
                                               "(default: SQLite, and PostgreSQL when reachable)")
    parser.add_argument("--quick", action="store_true", help="2 s per rate, for a smoke test")
    parser.add_argument("--rates", default="10,50,200", help="requests per second, comma-separated")
    parser.add_argument("--seconds", type=float, help="seconds per segment (default 5, or 1 with --quick)")
    parser.add_argument("--repeats", type=int, help="rounds of segments per rate (default 3, or 2 with --quick)")
    parser.add_argument("--latency", type=float, default=0.0, help="milliseconds the fake Slack takes per call")
    parser.add_argument("--channels", type=int, help="channels the load is spread over (default 2/3 of the top rate)")
    parser.add_argument("--work-dir", type=Path, help="keep the servers' logs and SQLite files here")
    parser.add_argument("--serve-fake-slack", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--serve-baseline", type=int, metavar="PORT", help=argparse.SUPPRESS)
    parser.add_argument("--api-url", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_fake_slack:
        return serve_fake_slack(args.channels, args.latency)
    if args.serve_baseline:
        return serve_baseline(args.serve_baseline, args.api_url)
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
