"""Concurrent use with real processes: two reviewers, a shell prompt polling
`studykb due`, an import, and a TUI, all on one database at once."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

from studykb.app.collection import Collection
from studykb.app.store import open_store
from studykb.core.clock import FixedClock
from studykb.settings import Settings
from studykb.tui.app import StudyApp
from studykb.tui.screens.review import ReviewScreen
from tests.reliability.driver import START
from tests.reliability.harness import (
    assert_consistent,
    deck_text,
    logged_uids,
    make_db,
    start_cli,
    start_driver,
)


def _finish(run, timeout: float = 120) -> str:  # type: ignore[no-untyped-def]
    run.process.wait(timeout=timeout)
    assert run.reader is not None
    run.reader.join(timeout=5)
    err = run.process.stderr.read() if run.process.stderr else ""
    assert run.process.returncode == 0, err
    return err


def test_reviewers_prompt_and_import_at_once(tmp_path: Path) -> None:
    db = tmp_path / "shared.db"
    make_db(db, cards=150)
    deck = tmp_path / "second.toml"
    deck.write_text(deck_text("second", 2000), encoding="utf-8")
    a = start_driver(db, tmp_path, 1, "--count", "80")
    b = start_driver(db, tmp_path, 2, "--count", "80")
    prompts = []
    importer = None
    for i in range(8):
        prompts.append(start_cli(db, tmp_path, "due", "--json"))
        if i == 2:
            importer = start_cli(db, tmp_path, "import", str(deck))
        time.sleep(0.15)
    errors = [_finish(a), _finish(b)]
    assert importer is not None
    errors.append(_finish(importer))
    for prompt in prompts:
        errors.append(_finish(prompt))
        assert json.loads("\n".join(prompt.lines))["day"] == "2026-01-05"
    assert not any("locked" in e or "Traceback" in e for e in errors)

    acked = set(a.acked()) | set(b.acked())
    assert len(acked) == 160
    assert logged_uids(db) == acked  # nothing lost, nothing applied twice
    conn = sqlite3.connect(db)
    twice = conn.execute(
        "SELECT card_id, study_day, COUNT(*) FROM review_log WHERE kind = 'review' "
        "GROUP BY card_id, study_day HAVING COUNT(*) > 1"
    ).fetchall()
    second = conn.execute("SELECT COUNT(*) FROM card WHERE deck_id = 'second'").fetchone()[0]
    conn.close()
    assert twice == []  # SM-2 ran once per card per study day, whoever answered first
    assert second == 2000
    assert_consistent(db)


async def test_a_tui_while_another_process_reviews(tmp_path: Path) -> None:
    db = tmp_path / "tui.db"
    make_db(db, cards=120)
    clock = FixedClock(START)
    store = open_store(db, clock=clock, settings=Settings(new_per_day=500), seed_bundled=False)
    other = start_driver(db, tmp_path, 7, "--count", "60")
    app = StudyApp(
        Collection(store), clock=clock, config_path=tmp_path / "config.toml", review=True
    )
    graded = 0
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        for _ in range(25):
            await pilot.press("space", "4")
            await pilot.pause()
            graded += 1
        assert isinstance(app.screen, ReviewScreen)
    _finish(other)
    store.close()
    acked = set(other.acked())
    rows = logged_uids(db)
    assert acked <= rows
    assert len(rows) >= len(acked) + 1  # the TUI's answers are there too
    conn = sqlite3.connect(db)
    twice = conn.execute(
        "SELECT card_id FROM review_log WHERE kind = 'review' GROUP BY card_id, study_day "
        "HAVING COUNT(*) > 1"
    ).fetchall()
    conn.close()
    assert twice == []
    assert_consistent(db)
