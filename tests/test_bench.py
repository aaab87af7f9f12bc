"""`make bench` options (the figures themselves live in benchmarks/, never in tests)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from benchmarks.run import BENCHES, SIZES, bench_floor, parse_args, table


def test_a_subset_names_benchmarks_and_sizes() -> None:
    assert parse_args(["--only", "answer,due", "--sizes", "10000"]) == (
        ["answer", "due"],
        (10_000,),
    )
    assert parse_args(["--only", "", "--sizes", ""]) == (list(BENCHES), SIZES)
    assert parse_args([]) == (list(BENCHES), SIZES)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--only", "answer,speed"], "unknown benchmark 'speed'"),
        (["--sizes", "10k"], "--sizes takes card counts"),
        (["--sizes", "0"], "--sizes takes positive card counts"),
    ],
)
def test_a_bad_subset_is_one_clear_line(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        parse_args(args)
    assert exc.value.code == 2
    assert message in capsys.readouterr().err


def test_a_subset_table_prints_its_own_rows_with_anki_and_the_floor_beside() -> None:
    figures = {"median_ms": 0.9, "p99_ms": 4.8}
    results = {
        "machine": "x86_64, 2 cores",
        "python": "3.11",
        "date": "2026-12-03",
        "sizes": {
            "100000": {
                "answer": figures,
                "floor": {"median_ms": 0.4, "p99_ms": 3.0},
                "anki": {"answer_median_ms": 0.5, "answer_p99_ms": 5.4, "counts_median_ms": 0.03},
            }
        },
    }
    text = table(results)
    [answer] = [line for line in text.splitlines() if line.startswith("| answer")]
    assert "100,000 cards" in answer
    assert "0.50 / 5.40 ms" in answer  # Anki at the same size
    assert "sqlite3 insert + commit: 0.40 / 3.00 ms (studykb +0.50 ms)" in answer
    assert "statistics" not in text and "due counts" not in text and "import" not in text


def test_the_floor_commits_durably_in_wal(tmp_path: Path) -> None:
    figures = bench_floor(tmp_path, count=3)
    assert set(figures) == {"median_ms", "p99_ms"}
    conn = sqlite3.connect(tmp_path / "floor.db")
    assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert conn.execute("SELECT count(*) FROM log").fetchone() == (3,)
    conn.close()


def test_the_search_rows_name_the_issue_targets() -> None:
    results = {
        "machine": "x86_64, 2 cores",
        "python": "3.11",
        "date": "2026-12-03",
        "largest": 100_000,
        "search": {
            "median_ms": 12.5,
            "p99_ms": 20.0,
            "history_median_ms": 0.4,
            "first_render_ms": 9000.0,
        },
    }
    lines = table(results).splitlines()
    [keystroke] = [line for line in lines if "search keystroke" in line]
    assert (
        "100,000 cards" in keystroke and "12.50 / 20.00 ms" in keystroke and "< 30 ms" in keystroke
    )
    [history] = [line for line in lines if "history" in line]
    assert "0.40 ms" in history and "< 10 ms" in history


def test_the_generated_collection_is_the_replay_of_its_log(tmp_path: Path) -> None:
    """Histories loaded by bulk statements, moved to each card's first day: every
    state must still be what replaying the card's log gives, and the kept counts
    must equal a recount (the million-card bench relies on both)."""
    from benchmarks.generate import generate

    store = generate(tmp_path / "gen.db", 600)
    try:
        conn = store.repo.conn
        rows = conn.execute("SELECT COUNT(*) FROM review_log").fetchone()[0]
        answered = conn.execute("SELECT COUNT(DISTINCT card_id) FROM review_log").fetchone()[0]
        assert rows > 5 * answered > 0
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        report = store.repo.check()
        assert report.ok, report
    finally:
        store.close()
