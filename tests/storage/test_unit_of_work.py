"""One transaction idiom (storage.db.unit_of_work), and a whole import as one transaction."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from studykb.app.collection import Collection, prepare_import
from studykb.app.store import Store
from studykb.storage.db import unit_of_work
from tests.conftest import write

LIST = """
## Papers
- [A Toy Paper](https://arxiv.org/abs/2001.00001) **WR=2**
  The toy.
- [Another Paper](https://arxiv.org/abs/2001.00002) **WR=1**
"""


def _statements(conn: sqlite3.Connection) -> list[str]:
    seen: list[str] = []
    conn.set_trace_callback(seen.append)
    return seen


def test_a_whole_import_of_decks_and_a_list_commits_once(
    store: Store, small_deck: Path, tmp_path: Path
) -> None:
    reading_list = write(tmp_path / "list.md", LIST)
    prepared = prepare_import([small_deck, reading_list])
    seen = _statements(store.repo.conn)
    lines = Collection(store).library.apply(prepared)
    store.repo.conn.set_trace_callback(None)
    assert len(lines) == 2
    transactions = [s for s in seen if s.split()[0] in ("BEGIN", "COMMIT", "ROLLBACK")]
    assert transactions == ["BEGIN IMMEDIATE", "COMMIT"]


def test_a_dry_run_rolls_everything_back(store: Store, small_deck: Path, tmp_path: Path) -> None:
    reading_list = write(tmp_path / "list.md", LIST)
    prepared = prepare_import([small_deck, reading_list])
    lines = Collection(store).library.apply(prepared, dry_run=True)
    assert any("would import deck toy" in line for line in lines)
    assert store.repo.conn.execute("SELECT count(*) FROM card").fetchone()[0] == 0
    assert store.repo.conn.execute("SELECT count(*) FROM paper").fetchone()[0] == 0


def test_units_join_and_an_error_rolls_the_outer_one_back(store: Store) -> None:
    conn = store.repo.conn
    with pytest.raises(RuntimeError), unit_of_work(conn):
        conn.execute("INSERT INTO meta(key, value) VALUES ('a', '1')")
        with unit_of_work(conn):  # joins: no second BEGIN
            conn.execute("INSERT INTO meta(key, value) VALUES ('b', '2')")
        raise RuntimeError("boom")
    assert conn.execute("SELECT count(*) FROM meta WHERE key IN ('a', 'b')").fetchone()[0] == 0
    with (
        pytest.raises(RuntimeError, match="cannot join a read-only"),
        unit_of_work(conn, write=False),
        unit_of_work(conn),
    ):
        pass
    assert not conn.in_transaction


def test_an_error_that_sqlite_rolled_back_itself_is_the_error_raised(store: Store) -> None:
    """A full disk, a full temp directory or an interrupt make SQLite roll the whole
    transaction back before unit_of_work sees the error: the error raised is that
    one, not the failed ROLLBACK's "no transaction is active"."""
    conn = store.repo.conn
    conn.execute("CREATE TEMP TABLE doomed (x)")
    conn.execute(
        "CREATE TEMP TRIGGER doom AFTER INSERT ON doomed "
        "BEGIN SELECT RAISE(ROLLBACK, 'the disk gave up'); END"
    )
    before = conn.execute("SELECT COUNT(*) FROM meta").fetchone()[0]
    with pytest.raises(sqlite3.IntegrityError, match="the disk gave up"), unit_of_work(conn):
        conn.execute("INSERT INTO meta (key, value) VALUES ('half', 'written')")
        conn.execute("INSERT INTO doomed VALUES (1)")
    assert not conn.in_transaction
    assert conn.execute("SELECT COUNT(*) FROM meta").fetchone()[0] == before
    with unit_of_work(conn):  # the connection is usable again
        conn.execute("INSERT INTO meta (key, value) VALUES ('after', 'ok')")
    assert conn.execute("SELECT value FROM meta WHERE key = 'after'").fetchone()[0] == "ok"
