"""Weekly fan-out: thousands of channels' weekly prompts due at the same minute.

Seeds one weekly rule per channel (10,000 channels in 1,000 workspaces; every workspace
installed through the OAuth installation store with its own bot token) whose weekly
prompts all fall due at the same minute, then starts 1 and 4 `goedwerk scheduler`
processes and lets them dispatch against a fake Slack in a process of its own that
enforces 1 ``chat.postMessage`` per second per channel and a per-workspace limit (a
token bucket: ``--workspace-per-minute``, ``--workspace-burst``). A weekly prompt is one
post (the situation card with its invitation above it).

Measured in the same run, for each number of processes:

- the rate-limit bound: the least wall time the limits allow, max over workspaces of
  ``max((posts - burst) / rate, (posts per channel - 1) / channel rate)``;
- the baseline: the same posts (same texts and blocks) sent by bare slack_sdk WebClient
  loops in as many processes, no database, limits off: what the fake Slack and the HTTP
  stack alone allow (the median of ``--baseline-runs``, default 3);
- wall time from the moment the prompts are due until the last one is settled, its
  ratios to both, dispatcher CPU per action (from /proc), dispatcher memory over the run,
  posts per channel (exactly 1 each), duplicated and missing keys, the 429s Slack sent;
- where the CPU went, per post: the dispatchers', PostgreSQL's (when it runs on this
  machine) and the fake Slack's, against the bare clients' and the fake Slack's in the
  baseline (on a machine with few cores every side takes its share of the same cores).

With ``--latency S`` the fake Slack answers every call after S seconds, as a real one
answers after a network round trip; the baseline's loops then run as many threads per
process as the dispatchers have workers (``--bare-threads`` to choose).

The prompts are parked in the far future while the dispatchers start, then set due
:data:`LEAD` seconds ahead, all at the same moment. In service a dispatcher knows when
the next prompts fall due (after each pass its ticker is pulled forward to the next due
action) and starts at that moment; here each learns it at its next poll (every second)
and does the same. Wall time counts from that moment.
The rules were made in shuffled order (``--order grouped``: a workspace's channels one
after the other). A run that is not done within ``--time-limit`` is cut off (SIGTERM,
SIGKILL 30 s later) and reported with its rate and a projection. ``--logs DIR`` keeps
the dispatchers' logs; ``--profile DIR`` runs them under cProfile (wall-clock time of
each dispatcher pass) and writes one ``.prof`` per dispatcher.

    python benchmarks/fanout.py --database-url postgresql://postgres@127.0.0.1:5432/test
    python benchmarks/fanout.py --quick          # small, for the CI smoke test (SQLite without --database-url)
    python benchmarks/fanout.py --channels 2000 --workspaces 200 --processes 1 4 --time-limit 600
    python benchmarks/fanout.py --database-url … --processes 1 --latency 0.1   # 100 ms round trips

Without ``--database-url`` the database is a SQLite file in a temporary folder.
Helper modes (the script starts them itself): ``--serve-fake-slack`` and ``--send-bare``.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

BENCHMARKS = Path(__file__).resolve().parent
REPO = BENCHMARKS.parent
sys.path.insert(0, str(REPO))

from db_work import drop_database, fresh_database
from sqlalchemy import func, insert, select, text, update

from benchmarks import proctree
from flows.scheduling import weekly as times
from flows.store.db import Database
from flows.store.models import Channel, ScheduledAction, WeeklyRule, Workspace

ZONE = "Europe/Amsterdam"
PARKED = datetime(2999, 1, 1, tzinfo=UTC)
"""Where the prompts wait while the dispatchers start."""
CLIENT_ID = "1111.2222"
APP_ID = "A0FANOUT"
POSTS_PER_PROMPT = 1  # the situation card with its invitation, one message
POLL_SECONDS = 0.5
DISPATCH_INTERVAL = "1.0"
LEAD = 2.5
"""Seconds between releasing the prompts and their due moment: more than two polls, so that
every dispatcher has seen the moment and waits for it, as in service (due at once, the
prompts waited up to a poll for each dispatcher's next look)."""
SETTLED = ("sent", "skipped", "failed")
CLK_TCK = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Limits:
    channel_per_second: float
    workspace_per_minute: float
    workspace_burst: int

    def bound(self, posts_per_workspace: Counter, posts_per_channel: int) -> float:
        """The least wall time in which the limits let every post through (seconds)."""
        rate = self.workspace_per_minute / 60.0
        workspace = max(max(0.0, (posts - self.workspace_burst) / rate) for posts in posts_per_workspace.values())
        channel = (posts_per_channel - 1) / self.channel_per_second
        return max(workspace, channel)


@dataclass(frozen=True)
class Workload:
    """Which channel belongs to which workspace; channel ids in the order the rules were made."""

    channels: list[tuple[str, str]]  # (team id, channel id)

    @property
    def teams(self) -> list[str]:
        return sorted({team for team, _ in self.channels})

    def posts_per_workspace(self) -> Counter:
        return Counter({team: count * POSTS_PER_PROMPT for team, count in Counter(t for t, _ in self.channels).items()})


def team_id(number: int) -> str:
    return f"T{number:07d}"


def token_of(team: str) -> str:
    return f"xoxb-fanout-{team}"


def workload(channels: int, workspaces: int, order: str, seed: int = 8) -> Workload:
    """``channels`` spread evenly over ``workspaces``; ``order`` is the order the rules were made in.

    ``shuffled`` (teams turn the prompt on at different times) or ``grouped`` (a
    workspace's channels one after the other: the worst case for its limit).
    """
    pairs = [(team_id(number % workspaces), f"C{number:08d}") for number in range(channels)]
    if order == "grouped":
        pairs.sort()
    else:
        random.Random(seed).shuffle(pairs)
    return Workload(pairs)


# -- the fake Slack, in a process of its own ----------------------------------------------------


def serve_fake_slack(args: argparse.Namespace) -> int:
    """Run a FakeSlack until stdin closes; print its base URL first. ``bench.stats`` reports."""
    from tests.slack.fake_slack import FakeSlack

    fake = FakeSlack()
    fake.latency = args.latency
    if args.channel_per_second > 0:
        fake.enforce_channel_rate(per_second=args.channel_per_second)
    if args.workspace_per_minute > 0:
        fake.enforce_workspace_rate(per_minute=args.workspace_per_minute, burst=args.workspace_burst)
    fake.on("bench.stats", lambda params: posting_stats(fake))
    print(fake.base_url, flush=True)
    sys.stdin.read()  # the parent closes our stdin to stop us
    fake.stop()
    return 0


def posting_stats(fake) -> dict:
    """Accepted posts per channel and per message key, and the 429s (runs inside the fake)."""
    per_channel: Counter = Counter()
    per_key: Counter = Counter()
    for call in fake.calls:
        if call.method != "chat.postMessage" or not call.ok:
            continue
        per_channel[call.params.get("channel")] += 1
        metadata = call.params.get("metadata") or {}
        per_key[str((metadata.get("event_payload") or {}).get("key"))] += 1
    return {"per_channel": per_channel, "per_key": per_key, "rate_limited": fake.rate_limited,
            "rate_limited_by": fake.rate_limited_by}


class FakeSlackProcess:
    """A ``--serve-fake-slack`` child: start, read its stats, stop."""

    def __init__(self, limits: Limits | None, latency: float = 0.0) -> None:
        command = [sys.executable, str(Path(__file__).resolve()), "--serve-fake-slack", "--latency", str(latency)]
        if limits is not None:
            command += ["--channel-per-second", str(limits.channel_per_second),
                        "--workspace-per-minute", str(limits.workspace_per_minute),
                        "--workspace-burst", str(limits.workspace_burst)]
        else:
            command += ["--channel-per-second", "0", "--workspace-per-minute", "0"]
        self.process = subprocess.Popen(command, cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        text=True)
        self.base_url = self.process.stdout.readline().strip()
        if not self.base_url.startswith("http"):
            raise RuntimeError("the fake Slack did not start")

    def stats(self) -> dict:
        from slack_sdk import WebClient

        client = WebClient(base_url=self.base_url, token="xoxb-bench", timeout=120)
        return client.api_call("bench.stats").data

    def stop(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=30)


# -- the database -------------------------------------------------------------------------------


def seed(db: Database, work: Workload, occurrence: datetime, secret_key: str) -> None:
    """Workspaces with their installations, channels, weekly rules and parked prompts."""
    now = datetime.now(UTC)
    with db.transaction() as session:
        session.execute(insert(Workspace), [dict(platform="slack", external_id=team, name=f"Team {team}",
                                                 created_at=now) for team in work.teams])
        workspace_ids = dict(session.execute(select(Workspace.external_id, Workspace.id)).all())
        session.execute(insert(Channel), [dict(workspace_id=workspace_ids[team], external_id=channel,
                                               name=channel.lower(), created_at=now)
                                          for team, channel in work.channels])
        channel_ids = dict(session.execute(select(Channel.external_id, Channel.id)).all())
        local = occurrence.astimezone(ZoneInfo(ZONE))
        weekday, local_time = local.weekday(), local.strftime("%H:%M")
        session.execute(insert(WeeklyRule), [dict(channel_id=channel_ids[channel], weekday=weekday,
                                                  local_time=local_time, timezone=ZONE, enabled=True,
                                                  next_run_at=occurrence, created_at=now, updated_at=now)
                                             for _, channel in work.channels])
        situations = random.Random(1)
        session.execute(insert(ScheduledAction), [
            prompt_row(channel_ids[channel], workspace_ids[team], occurrence, situations.randint(1, 10), now)
            for team, channel in work.channels])
    install(db, work.teams, secret_key)
    analyze(db)


def analyze(db: Database) -> None:
    """Gather the planner's statistics, as a database in service has them (autovacuum keeps
    them). Without this the freshly seeded tables have none, and PostgreSQL's planner,
    taking the pending prompts for a handful, scans all of them for every batch's look-up
    of other pending prompts by channel."""
    with db.engine.connect() as connection:
        connection.execute(text("ANALYZE"))
        connection.commit()


def prompt_row(channel_id: int, workspace_id: int, occurrence: datetime, situation: int, now: datetime) -> dict:
    """A pending weekly prompt as the engine queues it, but parked (see :func:`release`)."""
    return dict(kind="weekly_prompt", dedupe_key=times.dedupe_key(channel_id, occurrence, ZONE), due_at=PARKED,
                status="pending", attempts=0, workspace_id=workspace_id, channel_id=channel_id,
                payload={"channel_id": channel_id, "situation": situation, "at": occurrence.isoformat()},
                created_at=now, updated_at=now)


def install(db: Database, teams: list[str], secret_key: str) -> None:
    """Save each workspace's bot through the app's encrypted installation store."""
    from slack_sdk.oauth.installation_store.models.bot import Bot

    from bot.slack import installation_tables
    from bot.slack.token_crypto import EncryptedInstallationStore, TokenCipher

    store = EncryptedInstallationStore(client_id=CLIENT_ID, engine=db.engine, cipher=TokenCipher(secret_key),
                                       bots_table_name=installation_tables.BOTS_TABLE,
                                       installations_table_name=installation_tables.INSTALLATIONS_TABLE)
    for team in teams:
        store.save_bot(Bot(app_id=APP_ID, enterprise_id=None, team_id=team, bot_token=token_of(team),
                           bot_id=f"B{team}", bot_user_id=f"U{team}", bot_scopes=["chat:write"],
                           installed_at=time.time()))


def this_weeks(occurrence: datetime):
    """The condition that picks the prompts of ``occurrence`` (not the next week's)."""
    return (ScheduledAction.kind == "weekly_prompt") & ScheduledAction.dedupe_key.like(
        f"weekly:%:{times.week_of(occurrence, ZONE)}")


def release(db: Database, occurrence: datetime, due: datetime | None = None) -> float:
    """Make every parked prompt due at ``due`` (default: its occurrence, which has passed);
    returns that moment, or now if it has passed (epoch seconds)."""
    due = due or occurrence
    with db.transaction() as session:
        session.execute(update(ScheduledAction).where(this_weeks(occurrence), ScheduledAction.due_at == PARKED)
                        .values(due_at=due))
    return max(due.timestamp(), time.time())


def statuses(db: Database, occurrence: datetime) -> Counter:
    with db.transaction() as session:
        rows = session.execute(select(ScheduledAction.status, func.count()).where(this_weeks(occurrence))
                               .group_by(ScheduledAction.status)).all()
    return Counter(dict(rows))


def sent_by(db: Database, occurrence: datetime, pids: list[int]) -> list[int]:
    """How many of the prompts each dispatcher sent (a lease owner is ``host:pid:…``)."""
    with db.transaction() as session:
        rows = session.execute(select(ScheduledAction.lease_owner, func.count()).where(
            this_weeks(occurrence), ScheduledAction.status == "sent").group_by(ScheduledAction.lease_owner)).all()
    counts = Counter()
    for owner, count in rows:
        counts[int(owner.split(":")[1])] += count
    return [counts[pid] for pid in pids]


def last_settled(db: Database, occurrence: datetime) -> float:
    with db.transaction() as session:
        moment = session.scalar(select(func.max(ScheduledAction.updated_at)).where(this_weeks(occurrence)))
    return moment.timestamp()


# -- dispatcher processes -----------------------------------------------------------------------


@dataclass
class Sample:
    """CPU ticks and memory of one process, read from /proc."""

    ticks: int
    rss_kb: int
    peak_kb: int


def sample(pid: int) -> Sample:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    status = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return Sample(int(fields[11]) + int(fields[12]), int(status["VmRSS"].split()[0]), int(status["VmHWM"].split()[0]))


def dispatcher_env(database_url: str, base_url: str, secret_key: str, workers: int | None) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "GOEDWERK_", "DATABASE_URL"))}
    if workers is not None:
        keep["GOEDWERK_DISPATCH_WORKERS"] = str(workers)
    return {**keep, "DATABASE_URL": database_url, "SLACK_API_URL": base_url, "SLACK_CLIENT_ID": CLIENT_ID,
            "SLACK_CLIENT_SECRET": "fanout-secret", "SLACK_SIGNING_SECRET": "fanout-signing",
            "GOEDWERK_SECRET_KEY": secret_key, "GOEDWERK_DISPATCH_INTERVAL": DISPATCH_INTERVAL,
            "GOEDWERK_LANGUAGE": "en", "GOEDWERK_LOG_LEVEL": "WARNING"}


def profiled_dispatcher(out: str) -> int:
    """`goedwerk scheduler` with every dispatcher pass under cProfile (wall-clock time); stats to ``out``."""
    import atexit
    import cProfile

    from bot.cli import main as goedwerk
    from flows.scheduling.dispatcher import Dispatcher

    profile = cProfile.Profile()
    run_due = Dispatcher.run_due

    def profiled(self) -> int:
        profile.enable()
        try:
            return run_due(self)
        finally:
            profile.disable()

    Dispatcher.run_due = profiled
    atexit.register(profile.dump_stats, out)
    return goedwerk(["scheduler"])


def start_dispatchers(count: int, env: dict[str, str], folder: Path,
                      profile: Path | None = None) -> list[tuple[subprocess.Popen, Path]]:
    """``count`` scheduler processes logging to ``folder``; with ``profile``, each writes a .prof there."""
    started = []
    for number in range(count):
        log = folder / f"{count}-dispatcher-{number}.log"
        command = [sys.executable, "-m", "bot.cli", "scheduler"]
        if profile is not None:
            command = [sys.executable, str(Path(__file__).resolve()), "--profiled-dispatcher",
                       str(profile / f"{count}-dispatcher-{number}.prof")]
        with open(log, "w") as out:
            process = subprocess.Popen(command, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
        started.append((process, log))
    deadline = time.monotonic() + 120
    while not all("dispatching timed work" in log.read_text() for _, log in started):
        if time.monotonic() > deadline or any(process.poll() is not None for process, _ in started):
            tails = "\n".join(log.read_text()[-2000:] for _, log in started)
            raise RuntimeError("a dispatcher did not start:\n" + tails)
        time.sleep(0.1)
    return started


def stop_dispatchers(started: list[tuple[subprocess.Popen, Path]], grace: float = 30.0) -> list[int]:
    """SIGTERM, then SIGKILL whoever is still running after ``grace`` seconds (exit code -9)."""
    for process, _ in started:
        process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + grace
    codes = []
    for process, _ in started:
        try:
            codes.append(process.wait(timeout=max(0.1, deadline - time.monotonic())))
        except subprocess.TimeoutExpired:
            process.kill()
            codes.append(process.wait())
    return codes


# -- one measured run ---------------------------------------------------------------------------


@dataclass
class Run:
    processes: int
    actions: int
    bound: float
    baseline: float = float("nan")
    wall: float = float("nan")
    complete: bool = False
    cpu_seconds: float = 0.0
    postgres_cpu: float = float("nan")  # seconds from the due moment to the end; NaN: a server out of sight
    fake_cpu: float = float("nan")
    baseline_cpu: tuple[float, float] = (float("nan"), float("nan"))  # bare clients', fake Slack's
    rss_mb: list[tuple[float, float, float]] = field(default_factory=list)  # per dispatcher: at release, max, end
    peak_mb: list[float] = field(default_factory=list)
    fake_peak_mb: float = 0.0
    settled: int = 0  # prompts settled when the run ended (done, or at the time limit)
    statuses: Counter = field(default_factory=Counter)  # after the dispatchers stopped
    posts_per_channel: tuple[int, int] = (0, 0)
    duplicates: int = 0
    missing: int = 0
    rate_limited: dict = field(default_factory=dict)
    log_warnings: int = 0
    exit_codes: list[int] = field(default_factory=list)
    sent_by: list[int] = field(default_factory=list)  # prompts sent per dispatcher


def measure(args: argparse.Namespace, work: Workload, limits: Limits, processes: int, folder: Path) -> Run:
    from bot.slack.token_crypto import new_key

    run = Run(processes, len(work.channels), limits.bound(work.posts_per_workspace(), POSTS_PER_PROMPT))
    name = f"fanout_{os.getpid()}_{processes}"
    db = fresh_database(args.database_url, folder, name)
    occurrence = datetime.now(UTC).replace(second=0, microsecond=0)
    secret_key = new_key()
    seed(db, work, occurrence, secret_key)
    fake = FakeSlackProcess(limits, args.latency)
    logs = args.logs or folder
    logs.mkdir(parents=True, exist_ok=True)
    env = dispatcher_env(db.url, fake.base_url, secret_key, args.workers)
    started = start_dispatchers(processes, env, logs, args.profile)
    try:
        dispatch(db, occurrence, started, run, args.time_limit, fake.process.pid)
    finally:
        run.exit_codes = stop_dispatchers(started)
        run.statuses = statuses(db, occurrence)
        fake_peak = sample(fake.process.pid).peak_kb
        check_posts(run, work, fake.stats())
        fake.stop()
        run.fake_peak_mb = fake_peak / 1024
        run.log_warnings = sum(log.read_text().count(" WARNING ") + log.read_text().count(" ERROR ")
                               for _, log in started)
        db.dispose()
        if args.database_url is not None:
            drop_database(args.database_url, name)
    return run


def dispatch(db: Database, occurrence: datetime, started: list, run: Run, time_limit: float, fake: int) -> None:
    """Release the prompts, watch until every one is settled (or time is up), sampling the
    dispatchers (and the CPU of PostgreSQL and of the ``fake`` Slack's process)."""
    pids = [process.pid for process, _ in started]
    postgres = proctree.postmaster() if db.engine.dialect.name == "postgresql" else None
    released = release(db, occurrence, datetime.now(UTC) + timedelta(seconds=LEAD))
    time.sleep(max(0.0, released - time.time() - 0.2))  # CPU and memory from just before the due moment
    postgres_before = proctree.server_cpu_seconds(postgres) if postgres else float("nan")
    fake_before = proctree.cpu_seconds(fake)
    before = [sample(pid) for pid in pids]
    rss = [[s.rss_kb, s.rss_kb, s.rss_kb] for s in before]
    while True:
        time.sleep(POLL_SECONDS)
        now = [sample(pid) for pid in pids]
        for kept, current in zip(rss, now, strict=True):
            kept[1], kept[2] = max(kept[1], current.rss_kb), current.rss_kb
        run.settled = sum(statuses(db, occurrence)[s] for s in SETTLED)
        if run.settled == run.actions:
            run.complete = True
            run.wall = last_settled(db, occurrence) - released
            break
        if time.time() - released > time_limit:
            run.wall = time.time() - released
            break
    run.cpu_seconds = sum(after.ticks - start.ticks for after, start in zip(now, before, strict=True)) / CLK_TCK
    if postgres:
        run.postgres_cpu = proctree.server_cpu_seconds(postgres) - postgres_before
    elif db.engine.dialect.name == "sqlite":  # in the dispatchers' own processes
        run.postgres_cpu = 0.0
    run.fake_cpu = proctree.cpu_seconds(fake) - fake_before
    run.sent_by = sent_by(db, occurrence, pids)
    run.rss_mb = [(a / 1024, b / 1024, c / 1024) for a, b, c in rss]
    run.peak_mb = [s.peak_kb / 1024 for s in now]


def check_posts(run: Run, work: Workload, stats: dict) -> None:
    """Posts per channel, duplicated and missing keys, 429s, from what the fake Slack accepted."""
    per_channel = Counter(stats["per_channel"])
    counts = [per_channel.get(channel, 0) for _, channel in work.channels]
    run.posts_per_channel = (min(counts), max(counts))
    per_key = Counter(stats["per_key"])
    run.duplicates = sum(count - 1 for count in per_key.values() if count > 1)
    posted_prompts = sum(1 for key in per_key if key.startswith("weekly:"))
    run.missing = run.actions - posted_prompts
    run.rate_limited = {"total": stats["rate_limited"], **stats["rate_limited_by"]}


# -- the baseline: bare WebClient loops ---------------------------------------------------------


def send_bare(args: argparse.Namespace) -> int:
    """Post this worker's share of the workload with a bare WebClient per token (no database).

    Prints ``ready`` once set up, starts on a line from stdin, prints when it finished.
    """
    from bot.slack.clients import build_client

    work = workload(args.channels, args.workspaces, args.order)
    prompt = rendered_prompt()
    share = [(number, team, channel) for number, (team, channel) in enumerate(work.channels)
             if number % args.worker_count == args.worker_index]
    clients = {team: build_client(args.base_url, token_of(team)) for _, team, _ in share}

    def post(part: list[tuple[int, str, str]]) -> None:
        for number, team, channel in part:
            for prompt_text, blocks in prompt:
                clients[team].chat_postMessage(
                    channel=channel, text=prompt_text, blocks=blocks, unfurl_links=False, unfurl_media=False,
                    metadata={"event_type": "goedwerk_message", "event_payload": {"key": f"weekly:{number}:bare"}})

    threads = [threading.Thread(target=post, args=(share[index::args.bare_threads],))
               for index in range(args.bare_threads)]
    print("ready", flush=True)
    sys.stdin.readline()
    cpu = time.process_time()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(time.time(), time.process_time() - cpu, flush=True)
    return 0


def rendered_prompt() -> list[tuple[str, list]]:
    """The text and blocks of a weekly prompt's posts, as the Slack sender renders them."""
    from bot.slack.blocks import message
    from flows.content import load_pack
    from flows.engine.scope import Scope
    from flows.engine.weekly import prompt_effects
    from flows.events import Actor

    zone = ZoneInfo(ZONE)
    scope = Scope(None, datetime.now(UTC), Actor("slack", "T1", "C1", "goedwerk"), None, None, "en", zone)
    return [message(post.view, zone) for post in prompt_effects(scope, load_pack(), 1, "weekly:1:bare")]


@dataclass(frozen=True)
class Baseline:
    seconds: float
    client_cpu: float  # the bare senders', summed
    fake_cpu: float


def baseline(args: argparse.Namespace, processes: int) -> Baseline:
    """Seconds (and CPU) for ``processes`` bare senders to post the whole workload to a fake
    Slack without limits.

    Timed from a common start, once every sender has imported, rendered and built its clients.
    """
    fake = FakeSlackProcess(None, args.latency)
    command = [sys.executable, str(Path(__file__).resolve()), "--send-bare", "--base-url", fake.base_url,
               "--channels", str(args.channels), "--workspaces", str(args.workspaces), "--order", args.order,
               "--worker-count", str(processes), "--bare-threads", str(args.bare_threads)]
    workers = [subprocess.Popen(command + ["--worker-index", str(index)], cwd=REPO, stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, text=True) for index in range(processes)]
    if any(worker.stdout.readline().strip() != "ready" for worker in workers):
        raise RuntimeError("a bare sender did not start")
    fake_before = proctree.cpu_seconds(fake.process.pid)
    started = time.time()
    for worker in workers:
        worker.stdin.write("go\n")
        worker.stdin.flush()
    finished = [[float(figure) for figure in (worker.stdout.readline().split() or ["nan", "nan"])]
                for worker in workers]
    fake_cpu = proctree.cpu_seconds(fake.process.pid) - fake_before
    codes = [worker.wait() for worker in workers]
    fake.stop()
    if any(codes):
        raise RuntimeError(f"a bare sender failed: {codes}")
    return Baseline(max(moment for moment, _ in finished) - started, sum(cpu for _, cpu in finished), fake_cpu)


# -- the report ---------------------------------------------------------------------------------


def report(args: argparse.Namespace, limits: Limits, runs: list[Run]) -> None:
    print(f"database: {args.database_url or 'sqlite (file)'}; {args.channels} channels in {args.workspaces} "
          f"workspaces ({args.order}), {POSTS_PER_PROMPT} posts per weekly prompt; limits: "
          f"{limits.channel_per_second:g}/s per channel, {limits.workspace_per_minute:g}/min per workspace "
          f"(burst {limits.workspace_burst}); fake Slack in its own process")
    print("bound: least wall time the limits allow; baseline: bare WebClient loops, same posts, "
          f"same number of processes, {args.bare_threads} thread(s) each, no database, limits off, "
          f"median of {args.baseline_runs} run(s) (same run)"
          + (f"; every call answered after {1000 * args.latency:g} ms" if args.latency else ""))
    print(f"{'procs':>5} {'actions':>7} {'wall s':>8} {'bound s':>7} {'wall/bound':>10} {'base s':>7} "
          f"{'wall/base':>9} {'CPU ms/action':>13} {'peak RSS MB':>11} {'posts/chan':>10} {'duplicates':>10} "
          f"{'missing':>7} {'429s':>6}")
    for run in runs:
        cpu = 1000 * run.cpu_seconds / max(1, run.settled)
        posts = "{}..{}".format(*run.posts_per_channel)
        wall = f"{run.wall:8.1f}" + ("" if run.complete else "*")
        over_bound = run.wall / run.bound if run.bound > 0 else float("inf")
        print(f"{run.processes:>5} {run.actions:>7} {wall:>8} {run.bound:>7.1f} {over_bound:>10.1f} "
              f"{run.baseline:>7.1f} {run.wall / run.baseline:>9.1f} {cpu:>13.2f} {max(run.peak_mb):>11.0f} "
              f"{posts:>10} {run.duplicates:>10} {run.missing:>7} {run.rate_limited['total']:>6}")
    print("CPU per post, ms (dispatchers' with PostgreSQL's and the fake Slack's, against the baseline's "
          "bare clients' with its fake Slack's; total over total):")
    for run in runs:
        posted = max(1, run.settled)
        dispatchers, postgres, fake = (1000 * seconds / posted
                                       for seconds in (run.cpu_seconds, run.postgres_cpu, run.fake_cpu))
        bare = [1000 * seconds / run.actions for seconds in run.baseline_cpu]
        seen = math.isfinite(postgres)  # else a server on another machine: its share unknown, left out
        ours = dispatchers + fake + (postgres if seen else 0.0)
        print(f"  {run.processes} process(es): dispatchers {dispatchers:.2f} + PostgreSQL "
              f"{f'{postgres:.2f}' if seen else 'unseen'} + fake Slack {fake:.2f} = {ours:.2f}; baseline: clients "
              f"{bare[0]:.2f} + fake Slack {bare[1]:.2f} = {sum(bare):.2f}; {ours / sum(bare):.2f}x")
    for run in runs:
        memory = ", ".join(f"{a:.0f}/{b:.0f}/{c:.0f}" for a, b, c in run.rss_mb)
        print(f"{run.processes} process(es): statuses after stop {dict(run.statuses)}; sent per dispatcher "
              f"{run.sent_by}; "
              f"429s by limit "
              f"{ {k: v for k, v in run.rate_limited.items() if k != 'total'} }; dispatcher RSS MB at due/max/end: "
              f"{memory}; fake Slack peak RSS {run.fake_peak_mb:.0f} MB; warning/error log lines "
              f"{run.log_warnings}; exit codes {run.exit_codes}")
    for run in runs:
        if not run.complete:
            done = run.settled
            rate = done / run.wall
            projected = f"{run.actions / rate:.0f} s" if rate else "never"
            print(f"* {run.processes} process(es) not finished within --time-limit {args.time_limit:g} s: "
                  f"{done} of {run.actions} prompts settled by then ({rate:.2f}/s), all would take about "
                  f"{projected}; wall is the time limit; posts, missing and 429s are counted after the stop "
                  "(SIGTERM does not end a dispatcher pass: they went on sending until SIGKILL)")
    print(f"duplicates: {sum(run.duplicates for run in runs)} (every weekly prompt key posted at most once)")


# -- main ---------------------------------------------------------------------------------------


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="a PostgreSQL server URL (default: SQLite files in a temp folder)")
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke test")
    parser.add_argument("--channels", type=int, help="channels with a weekly prompt (default 10000; quick 4)")
    parser.add_argument("--workspaces", type=int, help="workspaces they are spread over (default 1000; quick 2)")
    parser.add_argument("--processes", type=int, nargs="+", help="dispatcher process counts (default 1 4; quick 1 2)")
    parser.add_argument("--order", choices=("shuffled", "grouped"), default="shuffled",
                        help="the order the rules were made in (grouped: a workspace's channels together)")
    parser.add_argument("--channel-per-second", type=float, default=1.0, help="posts per second per channel")
    parser.add_argument("--workspace-per-minute", type=float, default=300.0,
                        help="posts per minute per workspace (Slack: 'several hundred')")
    parser.add_argument("--workspace-burst", type=int, default=5, help="posts a workspace may send at once")
    parser.add_argument("--time-limit", type=float, help="seconds each run may take (default 3600; quick 120)")
    parser.add_argument("--workers", type=int,
                        help="actions each dispatcher sends at once (GOEDWERK_DISPATCH_WORKERS; default: the app's)")
    parser.add_argument("--latency", type=float, default=0.0,
                        help="seconds the fake Slack waits before each answer (a network round trip; default 0)")
    parser.add_argument("--bare-threads", type=int,
                        help="threads of each baseline sender (default 1; with --latency: the dispatchers' workers)")
    parser.add_argument("--baseline-runs", type=int,
                        help="baseline runs per process count, the median reported (default 3; quick 1): "
                             "a bare loop's time drifts ±15 %% between runs")
    parser.add_argument("--logs", type=Path, help="keep the dispatchers' logs in this folder")
    parser.add_argument("--profile", type=Path,
                        help="run the dispatchers under cProfile (wall-clock) and write their .prof files here")
    parser.add_argument("--serve-fake-slack", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--profiled-dispatcher", help=argparse.SUPPRESS)
    parser.add_argument("--send-bare", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--base-url", help=argparse.SUPPRESS)
    parser.add_argument("--worker-index", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--worker-count", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    quick = args.quick
    args.channels = args.channels or (4 if quick else 10_000)
    args.workspaces = args.workspaces or (2 if quick else 1_000)
    args.processes = args.processes or ([1, 2] if quick else [1, 4])
    args.time_limit = args.time_limit or (120.0 if quick else 3600.0)
    args.baseline_runs = args.baseline_runs or (1 if quick else 3)
    if args.bare_threads is None:  # with a round trip to wait for, a fair baseline waits as many at once
        args.bare_threads = (args.workers or default_workers()) if args.latency > 0 else 1
    return args


def default_workers() -> int:
    """The app's default number of dispatch threads (GOEDWERK_DISPATCH_WORKERS)."""
    from bot.settings import Settings

    return Settings.model_fields["dispatch_workers"].default


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    if args.serve_fake_slack:
        return serve_fake_slack(args)
    if args.send_bare:
        return send_bare(args)
    if args.profiled_dispatcher:
        return profiled_dispatcher(args.profiled_dispatcher)
    limits = Limits(args.channel_per_second, args.workspace_per_minute, args.workspace_burst)
    work = workload(args.channels, args.workspaces, args.order)
    runs = []
    with tempfile.TemporaryDirectory() as folder:
        for processes in args.processes:
            run = measure(args, work, limits, processes, Path(folder))
            bare = sorted((baseline(args, processes) for _ in range(args.baseline_runs)), key=lambda b: b.seconds)
            median = bare[len(bare) // 2]  # an odd count by default; else the upper middle run
            run.baseline, run.baseline_cpu = median.seconds, (median.client_cpu, median.fake_cpu)
            runs.append(run)
            print(f"[{processes} process(es): wall {run.wall:.1f} s, baseline {run.baseline:.1f} s]",
                  file=sys.stderr, flush=True)
    report(args, limits, runs)
    return 0 if all(run.duplicates == 0 for run in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
