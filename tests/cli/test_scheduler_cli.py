"""`studykb scheduler`, `answer` on each scale, `next --json` and `stats --schedulers`."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.conftest import SMALL_DECK, run_cli, write

NOW = "2026-01-05T10:00:00+01:00"


@pytest.fixture
def env(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> Path:
    db = tmp_path / "cli.db"
    monkeypatch.setenv("STUDYKB_DB", str(db))
    monkeypatch.setenv("STUDYKB_NOW", NOW)
    monkeypatch.setenv("STUDYKB_NO_BUNDLED", "1")
    assert run_cli(capsys, "import", str(write(tmp_path / "toy.toml", SMALL_DECK)))[0] == 0
    return db


def test_switch_show_and_grade_on_each_scale(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(capsys, "scheduler", "toy")[1] == "toy: SM-2\n"
    code, out, _ = run_cli(capsys, "scheduler", "toy", "fsrs", "--retention", "0.85")
    assert code == 0
    assert out == (
        "toy: FSRS-6, retention 0.85, maximum interval 36500 d (was SM-2; 4 cards replayed)\n"
    )
    code, _, err = run_cli(capsys, "answer", "toy/one", "5")
    assert code == 2
    assert err.strip().splitlines() == [
        "studykb: error: toy/one: grade 5: its deck uses FSRS (Again 1, Hard 2, Good 3, "
        "Easy 4), graded 1-4"
    ]
    with sqlite3.connect(env) as conn:  # nothing written: no row in the log
        assert conn.execute("SELECT COUNT(*) FROM review_log").fetchone() == (0,)
    code, out, _ = run_cli(capsys, "answer", "toy/one", "3")
    assert code == 0 and " learning due 2026-01-05T09:10+00:00 UTC" in out
    card = json.loads(run_cli(capsys, "next", "--json")[1])
    assert card["ref"] == "toy/two" and card["scheduler"] == "fsrs"
    assert card["phase"] == "learning" and card["due"] is None
    # SM-2 settings are refused on an SM-2 deck; back to SM-2 says what was replayed.
    assert run_cli(capsys, "scheduler", "toy", "sm2")[1].startswith("toy: SM-2 (was FSRS-6")
    code, _, err = run_cli(capsys, "scheduler", "toy", "--retention", "0.8")
    assert code == 1 and "FSRS settings" in err
    assert run_cli(capsys, "check")[0] == 0


def test_scheduler_comparison_says_when_there_is_too_little_history(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_cli(capsys, "answer", "toy/one", "4")
    code, out, _ = run_cli(capsys, "stats", "--schedulers", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["answers"] == 1
    assert [s["scheduler"] for s in data["schedulers"]] == ["sm2", "fsrs"]
    for s in data["schedulers"]:
        assert s["log_loss"] is None and s["not_enough"].startswith("not enough reviews: 0")
        assert len(s["forecast"]) == 30
    text = run_cli(capsys, "stats", "--schedulers")[1]
    assert "SM-2    not enough reviews" in text and "FSRS-6  forecast:" in text
