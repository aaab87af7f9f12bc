"""Backups: their order, the advice for a damaged file, restores cut short, full disks."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from studykb.app.maintenance import restore_damaged
from studykb.storage.backup import backups_dir, list_backups, take_backup, verify_database
from tests.conftest import START, run_cli
from tests.reliability.harness import make_db

FUTURE = START.replace(year=2030)


@pytest.fixture
def cli_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    db = tmp_path / "data" / "cli.db"
    db.parent.mkdir()
    make_db(db, cards=20)
    monkeypatch.setenv("STUDYKB_DB", str(db))
    monkeypatch.setenv("STUDYKB_NOW", START.isoformat())
    monkeypatch.setenv("STUDYKB_NO_BUNDLED", "1")
    return db


def _answers(db: Path) -> set[str]:
    conn = sqlite3.connect(db)
    try:
        return {r[0] for r in conn.execute("SELECT uid FROM review_log")}
    finally:
        conn.close()


def _damage(db: Path) -> None:
    for suffix in ("-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    db.write_bytes(b"this is not a database at all" * 100)


def _answer_some(capsys: pytest.CaptureFixture[str], n: int) -> list[str]:
    uids = []
    for _ in range(n):
        code, out, _ = run_cli(capsys, "next", "--json")
        card = json.loads(out)
        if card is None:
            break
        code, out, _ = run_cli(capsys, "answer", card["ref"], "4")
        assert code == 0
        uids.append(out.split()[1].rstrip(":"))
    return uids


# Item 1: a clock that once ran ahead ------------------------------------------------


def test_a_clock_that_ran_ahead_never_outranks_the_real_backups(
    cli_db: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The clock ran ahead for a while: daily backups dated in 2030, over eight weeks.
    for week in range(8):
        monkeypatch.setenv("STUDYKB_NOW", (FUTURE + timedelta(weeks=week)).isoformat())
        assert run_cli(capsys, "status")[0] == 0
    # Back to the real date: study days, each with its first start's backup, then answers.
    acknowledged: set[str] = set()
    for day in range(10):
        monkeypatch.setenv("STUDYKB_NOW", (START + timedelta(days=day)).isoformat())
        assert run_cli(capsys, "status")[0] == 0
        acknowledged.update(_answer_some(capsys, 2))
    last_day = START + timedelta(days=10)
    monkeypatch.setenv("STUDYKB_NOW", last_day.isoformat())
    assert run_cli(capsys, "status")[0] == 0  # this day's backup holds every answer
    assert len(acknowledged) >= 10 and _answers(cli_db) == acknowledged

    # Rotation kept the newest real copies: one for each of the last 7 real days.
    real_days = {b.taken_at.date() for b in list_backups(cli_db) if b.taken_at.year == 2026}
    assert real_days == {(last_day - timedelta(days=d)).date() for d in range(7)}
    newest = list_backups(cli_db)[0]
    assert newest.taken_at.date() == last_day.date()

    # The advice for a damaged file names the copy with the most recent answers ...
    _damage(cli_db)
    code, _, err = run_cli(capsys, "status")
    assert code == 1 and f"studykb restore {newest.path}" in err
    # ... and restoring it as advised loses no acknowledged answer.
    assert run_cli(capsys, "restore", str(newest.path))[0] == 0
    assert _answers(cli_db) == acknowledged


def test_backups_are_ordered_by_sequence_not_by_date(tmp_path: Path) -> None:
    db = tmp_path / "seq.db"
    make_db(db, cards=2)
    folder = backups_dir(db)
    folder.mkdir()
    # A copy named by an older studykb (no sequence number) counts as older than any new one.
    (folder / "seq-20300101-090000-daily.db").write_bytes(b"")
    conn = sqlite3.connect(db)
    future = take_backup(conn, db, "daily", datetime(2031, 1, 1, 9, 0))
    real = take_backup(conn, db, "daily", datetime(2026, 1, 5, 9, 0))
    conn.close()
    found = list_backups(db)
    assert [b.path for b in found] == [real, future, folder / "seq-20300101-090000-daily.db"]
    assert [b.seq for b in found] == [2, 1, 0]


# Item 2: a restore cut short never ends in a fresh database --------------------------


def _interrupted_restore_of_an_older_studykb(db: Path) -> tuple[Path, bytes]:
    """What an older studykb left when killed while restoring a damaged file: the
    damaged file moved into the backups folder, a half-copied temporary file, no database."""
    folder = backups_dir(db)
    folder.mkdir(exist_ok=True)
    good = folder / f"{db.stem}-20260105-100000-daily.db"
    src = sqlite3.connect(db)
    dst = sqlite3.connect(good)
    src.backup(dst)
    dst.close()
    src.close()
    _damage(db)
    damaged = db.read_bytes()
    os.replace(db, folder / f"{db.stem}-20260105-110000-damaged.db")
    (db.parent / f".{db.name}.k3j4h5g6.tmp").write_bytes(good.read_bytes()[:4096])
    return good, damaged


def test_a_missing_database_after_a_restore_cut_short_is_not_created_afresh(
    cli_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good, _ = _interrupted_restore_of_an_older_studykb(cli_db)
    code, out, err = run_cli(capsys, "status")
    assert code == 1 and out == ""
    [line] = err.splitlines()
    assert "did not finish" in line and line.endswith(f"finish it with: studykb restore {good}")
    assert not cli_db.exists()
    # The command it names finishes the restore, and clears the leftover.
    code, out, _ = run_cli(capsys, "restore", str(good))
    assert code == 0, out
    assert verify_database(cli_db) is None
    assert not list(cli_db.parent.glob(f".{cli_db.name}.*.tmp"))
    assert run_cli(capsys, "status")[0] == 0


def test_a_wal_without_its_database_is_not_replayed_into_a_new_one(
    cli_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(capsys, "status")[0] == 0  # today's backup
    cli_db.unlink()
    Path(f"{cli_db}-wal").write_bytes(b"\x37\x7f\x06\x82" + b"\0" * 28)
    code, _, err = run_cli(capsys, "status")
    assert code == 1 and "did not finish" in err and not cli_db.exists()


def test_a_first_start_still_creates_the_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "new" / "fresh.db"
    db.parent.mkdir()
    monkeypatch.setenv("STUDYKB_DB", str(db))
    monkeypatch.setenv("STUDYKB_NO_BUNDLED", "1")
    assert run_cli(capsys, "status")[0] == 0 and verify_database(db) is None


def test_restore_of_a_damaged_file_keeps_it_and_its_wal(
    cli_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(capsys, "status")[0] == 0
    [good] = list_backups(cli_db)
    _damage(cli_db)
    damaged = cli_db.read_bytes()
    code, out, _ = run_cli(capsys, "restore", str(good.path))
    assert code == 0
    [aside] = [b for b in list_backups(cli_db) if b.reason == "damaged"]
    assert f"the damaged database was moved to {aside.path}" in out
    assert aside.path.read_bytes() == damaged
    assert verify_database(cli_db) is None
    # The advice for a later damage never names the damaged file kept aside.
    _damage(cli_db)
    code, _, err = run_cli(capsys, "status")
    assert code == 1 and f"studykb restore {good.path}" in err


def test_restore_sets_a_damaged_wal_aside_and_never_replays_it(cli_db: Path) -> None:
    good = cli_db.parent / "good.db"
    shutil.copy(cli_db, good)
    _damage(cli_db)
    Path(f"{cli_db}-wal").write_bytes(b"a damaged WAL")
    aside = restore_damaged(cli_db, good, datetime(2026, 1, 5, 11, 0))
    assert aside is not None and aside.read_bytes() == b"this is not a database at all" * 100
    assert Path(f"{aside}-wal").read_bytes() == b"a damaged WAL"
    assert not Path(f"{cli_db}-wal").exists()
    assert verify_database(cli_db) is None


# Item 7: a full disk names the file that could not be written --------------------------


@contextlib.contextmanager
def _tiny_tmpfs(where: Path) -> Iterator[Path]:
    where.mkdir()
    try:
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=16k", "tmpfs", str(where)],
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError as exc:
        pytest.skip(f"no mount command: {exc}")
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here (needs root): {done.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", str(where)], check=False)


@pytest.fixture
def big_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A database whose exports are larger than 16 KiB, with today's backup taken."""
    db = tmp_path / "data" / "big.db"
    db.parent.mkdir()
    make_db(db, cards=600)
    monkeypatch.setenv("STUDYKB_DB", str(db))
    monkeypatch.setenv("STUDYKB_NOW", START.isoformat())
    monkeypatch.setenv("STUDYKB_NO_BUNDLED", "1")
    return db


@pytest.mark.parametrize("name", ["out.json", "out.csv", "out.apkg", "copy.db"])
def test_a_full_disk_names_the_destination(
    big_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    assert run_cli(capsys, "status")[0] == 0
    db_bytes = big_db.read_bytes()
    with _tiny_tmpfs(tmp_path / "full") as full:
        out = full / name
        code, stdout, err = run_cli(capsys, "backup" if name == "copy.db" else "export", str(out))
        assert (code, stdout) == (1, "")
        assert err.splitlines() == [
            f"studykb: error: {out}: the disk is full; nothing was written "
            "(free some space and retry)"
        ]
        assert os.listdir(full) == []  # no partial file, no temporary file
    assert big_db.read_bytes() == db_bytes


# Run the command with a file size limit set once the database is open (so that only
# the destination's writes are limited): writes past it fail with EFBIG.
_LIMITED = """
import resource, signal, sys
from studykb import cli

opened = cli.Context.collection

def collection(self, **kw):
    result = opened(self, **kw)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (16 * 1024, resource.RLIM_INFINITY))
    return result

cli.Context.collection = collection
cli.main(sys.argv[1:])
"""


@pytest.mark.parametrize("name", ["out.json", "out.csv", "out.apkg", "copy.db"])
def test_a_write_that_cannot_grow_names_the_destination(
    big_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    """Runs everywhere (no mount needed): a file size limit makes every write past
    16 KiB fail, the way a disk with 16 KiB free would."""
    assert run_cli(capsys, "status")[0] == 0  # today's backup, so the child writes only `out`
    db_bytes = big_db.read_bytes()
    dest = tmp_path / "dest"
    dest.mkdir()
    out = dest / name
    command = "backup" if name == "copy.db" else "export"
    done = subprocess.run(
        [sys.executable, "-c", _LIMITED, command, str(out)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 1 and done.stdout == ""
    [line] = done.stderr.splitlines()
    assert line.startswith(f"studykb: error: {out}: ") and "nothing was" in line
    assert os.listdir(dest) == []
    assert big_db.read_bytes() == db_bytes
