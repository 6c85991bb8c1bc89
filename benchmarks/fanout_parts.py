"""Weekly fan-out, part by part: where a dispatcher's CPU per weekly prompt goes.

``fanout.py`` measures the whole: dispatchers, PostgreSQL and a fake Slack sharing the
machine, which makes its figures noisy. This script takes the dispatcher's work apart
and times each part on its own, in this process, on one thread (CPU from
``time.process_time``, so other processes' noise hardly counts):

- **prepare and record**: the real :class:`~flows.scheduling.dispatcher.Dispatcher`
  and engine run every weekly prompt of ``--channels`` channels (in ``--channels / 10``
  workspaces) against the database, rendering each message as the Slack sender does,
  but instead of posting it record a made-up ``ts``: the database and engine work per
  prompt, with nothing of Slack in it;
- **post**: the same prompt posted ``--posts`` times to a fake Slack (its own process,
  limits off) through goedwerk's :class:`~bot.slack.sender.SlackSender`, against the
  baseline of a bare ``build_client`` loop posting the same text and blocks;
- **token look-up**: reading and decrypting one workspace's bot token through the
  encrypted installation store (done once per workspace per five minutes).

    python benchmarks/fanout_parts.py --database-url postgresql://postgres@127.0.0.1:5432/test
    python benchmarks/fanout_parts.py --quick      # small, for the CI smoke test (SQLite without --database-url)
"""

from __future__ import annotations

import argparse
import itertools
import random
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

BENCHMARKS = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCHMARKS.parent))
sys.path.insert(0, str(BENCHMARKS))

import fanout
from db_work import drop_database, fresh_database

ZONE = ZoneInfo(fanout.ZONE)
BARE, GOEDWERK = "bare client (baseline)", "goedwerk sender"


def prepare_and_record(url: str | None, channels: int, folder: Path) -> tuple[float, float]:
    """CPU and wall ms per weekly prompt of dispatching without Slack (see the module docstring)."""
    from bot.heap import freeze_startup_objects
    from bot.slack.blocks import message
    from bot.slack.token_crypto import new_key
    from flows.clock import SystemClock
    from flows.content import load_pack
    from flows.effects import Post, SentMessage
    from flows.engine.core import Engine
    from flows.engine.defaults import Defaults
    from flows.scheduling.dispatcher import Dispatcher

    name = "fanout_parts"
    db = fresh_database(url, folder, name)
    occurrence = datetime.now(UTC).replace(second=0, microsecond=0)
    fanout.seed(db, fanout.workload(channels, max(1, channels // 10), "shuffled"), occurrence, new_key())
    engine = Engine(db, load_pack(), SystemClock(), Defaults(language="en"), rng=random.Random(1))
    timestamps = itertools.count(1)

    def deliver(effects, resend=False, delivery=None) -> list[str]:
        for effect in effects:
            if isinstance(effect, Post):
                message(effect.view, ZONE)
                delivery.sent.append(SentMessage(effect.place, effect.key, f"{next(timestamps)}.000100"))
        return []

    dispatcher = Dispatcher(db, engine, SystemClock(), deliver, workers=1, records_sent=True)
    freeze_startup_objects()  # as `goedwerk scheduler` does once it is set up
    fanout.release(db, occurrence)
    cpu, wall, sent = time.process_time(), time.perf_counter(), 0
    while passed := dispatcher.run_due():
        sent += passed
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    statuses = fanout.statuses(db, occurrence)
    db.dispose()
    if url is not None:
        drop_database(url, name)
    if sent != channels or statuses.get("sent") != channels:
        raise RuntimeError(f"{sent} of {channels} prompts sent; statuses {dict(statuses)}")
    return 1000 * cpu / sent, 1000 * wall / sent


def post(posts: int, teams: int) -> dict[str, tuple[float, float]]:
    """CPU and wall ms per post: goedwerk's sender and the bare client, alternating rounds."""
    from bot.slack.clients import TeamClients, build_client
    from bot.slack.sender import SlackSender
    from flows.clock import SystemClock
    from flows.content import load_pack
    from flows.effects import Delivery, Place
    from flows.engine.scope import Scope
    from flows.engine.weekly import prompt_effects
    from flows.events import Actor

    fake = fanout.FakeSlackProcess(None)
    try:
        pack = load_pack()
        names = [fanout.team_id(number) for number in range(teams)]
        scope = Scope(None, datetime.now(UTC), Actor("slack", "T1", "C1", "goedwerk"), None, None, "en", ZONE)
        prompt = prompt_effects(scope, pack, 1, "weekly:1:parts")[0]
        (text, blocks), = fanout.rendered_prompt()
        bare_clients = {team: build_client(fake.base_url, fanout.token_of(team)) for team in names}
        team_clients = TeamClients(fake.base_url, fanout.token_of)
        sender = SlackSender(None, pack, SystemClock(), ZONE, team_clients.for_team, team_clients.refresh)

        def bare(number: int) -> None:
            bare_clients[names[number % teams]].chat_postMessage(
                channel=f"C{number:08d}", text=text, blocks=blocks, unfurl_links=False, unfurl_media=False,
                metadata={"event_type": "goedwerk_message", "event_payload": {"key": f"weekly:{number}:bare"}})

        def goedwerk(number: int) -> None:
            place = Place("slack", names[number % teams], f"C{number:08d}")
            errors = sender.deliver([replace(prompt, place=place, key=f"weekly:{number}:x")], delivery=Delivery())
            if errors:
                raise RuntimeError(f"the sender met {errors}")

        senders = ((BARE, bare), (GOEDWERK, goedwerk))
        figures: dict[str, list[tuple[float, float]]] = {label: [] for label, _ in senders}
        for _, send in senders:
            for number in range(min(50, posts)):  # warm-up: connections, caches
                send(number)
        rounds = 3
        share = max(1, posts // rounds)
        for _ in range(rounds):
            for label, send in senders:
                cpu, wall = time.process_time(), time.perf_counter()
                for number in range(share):
                    send(number)
                figures[label].append((1000 * (time.process_time() - cpu) / share,
                                       1000 * (time.perf_counter() - wall) / share))
        return {label: (statistics.median(c for c, _ in runs), statistics.median(w for _, w in runs))
                for label, runs in figures.items()}
    finally:
        fake.stop()


def token_lookup(url: str | None, teams: int, folder: Path) -> tuple[float, float]:
    """CPU and wall ms to read and decrypt one workspace's bot token."""
    from bot.slack import installation_tables
    from bot.slack.token_crypto import EncryptedInstallationStore, TokenCipher, new_key

    name = "fanout_parts_tokens"
    db = fresh_database(url, folder, name)
    key = new_key()
    names = [fanout.team_id(number) for number in range(teams)]
    fanout.install(db, names, key)
    store = EncryptedInstallationStore(client_id=fanout.CLIENT_ID, engine=db.engine, cipher=TokenCipher(key),
                                       bots_table_name=installation_tables.BOTS_TABLE,
                                       installations_table_name=installation_tables.INSTALLATIONS_TABLE)
    store.find_bot(enterprise_id=None, team_id=names[0])
    cpu, wall = time.process_time(), time.perf_counter()
    for team in names:
        if store.find_bot(enterprise_id=None, team_id=team).bot_token != fanout.token_of(team):
            raise RuntimeError(f"wrong token for {team}")
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    db.dispose()
    if url is not None:
        drop_database(url, name)
    return 1000 * cpu / teams, 1000 * wall / teams


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="a PostgreSQL server URL (default: SQLite files in a temp folder)")
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke test")
    parser.add_argument("--channels", type=int, help="weekly prompts to dispatch (default 4000; quick 60)")
    parser.add_argument("--posts", type=int, help="posts per sender (default 3000; quick 60)")
    args = parser.parse_args(argv)
    args.channels = args.channels or (60 if args.quick else 4000)
    args.posts = args.posts or (60 if args.quick else 3000)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    teams = max(1, args.channels // 10)
    with tempfile.TemporaryDirectory() as folder:
        prepared = prepare_and_record(args.database_url, args.channels, Path(folder))
        posted = post(args.posts, teams)
        token = token_lookup(args.database_url, teams, Path(folder))
    bare_cpu = posted[BARE][0]
    print(f"database: {args.database_url or 'sqlite (file)'}; {args.channels} weekly prompts in {teams} "
          f"workspaces; {args.posts} posts per sender (median of 3 alternating rounds); one thread")
    print(f"{'part':<44} {'CPU ms':>8} {'wall ms':>8} {'CPU/base':>8}")
    rows = [("prepare and record, per prompt (no Slack)", *prepared),
            *((f"post, {label}", *figures) for label, figures in posted.items()),
            ("token look-up, per workspace", *token),
            ("token look-up, per prompt (10 per workspace)", token[0] / 10, token[1] / 10)]
    for label, cpu, wall in rows:
        print(f"{label:<44} {cpu:>8.3f} {wall:>8.3f} {cpu / bare_cpu:>8.2f}")
    total = prepared[0] + posted[GOEDWERK][0] + token[0] / 10
    print(f"dispatcher CPU per prompt, parts summed: {total:.3f} ms = {total / bare_cpu:.2f}x the bare post")
    return 0


if __name__ == "__main__":
    sys.exit(main())
