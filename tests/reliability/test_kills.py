"""Crash safety, proven by killing real studykb processes with SIGKILL.

The default tier kills a handful of processes; `make test-slow` runs the slow
tier, which kills over a hundred (review sessions, imports, migrations, backups,
restores of a damaged file).
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import sqlite3
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from studykb.app.maintenance import restore_damaged
from studykb.app.store import open_store
from studykb.core.clock import FixedClock
from studykb.settings import Settings
from studykb.storage.backup import (
    UnfinishedRestoreError,
    backups_dir,
    list_backups,
    verify_database,
)
from studykb.storage.db import SCHEMA_HEAD, DamagedDatabaseError
from tests.conftest import run_cli
from tests.reliability.driver import START
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


def _damaged_with_backup(tmp_path: Path, cards: int) -> tuple[Path, Path, bytes]:
    """A database with answers, a good copy of it, then the database damaged."""
    db = tmp_path / "damaged.db"
    make_db(db, cards=cards)
    store = open_store(db, clock=FixedClock(START), settings=Settings(), seed_bundled=False)
    for grade in (5, 4, 3, 0, 5):
        card = store.repo.next_card()
        assert card is not None
        store.repo.answer(card, grade)
    store.close()
    good = tmp_path / "good.db"
    src, dst = sqlite3.connect(db), sqlite3.connect(good)
    src.backup(dst)
    src.close()
    dst.close()
    damaged = b"damaged page " * (db.stat().st_size // 13)
    _damage(db, damaged)
    return db, good, damaged


def _damage(db: Path, damaged: bytes) -> None:
    db.write_bytes(damaged)
    Path(f"{db}-wal").write_bytes(b"the damaged file's WAL")
    Path(f"{db}-shm").unlink(missing_ok=True)


def _restorable_or_restored(db: Path, good: Path, damaged: bytes) -> bool:
    """After a kill: either the restore is complete, or the damaged state is kept and
    the next start refuses to go on (never a missing database and a fresh start).
    Returns whether the restore was complete."""
    if db.exists() and verify_database(db) is None:
        assert logged_uids(db) == logged_uids(good) and len(logged_uids(db)) == 5
        assert not Path(f"{db}-wal").exists() or db.stat().st_size > 0
        return True
    kept = [db, *(b.path for b in list_backups(db) if b.reason == "damaged")]
    assert any(p.exists() and p.read_bytes() == damaged for p in kept)
    existed = db.exists()
    with pytest.raises((DamagedDatabaseError, UnfinishedRestoreError)):
        open_store(db, clock=FixedClock(START), settings=Settings(), seed_bundled=False)
    assert db.exists() == existed  # no database was created afresh
    return False


def _finish_restore(db: Path, good: Path, damaged: bytes) -> None:
    """The restore run again completes, and leaves no temporary file behind."""
    restore_damaged(db, good, datetime(2026, 1, 5, 12, 0))
    assert _restorable_or_restored(db, good, damaged)
    assert not list(db.parent.glob(f".{db.name}.*.tmp"))
    assert not list(backups_dir(db).glob(".*.tmp"))


def _killed_at(name: str, nth: int, action: Callable[[], Any]) -> bool:
    """Run `action` in a forked child that SIGKILLs itself at the nth call of os.<name>
    (before the call takes effect); return whether the kill happened."""
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        try:
            real, kill, calls = getattr(os, name), os.kill, [0]

            def armed(*args: Any, **kwargs: Any) -> Any:
                calls[0] += 1
                if calls[0] == nth:
                    kill(os.getpid(), signal.SIGKILL)
                return real(*args, **kwargs)

            setattr(os, name, armed)
            action()
        finally:
            os._exit(0)
    _, status = os.waitpid(pid, 0)
    return os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL


# Every step of a restore over a damaged file that writes, renames or deletes a file.
RESTORE_STEPS = [("fsync", n) for n in range(1, 5)] + [
    ("link", 1),
    ("link", 2),
    ("unlink", 1),
    ("unlink", 2),
    ("replace", 1),
]


def restore_step_kills(tmp_path: Path) -> int:
    """Kill a restore over a damaged file at each of its steps."""
    db, good, damaged = _damaged_with_backup(tmp_path, cards=200)
    killed = 0
    for name, nth in RESTORE_STEPS:
        action = lambda: restore_damaged(db, good, datetime(2026, 1, 5, 11, 0))  # noqa: E731
        killed += _killed_at(name, nth, action)
        if not _restorable_or_restored(db, good, damaged):
            _finish_restore(db, good, damaged)
        _damage(db, damaged)
    return killed


def restore_kills(tmp_path: Path, kills: int, seed: int) -> None:
    """Kill `studykb restore` of a damaged database at random moments."""
    rng = random.Random(seed)
    db, good, damaged = _damaged_with_backup(tmp_path, cards=3000)
    began = time.monotonic()
    whole = start_cli(db, tmp_path, "restore", str(good))
    whole.process.wait(timeout=120)
    duration = time.monotonic() - began
    assert whole.process.returncode == 0 and verify_database(db) is None
    for _ in range(kills):
        _damage(db, damaged)
        run = start_cli(db, tmp_path, "restore", str(good))
        kill_after(run, rng.uniform(0.5, 1.1) * duration)
        if not _restorable_or_restored(db, good, damaged):
            _finish_restore(db, good, damaged)


def test_kills_at_every_step_of_a_restore_over_a_damaged_file(tmp_path: Path) -> None:
    assert restore_step_kills(tmp_path) >= 7


def test_kills_during_restore_of_a_damaged_file(tmp_path: Path) -> None:
    restore_kills(tmp_path, kills=2, seed=6)


@pytest.mark.parametrize("command", ["export out.json", "export out.apkg", "backup copy.db"])
def test_leftovers_of_a_killed_export_or_backup_are_removed_by_the_next_run(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    command: str,
) -> None:
    from studykb.cli import main

    db = tmp_path / "data" / "x.db"
    db.parent.mkdir()
    make_db(db, cards=50)
    monkeypatch.setenv("STUDYKB_DB", str(db))
    monkeypatch.setenv("STUDYKB_NOW", START.isoformat())
    monkeypatch.setenv("STUDYKB_NO_BUNDLED", "1")
    verb, name = command.split()
    out = tmp_path / name
    assert run_cli(capsys, "status")[0] == 0  # today's backup, out of the way

    def run() -> None:
        main([verb, str(out)])

    # Killed just before the rename: a whole temporary file is left, no `out`.
    assert _killed_at("replace", 1, run)
    capsys.readouterr()
    assert not out.exists() and len(list(tmp_path.glob(f".{name}.*.tmp"))) == 1
    code, stdout, _ = run_cli(capsys, verb, str(out))
    assert code == 0 and str(out) in stdout
    assert out.exists() and not list(tmp_path.glob(f".{name}.*.tmp"))


def test_leftovers_of_a_killed_restore_are_removed_at_the_next_start(tmp_path: Path) -> None:
    db, good, damaged = _damaged_with_backup(tmp_path, cards=20)
    # Killed after the copy, before the damaged file was set aside.
    assert _killed_at("link", 1, lambda: restore_damaged(db, good, datetime(2026, 1, 5)))
    assert len(list(tmp_path.glob(f".{db.name}.*.tmp"))) == 1
    assert not _restorable_or_restored(db, good, damaged)  # a start: damaged, says so
    assert not list(tmp_path.glob(f".{db.name}.*.tmp"))


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
    for part in "rimbeR":
        (tmp_path / part).mkdir()
    assert review_kills(tmp_path / "r", kills=70, seed=11) > 0
    import_kills(tmp_path / "i", kills=15, seed=12)
    migration_kills(tmp_path / "m", kills=10, seed=13)
    backup_kills(tmp_path / "b", kills=10, seed=14)
    export_kills(tmp_path / "e", kills=9, seed=15)
    restore_kills(tmp_path / "R", kills=15, seed=16)
