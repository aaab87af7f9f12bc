"""`make bench`: studykb's speed on realistic collections, beside Anki's engine.

Prints one Markdown table (median and p99 where they apply) and writes the same
figures as JSON to benchmarks/results/latest.json. Generated collections are
cached in benchmarks/.cache (deterministic; delete it to rebuild).
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from benchmarks import anki_side
from benchmarks.generate import NOW, generate
from studykb.app.library import apply_import, known_deck_files, prepare_import
from studykb.app.store import open_store
from studykb.core.clock import FixedClock
from studykb.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "benchmarks" / ".cache"
RESULTS = ROOT / "benchmarks" / "results"
GENERATOR_VERSION = 3
SIZES = (1_000, 10_000, 100_000)
ANSWERS = 1_000


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def collection(n: int) -> Path:
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"collection-{n}-v{GENERATOR_VERSION}.db"
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


def bench_python_floor() -> dict[str, float]:
    return process_times([sys.executable, "-c", "pass"], dict(os.environ))


def bench_import(tmp: Path, cards: int = 10_000) -> dict[str, float]:
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


def timed(label: str, fn: Callable[[], dict[str, float]]) -> dict[str, float]:
    print(f"  {label} ...", file=sys.stderr, flush=True)
    return fn()


def main() -> None:
    # Run as installed: compiled bytecode for studykb's own modules too.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "studykb")], check=True)
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    results: dict[str, object] = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.platform()}",
        "python": platform.python_version(),
        "date": time.strftime("%Y-%m-%d"),
    }
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        per_size: dict[str, object] = {}
        for n in SIZES:
            src = collection(n)
            entry = {
                "answer": timed(
                    f"answer at {n:,}", lambda s=src: bench_answer(working_copy(s, tmp))
                ),
                "due_process": timed(
                    f"studykb due at {n:,}", lambda s=src: bench_due_process(working_copy(s, tmp))
                ),
                "due_counts": timed(
                    f"due counts at {n:,}", lambda s=src: bench_due_counts(working_copy(s, tmp))
                ),
            }
            per_size[str(n)] = entry
        results["sizes"] = per_size
        big = collection(SIZES[-1])
        results["python_floor"] = timed("python -c pass", bench_python_floor)
        results["import_10k"] = timed("import 10,000 cards", lambda: bench_import(tmp))
        results["tui_first_card"] = timed(
            "TUI to first card", lambda: bench_tui(working_copy(big, tmp))
        )
        results["stats_data"] = timed(
            "statistics data", lambda: bench_stats(working_copy(big, tmp))
        )
        results["studykb_10k_answer"] = per_size["10000"]["answer"]  # type: ignore[index]
        results["anki"] = timed("Anki (same work)", lambda: anki_side.run(tmp))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(table(results))


def table(r: dict) -> str:  # type: ignore[type-arg]
    s = r["sizes"]
    a = r["anki"]
    big = s["100000"]
    ten = s["10000"]
    lines = [
        f"Machine: {r['machine']}; Python {r['python']}; {r['date']}.",
        "",
        "| benchmark | studykb | Anki | ratio | target |",
        "|---|---|---|---|---|",
        f"| answer (next card + grade + durable commit), 10k cards, median / p99 | "
        f"{ten['answer']['median_ms']:.2f} / {ten['answer']['p99_ms']:.2f} ms | "
        f"{a['answer_median_ms']:.2f} / {a['answer_p99_ms']:.2f} ms | "
        f"{ten['answer']['median_ms'] / a['answer_median_ms']:.2f} | ratio ≤ 1, p99 < 2 ms |",
        f"| answer, 100k cards, median / p99 | {big['answer']['median_ms']:.2f} / "
        f"{big['answer']['p99_ms']:.2f} ms | | | p99 < 2 ms |",
        f"| import 10,000 cards into an empty database | {r['import_10k']['first_ms']:.0f} ms | "
        f"{a['add_10k_ms']:.0f} ms | {r['import_10k']['first_ms'] / a['add_10k_ms']:.2f} | ratio ≤ 1 |",
        f"| re-import unchanged | {r['import_10k']['unchanged_ms']:.0f} ms | | "
        f"{r['import_10k']['unchanged_ms'] / r['import_10k']['first_ms']:.2f} of first | < 1/3 |",
        f"| due counts in-process, 10k cards | {ten['due_counts']['median_ms']:.2f} ms | "
        f"{a['counts_median_ms']:.2f} ms | {ten['due_counts']['median_ms'] / a['counts_median_ms']:.2f} | |",
        f"| `studykb due` whole process, 100k cards | {big['due_process']['median_ms']:.0f} ms "
        f"(`python -c pass`: {r['python_floor']['median_ms']:.0f} ms) | | | < 150 ms |",
        f"| TUI start to first card, 100k cards | {r['tui_first_card']['median_ms']:.0f} ms, "
        f"peak {r['tui_first_card']['peak_mb']:.0f} MB | | | < 1.5 s, < 150 MB |",
        f"| statistics data, {r['stats_data']['log_rows']:,} log rows | "
        f"{r['stats_data']['median_ms']:.0f} ms | | | < 300 ms |",
        "",
        "| cards | answer median / p99 | `studykb due` process | due counts in-process |",
        "|---|---|---|---|",
    ]
    for n, e in s.items():
        lines.append(
            f"| {int(n):,} | {e['answer']['median_ms']:.2f} / {e['answer']['p99_ms']:.2f} ms | "
            f"{e['due_process']['median_ms']:.0f} ms | {e['due_counts']['median_ms']:.2f} ms |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
