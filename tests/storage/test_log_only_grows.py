"""The log only grows (architecture issue, item 4): undo appends a row voiding an
answer; whether an answer is the day's review is decided by replay."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from studykb.app.store import Store
from studykb.decks.toml_deck import read_decks
from tests.conftest import run_cli


def _log(db: Path) -> list[tuple[str, str, str | None]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT uid, kind, voids FROM review_log ORDER BY seq").fetchall()
    finally:
        conn.close()


def _state(db: Path, ref: str) -> tuple[int, int, int, str | None, int]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(
            "SELECT s.repetitions, s.state, s.interval, s.due, s.lapses "
            "FROM card_state s JOIN card c ON c.id = s.card_id "
            "WHERE c.deck_id || '/' || c.key = ?",
            (ref,),
        ).fetchone()
    finally:
        conn.close()


def test_answer_then_undo_leaves_one_more_row_and_the_state_as_it_was(
    tmp_path: Path,
    small_deck: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    db = tmp_path / "s.db"
    monkeypatch.setenv("STUDYKB_DB", str(db))
    monkeypatch.setenv("STUDYKB_NO_BUNDLED", "1")
    monkeypatch.setenv("STUDYKB_NOW", "2026-01-05T10:00:00+01:00")
    assert run_cli(capsys, "import", str(small_deck))[0] == 0
    assert run_cli(capsys, "answer", "toy/one", "5")[0] == 0
    monkeypatch.setenv("STUDYKB_NOW", "2026-01-06T10:00:00+01:00")
    before = _state(db, "toy/one")
    rows_before = _log(db)
    assert run_cli(capsys, "answer", "toy/one", "4")[0] == 0
    assert run_cli(capsys, "undo")[0] == 0
    rows = _log(db)
    assert len(rows) == len(rows_before) + 2  # the answer and the void: one more than before
    answered, void = rows[-2], rows[-1]
    assert void[1:] == ("void", answered[0])
    assert _state(db, "toy/one") == before
    assert run_cli(capsys, "check")[0] == 0


def test_an_answer_after_an_undo_is_the_days_review(store: Store, small_deck: Path) -> None:
    """The undone answer no longer counts: the next answer that day is the review."""
    repo = store.repo
    repo.import_decks(read_decks([small_deck]))
    one = repo.find_card("toy/one")
    first = repo.answer(one, 2)
    repo.undo()
    again = repo.answer(one, 5)
    assert again.kind == "review" and again.before == first.before
    assert repo.card(one).state.repetitions == 1
    assert repo.day_queue().drills == ()  # the failed answer was taken back
    assert repo.done_on(repo.today()).new == 1  # and counts once
    assert repo.check().ok


def test_check_finds_a_drill_recorded_where_replay_says_review(
    store: Store, small_deck: Path
) -> None:
    repo = store.repo
    repo.import_decks(read_decks([small_deck]))
    repo.answer(repo.find_card("toy/one"), 5)
    repo.conn.execute("UPDATE review_log SET kind = 'drill'")
    report = repo.check()
    assert not report.ok
    assert any("recorded as a drill, the replay says review" in p for p in report.problems)
