"""Database work per interaction: SQL statements and rows touched, by round size.

For rounds with 3 and 50 members and 10 and 1,000 contributions, counts what one
`status` command, one new contribution, one button click (open the form) and one
pass cost the database, using SQLAlchemy's cursor events on the real engine. The
baseline, measured in the same run, is the smallest round; every other row prints its
ratio to it. The statement counts must not grow with members or contributions (no N+1).

    python benchmarks/db_work.py                      # SQLite file, full sizes
    python benchmarks/db_work.py --database-url postgresql://postgres@127.0.0.1:5432/test
    python benchmarks/db_work.py --quick              # small sizes (the CI smoke test)
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import event

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flows.clock import ManualClock
from flows.content import load_pack
from flows.engine.core import Engine
from flows.engine.defaults import Defaults
from flows.events import Actor, Choose, Command, Contribute
from flows.store import migrate
from flows.store.db import Database

PLAN = "kop=1h,handelingen+kennis=1h,waarden+vrijheid=1h,identiteit=1h,staart=1h"
START = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


@dataclass
class Counter:
    statements: int = 0
    rows: int = 0

    def reset(self) -> None:
        self.statements = self.rows = 0


def watch(db: Database) -> Counter:
    counter = Counter()

    @event.listens_for(db.engine, "after_cursor_execute")
    def _count(conn, cursor, statement, parameters, context, executemany):
        counter.statements += 1
        counter.rows += max(cursor.rowcount, 0)  # rows changed; SELECTs report -1 on SQLite

    return counter


def fresh_database(url: str | None, folder: Path, name: str) -> Database:
    if url is None:
        url = f"sqlite:///{folder / name}.db"
        migrate.upgrade(url)
        return Database(url)
    from sqlalchemy import create_engine, text

    drop_database(url, name)
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    target = url.rsplit("/", 1)[0] + f"/{name}"
    migrate.upgrade(target)
    return Database(target)


def scenario(url: str | None, folder: Path, members: int, contributions: int) -> dict[str, tuple[int, int]]:
    db = fresh_database(url, folder, f"bench_{members}_{contributions}")
    clock = ManualClock(START)
    engine = Engine(db, load_pack(), clock, Defaults(language="en", plan=PLAN), rng=random.Random(1))
    people = [f"U{number:04d}" for number in range(members)]
    facilitator = Actor("bench", "T1", "C1", people[0], user_name="P0")
    engine.declare_members(facilitator, people)
    engine.handle(Command(facilitator, "start 3"))
    for number in range(contributions):
        author = people[number % members]
        engine.handle(Contribute(Actor("bench", "T1", "C1", author, user_name=author), "kop",
                                 f"Contribution {number} with some words in it."))
    clock.advance(timedelta(minutes=1))
    counter = watch(db)
    asker = facilitator  # someone who acted before: a first-timer adds one insert of their person row
    costs = {}
    for name, action in (
        ("status command", Command(asker, "status")),
        ("new contribution", Contribute(asker, "kop", "One more story for the benchmark.")),
        ("button: open form", Choose(asker, "contribute", "1:kop")),
        ("pass", Choose(asker, "pass", "1:kop")),
    ):
        counter.reset()
        engine.handle(action)
        costs[name] = (counter.statements, counter.rows)
    db.dispose()
    if url is not None:
        drop_database(url, f"bench_{members}_{contributions}")
    return costs


def drop_database(url: str, name: str) -> None:
    from sqlalchemy import create_engine, text

    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="a PostgreSQL server URL (default: SQLite files in a temp folder)")
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke test")
    args = parser.parse_args(argv)
    sizes = [(3, 10), (5, 20)] if args.quick else [(3, 10), (3, 1000), (50, 10), (50, 1000)]
    with tempfile.TemporaryDirectory() as folder:
        results = {size: scenario(args.database_url, Path(folder), *size) for size in sizes}
    baseline = results[sizes[0]]
    print(f"database: {args.database_url or 'sqlite (file)'}; baseline: {sizes[0][0]} members, "
          f"{sizes[0][1]} contributions (same run)")
    print(f"{'members':>7} {'contrib.':>8}  {'interaction':<18} {'statements':>10} {'ratio':>6} {'rows':>6}")
    worst = 1.0
    for (members, contributions), costs in results.items():
        for name, (statements, rows) in costs.items():
            ratio = statements / baseline[name][0] if baseline[name][0] else float("nan")
            worst = max(worst, ratio)
            print(f"{members:>7} {contributions:>8}  {name:<18} {statements:>10} {ratio:>6.2f} {rows:>6}")
    print("rows: the cursor's row count (PostgreSQL counts rows read and written; SQLite only rows written)")
    print(f"largest statement ratio to the baseline: {worst:.2f} (1.00 means no growth with size)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
