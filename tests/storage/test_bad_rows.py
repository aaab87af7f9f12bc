"""`studykb check` lists rows it cannot read instead of crashing on them.

Such rows come from other programs or from JSON backups imported before backups
were validated; they are written here directly with sqlite3."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from studykb.app.library import apply_import, prepare_import
from studykb.app.store import open_store
from studykb.core.clock import FixedClock
from studykb.settings import Settings
from tests.conftest import SMALL_DECK, START, run_cli, write


@pytest.fixture
def history_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("STUDYKB_NO_BUNDLED", "1")
    db = tmp_path / "bad-rows.db"
    store = open_store(db, clock=FixedClock(START), settings=Settings(), seed_bundled=False)
    try:
        apply_import(store.repo, prepare_import([write(tmp_path / "toy.toml", SMALL_DECK)]))
        for key, quality in (("one", 5), ("two", 4), ("two", 5)):
            (card_id,) = store.repo.conn.execute(
                "SELECT id FROM card WHERE key = ?", (key,)
            ).fetchone()
            store.repo.answer(int(card_id), quality)
    finally:
        store.close()
    return db


def corrupt(db: Path, *statements: str) -> None:
    conn = sqlite3.connect(db)
    try:
        with conn:
            for sql in statements:
                conn.execute(sql)
    finally:
        conn.close()


ONE = "(SELECT id FROM card WHERE key = 'one')"
TWO = "(SELECT id FROM card WHERE key = 'two')"


def test_check_lists_unreadable_rows_one_line_each(
    history_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corrupt(
        history_db,
        f"UPDATE card_state SET due = 'not-a-date' WHERE card_id = {ONE}",
        f"UPDATE card_state SET state = 'abc' WHERE card_id = {TWO}",
        f"UPDATE review_log SET quality = 99 WHERE card_id = {TWO}",
        "UPDATE card SET tags = 'not a list' WHERE key = 'eq:c1'",
        "UPDATE card SET tags = '[1, 2]' WHERE key = 'eq:c2'",
        "UPDATE paper SET authors = '{', started_on = '2026-02-30'",
    )
    code, out, err = run_cli(capsys, "--db", str(history_db), "check")
    assert code == 1 and "Traceback" not in err, err
    problems = [line for line in out.splitlines() if line.startswith("problem: ")]
    assert "problem: toy/one: unreadable value: state.due = 'not-a-date'" in problems
    assert "problem: toy/two: unreadable value: state.state = 'abc'" in problems
    assert sum("toy/two: answer " in p and "quality = 99" in p for p in problems) == 2
    assert "problem: toy/eq:c1: unreadable value: tags = 'not a list'" in problems
    assert "problem: toy/eq:c2: unreadable value: tags = '[1, 2]'" in problems
    assert any(
        p.startswith("problem: paper toy: unreadable value: authors = '{'")
        and "started_on = '2026-02-30'" in p
        for p in problems
    ), problems

    # --repair rebuilds the state it can from the log; what it cannot stays listed.
    code, out, err = run_cli(capsys, "--db", str(history_db), "check", "--repair")
    assert "Traceback" not in err, err
    assert "quality = 99" in out
    assert code == 1 and "problems remain after the repair" in err  # not a false "ok"
    conn = sqlite3.connect(history_db)
    (due,) = conn.execute(f"SELECT due FROM card_state WHERE card_id = {ONE}").fetchone()
    conn.close()
    assert due == "2026-01-06"


def test_a_repair_rebuilds_an_unreadable_state_from_the_log(
    history_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corrupt(
        history_db,
        f"UPDATE card_state SET due = 'not-a-date', interval = 'x' WHERE card_id = {ONE}",
    )
    code, out, err = run_cli(capsys, "--db", str(history_db), "check", "--repair")
    assert code == 0 and "repaired: 1 card states rebuilt from the log" in out, out + err
    code, out, _ = run_cli(capsys, "--db", str(history_db), "check")
    assert code == 0 and "ok: every card's state equals the replay of its log" in out


def test_a_log_that_cannot_be_replayed_is_a_problem_not_a_crash(
    history_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Readable values, but a carried-over interval whose next due date lies beyond 9999.
    corrupt(
        history_db,
        "UPDATE review_log SET kind = 'import', after_repetitions = 2, after_interval = 4000000, "
        f"after_due = '9999-01-01' WHERE seq = (SELECT MIN(seq) FROM review_log WHERE card_id = {TWO})",
        f"UPDATE review_log SET kind = 'review' WHERE card_id = {TWO}"
        f" AND seq > (SELECT MIN(seq) FROM review_log WHERE card_id = {TWO})",
    )
    code, out, err = run_cli(capsys, "--db", str(history_db), "check")
    assert code == 1 and "Traceback" not in err, err
    assert "problem: toy/two: its log cannot be replayed" in out
