"""The errors the interfaces name, and the one wording for a database error.

The CLI's error handler and `studykb restore` need to tell damage from a lock or
a full disk, and to say so in one line; this module hands them what storage
knows about that, so no interface imports studykb.storage.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from studykb.storage.backup import UnfinishedRestoreError, describe_file_error
from studykb.storage.db import DamagedDatabaseError, damaged, is_damage, not_damage
from studykb.storage.write_errors import describe_write_error

__all__ = [
    "NEEDS_RESTORE",
    "DamagedDatabaseError",
    "UnfinishedRestoreError",
    "damaged",
    "describe_database_error",
    "describe_file_error",
    "describe_write_error",
    "is_damage",
    "not_damage",
]

# A database that cannot be opened until it is restored from a backup.
NEEDS_RESTORE = (DamagedDatabaseError, UnfinishedRestoreError)


def describe_database_error(path: Path | None, exc: sqlite3.DatabaseError) -> str:
    """One line for a database error that escaped a command. Only a file SQLite
    finds corrupt is called damaged (with advice to restore); a broken constraint
    or any other refusal is named as what it is."""
    if path is None:
        return str(exc)
    if is_damage(exc):
        return damaged(path, str(exc)).message
    return not_damage(path, exc).message
