"""Opening a store the way every entry point does: settings, clock, migrations,
a daily backup, bundled content on first run."""

from __future__ import annotations

import contextlib
import os
import sqlite3
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from studykb.core.clock import Clock
from studykb.core.clock import clock_from_env as _clock_from
from studykb.errors import StudykbError
from studykb.paths import config_path, default_db_path
from studykb.settings import Settings, load_settings
from studykb.storage.backup import (
    check_restore_finished,
    list_backups,
    take_backup,
    take_backup_unless_empty,
)
from studykb.storage.db import (
    committed_a_write,
    connect,
    damaged,
    forget_connection,
    is_damage,
    migrate,
    named,
    not_damage,
    unit_of_work,
)
from studykb.storage.repository import Repository
from studykb.storage.tempfiles import remove_leftover_temps


def clock_from_env() -> Clock:
    """The clock STUDYKB_NOW asks for, or the system's (see core.clock.clock_from_env)."""
    try:
        return _clock_from(os.environ)
    except ValueError as exc:
        raise StudykbError(str(exc)) from exc


@dataclass
class Store:
    repo: Repository
    settings: Settings
    path: Path

    def close(self) -> None:
        # Keeps the query planner's statistics fresh; cheap when nothing changed. Only
        # after a committed write: a card insert refused and rolled back (whose triggers
        # looked up the log's index, migration 0009) must leave the file as it was.
        conn = self.repo.conn
        if committed_a_write(conn):
            with contextlib.suppress(sqlite3.Error):
                # Bounded: an ANALYZE of a 1.8M-row log took 0.4 s on close (a sync
                # with nothing new, at 100k cards); sampled statistics are enough.
                conn.execute("PRAGMA analysis_limit = 1000")
                conn.execute("PRAGMA optimize")
        forget_connection(conn)
        conn.close()


def open_store(
    db_path: Path | None = None,
    *,
    clock: Clock | None = None,
    settings: Settings | None = None,
    seed_bundled: bool | None = None,
    daily_backup: bool = False,
) -> Store:
    """Open (creating or upgrading) a database. With ``daily_backup``, the first
    start of each study day checks it and keeps a backup copy."""
    path = db_path or default_db_path()
    settings = settings or load_settings(config_path())
    clock = clock or clock_from_env()
    # A missing database is created afresh, unless a restore into it was cut short.
    check_restore_finished(path)
    remove_leftover_temps(path)
    migrate(path, clock.now().replace(tzinfo=None))
    conn = connect(path)
    repo = Repository(
        conn,
        clock,
        limits=settings.limits,
        day_start_hour=settings.day_start_hour,
    )
    try:
        if daily_backup:
            ensure_daily_backup(repo, path)
        if seed_bundled is None:
            seed_bundled = os.environ.get("STUDYKB_NO_BUNDLED", "") in ("", "0")
        if seed_bundled:
            from studykb.app.bundled import sync_bundled

            sync_bundled(repo, path)
    except BaseException:
        conn.close()
        raise
    return Store(repo, settings, path)


def ensure_daily_backup(repo: Repository, path: Path) -> Path | None:
    """At the first start of a study day: a quick integrity check, then a backup.

    Whether today's copy exists is read from the backups folder, not the
    database, so a read-only command (or a dry run) leaves the database's
    bytes untouched."""
    today = repo.today()
    hours = timedelta(hours=repo.day_start_hour)
    if repo.is_empty() or any(
        b.reason == "daily" and (b.taken_at - hours).date() == today for b in list_backups(path)
    ):
        return None
    try:
        result = named(repo.conn).execute("PRAGMA quick_check").fetchone()["quick_check"]
    except sqlite3.DatabaseError as exc:  # a lock or a full disk is not damage
        raise (damaged(path, str(exc)) if is_damage(exc) else not_damage(path, exc)) from exc
    if result != "ok":
        raise damaged(path, f"integrity check: {result}")
    return take_backup(repo.conn, path, "daily", repo.clock.now().replace(tzinfo=None))


class UseCases:
    """What every group of use cases shares: its store, and the one way to open a
    unit of work on it (a consistent read, or one atomic write)."""

    def __init__(self, store: Store) -> None:
        self._store = store

    @property
    def _repo(self) -> Repository:
        return self._store.repo

    def _reading(self) -> AbstractContextManager[sqlite3.Connection]:
        return unit_of_work(self._store.repo.conn, write=False)

    def _writing(self, *, dry_run: bool = False) -> AbstractContextManager[sqlite3.Connection]:
        return unit_of_work(self._store.repo.conn, write=True, dry_run=dry_run)


def backup_before(repo: Repository, path: Path, what: str) -> Path | None:
    """A backup before a risky operation (import, repair, restore); none for an empty db."""
    return take_backup_unless_empty(repo.conn, path, f"before-{what}", repo.clock.now())
