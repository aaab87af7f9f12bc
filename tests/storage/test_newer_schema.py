"""A database from a newer studykb is refused with a plain sentence, and left untouched."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from studykb.app.store import open_store
from studykb.core.clock import FixedClock
from studykb.settings import Settings
from studykb.storage.db import SCHEMA_HEAD
from tests.conftest import START, run_cli


@pytest.mark.parametrize("revision", ["0099", "f00dcafe"])
def test_a_database_from_a_newer_studykb_names_both_schemas(
    revision: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "newer.db"
    open_store(db, clock=FixedClock(START), settings=Settings(), seed_bundled=False).close()
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("UPDATE alembic_version SET version_num = ?", (revision,))
    conn.close()
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    code, _out, err = run_cli(capsys, "--db", str(db), "status")
    assert code != 0 and "Traceback" not in err
    assert err.strip() == (
        f"studykb: error: {db} was made by a newer studykb (schema {revision}); "
        f"this one knows up to {SCHEMA_HEAD}"
    )
    assert "Can't locate revision" not in err
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before
    assert not (tmp_path / "backups").exists() or not any((tmp_path / "backups").iterdir())
