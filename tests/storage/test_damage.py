"""Only a file SQLite finds corrupt is called damaged; other database errors are not."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from studykb.storage.db import DamagedDatabaseError, DatabaseError, connect, is_damage


def _error(action: str, tmp_path: Path) -> sqlite3.Error:
    path = tmp_path / "x.db"
    if action == "corrupt":
        path.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000)
    elif action == "not-a-db":
        path.write_bytes(b"plain text, " * 400)
    conn = sqlite3.connect(path)
    try:
        if action == "constraint":
            conn.execute("CREATE TABLE t (x UNIQUE)")
            conn.execute("INSERT INTO t VALUES (1), (1)")
        elif action == "too-big":
            conn.execute("SELECT zeroblob(?)", (2**31,))
        else:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.Error as exc:
        return exc
    finally:
        conn.close()
    raise AssertionError("no error")


@pytest.mark.parametrize(
    ("action", "damage"),
    [("corrupt", True), ("not-a-db", True), ("constraint", False), ("too-big", False)],
)
def test_is_damage(tmp_path: Path, action: str, damage: bool) -> None:
    assert is_damage(_error(action, tmp_path)) is damage


def test_connect_calls_only_a_corrupt_file_damaged(tmp_path: Path) -> None:
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"plain text, " * 400)
    with pytest.raises(DamagedDatabaseError):
        connect(bad)
    with pytest.raises(DatabaseError) as info:
        connect(tmp_path / "missing" / "deeper" / "x.db", readonly=True)
    assert not isinstance(info.value, DamagedDatabaseError)
