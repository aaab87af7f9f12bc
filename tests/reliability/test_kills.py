"""Crash safety, proven by killing real studykb processes with SIGKILL.

The default tier kills a handful of processes; `make test-slow` runs the slow
tier, which kills over a hundred (review sessions, imports, migrations, backups).
"""

from __future__ import annotations

import random
import shutil
import sqlite3
import time
from pathlib import Path

import pytest

from studykb.storage.backup import verify_database
from studykb.storage.db import SCHEMA_HEAD
from tests.reliability.harness import (
    assert_consistent,
    deck_text,
    kill_after,
    logged_uids,
    make_db,
    start_cli,
    start_driver,
    wait_ready,
)

OLD_DB = Path(__file__).resolve().parent.parent / "data" / "studykb-v0001.db"


def review_kills(tmp_path: Path, kills: int, seed: int) -> int:
    """Kill a reviewing process `kills` times at random moments; every answer it
    acknowledged must survive, and the state must equal the replayed log."""
    rng = random.Random(seed)
    db = tmp_path / "review.db"
    make_db(db)
    acknowledged: set[str] = set()
    for i in range(kills):
        run = start_driver(db, tmp_path, seed * 1000 + i, "--days-every", "40")
        wait_ready(run)
        kill_after(run, rng.uniform(0.0, 0.4))
        acknowledged |= set(run.acked())
        missing = acknowledged - logged_uids(db)
        assert not missing, f"kill {i}: {len(missing)} acknowledged answers lost"
        assert_consistent(db)
    return len(acknowledged)


def _drop_deck(db: Path, deck_id: str) -> None:
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("DELETE FROM deck WHERE id = ?", (deck_id,))
    conn.commit()
    conn.close()


def _count(db: Path, deck_id: str) -> int:
    conn = sqlite3.connect(db)
    try:
        return int(
            conn.execute("SELECT COUNT(*) FROM card WHERE deck_id = ?", (deck_id,)).fetchone()[0]
        )
    finally:
        conn.close()


def import_kills(tmp_path: Path, kills: int, seed: int, cards: int = 10_000) -> list[int]:
    """Kill `studykb import` of a large deck at random moments: all or nothing."""
    rng = random.Random(seed)
    db = tmp_path / "import.db"
    make_db(db, cards=10)
    deck = tmp_path / "big.toml"
    deck.write_text(deck_text("big", cards), encoding="utf-8")
    # Time one whole import (process start included), so kills land inside it.
    began = time.monotonic()
    whole = start_cli(db, tmp_path, "import", str(deck))
    whole.process.wait(timeout=120)
    duration = time.monotonic() - began
    assert _count(db, "big") == cards
    _drop_deck(db, "big")
    seen = []
    for _ in range(kills):
        run = start_cli(db, tmp_path, "import", str(deck))
        kill_after(run, rng.uniform(0.35, 0.9) * duration)
        n = _count(db, "big")
        assert n in (0, cards), f"half an import: {n} of {cards} cards"
        seen.append(n)
        assert_consistent(db)
        if n:
            _drop_deck(db, "big")
    return seen


def migration_kills(tmp_path: Path, kills: int, seed: int) -> None:
    """Kill the first start on a database from an older studykb, mid-upgrade."""
    rng = random.Random(seed)
    for i in range(kills):
        db = tmp_path / f"old{i}.db"
        shutil.copy(OLD_DB, db)
        run = start_cli(db, tmp_path, "decks", "--json")
        kill_after(run, rng.uniform(0.0, 1.2))
        # Whatever moment it died at, the next start finishes the upgrade with everything kept.
        conn = sqlite3.connect(db)
        version = conn.execute("SELECT version_num FROM alembic_version").fetchone()[0]
        conn.close()
        assert version in ("0001", SCHEMA_HEAD)
        done = start_cli(db, tmp_path, "check")
        done.process.wait(timeout=60)
        assert done.process.returncode == 0, done.process.stderr and done.process.stderr.read()
        conn = sqlite3.connect(db)
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] == SCHEMA_HEAD
        assert conn.execute("SELECT COUNT(*) FROM review_log").fetchone()[0] == 2
        conn.close()


def backup_kills(tmp_path: Path, kills: int, seed: int) -> None:
    """Kill `studykb backup` mid-copy: the target is a whole database or absent."""
    rng = random.Random(seed)
    db = tmp_path / "backup.db"
    make_db(db, cards=3000)
    for i in range(kills):
        target = tmp_path / f"copy{i}.db"
        run = start_cli(db, tmp_path, "backup", str(target))
        kill_after(run, rng.uniform(0.05, 1.0))
        if target.exists():
            assert verify_database(target) is None
        assert_consistent(db)


def export_kills(tmp_path: Path, kills: int, seed: int) -> None:
    """Kill `studykb export` mid-write: the file is a whole export or absent."""
    import json
    import zipfile

    rng = random.Random(seed)
    db = tmp_path / "export.db"
    make_db(db, cards=3000)
    for i in range(kills):
        suffix = (".json", ".apkg", ".csv")[i % 3]
        target = tmp_path / f"out{i}{suffix}"
        run = start_cli(db, tmp_path, "export", str(target))
        kill_after(run, rng.uniform(0.05, 1.5))
        if target.exists():
            if suffix == ".json":
                assert len(json.loads(target.read_text(encoding="utf-8"))["cards"]) == 3000
            elif suffix == ".apkg":
                assert zipfile.ZipFile(target).testzip() is None
            else:
                assert target.read_text(encoding="utf-8").count("\n") == 3000 + 6
        assert_consistent(db)


def test_kills_during_review(tmp_path: Path) -> None:
    assert review_kills(tmp_path, kills=4, seed=1) > 0


def test_kills_during_import(tmp_path: Path) -> None:
    import_kills(tmp_path, kills=2, seed=2)


def test_kill_during_migration(tmp_path: Path) -> None:
    migration_kills(tmp_path, kills=1, seed=3)


def test_kill_during_backup(tmp_path: Path) -> None:
    backup_kills(tmp_path, kills=1, seed=4)


def test_kills_during_export(tmp_path: Path) -> None:
    export_kills(tmp_path, kills=3, seed=5)


@pytest.mark.slow
def test_a_hundred_and_more_kills(tmp_path: Path) -> None:
    for part in "rimbe":
        (tmp_path / part).mkdir()
    assert review_kills(tmp_path / "r", kills=70, seed=11) > 0
    import_kills(tmp_path / "i", kills=15, seed=12)
    migration_kills(tmp_path / "m", kills=10, seed=13)
    backup_kills(tmp_path / "b", kills=10, seed=14)
    export_kills(tmp_path / "e", kills=9, seed=15)
