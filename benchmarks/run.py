"""`make bench`: studykb's speed on realistic collections, beside Anki's engine.

Prints one Markdown table (median and p99 where they apply) and writes the same
figures as JSON to benchmarks/results/latest.json. Generated collections are
cached in benchmarks/.cache (deterministic; delete it to rebuild).

A quick check runs a subset: ``make bench BENCH=answer,due SIZES=10000`` (or
``python -m benchmarks.run --only answer,due --sizes 10000``); its figures go to
benchmarks/results/subset.json, leaving the full run's latest.json alone.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from functools import partial
from pathlib import Path

from benchmarks import anki_side
from benchmarks.generate import NOW, generate
from studykb.app.library import apply_import, known_deck_files, prepare_import
from studykb.app.store import open_store
from studykb.core.clock import FixedClock
from studykb.settings import Settings
from studykb.storage.db import SCHEMA_HEAD

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "benchmarks" / ".cache"
RESULTS = ROOT / "benchmarks" / "results"
GENERATOR_VERSION = 6
SIZES = (1_000, 10_000, 100_000, 1_000_000)
# Anki's engine is run beside studykb up to this size; the million-card figures are
# held against studykb's own at 1,000 (issue 15: growth within 2x).
ANKI_UP_TO = 100_000
# The screens' figures (TUI start, statistics, search) are taken at this size at most.
SCREENS_AT = 100_000
ANSWERS = 1_000
# What `--only` / BENCH= can name: each runs its anchors (Anki, the floors) beside it.
BENCHES = {
    "answer": "next card + grade + durable commit, per size; Anki's and a bare sqlite3 commit beside",
    "due": "due counts in-process and `studykb due` as a process, per size; Anki's counts beside",
    "import": "import 10,000 cards, in-process and as a whole process; Anki's beside",
    "tui": "TUI start to first card, at the largest size",
    "stats": "statistics data, at the largest size",
    "search": "card browser: a search keystroke and a card's history, at the largest size",
    "draft": "`studykb draft` of a synthetic 30-page LaTeX source, whole process",
    "sync": "sync through a folder at the largest size: 10,000 events applied, nothing new, a day's segment",
}


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def collection(n: int) -> Path:
    CACHE.mkdir(parents=True, exist_ok=True)
    # The schema revision too: a collection made before a migration is made again,
    # not upgraded in the timed runs.
    path = CACHE / f"collection-{n}-v{GENERATOR_VERSION}-s{SCHEMA_HEAD}.db"
    if not path.exists():
        began = time.perf_counter()
        tmp = path.with_suffix(".tmp.db")
        generate(tmp, n).close()
        os.replace(tmp, path)
        print(f"  generated {n:,} cards in {time.perf_counter() - began:.0f}s", file=sys.stderr)
    return path


def working_copy(src: Path, tmp: Path) -> Path:
    dest = tmp / f"work-{src.name}"
    shutil.copy(src, dest)
    for suffix in ("-wal", "-shm"):
        Path(f"{dest}{suffix}").unlink(missing_ok=True)
    return dest


def bench_answer(db: Path, count: int = ANSWERS) -> dict[str, float]:
    """Fetch the next card, grade it, commit durably (WAL, synchronous=FULL)."""
    clock = FixedClock(NOW)
    store = open_store(
        db,
        clock=clock,
        settings=Settings(new_per_day=1000, reviews_per_day=9999),
        seed_bundled=False,
    )
    repo = store.repo
    times = []
    grades = (5, 4, 4, 3, 5, 2, 4)
    for i in range(count):
        began = time.perf_counter()
        card = repo.next_card()
        while card is None:  # today's queue is empty: the next study day
            clock.advance(timedelta(days=1))
            card = repo.next_card()
        repo.answer(card, grades[i % len(grades)], 3000)
        times.append((time.perf_counter() - began) * 1000)
    store.close()
    return {"median_ms": statistics.median(times), "p99_ms": pct(times, 0.99)}


def bench_due_counts(db: Path, runs: int = 20) -> dict[str, float]:
    store = open_store(db, clock=FixedClock(NOW), settings=Settings(), seed_bundled=False)
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        store.repo.due_counts()
        times.append((time.perf_counter() - began) * 1000)
    store.close()
    return {"median_ms": statistics.median(times), "p99_ms": pct(times, 0.99)}


def process_times(args: list[str], env: dict[str, str], runs: int = 15) -> dict[str, float]:
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        subprocess.run(args, env=env, check=True, stdout=subprocess.DEVNULL)
        times.append((time.perf_counter() - began) * 1000)
    return {"median_ms": statistics.median(times), "p99_ms": pct(times, 0.99)}


def bench_due_process(db: Path) -> dict[str, float]:
    env = {
        **os.environ,
        "STUDYKB_DB": str(db),
        "STUDYKB_NOW": NOW.isoformat(),
        "STUDYKB_NO_BUNDLED": "1",
    }
    studykb = str(Path(sys.executable).with_name("studykb"))
    subprocess.run([studykb, "due"], env=env, check=True, stdout=subprocess.DEVNULL)  # warm
    return process_times([studykb, "due"], env)


def bench_draft(tmp: Path, runs: int = 7) -> dict[str, float]:
    """`studykb draft` of benchmarks.latex_paper's 30-page source as a whole process,
    each run into a fresh copy of a database with the bundled reading list."""
    from benchmarks.latex_paper import write_archive

    source = tmp / "paper.tar.gz"
    size = write_archive(source, 30)
    base = tmp / "draft-base.db"
    env = {**os.environ, "STUDYKB_NOW": NOW.isoformat()}
    env.pop("STUDYKB_NO_BUNDLED", None)
    studykb = str(Path(sys.executable).with_name("studykb"))
    subprocess.run(
        [studykb, "--db", str(base), "decks"], env=env, check=True, stdout=subprocess.DEVNULL
    )
    times = []
    for _ in range(runs):
        db = working_copy(base, tmp)
        args = [studykb, "--db", str(db), "draft", str(source), "--paper", "ddim"]
        began = time.perf_counter()
        subprocess.run(args, env=env, check=True, stdout=subprocess.DEVNULL)
        times.append((time.perf_counter() - began) * 1000)
    return {"median_ms": statistics.median(times), "p99_ms": pct(times, 0.99), "bytes": size}


def bench_python_floor() -> dict[str, float]:
    return process_times([sys.executable, "-c", "pass"], dict(os.environ))


def bench_import(tmp: Path, cards: int = 10_000) -> dict[str, float]:
    # The deck reader's modules load before the clock starts, as Anki's are loaded
    # before its add is timed (the whole-process figure counts every import).
    import studykb.decks.schema
    import studykb.decks.toml_deck  # noqa: F401
    from tests.reliability.harness import deck_text

    deck = tmp / "big.toml"
    deck.write_text(deck_text("big", cards), encoding="utf-8")
    db = tmp / "import.db"
    store = open_store(db, clock=FixedClock(NOW), settings=Settings(), seed_bundled=False)
    # As `studykb import` does it: parse (unless the file is known), then apply.
    began = time.perf_counter()
    apply_import(store.repo, prepare_import([deck], known=known_deck_files(db)))
    first = (time.perf_counter() - began) * 1000
    began = time.perf_counter()
    lines = apply_import(store.repo, prepare_import([deck], known=known_deck_files(db)))
    again = (time.perf_counter() - began) * 1000
    assert "10000 unchanged" in lines[0], lines
    store.close()
    return {"first_ms": first, "unchanged_ms": again}


def bench_floor(tmp: Path, count: int = ANSWERS) -> dict[str, float]:
    """The disk's floor for a durable answer: one bare sqlite3 INSERT + COMMIT per call,
    WAL with synchronous=FULL (as studykb and Anki run), on the same disk, same run."""
    path = tmp / "floor.db"
    for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        leftover.unlink(missing_ok=True)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("CREATE TABLE log (seq INTEGER PRIMARY KEY, card_id INTEGER, quality INTEGER)")
    times = []
    for i in range(count):
        began = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO log (card_id, quality) VALUES (?, ?)", (i, 4))
        conn.execute("COMMIT")
        times.append((time.perf_counter() - began) * 1000)
    conn.close()
    return {"median_ms": statistics.median(times), "p99_ms": pct(times, 0.99)}


def bench_import_process(tmp: Path, cards: int = 10_000, runs: int = 5) -> dict[str, float]:
    """`studykb import` of one deck file into a new database, as a whole process, and
    Anki's process doing the same (benchmarks.anki_import), in turn, run for run."""
    from tests.reliability.harness import deck_text

    deck = tmp / "process.toml"
    deck.write_text(deck_text("big", cards), encoding="utf-8")
    env = {**os.environ, "STUDYKB_NO_BUNDLED": "1", "STUDYKB_HOME": str(tmp / "home")}
    studykb = str(Path(sys.executable).with_name("studykb"))
    ours, anki = [], []
    for run in range(runs + 1):  # the first pair warms the caches, not counted
        db, col = tmp / f"process-{run}.db", tmp / f"process-{run}.anki2"
        began = time.perf_counter()
        subprocess.run(
            [studykb, "--db", str(db), "import", str(deck)],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        elapsed = (time.perf_counter() - began) * 1000
        began = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "benchmarks.anki_import", str(deck), str(col)],
            cwd=ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        if run:
            ours.append(elapsed)
            anki.append((time.perf_counter() - began) * 1000)
    return {"median_ms": statistics.median(ours), "anki_median_ms": statistics.median(anki)}


TUI_PROBE = r"""
import asyncio, resource, sys, time
from pathlib import Path
from studykb.core.clock import FixedClock
from studykb.app.collection import open_collection
from studykb.settings import Settings
from studykb.tui.app import StudyApp
from studykb.tui.screens.review import ReviewScreen
from benchmarks.generate import NOW

async def main():
    collection = open_collection(Path(sys.argv[1]), clock=FixedClock(NOW), settings=Settings(),
                                 seed_bundled=False)
    app = StudyApp(collection, clock=collection.clock,
                   config_path=Path("/nonexistent/config.toml"), review=True)
    async with app.run_test(size=(100, 30)) as pilot:
        while not (isinstance(app.screen, ReviewScreen) and app.screen.card is not None):
            await pilot.pause(0.005)
        print("first-card", flush=True)
        # VmHWM, the peak resident size of this program: ru_maxrss would also count the
        # benchmark process it was forked from (Linux carries it across exec).
        status = Path("/proc/self/status").read_text()
        peak = next((l.split()[1] for l in status.splitlines() if l.startswith("VmHWM")), None)
        print(peak or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, flush=True)

asyncio.run(main())
"""


def _as_device(db: Path, number: int) -> None:
    """Make a copy of the bench collection another device (its own id and tag) that
    has synced before and sent everything it holds: the copies share a history, as
    two machines do after their first sync (which records every deck: done here)."""
    conn = sqlite3.connect(db)
    with conn:
        for key, value in (
            ("device_id", f"{number:032x}"),
            ("device_tag", str(1000 + number)),
            ("device_name", f"bench-{number}"),
        ):
            conn.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value),
            )
    conn.close()
    store = open_store(db, clock=FixedClock(NOW), settings=Settings(), seed_bundled=False)
    store.repo.record_decks()
    store.close()
    conn = sqlite3.connect(db)
    with conn:
        for key, sql in (
            ("sync_sent_log_seq", "SELECT max(seq) FROM review_log"),
            ("sync_sent_event_seq", "SELECT COALESCE(max(seq), 0) FROM event"),
        ):
            conn.execute(
                "INSERT INTO meta (key, value) VALUES (?, (" + sql + ")) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key,),
            )
        for key, value in (("sync_next_segment", "1"), ("sync_last_at", NOW.isoformat())):
            conn.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value),
            )
    conn.close()


def _answer_many(db: Path, clock: FixedClock, count: int, *, durable: bool = True) -> None:
    store = open_store(
        db,
        clock=clock,
        settings=Settings(new_per_day=1000, reviews_per_day=99999),
        seed_bundled=False,
    )
    if not durable:  # making the other device's events, not timing them
        store.repo.conn.execute("PRAGMA synchronous = OFF")
    for i in range(count):
        card = store.repo.next_card()
        while card is None:
            clock.advance(timedelta(days=1))
            card = store.repo.next_card()
        store.repo.answer(card, (5, 4, 3, 4, 2)[i % 5], 3000)
    store.close()


def bench_sync(src: Path, tmp: Path, events: int = 10_000, day: int = 200) -> dict[str, float]:
    """Two devices over one folder: the other device answers ``events`` cards and
    syncs; this one applies them (timed), syncs with nothing new (timed, in-process
    and as a whole `studykb sync` process), then answers a day's ``day`` cards and
    writes its segment (timed)."""
    from studykb.app.collection import Collection

    here, there = working_copy(src, tmp), tmp / "there.db"
    shutil.copy(here, there)
    _as_device(here, 1)
    _as_device(there, 2)
    folder = tmp / "sync-folder"
    _answer_many(there, FixedClock(NOW), events, durable=False)
    began = time.perf_counter()
    other = Collection(
        open_store(there, clock=FixedClock(NOW), settings=Settings(), seed_bundled=False)
    )
    written = other.sync.folder(folder)
    other.close()
    write_10k_ms = (time.perf_counter() - began) * 1000
    mine = Collection(
        open_store(here, clock=FixedClock(NOW), settings=Settings(), seed_bundled=False)
    )
    began = time.perf_counter()
    applied = mine.sync.folder(folder)
    apply_ms = (time.perf_counter() - began) * 1000
    assert applied.answers == events and written.sent == events, (applied.lines(), written.sent)
    nothing = []
    for _ in range(9):
        began = time.perf_counter()
        mine.sync.folder(folder)
        nothing.append((time.perf_counter() - began) * 1000)
    mine.close()
    env = {**os.environ, "STUDYKB_HOME": str(tmp / "home"), "STUDYKB_NOW": NOW.isoformat()}
    process = process_times(
        [
            str(Path(sys.executable).with_name("studykb")),
            "--db",
            str(here),
            "sync",
            "--folder",
            str(folder),
        ],
        env,
        runs=9,
    )
    _answer_many(here, FixedClock(NOW), day)
    mine = Collection(
        open_store(here, clock=FixedClock(NOW), settings=Settings(), seed_bundled=False)
    )
    began = time.perf_counter()
    report = mine.sync.folder(folder)
    day_ms = (time.perf_counter() - began) * 1000
    assert report.sent == day, report.lines()
    check = mine._store.repo.check()
    mine.close()
    assert check.ok, check.problems[:3]
    return {
        "apply_ms": apply_ms,
        "events": events,
        "write_10k_ms": write_10k_ms,
        "nothing_median_ms": statistics.median(nothing),
        "nothing_process_ms": process["median_ms"],
        "day_ms": day_ms,
        "day": day,
    }


def bench_tui(db: Path, runs: int = 3) -> dict[str, float]:
    times, memory = [], []
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for _ in range(runs):
        began = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-c", TUI_PROBE, str(db)], env=env, stdout=subprocess.PIPE, text=True
        )
        assert proc.stdout is not None
        first = proc.stdout.readline().strip()
        elapsed = (time.perf_counter() - began) * 1000
        rss = int(proc.stdout.readline().strip())
        proc.wait()
        assert first == "first-card"
        times.append(elapsed)
        memory.append(rss / 1024)
    return {"median_ms": statistics.median(times), "peak_mb": max(memory)}


def bench_stats(db: Path, runs: int = 7) -> dict[str, float]:
    store = open_store(db, clock=FixedClock(NOW), settings=Settings(), seed_bundled=False)
    store.repo.stats_data()
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        store.repo.stats_data()
        times.append((time.perf_counter() - began) * 1000)
    rows = store.repo.conn.execute("SELECT COUNT(*) FROM review_log").fetchone()[0]
    store.close()
    return {"median_ms": statistics.median(times), "p99_ms": pct(times, 0.99), "log_rows": rows}


# Typed key by key, as in the browser: a word of every card, a rare word, a LaTeX word,
# a rendered symbol, a reference-like number.
SEARCH_TYPED = ("question 123", "deck 42 answer", "denote", "x₁₂", "term 7-3")


def bench_search(db: Path, histories: int = 200) -> dict[str, float]:
    """What the card browser does: a search per keystroke (the first SHOWN rows and the
    count), and a card's panel (the card and its whole history)."""
    from studykb.app.collection import Collection

    store = open_store(db, clock=FixedClock(NOW), settings=Settings(), seed_bundled=False)
    browser = Collection(store).browser
    began = time.perf_counter()
    browser.search("")  # the first search renders every card's math for the index
    first = (time.perf_counter() - began) * 1000
    keystrokes = []
    for text in SEARCH_TYPED:
        for end in range(1, len(text) + 1):
            began = time.perf_counter()
            browser.search(text[:end], limit=300, refresh=False)  # as the TUI, per key
            keystrokes.append((time.perf_counter() - began) * 1000)
    ids = [r[0] for r in store.repo.conn.execute("SELECT id FROM card ORDER BY id")]
    step = max(1, len(ids) // histories)
    details = []
    for card_id in ids[::step][:histories]:
        began = time.perf_counter()
        browser.detail(card_id)
        details.append((time.perf_counter() - began) * 1000)
    store.close()
    return {
        "median_ms": statistics.median(keystrokes),
        "p99_ms": pct(keystrokes, 0.99),
        "history_median_ms": statistics.median(details),
        "first_render_ms": first,
    }


def timed(label: str, fn: Callable[[], dict[str, float]]) -> dict[str, float]:
    print(f"  {label} ...", file=sys.stderr, flush=True)
    return fn()


def parse_args(argv: list[str]) -> tuple[list[str], tuple[int, ...]]:
    """The benchmarks and collection sizes asked for (all of them by default)."""
    parser = argparse.ArgumentParser(prog="make bench", description=__doc__)
    parser.add_argument("--only", default="", help="comma-separated: " + ", ".join(BENCHES))
    parser.add_argument("--sizes", default="", help="comma-separated card counts, e.g. 10000")
    args = parser.parse_args(argv)
    only = [name.strip() for name in args.only.split(",") if name.strip()] or list(BENCHES)
    unknown = [name for name in only if name not in BENCHES]
    if unknown:
        parser.error(f"unknown benchmark {unknown[0]!r}; known: {', '.join(BENCHES)}")
    try:
        sizes = tuple(int(n) for n in args.sizes.replace("_", "").split(",") if n.strip())
    except ValueError:
        parser.error(f"--sizes takes card counts like 1000,10000 (got {args.sizes!r})")
    if any(n < 1 for n in sizes):
        parser.error(f"--sizes takes positive card counts (got {args.sizes!r})")
    return only, tuple(sorted(set(sizes))) or SIZES


def main(argv: list[str] | None = None) -> None:
    only, sizes = parse_args(sys.argv[1:] if argv is None else argv)
    full = only == list(BENCHES) and sizes == SIZES
    # Run as installed: compiled bytecode for studykb's own modules too.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "studykb")], check=True)
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    results: dict[str, object] = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.platform()}",
        "python": platform.python_version(),
        "date": time.strftime("%Y-%m-%d"),
        "benches": only,
    }
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        per_size: dict[str, dict[str, dict[str, float]]] = {}
        for n in sizes if {"answer", "due"} & set(only) else ():
            # One working copy per size (a million cards is 6 GB): the read-only
            # figures first, then the answers, which write.
            work = working_copy(collection(n), tmp)
            entry: dict[str, dict[str, float]] = {}
            if "due" in only:
                entry["due_process"] = timed(
                    f"studykb due at {n:,}", partial(bench_due_process, work)
                )
                entry["due_counts"] = timed(f"due counts at {n:,}", partial(bench_due_counts, work))
            if "answer" in only:
                entry["answer"] = timed(f"answer at {n:,}", partial(bench_answer, work))
                entry["floor"] = timed("floor: sqlite3 insert + commit", lambda: bench_floor(tmp))
            for leftover in (work, Path(f"{work}-wal"), Path(f"{work}-shm")):
                leftover.unlink(missing_ok=True)
            if n <= ANKI_UP_TO:
                entry["anki"] = timed(
                    f"Anki (same work) at {n:,}", partial(anki_side.run, tmp, notes=n)
                )
            per_size[str(n)] = entry
        results["sizes"] = per_size
        if "due" in only:
            results["python_floor"] = timed("python -c pass", bench_python_floor)
        if "import" in only:
            results["import_10k"] = timed("import 10,000 cards", lambda: bench_import(tmp))
            known = per_size.get("10000", {}).get("anki")
            results["anki_add_10k"] = known or timed(
                "Anki adds 10,000 notes", lambda: anki_side.run(tmp, notes=10_000, answers=0)
            )
            results["import_process"] = timed(
                "import 10,000 cards as a process, and Anki's",
                lambda: bench_import_process(tmp),
            )
        if {"tui", "stats", "search", "sync"} & set(only):
            big_n = min(sizes[-1], SCREENS_AT)
            big = collection(big_n)
            results["largest"] = big_n
            if "tui" in only:
                results["tui_first_card"] = timed(
                    f"TUI to first card at {big_n:,}", lambda: bench_tui(working_copy(big, tmp))
                )
            if "search" in only:
                results["search"] = timed(
                    f"card search at {big_n:,}", lambda: bench_search(working_copy(big, tmp))
                )
            if "sync" in only:
                results["sync"] = timed(
                    f"sync through a folder at {big_n:,}", lambda: bench_sync(big, tmp)
                )
            if "stats" in only:
                results["stats_data"] = timed(
                    f"statistics data at {big_n:,}", lambda: bench_stats(working_copy(big, tmp))
                )
        if "draft" in only:
            results["draft"] = timed("studykb draft, 30 pages", lambda: bench_draft(tmp))
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / ("latest.json" if full else "subset.json")
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(table(results))


def _ms(figure: dict[str, float], key: str = "median_ms") -> str:
    return f"{figure[key]:.2f}" if figure[key] < 10 else f"{figure[key]:.0f}"


def _pair(figure: dict[str, float]) -> str:
    return f"{figure['median_ms']:.2f} / {figure['p99_ms']:.2f} ms"


def _growth(ours: dict[str, float], at_1k: dict[str, float] | None) -> tuple[str, str]:
    """The anchor and ratio past Anki's sizes: studykb's own median at 1,000 cards."""
    if at_1k is None:
        return "(1,000 cards not in this run)", ""
    return (
        f"studykb at 1,000 cards: {_ms(at_1k)} ms",
        f"{ours['median_ms'] / at_1k['median_ms']:.2f}",
    )


def table(r: dict) -> str:  # type: ignore[type-arg]
    """The figures present as Markdown: a subset run prints only its own rows."""
    s = r.get("sizes", {})
    lines = [
        f"Machine: {r['machine']}; Python {r['python']}; {r['date']}.",
        "",
        "| benchmark | studykb | anchor (Anki, same run) | ratio | floor (same run) | target |",
        "|---|---|---|---|---|---|",
    ]
    first = s.get("1000", {})
    for n, e in s.items():
        a, cards = e.get("anki"), f"{int(n):,} cards"
        # Past Anki's sizes the anchor is studykb's own figure at 1,000 cards (growth).
        grown = a is None
        if "answer" in e:
            ours, floor = e["answer"], e["floor"]
            if not grown:
                anchor, ratio = (
                    f"{a['answer_median_ms']:.2f} / {a['answer_p99_ms']:.2f} ms",
                    f"{ours['median_ms'] / a['answer_median_ms']:.2f}",
                )
                target = "≤ Anki and ≤ floor + 0.15 ms; p99 ≤ Anki"
            else:
                anchor, ratio = _growth(ours, first.get("answer"))
                target = "≤ 2x the 1,000-card figure"
            lines.append(
                f"| answer (next card + grade + durable commit), {cards}, median / p99 | "
                f"{_pair(ours)} | {anchor} | {ratio} | sqlite3 insert + commit: "
                f"{_pair(floor)} (studykb +{ours['median_ms'] - floor['median_ms']:.2f} ms) | "
                f"{target} |"
            )
        if "due_counts" in e:
            if not grown:
                anchor = f"{a['counts_median_ms']:.2f} ms"
                ratio = f"{e['due_counts']['median_ms'] / a['counts_median_ms']:.1f}"
                target = "< 1 ms"
            else:
                anchor, ratio = _growth(e["due_counts"], first.get("due_counts"))
                target = "< 1 ms, ≤ 2x the 1,000-card figure"
            lines.append(
                f"| due counts in-process, {cards} | {_ms(e['due_counts'])} ms | "
                f"{anchor} | {ratio} | | {target} |"
            )
        if "due_process" in e:
            lines.append(
                f"| `studykb due` whole process, {cards} | {_ms(e['due_process'])} ms | | | "
                f"`python -c pass`: {_ms(r['python_floor'])} ms | "
                f"{'< 100 ms' if grown else '< 70 ms'} |"
            )
    if "import_10k" in r:
        imp, add = r["import_10k"], r["anki_add_10k"]["add_ms"]
        proc = r["import_process"]
        lines += [
            f"| import 10,000 cards into an empty database, in-process | "
            f"{imp['first_ms']:.0f} ms | {add:.0f} ms | {imp['first_ms'] / add:.2f} | | ≤ Anki |",
            f"| `studykb import` of 10,000 cards into a new database, whole process | "
            f"{proc['median_ms']:.0f} ms | {proc['anki_median_ms']:.0f} ms (Anki's process) | "
            f"{proc['median_ms'] / proc['anki_median_ms']:.2f} | | ≤ Anki |",
            f"| re-import unchanged | {imp['unchanged_ms']:.0f} ms | | "
            f"{imp['unchanged_ms'] / imp['first_ms']:.2f} of first | | < 1/3 |",
        ]
    if "tui_first_card" in r:
        tui = r["tui_first_card"]
        lines.append(
            f"| TUI start to first card, {r['largest']:,} cards | {tui['median_ms']:.0f} ms, "
            f"peak {tui['peak_mb']:.0f} MB | | | | < 0.5 s, < 80 MB |"
        )
    if "draft" in r:
        d = r["draft"]
        lines.append(
            f"| `studykb draft` of a 30-page source ({d['bytes'] / 1000:.0f} kB of LaTeX), "
            f"whole process | {d['median_ms']:.0f} ms | | | | < 1 s |"
        )
    if "stats_data" in r:
        st = r["stats_data"]
        lines.append(
            f"| statistics data, {st['log_rows']:,} log rows | {st['median_ms']:.0f} ms | | | | "
            "< 100 ms |"
        )
    if "sync" in r:
        sy = r["sync"]
        lines += [
            f"| sync: apply {sy['events']:,} events from another device, {r['largest']:,} cards "
            f"| {sy['apply_ms']:.0f} ms | | | | < 1 s |",
            f"| sync with nothing new (folder), in-process / `studykb sync` whole process | "
            f"{_ms(sy, 'nothing_median_ms')} / {sy['nothing_process_ms']:.0f} ms | | | | < 100 ms |",
            f"| sync: write a day's segment ({sy['day']} answers) | {_ms(sy, 'day_ms')} ms | | | | "
            "< 50 ms |",
            f"| sync: the other device writes its {sy['events']:,}-event segment | "
            f"{sy['write_10k_ms']:.0f} ms | | | | |",
        ]
    if "search" in r:
        se = r["search"]
        lines += [
            f"| card browser: a search keystroke, {r['largest']:,} cards, median / p99 | "
            f"{_pair(se)} | | | | < 30 ms |",
            f"| card browser: a card's history | {se['history_median_ms']:.2f} ms | | | | "
            "< 10 ms |",
            f"| card browser: first search, rendering every card's math once | "
            f"{se['first_render_ms'] / 1000:.1f} s | | | | |",
        ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
