"""The schema of a new database as plain SQL (schema.sql), so that creating one needs
neither Alembic nor SQLAlchemy: importing them took most of a first `studykb import`.

schema.sql is generated, never edited: ``python -m studykb.storage.schema_dump`` runs
every migration on an empty file (whose result a test holds equal to the SQLModel
tables in tables.py) and writes down what they built: each table, index and trigger
exactly as SQLite stores it, then every row the migrations left (the Alembic version
stamp, any seeded meta rows). tests/storage/test_fresh_schema.py fails when the file
no longer matches the migrations, e.g. after a new one: run the command again.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

SCHEMA_SQL = Path(__file__).with_name("schema.sql")
REVISION_MARK = "-- revision: "


def statements(text: str) -> list[str]:
    """The statements of an SQL script, split where SQLite says one is complete
    (so a ';' inside a string literal does not split it); comment lines skipped."""
    found: list[str] = []
    pending = ""
    for line in text.splitlines(keepends=True):
        if not pending and (not line.strip() or line.startswith("--")):
            continue
        pending += line
        if sqlite3.complete_statement(pending):
            found.append(pending.strip())
            pending = ""
    if pending.strip():
        raise ValueError(f"unfinished statement at the end of the schema: {pending[:60]!r}")
    return found


def stored_revision(text: str) -> str | None:
    """The revision a schema script was generated at (its ``-- revision:`` line)."""
    for line in text.splitlines():
        if line.startswith(REVISION_MARK):
            return line[len(REVISION_MARK) :].strip()
    return None
