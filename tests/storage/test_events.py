"""Suspend, unsuspend, bury and a paper's status or note are events in a log that
only grows (architecture issue, item 4): written with the change, proved by check,
carried by JSON backups."""

from __future__ import annotations

import json
import re
import sqlite3
from datetime import date
from pathlib import Path

import pytest

from studykb.app.store import Store
from studykb.decks.toml_deck import read_decks
from tests.conftest import run_cli


def _events(conn: sqlite3.Connection) -> list[tuple[str, str, str]]:
    return conn.execute("SELECT kind, target, value FROM event ORDER BY seq").fetchall()


def test_suspend_then_unsuspend_leaves_two_events_and_check_ok(
    store: Store, small_deck: Path
) -> None:
    repo = store.repo
    repo.import_decks(read_decks([small_deck]))
    one = repo.find_card("toy/one")
    repo.set_suspended(one)
    repo.set_suspended(one)  # no change: no event
    repo.set_suspended(one, False)
    assert _events(repo.conn) == [("suspend", "toy/one", ""), ("unsuspend", "toy/one", "")]
    uids, days, moments = zip(
        *repo.conn.execute("SELECT uid, study_day, at FROM event ORDER BY seq"), strict=True
    )
    assert all(len(uid) == 32 for uid in uids) and len(set(uids)) == 2
    assert set(days) == {"2026-01-05"}
    assert moments[0] == "2026-01-05T09:00:00.000+00:00"
    assert not repo.card(one).suspended
    assert repo.check().ok


def test_bury_and_paper_status_and_note_are_events(store: Store, small_deck: Path) -> None:
    repo = store.repo
    repo.import_decks(read_decks([small_deck]))
    until = repo.bury(repo.find_card("toy/two"))
    assert until == date(2026, 1, 6)
    paper = repo.find_paper("toy")
    slug = repo.conn.execute("SELECT slug FROM paper WHERE id = ?", (paper,)).fetchone()[0]
    repo.set_paper_status(paper, "reading")
    repo.set_paper_status(paper, "reading")  # no change: no event
    repo.set_paper_note(paper, "see §2")
    assert _events(repo.conn) == [
        ("bury", "toy/two", "2026-01-06"),
        ("paper_status", f"paper:{slug}", "reading"),
        ("paper_note", f"paper:{slug}", "see §2"),
    ]
    assert repo.check().ok


def test_a_flag_changed_behind_studykbs_back_is_found_and_repaired(
    store: Store, small_deck: Path
) -> None:
    repo = store.repo
    repo.import_decks(read_decks([small_deck]))
    paper = repo.find_paper("toy")
    repo.set_paper_status(paper, "read")
    repo.conn.execute("UPDATE card SET suspended = 1 WHERE key = 'one'")
    repo.conn.execute("UPDATE card SET buried_until = '2026-02-01' WHERE key = 'two'")
    repo.conn.execute("UPDATE paper SET status = 'unread', note = 'x' WHERE id = ?", (paper,))
    report = repo.check()
    assert not report.ok
    assert [p for p in report.problems if "toy/" in p] == [
        "toy/one: suspended is 1 but its events say 0",
        "toy/two: buried_until is '2026-02-01' but its events say None",
    ]
    assert any("status is 'unread' but its events say 'read'" in p for p in report.problems)
    assert any("note is 'x' but its events say ''" in p for p in report.problems)
    assert len(report.problems) == 4
    repaired = repo.check(repair=True)
    assert repaired.repaired == 4
    assert repo.check().ok
    assert not repo.card(repo.find_card("toy/one")).suspended
    assert repo.conn.execute("SELECT buried_until FROM card WHERE key = 'two'").fetchone() == (
        None,
    )
    [row] = [p for p in repo.papers() if p.id == paper]
    assert (row.status, row.note) == ("read", "")


def test_a_suspension_carried_over_from_anki_is_an_event(store: Store, small_deck: Path) -> None:
    from studykb.core.scheduler import Sm2State
    from studykb.decks.anki_import import AnkiSchedule

    repo = store.repo
    repo.import_decks(read_decks([small_deck]))
    schedule = AnkiSchedule(state=Sm2State(), learning=False, suspended=True)
    assert repo.carry_over_schedules({("toy", "two"): schedule}) == (0, 0)
    assert _events(repo.conn) == [("suspend", "toy/two", "")]
    assert repo.card(repo.find_card("toy/two")).suspended
    assert repo.check().ok


@pytest.fixture
def source_db(
    tmp_path: Path,
    small_deck: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Path:
    """A database with every kind of event, made through the CLI."""
    db = tmp_path / "source.db"
    monkeypatch.setenv("STUDYKB_DB", str(db))
    monkeypatch.setenv("STUDYKB_NO_BUNDLED", "1")
    monkeypatch.setenv("STUDYKB_NOW", "2026-01-05T10:00:00+01:00")
    assert run_cli(capsys, "import", str(small_deck))[0] == 0
    from studykb.app.store import open_store

    store = open_store(db, seed_bundled=False)
    try:
        repo = store.repo
        repo.set_suspended(repo.find_card("toy/one"))
        repo.set_suspended(repo.find_card("toy/two"))
        repo.set_suspended(repo.find_card("toy/two"), False)
        repo.bury(repo.find_card("toy/eq:c1"))
        paper = repo.find_paper("toy")
        repo.set_paper_status(paper, "reading")
        repo.set_paper_note(paper, "again")
    finally:
        store.close()
    monkeypatch.delenv("STUDYKB_DB")
    return db


def _all_events(db: Path) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(
            "SELECT uid, at, utc_offset_minutes, study_day, kind, target, value "
            "FROM event ORDER BY seq"
        ).fetchall()
    finally:
        conn.close()


def test_a_json_backup_keeps_the_events(
    source_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "backup.json"
    assert run_cli(capsys, "--db", str(source_db), "export", str(out))[0] == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert [e["kind"] for e in data["events"]] == [
        "suspend",
        "suspend",
        "unsuspend",
        "bury",
        "paper_status",
        "paper_note",
    ]
    new = tmp_path / "new.db"
    code, _, err = run_cli(capsys, "--db", str(new), "import", str(out))
    assert code == 0, err
    assert _all_events(new) == _all_events(source_db)
    assert run_cli(capsys, "--db", str(new), "check")[0] == 0


def test_a_backup_from_before_events_imports_with_seed_events(
    source_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "backup.json"
    assert run_cli(capsys, "--db", str(source_db), "export", str(out))[0] == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    del data["events"]
    out.write_text(json.dumps(data), encoding="utf-8")
    new = tmp_path / "new.db"
    code, _, err = run_cli(capsys, "--db", str(new), "import", str(out))
    assert code == 0, err
    seeded = _all_events(new)
    slug = data["papers"][0]["slug"]
    assert [row[4:] for row in seeded] == [
        ("suspend", "toy/one", ""),
        ("bury", "toy/eq:c1", "2026-01-06"),
        ("paper_status", f"paper:{slug}", "reading"),
        ("paper_note", f"paper:{slug}", "again"),
    ]
    # Dated when the backup was made.
    assert {row[1:4] for row in seeded} == {("2026-01-05T09:00:00.000+00:00", 60, "2026-01-05")}
    code, text, err = run_cli(capsys, "--db", str(new), "check")
    assert code == 0, text + err


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (
            lambda d: d["cards"][1].update(suspended=1),
            "cards[1] (toy/two): suspended: 1 differs from the replay of its events 0",
        ),
        (
            lambda d: d["cards"][0].update(buried_until="2026-01-09"),
            "cards[0] (toy/one): buried_until: differs from the replay of its events",
        ),
        (
            lambda d: d["events"][0].update(target="toy/nope"),
            "events[0] (event {uid}): target: no card 'toy/nope' in this backup",
        ),
        (
            lambda d: d["events"][4].update(target="paper:nope"),
            "events[4] (event {uid}): target: no paper nope in this backup",
        ),
        (
            lambda d: d["events"][3].update(value="soon"),
            "events[3] (event {uid}): value: a bury event's value is the day",
        ),
        (
            lambda d: d["events"][4].update(value="done"),
            "events[4] (event {uid}): value: a paper_status event's value is",
        ),
        (lambda d: d["events"][0].update(kind="delete"), "events[0] (event {uid}): kind:"),
        (lambda d: d["events"][0].update(study_day="2026-02-30"), "study_day: must be a date"),
        (lambda d: d["events"].append(dict(d["events"][0])), "uid: appears twice"),
    ],
)
def test_a_backups_events_are_validated(
    source_db: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    mutate: object,
    message: str,
) -> None:
    out = tmp_path / "backup.json"
    assert run_cli(capsys, "--db", str(source_db), "export", str(out))[0] == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert callable(mutate)
    mutate(data)
    out.write_text(json.dumps(data), encoding="utf-8")
    new = tmp_path / "new.db"
    code, _, err = run_cli(capsys, "--db", str(new), "import", str(out))
    named = re.search(r"events\[(\d)\]", message)
    uid = data["events"][int(named.group(1))]["uid"] if named else ""
    assert code == 2 and message.replace("{uid}", uid) in err, err
    assert not new.exists() or _all_events(new) == []


@pytest.mark.parametrize("exported_at", ["0001-01-01T00:00+01:00", "2026-01-05T10:00", None])
def test_an_old_backup_made_at_any_moment_imports(
    exported_at: str | None,
    source_db: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Seed events are dated when the backup was made, else now (never a crash)."""
    out = tmp_path / "backup.json"
    assert run_cli(capsys, "--db", str(source_db), "export", str(out))[0] == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    del data["events"]
    data["exported_at"] = exported_at
    out.write_text(json.dumps(data), encoding="utf-8")
    new = tmp_path / "new.db"
    code, _, err = run_cli(capsys, "--db", str(new), "import", str(out))
    assert code == 0, err
    assert len(_all_events(new)) == 4
    assert run_cli(capsys, "--db", str(new), "check")[0] == 0
