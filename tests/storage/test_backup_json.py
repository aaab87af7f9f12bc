"""studykb -> JSON -> studykb keeps everything."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

import pytest

from studykb.demo import DEMO_NOW, build_demo
from tests.conftest import run_cli

TABLES = {
    "paper": "SELECT slug, title, list_title, authors, year, url, worth_reading, section, "
    "description, after, position, status, status_changed_at, started_on, read_on, note "
    "FROM paper ORDER BY slug",
    "deck": "SELECT d.id, d.title, d.position, p.slug, d.content_hash, d.file_hash FROM deck d "
    "LEFT JOIN paper p ON p.id = d.paper_id ORDER BY d.id",
    "card": "SELECT c.deck_id, c.key, c.front, c.back, c.tags, c.source, c.suspended, "
    "c.retired_at, c.buried_until, s.repetitions, s.easiness_x100, s.interval, s.due, s.lapses "
    "FROM card c JOIN card_state s ON s.card_id = c.id ORDER BY c.deck_id, c.key",
    "log": "SELECT r.uid, c.deck_id || '/' || c.key, r.answered_at, r.utc_offset_minutes, "
    "r.study_day, r.quality, r.kind, r.answer_ms, r.before_due, r.after_due, r.after_interval "
    "FROM review_log r JOIN card c ON c.id = r.card_id ORDER BY r.seq",
}


def snapshot(db: Path) -> dict[str, list[tuple[object, ...]]]:
    conn = sqlite3.connect(db)
    try:
        return {name: conn.execute(sql).fetchall() for name, sql in TABLES.items()}
    finally:
        conn.close()


@pytest.fixture
def demo_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    db = tmp_path / "demo.db"
    store = build_demo(db, days=10)
    store.close()
    monkeypatch.setenv("STUDYKB_NOW", DEMO_NOW.isoformat())
    return db


def test_json_round_trip_restores_an_identical_database(
    demo_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "backup.json"
    code, text, err = run_cli(capsys, "--db", str(demo_db), "export", str(out))
    assert code == 0, err
    data = json.loads(out.read_text(encoding="utf-8"))
    assert (data["format"], data["version"]) == ("studykb-backup", 1)
    assert len(data["decks"]) == 10 and len(data["review_log"]) > 100

    new = tmp_path / "new.db"
    code, text, err = run_cli(capsys, "--db", str(new), "import", str(out))
    assert code == 0, err
    assert "backup: 11 papers, 10 decks" in text
    assert snapshot(new) == snapshot(demo_db)
    assert run_cli(capsys, "--db", str(new), "check")[0] == 0
    due_old = run_cli(capsys, "--db", str(demo_db), "due", "--json")[1]
    due_new = run_cli(capsys, "--db", str(new), "due", "--json")[1]
    assert due_old == due_new


def test_a_backup_only_goes_into_an_empty_database(
    demo_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "backup.json"
    run_cli(capsys, "--db", str(demo_db), "export", str(out))
    before = hashlib.sha256(demo_db.read_bytes()).hexdigest()
    code, _, err = run_cli(capsys, "--db", str(demo_db), "import", str(out))
    assert code == 2 and "empty database" in err
    assert hashlib.sha256(demo_db.read_bytes()).hexdigest() == before


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{not json", "not JSON"),
        (b'{"format": "other"}', "not a studykb JSON backup"),
        (b'{"format": "studykb-backup", "version": 9}', "this studykb reads 1"),
        (
            b'{"format": "studykb-backup", "version": 1, "papers": [], "decks": [], '
            b'"cards": [{"key": "x", "deck": "nope", "state": {}}], "review_log": []}',
            "inconsistent",
        ),
        (
            b'{"format": "studykb-backup", "version": 1, "papers": [{"slug": "a", "evil": 1}], '
            b'"decks": [], "cards": [], "review_log": []}',
            "unknown field",
        ),
    ],
)
def test_bad_backups_fail_cleanly(
    content: bytes, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_bytes(content)
    new = tmp_path / "fresh.db"
    code, _out, err = run_cli(capsys, "--db", str(new), "import", str(bad))
    assert code == 2 and message in err and "Traceback" not in err
    if new.exists():
        conn = sqlite3.connect(new)
        assert conn.execute("SELECT COUNT(*) FROM card").fetchone()[0] == 0
        conn.close()
