"""Backups, restore and damaged or unwritable databases."""

from __future__ import annotations

import os
import sqlite3
import stat
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from studykb.app.store import open_store
from studykb.core.clock import FixedClock
from studykb.settings import Settings
from studykb.storage.backup import list_backups, rotate, take_backup, verify_database
from studykb.storage.db import DamagedDatabaseError, DatabaseError, describe_write_error
from tests.conftest import START, run_cli
from tests.reliability.harness import make_db


@pytest.fixture
def cli_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    db = tmp_path / "data" / "cli.db"
    db.parent.mkdir()
    make_db(db, cards=20)
    monkeypatch.setenv("STUDYKB_DB", str(db))
    monkeypatch.setenv("STUDYKB_NOW", START.isoformat())
    monkeypatch.setenv("STUDYKB_NO_BUNDLED", "1")
    return db


def test_first_start_of_a_day_makes_one_backup(
    cli_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(capsys, "status")[0] == 0
    assert run_cli(capsys, "stats")[0] == 0
    daily = [b for b in list_backups(cli_db) if b.reason == "daily"]
    assert len(daily) == 1 and verify_database(daily[0].path) is None
    assert stat.S_IMODE(daily[0].path.stat().st_mode) == 0o600
    code, out, _ = run_cli(capsys, "backups")
    assert code == 0 and "daily" in out


def test_backup_restore_round_trip(
    cli_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = tmp_path / "manual.db"
    assert run_cli(capsys, "backup", str(copy))[0] == 0
    assert run_cli(capsys, "answer", "drill/c0", "5")[0] == 0
    code, out, _ = run_cli(capsys, "restore", str(copy))
    assert code == 0 and "the previous database was backed up to" in out
    conn = sqlite3.connect(cli_db)
    assert conn.execute("SELECT COUNT(*) FROM review_log").fetchone()[0] == 0
    conn.close()
    assert any(b.reason == "before-restore" for b in list_backups(cli_db))
    # The answer given before the restore is in the backup taken before it.
    saved = next(b for b in list_backups(cli_db) if b.reason == "before-restore")
    conn = sqlite3.connect(saved.path)
    assert conn.execute("SELECT COUNT(*) FROM review_log").fetchone()[0] == 1
    conn.close()


def test_damaged_database_names_the_backup_and_is_never_overwritten(
    cli_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(capsys, "status")[0] == 0  # makes today's backup
    [good] = list_backups(cli_db)
    for suffix in ("-wal", "-shm"):
        Path(f"{cli_db}{suffix}").unlink(missing_ok=True)
    cli_db.write_bytes(b"this is not a database at all" * 100)
    damaged_bytes = cli_db.read_bytes()
    code, _, err = run_cli(capsys, "status")
    assert code == 1
    line = err.strip()
    assert "\n" not in line and "is damaged" in line
    assert f"studykb restore {good.path}" in line
    assert cli_db.read_bytes() == damaged_bytes
    code, out, _ = run_cli(capsys, "restore", str(good.path))
    assert code == 0 and "the damaged database was moved to" in out
    assert verify_database(cli_db) is None
    assert any(b.reason == "damaged" for b in list_backups(cli_db))


def test_truncated_database_is_reported(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    make_db(db, cards=400)
    data = db.read_bytes()
    db.write_bytes(data[: len(data) // 2])
    for suffix in ("-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    with pytest.raises((DamagedDatabaseError, DatabaseError)):
        store = open_store(
            db, clock=FixedClock(START), settings=Settings(), seed_bundled=False, daily_backup=True
        )
        store.repo.check()
        store.close()


def test_missing_directory_is_a_clear_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("STUDYKB_DB", str(tmp_path / "nowhere" / "x.db"))
    code, _, err = run_cli(capsys, "status")
    assert code == 1 and err.strip() == (
        f"studykb: error: directory {tmp_path / 'nowhere'} does not exist; create it first"
    )


def test_write_errors_are_described(tmp_path: Path) -> None:
    db = tmp_path / "ro.db"
    make_db(db, cards=2)
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    with pytest.raises(sqlite3.OperationalError) as info:
        conn.execute("DELETE FROM card")
    conn.close()
    assert "read-only" in describe_write_error(db, info.value)
    assert "disk is full" in describe_write_error(
        db, sqlite3.OperationalError("database or disk is full")
    )


def test_rotation_keeps_days_weeks_and_recent_operations(tmp_path: Path) -> None:
    db = tmp_path / "rot.db"
    make_db(db, cards=2)
    conn = sqlite3.connect(db)
    start = datetime(2026, 1, 1, 9, 0)
    for day in range(40):
        take_backup(conn, db, "daily", start + timedelta(days=day))
    for i in range(8):
        take_backup(conn, db, "before-import", start + timedelta(days=39, minutes=i + 1))
    take_backup(conn, db, "manual", start)
    conn.close()
    rotate(db)
    kept = list_backups(db)
    days = {b.taken_at.date() for b in kept if b.reason == "daily"}
    assert len([b for b in kept if b.reason == "before-import"]) == 5
    assert any(b.reason == "manual" for b in kept)
    assert (start + timedelta(days=39)).date() not in days or len(days) <= 7 + 4
    assert len(days) <= 7 + 4


def test_data_dir_is_private(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("STUDYKB_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("STUDYKB_DB", raising=False)
    monkeypatch.setenv("STUDYKB_NO_BUNDLED", "1")
    assert run_cli(capsys, "status")[0] == 0
    data = tmp_path / "home" / "data"
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    assert stat.S_IMODE((data / "studykb.db").stat().st_mode) == 0o600
    assert os.access(data / "studykb.db", os.R_OK)
