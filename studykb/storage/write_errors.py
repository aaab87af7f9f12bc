"""How a failed write is told to the user: one line naming the file. Kept apart so
that both the database layer and the backups can use it without importing each other."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def describe_write_error(path: Path, exc: sqlite3.Error) -> str:
    """One line for the ways a write can fail outside studykb's control."""
    text = str(exc).lower()
    if "full" in text:
        return f"{path}: the disk is full; nothing was half written (free some space and retry)"
    if "readonly" in text or "read-only" in text:
        return f"{path}: the database or its directory is read-only; nothing was written"
    if "unable to open" in text:
        return (
            f"{path}: cannot open the database file (does its directory exist and allow writing?)"
        )
    if "disk i/o" in text:
        return f"{path}: disk I/O error; nothing was half written"
    if "locked" in text or "busy" in text:
        return f"{path}: another studykb process kept the database busy too long; try again"
    return f"{path}: {exc}"
