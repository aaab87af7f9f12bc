"""Maintenance: check and repair, backups, restore."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from studykb.app.store import UseCases, backup_before, clock_from_env
from studykb.errors import StudykbError
from studykb.storage.backup import (
    BackupFile,
    backups_dir,
    copy_database,
    copy_to_temp,
    describe_file_error,
    list_backups,
    set_aside_damaged,
    take_backup,
    verify_database,
)
from studykb.storage.db import DatabaseError, connect
from studykb.storage.repository import CheckReport
from studykb.storage.tempfiles import fsync_dir, remove_leftover_temps

if TYPE_CHECKING:
    from studykb.app.store import Store


def _open_source(source: Path) -> sqlite3.Connection:
    """The backup to restore from, opened read-only; a failure names the source (it
    passed verify_database, so this is a race: the file changed or went away since)."""
    try:
        return connect(source, readonly=True)
    except DatabaseError as exc:
        raise StudykbError(f"{source}: cannot restore from it: {exc.message}") from exc


def restore_database(store: Store, source: Path) -> Path | None:
    """Replace the database's content with a backup, after backing up the current one.

    Runs through SQLite's backup API into the live database, so other studykb
    processes see a consistent switch rather than a file swapped under them."""
    problem = verify_database(source)
    if problem is not None:
        raise StudykbError(f"{source}: cannot restore from it: {problem}")
    if source.resolve() == store.path.resolve():
        raise StudykbError(f"{source} is the database itself")
    saved = backup_before(store.repo, store.path, "restore")
    src = _open_source(source)
    try:
        src.backup(store.repo.conn)
    finally:
        src.close()
        # The backup API writes around the connection's statements: neither its
        # total_changes nor PRAGMA data_version move, so what it kept is dropped.
        store.repo.forget_reads()
    return saved


def restore_damaged(path: Path, source: Path, now: datetime | None = None) -> Path | None:
    """Restore over a database that cannot be opened (or is missing after a restore
    was cut short). The backup is first copied beside the database and fsynced;
    only then is the damaged file set aside in the backups folder (never deleted)
    and the copy renamed over it. Killed at any moment, this leaves the damaged
    file in place or the restored one, never no database. Returns the set-aside
    damaged file, if there was one (named by ``now``, default the environment's clock)."""
    if now is None:
        now = clock_from_env().now().replace(tzinfo=None)
    problem = verify_database(source)
    if problem is not None:
        raise StudykbError(f"{source}: cannot restore from it: {problem}")
    if source.resolve() == path.resolve():
        raise StudykbError(f"{source} is the database itself")
    remove_leftover_temps(path, unnamed_too=True)  # of restores that were killed
    src = _open_source(source)
    try:
        tmp = copy_to_temp(src, path)
    finally:
        src.close()
    try:
        fsync_dir(path.parent)
        present = any(Path(f"{path}{s}").exists() for s in ("", "-wal", "-shm"))
        aside = set_aside_damaged(path, now) if present else None
        # The damaged file's WAL is kept with its set-aside copy; left here, SQLite
        # would replay it into the restored database.
        for suffix in ("-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        os.replace(tmp, path)
        fsync_dir(path.parent)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return aside if aside is not None and aside.exists() else None


class Maintenance(UseCases):
    """Use cases that look after the database file itself."""

    def check(self, *, repair: bool = False) -> CheckReport:
        """Integrity and log replay; with ``repair``, states rebuilt from the log
        after a backup (only when the check found something to repair)."""
        repo = self._store.repo
        report = repo.check()
        if repair and not report.ok:
            backup_before(repo, self._store.path, "repair")
            report = repo.check(repair=True)
        return report

    def backup(self, dest: Path | None = None) -> Path:
        """A copy now: into the backups folder, or to ``dest`` (a new file)."""
        store = self._store
        if dest is None:
            return take_backup(store.repo.conn, store.path, "manual", store.repo.clock.now())
        if dest.exists():
            raise StudykbError(f"{dest} already exists; choose a new file name")
        remove_leftover_temps(dest)  # of a backup to the same file that was killed
        try:
            copy_database(store.repo.conn, dest)
        except (OSError, sqlite3.OperationalError) as exc:
            # The destination is what failed (a full disk there), not the database.
            raise StudykbError(describe_file_error(dest, exc)) from exc
        return dest

    def restore(self, source: Path) -> Path | None:
        """Replace a healthy database's content with a backup; returns the copy of
        the previous content."""
        return restore_database(self._store, source)


def backups(db_path: Path) -> Sequence[BackupFile]:
    """The backups of the database at ``db_path``, newest first (readable without opening it)."""
    return list_backups(db_path)


def backups_folder(db_path: Path) -> Path:
    return backups_dir(db_path)
