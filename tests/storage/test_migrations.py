from __future__ import annotations

import shutil
import sqlite3
from datetime import date
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine
from sqlmodel import SQLModel

import studykb.storage.tables  # noqa: F401
from studykb.app.store import open_store
from studykb.core.clock import FixedClock
from studykb.settings import Settings
from studykb.storage.db import SCHEMA_HEAD, alembic_config, connect, migrate, schema_version
from studykb.storage.tables import SCHEMA_HEAD as TABLES_HEAD

OLD_DB = Path(__file__).parent.parent / "data" / "studykb-v0001.db"


def test_schema_head_constant_is_alembics_head() -> None:
    script = ScriptDirectory.from_config(alembic_config())
    assert script.get_current_head() == SCHEMA_HEAD == TABLES_HEAD


def test_migrations_build_exactly_the_sqlmodel_schema(tmp_path: Path) -> None:
    path = tmp_path / "fresh.db"
    assert migrate(path) is True
    assert migrate(path) is False  # already at head: nothing runs
    engine = create_engine(f"sqlite:///{path}")
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    engine.dispose()
    # The FTS5 search tables (0009) and the shadow tables SQLite makes for them are
    # made by the migration alone: SQLModel cannot describe a virtual table. Every
    # other difference, card_rendered's included, still fails here.
    fts = ("card_fts", "card_rendered_fts")
    assert all(kind == "remove_table" and table.name.startswith(fts) for kind, table, *_ in diff), (
        diff
    )
    assert {table.name for _, table, *_ in diff} >= set(fts)


def test_upgrade_a_real_v0001_database_keeps_everything(tmp_path: Path, clock: FixedClock) -> None:
    path = tmp_path / "old.db"
    shutil.copy(OLD_DB, path)
    raw = sqlite3.connect(path)
    assert schema_version(raw) == "0001"
    raw.close()
    store = open_store(path, clock=clock, settings=Settings(), seed_bundled=False)
    try:
        repo = store.repo
        assert schema_version(repo.conn) == SCHEMA_HEAD
        card = repo.card(repo.find_card("old/a"))
        assert (card.state.repetitions, card.state.interval, card.state.due) == (
            2,
            6,
            date(2025, 6, 8),
        )
        assert len(repo.log_for_card(card.id)) == 2
        [paper] = repo.papers()
        assert (paper.status, paper.started_on, paper.note) == ("reading", date(2025, 6, 1), "")
        assert repo.check().ok
        # The columns 0002 added work.
        repo.set_paper_note(paper.id, "read §3 again")
        repo.bury(repo.find_card("old/b"))
    finally:
        store.close()


def test_connect_sets_wal_and_foreign_keys(tmp_path: Path) -> None:
    path = tmp_path / "x.db"
    migrate(path)
    conn = connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    conn.close()
    assert (path.stat().st_mode & 0o777) == 0o600


V0003_DB = Path(__file__).parents[1] / "data" / "studykb-v0003.db"


def test_a_database_of_the_previous_release_upgrades_with_nothing_lost(
    tmp_path: Path, clock: FixedClock
) -> None:
    """tests/data/studykb-v0003.db was written by the release before the log only
    grew (tests/data/make_v0003_db.py): states, log and reading status all survive,
    every log row gains its card's stable reference, and check proves it."""
    path = tmp_path / "v3.db"
    shutil.copy(V0003_DB, path)
    raw = sqlite3.connect(path)
    assert schema_version(raw) == "0003"
    before_states = raw.execute(
        "SELECT c.deck_id || '/' || c.key, s.repetitions, s.easiness_x100, s.interval, s.due, "
        "s.lapses, c.suspended FROM card c JOIN card_state s ON s.card_id = c.id ORDER BY c.id"
    ).fetchall()
    before_log = raw.execute(
        "SELECT uid, card_id, study_day, quality, kind FROM review_log ORDER BY seq"
    ).fetchall()
    raw.close()
    store = open_store(path, clock=clock, settings=Settings(), seed_bundled=False)
    try:
        repo = store.repo
        conn = repo.conn
        assert schema_version(conn) == SCHEMA_HEAD
        assert (
            conn.execute(
                "SELECT c.deck_id || '/' || c.key, s.repetitions, "
                "json_extract(s.state, '$.easiness_x100'), s.interval, s.due, s.lapses, "
                "c.suspended FROM card c JOIN card_state s ON s.card_id = c.id "
                "ORDER BY c.id"
            ).fetchall()
            == before_states
        )
        assert (
            conn.execute(
                "SELECT uid, card_id, study_day, quality, kind FROM review_log ORDER BY seq"
            ).fetchall()
            == before_log
        )
        refs = conn.execute(
            "SELECT r.card_ref, c.deck_id || '/' || c.key FROM review_log r "
            "JOIN card c ON c.id = r.card_id"
        ).fetchall()
        assert refs and all(ref == expected for ref, expected in refs)
        [paper] = repo.papers()
        assert paper.status == "reading"
        # 0006: the state found is described by seed events, so replay matches it.
        assert conn.execute("SELECT kind, target, value FROM event ORDER BY seq").fetchall() == [
            ("suspend", "toy/eq:c1", ""),
            ("paper_status", "paper:toy", "reading"),
        ]
        uid, at, offset = conn.execute("SELECT uid, at, utc_offset_minutes FROM event").fetchone()
        assert len(uid) == 32 and at.endswith("+00:00") and offset == 0
        # 0010: no card is flagged; the events written before it follow no answer.
        assert conn.execute("SELECT count(*) FROM card WHERE flagged = 1").fetchone() == (0,)
        assert conn.execute(
            "SELECT count(*) FROM event WHERE action IS NOT NULL OR after_answer IS NOT NULL"
        ).fetchone() == (0,)
        assert repo.check().ok
        repo.set_suspended(repo.find_card("toy/eq:c1"), False)
        assert repo.check().ok
        # Cards of the old database are edited, flagged and retired as events, and undo
        # takes back the newest action first, the unsuspend written above included.
        one = repo.find_card("toy/one")
        row = conn.execute("SELECT front, back FROM card WHERE id = ?", (one,)).fetchone()
        repo.set_flagged([one], True)
        repo.retire_cards([one])
        said = [repo.undo_last() for _ in range(3)]
        assert [u.sentence for u in said if u is not None] == [
            "Undone: retire of toy/one",
            "Undone: flag of toy/one",
            "Undone: unsuspend of toy/eq:c1",
        ]
        assert repo.check().ok
        assert conn.execute("SELECT front, back FROM card WHERE id = ?", (one,)).fetchone() == row
    finally:
        store.close()
