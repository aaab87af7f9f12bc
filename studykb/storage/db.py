"""Opening the database: file permissions, pragmas, migrations, transactions.

The repository talks to SQLite through the standard ``sqlite3`` module in
autocommit mode and opens every transaction itself: ``BEGIN IMMEDIATE`` for
writes, so two processes never deadlock upgrading a read lock, with a busy
timeout so a concurrent writer is waited for instead of failing. SQLAlchemy and
Alembic are loaded only when the schema of an existing file is behind and must be
upgraded: a new database is created from plain SQL (schema.sql).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from studykb.errors import StudykbError
from studykb.paths import ensure_private_dir
from studykb.storage.write_errors import describe_write_error

SCHEMA_HEAD = "0013"  # the newest migration; a test checks it against Alembic's head
BUSY_TIMEOUT_MS = 15_000


class DatabaseError(StudykbError):
    pass


class DamagedDatabaseError(DatabaseError):
    """The database file cannot be read. Never written to: the message says how to restore."""


def damaged(path: Path, problem: str) -> DamagedDatabaseError:
    from studykb.storage.backup import newest_good_backup

    backup = newest_good_backup(path)
    advice = (
        f"the newest good backup is {backup.path}; restore it with: studykb restore {backup.path}"
        if backup is not None
        else "no good backup was found next to it"
    )
    return DamagedDatabaseError(f"{path} is damaged ({problem}); it was left untouched; {advice}")


def is_damage(exc: sqlite3.Error) -> bool:
    """Whether SQLite says the file itself is bad (corrupt, or not a database).
    Anything else (a broken constraint, a full disk, a lock) is not damage."""
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int):
        return (code & 0xFF) in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)
    text = str(exc).lower()
    return type(exc) is sqlite3.DatabaseError and ("malformed" in text or "not a database" in text)


def not_damage(path: Path, exc: sqlite3.Error) -> DatabaseError:
    """The one line for a database error that is not damage: named as what it is."""
    if isinstance(exc, sqlite3.IntegrityError):
        return DatabaseError(
            f"{path}: a change broke a database rule ({exc}) and was rolled back; the "
            "database is not damaged (this is a bug in studykb or an input it did not check)"
        )
    return DatabaseError(describe_write_error(path, exc))


def _prepare_file(path: Path) -> None:
    """Create the data directory (0700) and an empty database file (0600) if missing."""
    ensure_private_dir(path.parent)
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return
    os.close(fd)


def connect(path: Path, *, create: bool = True, readonly: bool = False) -> sqlite3.Connection:
    """A connection in autocommit mode with WAL, foreign keys and a busy timeout."""
    path = path.expanduser()
    if readonly:
        if not path.exists():
            raise DatabaseError(f"no database at {path}")
        uri = f"file:{path.resolve()}?mode=ro"
        conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
    else:
        if not path.exists():
            if not create:
                raise DatabaseError(f"no database at {path}")
            try:
                _prepare_file(path)
            except OSError as exc:
                raise DatabaseError(
                    f"cannot create the database at {path}: {exc.strerror}"
                ) from exc
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA foreign_keys = ON")
        if not readonly:
            mode = named(conn).execute("PRAGMA journal_mode = WAL").fetchone()["journal_mode"]
            if str(mode).lower() != "wal":
                raise DatabaseError(f"{path}: cannot switch to WAL mode (got {mode})")
            # Every answer is fsynced before the call returns: durable even on power loss.
            conn.execute("PRAGMA synchronous = FULL")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.OperationalError as exc:
        conn.close()
        raise DatabaseError(describe_write_error(path, exc)) from exc
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise (damaged(path, str(exc)) if is_damage(exc) else not_damage(path, exc)) from exc
    return conn


def named(conn: sqlite3.Connection) -> sqlite3.Cursor:
    """A cursor whose rows are read by column name (``row["due"]``), never by position:
    a query can gain or reorder columns without a reader going wrong."""
    cursor = conn.cursor()
    cursor.row_factory = sqlite3.Row
    return cursor


# Connections with an open unit of work, and whether it may write.
_OPEN_UNITS: dict[int, bool] = {}
# Connections that committed a write: only these refresh the planner's statistics on
# close (see committed_a_write), so a refused command leaves the file byte for byte.
# Keyed by id but holding the connection: while it is held its id cannot be given to
# a later connection (one closed without forget_connection once made a refused
# command look committed, and its PRAGMA optimize changed the file).
_COMMITTED: dict[int, sqlite3.Connection] = {}
# What to run once the open unit of work on a connection has committed (see after_commit).
_AFTER_COMMIT: dict[int, list[Callable[[], None]]] = {}


def committed_a_write(conn: sqlite3.Connection) -> bool:
    """Whether a unit of work that may write has committed on ``conn``."""
    return _COMMITTED.get(id(conn)) is conn


def forget_connection(conn: sqlite3.Connection) -> None:
    """Before closing ``conn``: its id may be reused by a later connection."""
    _COMMITTED.pop(id(conn), None)
    _AFTER_COMMIT.pop(id(conn), None)


def after_commit(conn: sqlite3.Connection, then: Callable[[], None]) -> None:
    """Run ``then`` once the unit of work open on ``conn`` has committed (never if it
    rolls back, or is a dry run): an in-memory copy of what was written (the queue's
    head, say) is kept only once the write is in the file."""
    if id(conn) not in _OPEN_UNITS:
        raise RuntimeError("after_commit needs an open unit of work")
    _AFTER_COMMIT.setdefault(id(conn), []).append(then)


@contextmanager
def unit_of_work(
    conn: sqlite3.Connection, *, write: bool = True, dry_run: bool = False
) -> Iterator[sqlite3.Connection]:
    """studykb's one transaction idiom.

    A write takes the lock at once (``BEGIN IMMEDIATE``), a read gets a consistent
    snapshot (``BEGIN``). The unit commits when the block ends, or rolls back on
    any exception, or always in a dry run. Inside an open unit of work on the same
    connection the block joins it, so a whole command (say, an import of decks, a
    reading list and a schedule) is one transaction, decided by the outermost unit.
    """
    key = id(conn)
    if key in _OPEN_UNITS:
        if write and not _OPEN_UNITS[key]:
            raise RuntimeError("a write cannot join a read-only unit of work")
        yield conn
        return
    conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
    _OPEN_UNITS[key] = write
    try:
        yield conn
    except BaseException as exc:
        # SQLite may have rolled the transaction back itself (a full disk or temp
        # directory, an interrupt): a ROLLBACK then fails, and its "no transaction
        # is active" must not hide the error that caused it.
        if conn.in_transaction:
            try:
                conn.execute("ROLLBACK")
            except sqlite3.Error as failed:
                exc.add_note(f"(and the rollback failed: {failed})")
        raise
    finally:
        del _OPEN_UNITS[key]
        then = _AFTER_COMMIT.pop(key, ())
    conn.execute("ROLLBACK" if dry_run or not write else "COMMIT")
    if write and not dry_run:
        _COMMITTED[key] = conn
        for run in then:
            run()


def write_transaction(conn: sqlite3.Connection) -> AbstractContextManager[sqlite3.Connection]:
    """One atomic write (a unit of work that may write)."""
    return unit_of_work(conn, write=True)


def read_transaction(conn: sqlite3.Connection) -> AbstractContextManager[sqlite3.Connection]:
    """A consistent snapshot for several reads."""
    return unit_of_work(conn, write=False)


def schema_version(conn: sqlite3.Connection) -> str | None:
    try:
        row = named(conn).execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.OperationalError:
        return None
    return None if row is None else str(row["version_num"])


def migrate(path: Path, now: datetime | None = None) -> bool:
    """Bring the schema at ``path`` up to SCHEMA_HEAD; return whether anything ran.

    A database made by an older studykb is backed up first; one that cannot be
    read is reported, never written to."""
    existed = path.exists() and path.stat().st_size > 0
    probe = connect(path)
    try:
        version = schema_version(probe)
        if version == SCHEMA_HEAD:
            return False
        if version is not None and not _known_revision(version):
            raise DatabaseError(
                f"{path} was made by a newer studykb (schema {version[:40]}); "
                f"this one knows up to {SCHEMA_HEAD}"
            )
        if existed and version is None:
            # A file with content but no schema version: not ours, or damaged.
            tables = named(probe).execute("SELECT count(*) AS n FROM sqlite_master").fetchone()["n"]
            if tables:
                raise DatabaseError(f"{path} is not a studykb database")
        if existed and version is not None:
            from studykb.storage.backup import take_backup

            take_backup(probe, path, "before-migration", now or datetime.now())
    except sqlite3.DatabaseError as exc:
        raise (damaged(path, str(exc)) if is_damage(exc) else not_damage(path, exc)) from exc
    finally:
        probe.close()
    if version is None:
        # A new database: the head schema as plain SQL, without loading Alembic or
        # SQLAlchemy (most of a first `studykb import` went on them).
        _create_from_schema_sql(path)
    else:
        _run_alembic_upgrade(path)
    return True


def _create_from_schema_sql(path: Path) -> None:
    """Create every table and index of schema.sql (generated from the migrations,
    see storage.schema_sql) and its version stamp, in one transaction. Should the
    file be behind SCHEMA_HEAD, the newer migrations then finish the job."""
    from studykb.storage.schema_sql import SCHEMA_SQL, statements, stored_revision

    text = SCHEMA_SQL.read_text(encoding="utf-8")
    conn = connect(path)
    try:
        with write_transaction(conn):
            # Another process may have created it while this one waited for the lock.
            if schema_version(conn) is None:
                for statement in statements(text):
                    conn.execute(statement)
    except sqlite3.DatabaseError as exc:
        raise (damaged(path, str(exc)) if is_damage(exc) else not_damage(path, exc)) from exc
    finally:
        forget_connection(conn)
        conn.close()
    if stored_revision(text) != SCHEMA_HEAD:
        _run_alembic_upgrade(path)


def _known_revision(version: str) -> bool:
    """Revisions are numbered 0001, 0002, ...: every one up to the head is ours."""
    digits = version.isascii() and version.isdigit()
    return digits and len(version) == len(SCHEMA_HEAD) and version <= SCHEMA_HEAD


def alembic_config(connection: object | None = None) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", "studykb.storage:migrations")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def _run_alembic_upgrade(path: Path) -> None:
    from alembic import command
    from sqlalchemy import create_engine, event
    from sqlalchemy.pool import NullPool

    engine = create_engine(f"sqlite:///{path}", poolclass=NullPool)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        # Let SQLAlchemy's BEGIN below be the only transaction control, so that
        # DDL runs inside it and a migration is all or nothing.
        dbapi_connection.isolation_level = None
        dbapi_connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        dbapi_connection.execute("PRAGMA foreign_keys = OFF")

    @event.listens_for(engine, "begin")
    def _on_begin(connection: object) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")  # type: ignore[attr-defined]

    try:
        with engine.begin() as connection:
            command.upgrade(alembic_config(connection), SCHEMA_HEAD)
    except Exception as exc:
        raise DatabaseError(f"{path}: upgrading the database failed: {exc}") from exc
    finally:
        engine.dispose()
