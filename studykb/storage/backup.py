"""Backups with SQLite's online backup API: consistent copies, written atomically.

Automatic copies go to ``backups/`` beside the database: one at the first start
of each study day, and one before every import, migration, repair and restore.
Rotation keeps the newest copy of each of the last 7 days, the newest of each of
the last 4 ISO weeks, and the 5 newest copies taken before a risky operation.
"""

from __future__ import annotations

import os
import re
import sqlite3
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from studykb.errors import StudykbError

KEEP_DAYS = 7
KEEP_WEEKS = 4
KEEP_BEFORE = 5
_NAME = re.compile(r"^(?P<stem>.+)-(?P<stamp>\d{8}-\d{6})-(?P<reason>[a-z][a-z0-9-]*)\.db$")


class BackupError(StudykbError):
    pass


@dataclass(frozen=True, slots=True)
class BackupFile:
    path: Path
    taken_at: datetime
    reason: str

    @property
    def size(self) -> int:
        return self.path.stat().st_size


def backups_dir(db_path: Path) -> Path:
    return db_path.parent / "backups"


def copy_database(source: sqlite3.Connection, dest: Path) -> None:
    """A consistent copy of an open database to ``dest``, via a temporary file and
    a rename, so ``dest`` is never a half-written file."""
    import tempfile

    dest.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent)
    os.close(fd)
    os.chmod(tmp, 0o600)
    try:
        target = sqlite3.connect(tmp)
        try:
            # Pages in steps, so a concurrent writer is never blocked for long.
            source.backup(target, pages=1024)
            target.execute("PRAGMA journal_mode = DELETE")
        finally:
            target.close()
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, dest)
        _fsync_dir(dest.parent)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def set_aside_damaged(db_path: Path, now: datetime) -> Path:
    """Move a damaged database (and its WAL) into the backups folder, untouched."""
    folder = backups_dir(db_path)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    dest = folder / f"{db_path.stem}-{now.strftime('%Y%m%d-%H%M%S')}-damaged.db"
    for suffix in ("-wal", "-shm"):
        side = Path(f"{db_path}{suffix}")
        if side.exists():
            os.replace(side, Path(f"{dest}{suffix}"))
    os.replace(db_path, dest)
    _fsync_dir(folder)
    return dest


def take_backup(source: sqlite3.Connection, db_path: Path, reason: str, now: datetime) -> Path:
    """An automatic backup named after the database, the moment and the reason; rotated."""
    folder = backups_dir(db_path)
    name = f"{db_path.stem}-{now.strftime('%Y%m%d-%H%M%S')}-{reason}.db"
    dest = folder / name
    n = 2
    while dest.exists():
        dest = folder / f"{db_path.stem}-{now.strftime('%Y%m%d-%H%M%S')}-{reason}-{n}.db"
        n += 1
    try:
        copy_database(source, dest)
    except (OSError, sqlite3.Error) as exc:
        raise BackupError(f"cannot write a backup to {folder}: {exc}") from exc
    rotate(db_path)
    return dest


def list_backups(db_path: Path) -> list[BackupFile]:
    """Automatic backups of this database, newest first."""
    folder = backups_dir(db_path)
    found = []
    if folder.is_dir():
        for path in folder.glob(f"{db_path.stem}-*.db"):
            match = _NAME.match(path.name)
            if match is None or match.group("stem") != db_path.stem:
                continue
            taken = datetime.strptime(match.group("stamp"), "%Y%m%d-%H%M%S")
            reason = re.sub(r"-\d+$", "", match.group("reason"))
            found.append(BackupFile(path, taken, reason))
    return sorted(found, key=lambda b: (b.taken_at, b.path.name), reverse=True)


def rotate(db_path: Path) -> list[Path]:
    """Delete automatic backups beyond what the policy keeps; return the deleted."""
    backups = list_backups(db_path)
    keep: set[Path] = set()
    days: dict[date, Path] = {}
    weeks: dict[tuple[int, int], Path] = {}
    for b in backups:  # newest first: the first seen of a day or week is its newest
        days.setdefault(b.taken_at.date(), b.path)
        iso = b.taken_at.isocalendar()
        weeks.setdefault((iso[0], iso[1]), b.path)
    keep.update(list(days.values())[:KEEP_DAYS])
    keep.update(list(weeks.values())[:KEEP_WEEKS])
    keep.update([b.path for b in backups if b.reason.startswith("before")][:KEEP_BEFORE])
    # Backups the user asked for, and damaged files set aside, are never deleted.
    keep.update(b.path for b in backups if b.reason in ("manual", "damaged"))
    deleted = []
    for b in backups:
        if b.path not in keep:
            b.path.unlink(missing_ok=True)
            deleted.append(b.path)
    return deleted


def verify_database(path: Path) -> str | None:
    """None if ``path`` is a readable studykb database, else what is wrong with it."""
    if not path.is_file():
        return "no such file"
    try:
        conn = sqlite3.connect(f"file:{path.resolve()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        return str(exc)
    try:
        result = conn.execute("PRAGMA quick_check").fetchone()[0]
        if result != "ok":
            return f"integrity check: {result}"
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if not {"card", "review_log", "alembic_version"} <= tables:
            return "not a studykb database"
    except sqlite3.Error as exc:
        return str(exc)
    finally:
        conn.close()
    return None


def newest_good_backup(db_path: Path) -> BackupFile | None:
    for backup in list_backups(db_path):
        if verify_database(backup.path) is None:
            return backup
    return None
