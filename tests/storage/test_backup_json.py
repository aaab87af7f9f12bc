"""studykb -> JSON -> studykb keeps everything."""

from __future__ import annotations

import copy
import hashlib
import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

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
    "c.retired_at, c.buried_until, s.repetitions, s.state, s.scheduler, s.interval, s.due, s.lapses, s.due_at "
    "FROM card c JOIN card_state s ON s.card_id = c.id ORDER BY c.deck_id, c.key",
    "log": "SELECT r.uid, c.deck_id || '/' || c.key, r.answered_at, r.utc_offset_minutes, "
    "r.study_day, r.quality, r.kind, r.answer_ms, r.before_due, r.after_due, r.after_interval, "
    "r.scheduler, r.before_state, r.after_state "
    "FROM review_log r JOIN card c ON c.id = r.card_id ORDER BY r.seq",
    "event": "SELECT uid, at, utc_offset_minutes, study_day, kind, target, value FROM event "
    "ORDER BY seq",
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


def test_a_backup_from_before_scheduler_neutral_states_restores_the_same_database(
    demo_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Backups written before schema 0007 gave SM-2's easiness as columns; they
    restore to what migration 0007 makes of the same data."""
    out = tmp_path / "backup.json"
    assert run_cli(capsys, "--db", str(demo_db), "export", str(out))[0] == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    data["schema"] = "0006"
    for card in data["cards"]:
        state = card["state"]
        assert state.pop("scheduler") == "sm2" and state.pop("due_at") is None
        state["easiness_x100"] = json.loads(state.pop("state"))["easiness_x100"]
    for row in data["review_log"]:
        assert row.pop("scheduler") == "sm2"
        for side in ("before_", "after_"):
            row[side + "easiness_x100"] = json.loads(row.pop(side + "state"))["easiness_x100"]
    old = tmp_path / "old-format.json"
    old.write_text(json.dumps(data), encoding="utf-8")
    new = tmp_path / "new.db"
    code, _, err = run_cli(capsys, "--db", str(new), "import", str(old))
    assert code == 0, err
    assert snapshot(new) == snapshot(demo_db)
    assert run_cli(capsys, "--db", str(new), "check")[0] == 0


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
            b'"cards": [{"key": "x", "note_key": "x", "kind": "basic", "front": "f", "back": "b", '
            b'"deck": "nope", "state": {}}], "review_log": []}',
            "cards[0] (nope/x): deck: no deck 'nope' in this backup",
        ),
        (
            b'{"format": "studykb-backup", "version": 1, "papers": [{"slug": "a", "title": "A", '
            b'"url": "https://a.org", "url_key": "a.org", "evil": 1}], '
            b'"decks": [], "cards": [], "review_log": []}',
            "papers[0] (a): evil: unknown field",
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


# ---------------------------------------------------------------- hostile backups


@pytest.fixture(scope="module")
def small_backup_data(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return small_backup(tmp_path_factory.mktemp("small-backup"))


def small_backup(tmp_path: Path) -> dict[str, Any]:
    """A real backup of a small history: a deck with a paper, reviews, a lapse, a drill."""
    from datetime import timedelta

    from studykb.app.exports import write_json_backup
    from studykb.app.library import apply_import, prepare_import
    from studykb.app.store import open_store
    from studykb.core.clock import FixedClock
    from studykb.settings import Settings
    from tests.conftest import SMALL_DECK, START, write

    clock = FixedClock(START)
    store = open_store(tmp_path / "source.db", clock=clock, settings=Settings(), seed_bundled=False)
    try:
        apply_import(store.repo, prepare_import([write(tmp_path / "toy.toml", SMALL_DECK)]))
        ids = {
            key: int(cid)
            for cid, key in store.repo.conn.execute("SELECT id, key FROM card ORDER BY id")
        }
        store.repo.answer(ids["one"], 5)
        store.repo.answer(ids["two"], 2)
        store.repo.answer(ids["two"], 4)  # the same day: a drill
        clock.advance(timedelta(days=1))
        store.repo.answer(ids["one"], 4)
        # Events too, so that hostile backups mutate them as well.
        store.repo.set_suspended(ids["two"])
        store.repo.set_suspended(ids["two"], False)
        store.repo.set_suspended(ids["one"])
        store.repo.bury(ids["one"])
        store.repo.set_paper_status(store.repo.find_paper("toy"), "reading")
        out = tmp_path / "small-backup.json"
        write_json_backup(store, out)
    finally:
        store.close()
    data: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    assert len(data["cards"]) == 4 and len(data["review_log"]) == 4
    assert len(data["events"]) == 5
    return data


def _card(data: dict[str, Any], key: str) -> dict[str, Any]:
    return next(c for c in data["cards"] if c["key"] == key)


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """A mutation: put ``value`` at a dotted path (list items by index, cards by key)."""

    def mutate(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = data
        for part in parents:
            if isinstance(node, list):
                node = node[int(part)] if part.isdigit() else _card({"cards": node}, part)
            else:
                node = node[part]
        node[last] = value

    return mutate


def _first_answer_of_one(data: dict[str, Any]) -> None:
    data["review_log"][0]["after_interval"] = 3


def _duplicate_uid(data: dict[str, Any]) -> None:
    data["review_log"][1]["uid"] = data["review_log"][0]["uid"]


def _seq_dropped(data: dict[str, Any]) -> None:
    del data["review_log"][0]["seq"]


def _seqs_swapped(data: dict[str, Any]) -> None:
    log = data["review_log"]
    log[0]["seq"], log[1]["seq"] = log[1]["seq"], log[0]["seq"]


BAD_BACKUPS: list[tuple[str, Callable[[dict[str, Any]], None], str]] = [
    ("due-not-a-date", _set("cards.one.state.due", "not-a-date"), "cards[0] (toy/one): state.due"),
    ("state-not-json", _set("cards.one.state.state", "abc"), "state.state: must be a JSON object"),
    ("easiness-text", _set("cards.one.state.easiness_x100", "abc"), "state.easiness_x100"),
    ("unknown-scheduler", _set("cards.one.state.scheduler", "xyz"), "unknown scheduler 'xyz'"),
    ("quality-99", _set("review_log.0.quality", 99), "review_log[0] (answer "),
    ("tags-not-a-list", _set("cards.two.tags", '"x"'), "cards[1] (toy/two): tags: must be"),
    ("tags-a-number", _set("cards.two.tags", 5), "cards[1] (toy/two): tags"),
    ("tags-bad-json", _set("cards.two.tags", "[not json"), "cards[1] (toy/two): tags"),
    ("evil-deck-id", _set("decks.0.id", "../../evil [@click=app.quit]x[/]"), "decks[0]: id"),
    ("evil-card-deck", _set("cards.one.deck", "../x"), "cards[0]: deck"),
    ("meta-a-list", _set("meta", ["x"]), "meta: Input should be a valid dictionary"),
    ("meta-huge", _set("meta", {"n": 2**70}), "meta.n: Input should be a valid string"),
    ("position-huge", _set("cards.one.position", 2**70), "cards[0] (toy/one): position"),
    ("interval-negative", _set("cards.one.state.interval", -1), "state.interval"),
    ("answered-at-naive", _set("review_log.0.answered_at", "2026-01-05T10:00:00"), "answered_at"),
    ("study-day-bad", _set("review_log.0.study_day", "2026-02-30"), "study_day"),
    ("kind-unknown", _set("review_log.0.kind", "cheat"), "kind"),
    ("control-in-title", _set("decks.0.title", "a\x1b[31mb"), "decks[0] (toy): title"),
    ("front-too-long", _set("cards.one.front", "x" * 20_001), "front: String should have at most"),
    ("status-unknown", _set("papers.0.status", "skimmed"), "papers[0] (toy): status"),
    ("state-not-replayed", _set("cards.one.state.interval", 40), "cards[0] (toy/one): state: "),
    ("log-not-replayed", _first_answer_of_one, "review_log[0] (card toy/one): recorded state"),
    ("unknown-card", _set("review_log.0.card", "toy/nope"), "card: no card 'toy/nope'"),
    ("duplicate-uid", _duplicate_uid, "uid: appears twice"),
    ("cloze-mismatch", _set("cards.eq:c1.cloze_number", 7), "cards[2] (toy/eq:c1): key"),
    ("settings-a-list", _set("settings", []), "settings: Input should be a valid dictionary"),
    ("seq-dropped", _seq_dropped, "review_log[0]: seq: missing (the other rows have one)"),
    ("seqs-swapped", _seqs_swapped, "review_log[1]: seq: not after the row before it"),
]


@pytest.mark.parametrize(
    ("mutate", "where"), [b[1:] for b in BAD_BACKUPS], ids=[b[0] for b in BAD_BACKUPS]
)
def test_a_backup_with_wrong_values_is_refused_naming_file_row_and_field(
    mutate: Callable[[dict[str, Any]], None],
    where: str,
    small_backup_data: dict[str, Any],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from studykb.app.store import open_store

    data = copy.deepcopy(small_backup_data)
    mutate(data)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data), encoding="utf-8")
    new = tmp_path / "empty.db"
    open_store(new, seed_bundled=False).close()
    before = hashlib.sha256(new.read_bytes()).hexdigest()
    code, _out, err = run_cli(capsys, "--db", str(new), "import", str(bad))
    assert code == 2, err
    lines = err.splitlines()
    assert lines and all(line.startswith(f"studykb: error: {bad}: ") for line in lines), err
    assert any(where in line for line in lines), err
    assert "Traceback" not in err
    assert hashlib.sha256(new.read_bytes()).hexdigest() == before


def test_the_row_models_name_only_real_columns() -> None:
    from studykb.storage import backup_check

    for model, table, local in backup_check._SECTIONS.values():
        references = {"paper", "deck", "state", "card"} | backup_check.LEGACY_FIELDS
        columns = backup_check._table_columns(table) - local
        assert set(model.model_fields) - references <= columns, model
    from studykb.storage.tables import CardState

    state_columns = {c.name for c in CardState.__table__.columns}  # type: ignore[attr-defined]
    assert set(backup_check.StateRow.model_fields) - backup_check.LEGACY_FIELDS == state_columns - {
        "card_id"
    }


def test_a_column_without_a_model_field_is_still_checked_as_a_plain_value(
    small_backup_data: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A column added by a later migration is restored, never trusted blindly."""
    from studykb.errors import BadInputError
    from studykb.storage import backup_check

    paper_row: type[backup_check._Row] = backup_check.PaperRow
    monkeypatch.setitem(backup_check._FIELDS, paper_row, backup_check._FIELDS[paper_row] - {"note"})
    data = copy.deepcopy(small_backup_data)
    del data["events"]  # a note is an event too: here, one from before events
    data["papers"][0]["note"] = "kept"
    assert backup_check.validate_backup(data)["papers"][0]["note"] == "kept"
    data["papers"][0]["note"] = 2**70
    with pytest.raises(BadInputError) as refused:
        backup_check.validate_backup(data)
    assert refused.value.problems == ["papers[0] (toy): note: number too large"]


def test_a_key_with_a_newline_is_named_on_one_line(tmp_path: Path) -> None:
    """Found by the hostile-backup properties: a meta key is part of the error's place."""
    from studykb.app.library import prepare_import
    from studykb.errors import BadInputError

    backup = tmp_path / "b.json"
    backup.write_text('{"format": "studykb-backup", "version": 1, "meta": {"\\n\\u001b[2J": 0}}')
    with pytest.raises(BadInputError) as caught:
        prepare_import([backup])
    assert caught.value.problems
    assert all("\n" not in p and "\x1b" not in p for p in caught.value.problems)
