"""Summary and rendering: composing the draft, the PDF and the PNG card of a big round.

Builds real rounds through the engine in a fresh SQLite database — every member writes
to each of the seven topics (kop, the five perspectives, staart), the round closes, the
facilitator picks a picture and publishes, and everyone quoted consents — then times,
for each round, what publication costs:

- ``draft``: composing the draft from the stored contributions (``rounds.draft_for``,
  what closing the round and every draft update do), in a fresh transaction;
- ``card``: the card to publish (``image.card_of``: the draft again, consent and names);
- ``pdf`` and ``png``: rendering that card (``render_pdf``, ``render_png``).

Each stage runs in a fresh subprocess, so its peak resident memory (VmHWM, reset just
before the calls) is its own: one cold call (fonts registered, first use of everything),
then ``--repeat`` warm calls (median, p90, max), then one call under ``tracemalloc``
(peak of Python allocations; Pillow's and reportlab's C buffers are only in the RSS).

The baseline, measured in the same run, is a small round (3 members × 7 topics × 300
characters); every row prints its ratio to the baseline's row of the same stage. The
large round is 12 members × 7 topics × 3,000 characters, once as composed and once with
the longest edits a team may make (a 120-character title, a 3,000-character
narrative). The draft quotes at most three short sentences per topic, so the card stays
small however much people write. A last, synthetic, case renders every contribution in
full (no app path makes such a card) to show how the PDF layout scales with text.

    python benchmarks/rendering.py                   # full sizes (about 3 minutes)
    python benchmarks/rendering.py --profile         # also print cProfile hot spots
    python benchmarks/rendering.py --quick           # small sizes (the CI smoke test)
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import pstats
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flows.clock import ManualClock
from flows.content import load_pack
from flows.engine.core import Engine
from flows.engine.defaults import Defaults
from flows.events import Actor, Choose, Command, Contribute
from flows.store import migrate
from flows.store.db import Database

PLAN = "kop=1h,handelingen+kennis=1h,waarden+vrijheid=1h,identiteit=1h,staart=1h"
STEPS = ("kop", "handelingen+kennis", "waarden+vrijheid", "identiteit", "staart")
START = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
STAGES = ("draft", "card", "pdf", "png")
MIB = 1024 * 1024

NAMES = ("Zoë de Vries", "Daniël Bakker", "Anouk Jansen", "Noël van den Berg", "Fatima el Amrani", "Sjoerd Visser",
         "Ilse Smit", "René Meijer", "Chloë de Boer", "Joël Mulder", "Ayşe Yılmaz", "Wouter de Groot")
WORDS = ("samenwerking gemeente woningcorporatie wijkagent bewoner overleg procedures regels tafel afspraak "
         "vertrouwen spanning stilte vraag antwoord collega's ketenpartners organisatie grenzen ruimte café "
         "ideeën geëvalueerd coördinatie privé reïntegratie één beëindigd financiële zorgvuldigheid dossier "
         "verantwoordelijkheidsgevoel arbeidsmarktregioafstemmingsoverleg jeugdhulpverleningstraject "
         "wijkteam mandaat verantwoording twijfel eerlijk geduld moed keuze plan gesprek").split()
OPENINGS = ("Op dinsdagochtend", "Toen we elkaar eindelijk spraken", "In het overleg", "Achteraf gezien",
            "Wat ik merkte", "Het lastige was", "Niemand zei het hardop, maar", "Bij de evaluatie")


@dataclass(frozen=True)
class Case:
    """One round to measure: its channel, size and the edits the team makes to the draft."""

    name: str
    channel: str
    members: int
    characters: int
    long_edits: bool = False
    stress_members: int = 0  # > 0: render every contribution of that many members in full


# -- building the rounds ------------------------------------------------------------------

def story(rng: random.Random, length: int) -> str:
    """Dutch-ish text of at most ``length`` characters: sentences, quotes, accents, paragraphs."""
    paragraphs, current, total = [], [], 0
    while total < length + 40:
        words = [rng.choice(WORDS) for _ in range(rng.randint(6, 16))]
        if rng.random() < 0.25:
            at = rng.randrange(len(words) - 2)
            words[at:at + 2] = [f"“{words[at]} {words[at + 1]}”"]
        sentence = f"{rng.choice(OPENINGS)} {' '.join(words)}{rng.choice('...!?')}"
        current.append(sentence)
        total += len(sentence) + 1
        if len(current) >= rng.randint(3, 6):
            paragraphs.append(" ".join(current))
            current = []
    text = "\n\n".join(paragraphs + [" ".join(current)]).strip()
    return text[:length - 1].rsplit(" ", 1)[0].rstrip(",;:“") + "."


def fresh_database(folder: Path) -> str:
    url = f"sqlite:///{folder / 'rendering.db'}"
    migrate.upgrade(url)
    return url


def build_round(engine: Engine, clock: ManualClock, case: Case, seed: int) -> int:
    """A whole round in ``case.channel``, closed, published and consented; its number of characters."""
    rng = random.Random(seed)
    people = [f"U{number:03d}" for number in range(case.members)]

    def actor(user: str) -> Actor:
        return Actor("bench", "T1", case.channel, user, user_name=NAMES[int(user[1:]) % len(NAMES)])

    facilitator = actor(people[0])
    engine.declare_members(facilitator, people)
    engine.handle(Command(facilitator, "start 3"))
    virtues = [virtue.nl for virtue in engine.content.virtues]
    written = 0
    for index, step in enumerate(STEPS):
        if index:
            expect(engine.handle(Command(facilitator, "next")), "next step")
        for topic in step.split("+"):
            for number, person in enumerate(people):
                text = story(rng, case.characters)
                chosen = tuple(rng.sample(virtues, 2)) if topic == "waarden" else ()
                expect(engine.handle(Contribute(actor(person), topic, text, anonymous=number % 4 == 3,
                                                virtues=chosen)), "contribution")
                written += len(text)
        clock.advance(timedelta(minutes=5))
    expect(engine.handle(Command(facilitator, "close")), "close")
    expect(engine.handle(Command(facilitator, "image picture bridge")), "picture")
    if case.long_edits:
        title = ("Eerst het verhaal van de bewoner, dan pas de regels van ieder van ons aan tafel: "
                 "zo werkt het hier écht")[:120]
        expect(engine.handle(Command(facilitator, f"image title {title}")), "title")
        expect(engine.handle(Command(facilitator, f"image narrative {story(rng, 3000)}")), "narrative")
    engine.handle(Command(facilitator, "publish"))
    number = latest_round_id(engine.db, case.channel)
    for person in people:  # everyone quoted by name says yes; the last answer publishes (and renders)
        engine.handle(Choose(actor(person), "consent", f"{number}:approve"))
    if not published(engine.db, number):
        raise SystemExit(f"building the round failed: round {number} in {case.channel} was not published")
    return written


def latest_round_id(db: Database, channel: str) -> int:
    from sqlalchemy import select

    from flows.store import queries
    from flows.store.models import Channel

    with db.transaction() as session:
        found = session.scalars(select(Channel).where(Channel.external_id == channel)).one()
        return queries.latest_round(session, found).id


def published(db: Database, round_number: int) -> bool:
    from sqlalchemy import func, select

    from flows.store.models import PublishedImage

    with db.transaction() as session:
        return bool(session.scalar(select(func.count()).select_from(PublishedImage)
                                   .where(PublishedImage.round_id == round_number)))


def expect(effects: list, what: str) -> None:
    """Fail loudly when the engine refused or apologised instead of doing ``what``."""
    errors = [effect for effect in effects if getattr(getattr(effect, "view", None), "error", False)]
    if errors:
        raise SystemExit(f"building the round failed at {what}: {errors[0].view.text}")


def build_all(url: str, cases: list[Case]) -> dict[str, int]:
    """Every case's round in one database; characters written per case."""
    db = Database(url)
    clock = ManualClock(START)
    engine = Engine(db, load_pack(), clock, Defaults(language="nl", plan=PLAN), rng=random.Random(1))
    written = {}
    for number, case in enumerate(cases):
        if not case.stress_members:
            written[case.name] = build_round(engine, clock, case, seed=number)
    db.dispose()
    return written


# -- one stage in its own process ----------------------------------------------------------

def status_bytes(field: str) -> int:
    """A memory field of /proc/self/status (``VmRSS``, ``VmHWM``) in bytes."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    return 0


def reset_peak() -> bool:
    """Lower this process's peak RSS (VmHWM) to its current RSS; False where Linux does not allow it.

    ``ru_maxrss`` cannot be used as is: a child started by fork/vfork + exec inherits its
    parent's peak (the kernel keeps the larger of the two), so it would show the parent's.
    """
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def peak_rss() -> int:
    """Peak resident memory of this process (since :func:`reset_peak`), in bytes."""
    return status_bytes("VmHWM") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def stage_call(url: str, channel: str, stage: str, stress_members: int) -> tuple[Callable[[], object], object]:
    """The call to time for ``stage`` and the card it renders (set up, untimed)."""
    from sqlalchemy import select

    from flows.engine import image, rounds
    from flows.engine.scope import scope_for_channel
    from flows.store import queries
    from flows.store.models import Channel, SummaryDraft
    from flows.summary.pdf import render_pdf
    from flows.summary.png import render_png

    db = Database(url)
    content = load_pack()
    now = START + timedelta(days=1)

    def in_transaction(work):
        with db.transaction() as session:
            found = session.scalars(select(Channel).where(Channel.external_id == channel)).one()
            scope = scope_for_channel(session, found, now, "nl", "Europe/Amsterdam")
            round_row = queries.latest_round(session, found)
            stored = session.scalars(select(SummaryDraft).where(SummaryDraft.round_id == round_row.id)).one()
            return work(scope, round_row, stored, session)

    if stage == "draft":
        return lambda: in_transaction(lambda scope, row, stored, _: rounds.draft_for(scope, content, row,
                                                                                     final=True)), None
    if stage == "card":
        return lambda: in_transaction(lambda scope, row, stored, _: image.card_of(scope, content, row, stored)), None
    card = in_transaction(lambda scope, row, stored, _: image.card_of(scope, content, row, stored))
    if stress_members:
        card = in_transaction(lambda scope, row, stored, session: everything_in_full(
            card, content, queries.contributions(session, row), stress_members))
    render = render_pdf if stage == "pdf" else render_png
    return (lambda: render(card)), card


def everything_in_full(card, content, contributions, members: int):
    """The card with every written contribution of the first ``members`` members in full."""
    from flows.engine.plan import TAIL
    from flows.engine.topics import label

    authors = sorted({row.author_id for row in contributions})[:members]
    by_topic: dict[str, list[str]] = {}
    for row in contributions:
        if row.author_id in authors and row.text and not row.passed:
            by_topic.setdefault(row.topic, []).append(row.text)
    perspectives = tuple((label(content, "nl", topic), "\n\n".join(texts))
                         for topic, texts in by_topic.items() if topic not in ("kop", TAIL))
    return replace(card, narrative="\n\n".join(by_topic.get(TAIL, [])), perspectives=perspectives)


def output_size(stage: str, output) -> dict:
    if stage == "pdf":
        return {"bytes": len(output), "pages": len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", output))}
    if stage == "png":
        from PIL import Image

        with Image.open(io.BytesIO(output)) as picture:
            return {"bytes": len(output), "width": picture.width, "height": picture.height}
    return {}


def card_characters(card) -> int:
    if card is None:
        return 0
    return (len(card.title) + len(card.experience) + len(card.narrative)
            + sum(len(text) for _, text in card.perspectives))


def worker(url: str, channel: str, stage: str, repeat: int, stress_members: int) -> dict:
    """Measure one stage in this (fresh) process; the figures as a dict.

    ``kept_cold`` is the RSS the first call leaves behind (caches, registered fonts);
    ``kept_warm`` what the warm calls add on top of that — near zero unless something leaks.
    """
    call, card = stage_call(url, channel, stage, stress_members)
    gc.collect()
    reset_peak()
    rss_before = status_bytes("VmRSS")
    started = time.perf_counter()
    output = call()
    cold = time.perf_counter() - started
    gc.collect()
    rss_cold = status_bytes("VmRSS")
    warm = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        warm.append(time.perf_counter() - started)
    peak = peak_rss()
    gc.collect()
    rss_warm = status_bytes("VmRSS")
    tracemalloc.start()
    call()
    _, python_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"cold": cold, "warm": warm, "python_peak": python_peak, "peak_growth": peak - rss_before,
            "kept_cold": rss_cold - rss_before, "kept_warm": rss_warm - rss_cold, "rss_before": rss_before,
            "characters": card_characters(card), **output_size(stage, output)}


def measure(url: str, case: Case, stage: str, repeat: int) -> dict:
    """Run :func:`worker` for one case and stage in a fresh interpreter."""
    command = [sys.executable, __file__, "--worker", stage, "--database-url", url, "--channel", case.channel,
               "--repeat", str(repeat), "--stress-members", str(case.stress_members)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=1800)
    if result.returncode != 0:
        raise SystemExit(f"the {stage} worker for {case.name} failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


# -- report ---------------------------------------------------------------------------------

def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile of ``values`` (``share`` 0..1)."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))]


def median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def ratio(value: float, base: float) -> str:
    return f"{value / base:.1f}" if base > 0 else "-"


def print_times(cases: list[Case], results: dict, baseline: Case) -> None:
    print(f"{'case':<26} {'stage':<5} {'cold ms':>8} {'min':>7} {'median':>8} {'p90':>8} {'max':>8} {'ratio':>6} "
          f"{'py peak MiB':>11} {'ratio':>6} {'peak +MiB':>9} {'kept: cold':>10} {'warm':>6}")
    for case in cases:
        for stage in STAGES:
            figures = results.get((case.name, stage))
            if figures is None:
                continue
            base = results[(baseline.name, stage)]
            warm = figures["warm"] or [figures["cold"]]
            mid = median(warm)
            print(f"{case.name:<26} {stage:<5} {figures['cold'] * 1000:>8.1f} {min(warm) * 1000:>7.1f} "
                  f"{mid * 1000:>8.1f} "
                  f"{percentile(warm, 0.9) * 1000:>8.1f} {max(warm) * 1000:>8.1f} "
                  f"{ratio(mid, median(base['warm'] or [base['cold']])):>6} "
                  f"{figures['python_peak'] / MIB:>11.2f} {ratio(figures['python_peak'], base['python_peak']):>6} "
                  f"{figures['peak_growth'] / MIB:>9.1f} {figures['kept_cold'] / MIB:>10.1f} "
                  f"{figures['kept_warm'] / MIB:>6.1f}")


def print_rounds(cases: list[Case], results: dict, baseline: Case) -> None:
    """Time per round: card + PDF + PNG, what publishing one image costs (warm medians)."""
    def total(case: Case) -> float:
        return sum(median(results[(case.name, stage)]["warm"] or [results[(case.name, stage)]["cold"]])
                   for stage in ("card", "pdf", "png"))

    print(f"{'case':<26} {'per round ms':>12} {'ratio':>6} {'peak RSS MiB':>12}")
    for case in cases:
        if all((case.name, stage) in results for stage in ("card", "pdf", "png")):
            peak = max(results[(case.name, stage)]["rss_before"] + results[(case.name, stage)]["peak_growth"]
                       for stage in ("pdf", "png"))
            print(f"{case.name:<26} {total(case) * 1000:>12.1f} {ratio(total(case), total(baseline)):>6} "
                  f"{peak / MIB:>12.1f}")


def print_outputs(cases: list[Case], results: dict) -> None:
    print(f"{'case':<26} {'card chars':>10} {'PDF bytes':>10} {'pages':>5} {'PNG bytes':>10} {'PNG size':>10}")
    for case in cases:
        pdf, png = results.get((case.name, "pdf")), results.get((case.name, "png"))
        if pdf is None:
            continue
        png_bytes = f"{png['bytes']:>10}" if png else f"{'-':>10}"
        png_size = f"{png['width']}×{png['height']}" if png else "-"
        print(f"{case.name:<26} {pdf['characters']:>10} {pdf['bytes']:>10} {pdf['pages']:>5} {png_bytes} "
              f"{png_size:>10}")


def profile(url: str, cases: list[Case], top: int = 14) -> str:
    """cProfile of a warm PDF and PNG of the large round and a warm PDF of the biggest stress case."""
    report = io.StringIO()
    stress = [case for case in cases if case.stress_members]
    targets = [(cases[1], "pdf"), (cases[1], "png")] + ([(stress[-1], "pdf")] if stress else [])
    for case, stage in targets:
        call, _ = stage_call(url, case.channel, stage, case.stress_members)
        call()
        profiler = cProfile.Profile()
        profiler.enable()
        call()
        profiler.disable()
        print(f"\nhot spots: {stage} of {case.name} (warm call, by cumulative time)", file=report)
        pstats.Stats(profiler, stream=report).strip_dirs().sort_stats("cumulative").print_stats(top)
    return report.getvalue()


# -- main -------------------------------------------------------------------------------------

def cases_for(quick: bool) -> list[Case]:
    if quick:
        return [Case("small: 2×7×100", "C-small", 2, 100), Case("large: 3×7×200", "C-large", 3, 200)]
    return [Case("small: 3×7×300", "C-small", 3, 300),
            Case("large: 12×7×3000", "C-large", 12, 3000),
            Case("large, longest edits", "C-edited", 12, 3000, long_edits=True),
            Case("stress: 3 members in full", "C-large", 12, 3000, stress_members=3),
            Case("stress: 6 members in full", "C-large", 12, 3000, stress_members=6),
            Case("stress: 12 members in full", "C-large", 12, 3000, stress_members=12)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, one repetition, for a smoke test")
    parser.add_argument("--repeat", type=int, help="warm repetitions per stage (default 10; quick 1)")
    parser.add_argument("--profile", action="store_true", help="print cProfile hot spots of the large round")
    parser.add_argument("--worker", choices=STAGES, help=argparse.SUPPRESS)
    parser.add_argument("--database-url", help=argparse.SUPPRESS)
    parser.add_argument("--channel", help=argparse.SUPPRESS)
    parser.add_argument("--stress-members", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.database_url, args.channel, args.worker, args.repeat, args.stress_members)))
        return 0
    repeat = args.repeat or (1 if args.quick else 10)
    stress_repeat = max(1, repeat // 10)
    cases = cases_for(args.quick)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        url = fresh_database(Path(folder))
        written = build_all(url, cases)
        built = time.perf_counter() - started
        results = {}
        for stage in STAGES:  # stage by stage, so a baseline and its comparisons run close in time
            for case in cases:
                if stage in (("pdf", "png") if case.stress_members else STAGES):
                    results[(case.name, stage)] = measure(url, case, stage, stress_repeat if case.stress_members
                                                          else repeat)
        hot_spots = profile(url, cases) if args.profile else ""
    baseline = cases[0]
    print(f"rounds built through the engine in {built:.1f} s (SQLite file); characters written: "
          + ", ".join(f"{name} {count:,}" for name, count in written.items()))
    print(f"baseline: {baseline.name} (members × topics × characters), same run; warm repetitions: {repeat} "
          f"(stress cases: {stress_repeat}); each stage in a fresh process")
    print()
    print_times(cases, results, baseline)
    print("cold: the first call in a fresh process (fonts registered, first use); min/median/p90/max: warm calls;")
    print("ratio: median over the baseline's median for the same stage;")
    print("py peak: tracemalloc peak of one warm call (Python objects only); peak +MiB: the process's peak RSS")
    print("(VmHWM) during the cold and warm calls over its RSS before them (C buffers included); kept: RSS left")
    print("after the cold call (caches, fonts) and added by all the warm calls together (a leak would show here)")
    print()
    print_rounds(cases, results, baseline)
    print("per round: card + PDF + PNG (warm medians), what publishing one image costs; peak RSS: the larger")
    print("of the PDF and PNG workers' peak (the whole process: interpreter, SQLAlchemy, reportlab, Pillow)")
    print()
    print_outputs(cases, results)
    print(hot_spots, end="")
    print(f"total time {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
