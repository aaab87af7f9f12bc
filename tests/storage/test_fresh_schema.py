"""A new database gets its schema from schema.sql, not from Alembic: it must be exactly
what running every migration builds. Compared as SQLite sees it (sqlite_master and the
pragmas), not through the SQLModel metadata, so a new migration that schema.sql has not
caught up with fails here. The fix is one command: python -m studykb.storage.schema_dump
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from studykb.storage import schema_sql
from studykb.storage.db import SCHEMA_HEAD, DatabaseError, connect, migrate, schema_version
from studykb.storage.schema_dump import build_by_migrations
from studykb.storage.schema_sql import SCHEMA_SQL, statements, stored_revision
from tests.conftest import SMALL_DECK, write

REGENERATE = "schema.sql is stale: run `python -m studykb.storage.schema_dump` and commit it"


def described(path: Path) -> dict[str, Any]:
    """Everything SQLite knows of a database's schema, and every row it holds."""
    conn = sqlite3.connect(path)
    try:
        master = sorted(
            conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master").fetchall(),
            key=lambda row: (row[0], row[1]),
        )
        tables = [name for kind, name, _, _ in master if kind == "table"]
        # WITHOUT ROWID tables (an FTS5 index's config, migration 0008) are read in key order.
        without_rowid = {row[1] for row in conn.execute("PRAGMA table_list") if row[4]}
        shape: dict[str, Any] = {"sqlite_master": master}
        for table in tables:
            indexes = sorted(
                (row[1], row[2], row[3], row[4])  # name, unique, origin, partial
                for row in conn.execute(f'PRAGMA index_list("{table}")')
            )
            shape[table] = {
                "columns": conn.execute(f'PRAGMA table_xinfo("{table}")').fetchall(),
                "indexes": indexes,
                "index_columns": {
                    name: conn.execute(f'PRAGMA index_xinfo("{name}")').fetchall()
                    for name, *_ in indexes
                },
                "foreign_keys": conn.execute(f'PRAGMA foreign_key_list("{table}")').fetchall(),
                "rows": conn.execute(
                    f'SELECT * FROM "{table}"'
                    + ("" if table in without_rowid else " ORDER BY rowid")
                ).fetchall(),
            }
        shape["user_version"] = conn.execute("PRAGMA user_version").fetchone()
        return shape
    finally:
        conn.close()


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    path = tmp_path_factory.mktemp("migrated") / "migrated.db"
    build_by_migrations(path)
    return described(path)


def test_schema_sql_is_at_the_head_revision() -> None:
    assert stored_revision(SCHEMA_SQL.read_text(encoding="utf-8")) == SCHEMA_HEAD, REGENERATE


def test_schema_sql_alone_builds_exactly_what_the_migrations_build(
    tmp_path: Path, migrated: dict[str, Any]
) -> None:
    path = tmp_path / "direct.db"
    conn = connect(path)
    for statement in statements(SCHEMA_SQL.read_text(encoding="utf-8")):
        conn.execute(statement)
    conn.close()
    assert described(path) == migrated, REGENERATE


def test_a_new_database_is_exactly_a_migrated_one(tmp_path: Path, migrated: dict[str, Any]) -> None:
    path = tmp_path / "new.db"
    assert migrate(path) is True
    assert migrate(path) is False  # stamped at the head: nothing more runs
    shape = described(path)
    assert shape == migrated
    # The tables, partial indexes included, really are there (not two empty files alike).
    assert {"card", "card_state", "review_log", "event", "meta"} <= set(shape)
    assert ("ix_card_state_new", 0, "c", 1) in shape["card_state"]["indexes"]
    assert ("ix_review_log_voids", 0, "c", 1) in shape["review_log"]["indexes"]
    assert shape["alembic_version"]["rows"] == [(SCHEMA_HEAD,)]


def test_a_new_database_is_created_in_one_transaction(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = tmp_path / "schema.sql"
    broken.write_text(
        f"-- revision: {SCHEMA_HEAD}\nCREATE TABLE a (x INTEGER);\nCREATE TABLE a (y INTEGER);\n"
    )
    monkeypatch.setattr(schema_sql, "SCHEMA_SQL", broken)
    path = tmp_path / "new.db"
    with pytest.raises(DatabaseError, match=r"new\.db"):
        migrate(path)
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT count(*) FROM sqlite_master").fetchone() == (0,)
    assert schema_version(conn) is None
    conn.close()


def test_statements_split_where_sqlite_says_one_ends() -> None:
    script = (
        "-- a comment; not a statement\n\nCREATE TABLE t (v);\nINSERT INTO t VALUES('a;\nb');\n"
    )
    assert statements(script) == ["CREATE TABLE t (v);", "INSERT INTO t VALUES('a;\nb');"]
    with pytest.raises(ValueError, match="unfinished"):
        statements("CREATE TABLE t (v)")


def test_a_first_import_into_a_new_database_loads_no_alembic(tmp_path: Path) -> None:
    """The whole `studykb import` process, as a user starts it: Alembic, SQLAlchemy and
    SQLModel never load when the database is new."""
    deck = write(tmp_path / "toy.toml", SMALL_DECK)
    db = tmp_path / "new.db"
    probe = textwrap.dedent(
        f"""
        import atexit, sys
        heavy = ("alembic", "sqlalchemy", "sqlmodel")
        atexit.register(lambda: print("loaded:", [m for m in heavy if m in sys.modules]))
        sys.argv = ["studykb", "--db", {str(db)!r}, "import", {str(deck)!r}]
        from studykb.entry import main
        main()
        """
    )
    env = {**os.environ, "STUDYKB_NO_BUNDLED": "1"}
    result = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "imported deck toy" in result.stdout
    assert "loaded: []" in result.stdout
    conn = sqlite3.connect(db)
    assert schema_version(conn) == SCHEMA_HEAD
    assert conn.execute("SELECT count(*) FROM card WHERE deck_id = 'toy'").fetchone()[0] > 0
    conn.close()
