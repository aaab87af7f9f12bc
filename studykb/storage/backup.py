"""Backups with SQLite's online backup API: consistent copies, written atomically.

Automatic copies go to ``backups/`` beside the database: one at the first start
of each study day, and one before every import, migration, repair and restore.
Rotation keeps the newest copy of each of the last 7 days, the newest of each of
the last 4 ISO weeks, and the 5 newest copies taken before a risky operation.
Copies are named ``<db>-<sequence>-<date>-<time>-<reason>.db``: the sequence number
orders them, so a clock that once ran ahead cannot make an old copy look new.
"""

from __future__ import annotations

import errno
import glob
import os
import re
import shutil
import sqlite3
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from studykb.errors import StudykbError
from studykb.storage.tempfiles import (
    fsync_dir,
    remove_leftover_temps_in,
    temp_beside,
)
from studykb.storage.write_errors import describe_write_error

KEEP_DAYS = 7
KEEP_WEEKS = 4
KEEP_BEFORE = 5
SEQ_WIDTH = 6


class BackupError(StudykbError):
    pass


class UnfinishedRestoreError(StudykbError):
    """The database file is missing, but a restore into it did not finish: never
    start afresh over that (the history is in the files it left)."""


@dataclass(frozen=True, slots=True)
class BackupFile:
    path: Path
    taken_at: datetime
    reason: str
    # The order the copies were taken in: the clock can lie (a date in 2030), this
    # cannot. 0 for copies named by studykb versions that had no sequence.
    seq: int = 0

    @property
    def size(self) -> int:
        return self.path.stat().st_size


def backups_dir(db_path: Path) -> Path:
    return db_path.parent / "backups"


def _name_pattern(stem: str) -> re.Pattern[str]:
    return re.compile(
        rf"^{re.escape(stem)}-(?:(?P<seq>\d{{{SEQ_WIDTH},}})-)?(?P<stamp>\d{{8}}-\d{{6}})"
        r"-(?P<reason>[a-z][a-z0-9-]*)\.db$"
    )


def copy_to_temp(source: sqlite3.Connection, dest: Path) -> Path:
    """A consistent copy of an open database in a new temporary file beside ``dest``,
    fsynced; the caller renames it into place."""
    dest.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = temp_beside(dest)
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
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def copy_database(source: sqlite3.Connection, dest: Path) -> None:
    """A consistent copy of an open database to ``dest``, via a temporary file and
    a rename, so ``dest`` is never a half-written file."""
    tmp = copy_to_temp(source, dest)
    try:
        os.replace(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(dest.parent)


def describe_file_error(dest: Path, exc: OSError | sqlite3.Error) -> str:
    """One line naming the file that could not be written, and why."""
    full = f"{dest}: the disk is full; nothing was written (free some space and retry)"
    if isinstance(exc, sqlite3.Error):
        return full if "full" in str(exc).lower() else describe_write_error(dest, exc)
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return full
    if exc.errno == errno.EFBIG:
        return f"{dest}: the file would exceed the file size limit; nothing was written"
    if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return f"{dest}: cannot write there ({exc.strerror}); nothing was written"
    return f"{dest}: cannot write it ({exc.strerror or exc}); nothing was written"


def _next_name(db_path: Path, reason: str, now: datetime) -> Path:
    """A new backup's path: the next sequence number, the moment, the reason."""
    folder = backups_dir(db_path)
    seq = max((b.seq for b in list_backups(db_path)), default=0) + 1
    base = f"{db_path.stem}-{seq:0{SEQ_WIDTH}d}-{now.strftime('%Y%m%d-%H%M%S')}-{reason}"
    dest = folder / f"{base}.db"
    n = 2
    while dest.exists():
        dest = folder / f"{base}-{n}.db"
        n += 1
    return dest


def set_aside_damaged(db_path: Path, now: datetime) -> Path:
    """Keep the damaged database (and its WAL) in the backups folder, untouched.

    The files are hard-linked (copied where links are not possible) rather than
    moved, so the database's own name never stops naming a file: a process killed
    at any moment leaves either the damaged file in place or a complete set-aside
    copy, never nothing."""
    folder = backups_dir(db_path)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    dest = _next_name(db_path, "damaged", now)
    # Side files first: a listed damaged copy always has its WAL beside it.
    for suffix in ("-wal", "-shm", ""):
        side = Path(f"{db_path}{suffix}")
        if side.exists():
            _link_or_copy(side, Path(f"{dest}{suffix}"))
    fsync_dir(folder)
    return dest


def _link_or_copy(source: Path, dest: Path) -> None:
    try:
        os.link(source, dest)
        return
    except OSError:
        pass  # another file system, or one without hard links: copy the bytes
    tmp = temp_beside(dest)
    try:
        shutil.copyfile(source, tmp)
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def take_backup(source: sqlite3.Connection, db_path: Path, reason: str, now: datetime) -> Path:
    """An automatic backup named after the database, its sequence number, the moment
    and the reason; rotated."""
    folder = backups_dir(db_path)
    remove_leftover_temps_in(folder)  # copies whose writer was killed
    dest = _next_name(db_path, reason, now)
    try:
        copy_database(source, dest)
    except (OSError, sqlite3.Error) as exc:
        raise BackupError(f"cannot write a backup to {folder}: {exc}") from exc
    rotate(db_path)
    return dest


def take_backup_unless_empty(
    source: sqlite3.Connection, db_path: Path, reason: str, now: datetime
) -> Path | None:
    """A backup before a risky operation (import, repair, restore); none while the
    database holds no deck (nothing to lose, and a first run stays quick)."""
    if source.execute("SELECT 1 FROM deck LIMIT 1").fetchone() is None:
        return None
    return take_backup(source, db_path, reason, now.replace(tzinfo=None))


def list_backups(db_path: Path) -> list[BackupFile]:
    """Automatic backups of this database, newest first: in the order they were
    taken (their sequence number), whatever the clock said when they were."""
    folder = backups_dir(db_path)
    pattern = _name_pattern(db_path.stem)
    found = []
    if folder.is_dir():
        for path in folder.glob(f"{glob.escape(db_path.stem)}-*.db"):
            match = pattern.match(path.name)
            if match is None:
                continue
            try:
                taken = datetime.strptime(match.group("stamp"), "%Y%m%d-%H%M%S")
            except ValueError:
                continue
            reason = re.sub(r"-\d+$", "", match.group("reason"))
            found.append(BackupFile(path, taken, reason, int(match.group("seq") or 0)))
    return sorted(found, key=lambda b: (b.seq, b.taken_at, b.path.name), reverse=True)


def rotate(db_path: Path) -> list[Path]:
    """Delete automatic backups beyond what the policy keeps; return the deleted.

    "Newest" is by sequence number: a copy dated in the future by a wrong clock is
    as old as the moment it was taken, and never pushes out the copies after it."""
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
        # By hand, not db.connect(readonly=True): a problem is returned, not raised, and
        # connect's damage report looks for a good backup through this very function.
        conn = sqlite3.connect(f"file:{path.resolve()}?mode=ro", uri=True)
        conn.row_factory = sqlite3.Row  # read by column name
    except sqlite3.Error as exc:
        return str(exc)
    try:
        result = conn.execute("PRAGMA quick_check").fetchone()["quick_check"]
        if result != "ok":
            return f"integrity check: {result}"
        master = conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
        tables = {r["name"] for r in master}
        if not {"card", "review_log", "alembic_version"} <= tables:
            return "not a studykb database"
    except sqlite3.Error as exc:
        return str(exc)
    finally:
        conn.close()
    return None


def newest_good_backup(db_path: Path) -> BackupFile | None:
    """The good copy taken last, so the one holding the most recent answers (a
    damaged file set aside is never advised)."""
    for backup in list_backups(db_path):
        if backup.reason != "damaged" and verify_database(backup.path) is None:
            return backup
    return None


def check_restore_finished(db_path: Path) -> None:
    """Before a missing database is created afresh: raise UnfinishedRestoreError if
    a restore into it was cut short (its temporary copy, a WAL without its database,
    or a damaged file set aside as the last thing that happened)."""
    if db_path.exists():
        return
    found: Path | None = next(iter(sorted(_any_temps(db_path))), None)
    if found is None and Path(f"{db_path}-wal").exists():
        found = Path(f"{db_path}-wal")
    if found is None:
        backups = list_backups(db_path)
        if backups and backups[0].reason == "damaged":
            found = backups[0].path
    if found is None:
        return
    good = newest_good_backup(db_path)
    finish = (
        f"finish it with: studykb restore {good.path}"
        if good is not None
        else "finish it with: studykb restore FILE (a copy of the database)"
    )
    raise UnfinishedRestoreError(
        f"{db_path} is missing and a restore into it did not finish (it left {found}); "
        f"a new database was not created; {finish}"
    )


def _any_temps(db_path: Path) -> list[Path]:
    """Temporary files for the database, whoever wrote them (older studykb versions
    named them without a process id)."""
    return [p for p in db_path.parent.glob(f".{glob.escape(db_path.name)}.*.tmp") if p.is_file()]
