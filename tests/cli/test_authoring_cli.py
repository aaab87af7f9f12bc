"""The command line for writing cards (issue 12): add, edit (fields or $EDITOR),
retire, flag, unflag, card, cards --flagged/--leech, undo, import --theirs and
export OUT.toml; asserted on the database, and `check` passes after each."""

from __future__ import annotations

import json
import sqlite3
import stat
import sys
from pathlib import Path

import pytest

from tests.conftest import run_cli


@pytest.fixture
def db(
    tmp_path: Path,
    small_deck: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> str:
    monkeypatch.setenv("STUDYKB_NO_BUNDLED", "1")
    monkeypatch.setenv("STUDYKB_NOW", "2026-01-05T10:00:00+01:00")
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.delenv("EDITOR", raising=False)
    path = str(tmp_path / "cards.db")
    code, _, err = run_cli(capsys, "--db", path, "import", str(small_deck))
    assert code == 0, err
    return path


def _ok(capsys: pytest.CaptureFixture[str], db: str, *args: str) -> str:
    code, out, err = run_cli(capsys, "--db", db, *args)
    assert code == 0, err
    code, check, err = run_cli(capsys, "--db", db, "check")
    assert code == 0, check + err
    return out


def _card(db: str, key: str) -> tuple[object, ...]:
    conn = sqlite3.connect(db)
    try:
        row = conn.execute(
            "SELECT front, back, tags, source, flagged, retired_at IS NOT NULL FROM card "
            "WHERE deck_id = 'toy' AND key = ?",
            (key,),
        ).fetchone()
        assert row is not None
        return tuple(row)
    finally:
        conn.close()


def test_add_prints_the_new_reference(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    out = _ok(
        capsys, db, "add", "toy", "--front", "What is $x$?", "--back", "A letter.",
        "--tags", "a,b", "--source", "§4",
    )  # fmt: skip
    ref = out.strip()
    assert ref.startswith("toy/u-")
    assert _card(db, ref.split("/")[1]) == ("What is $x$?", "A letter.", '["a", "b"]', "§4", 0, 0)
    assert _ok(capsys, db, "undo").strip() == f"Undone: add of {ref}"
    assert _card(db, ref.split("/")[1])[5] == 1


def test_edit_with_fields_keeps_the_log(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    _ok(capsys, db, "answer", "toy/one", "4")
    out = _ok(capsys, db, "edit", "toy/one", "--front", "Question one, fixed?", "--tags", "x")
    assert out.strip() == "Edited toy/one"
    assert _card(db, "one")[:4] == ("Question one, fixed?", "Answer one.", '["x"]', "§1")
    history = json.loads(_ok(capsys, db, "card", "toy/one", "--json"))["history"]
    assert [(h["study_day"], h["grade"], h["interval_after"], h["kind"]) for h in history] == [
        ("2026-01-05", 4, 1, "review")
    ]
    text = _ok(capsys, db, "card", "toy/one")
    assert "2026-01-05" in text and "review" in text and "Question one, fixed?" in text
    assert _ok(capsys, db, "undo").strip() == "Undone: edit of toy/one"
    assert _ok(capsys, db, "undo").strip() == "Undone: answer to toy/one (grade 4)"
    assert _ok(capsys, db, "undo").strip() == "Nothing to undo."


def _editor(tmp_path: Path, script: str) -> str:
    """An $EDITOR: a Python script run on the file (a counter says which run it is)."""
    path = tmp_path / "editor.py"
    path.write_text(
        "import sys, pathlib\n"
        "p = pathlib.Path(sys.argv[1])\n"
        f"runs = pathlib.Path({str(tmp_path / 'runs')!r})\n"
        "n = int(runs.read_text()) + 1 if runs.exists() else 1\n"
        "runs.write_text(str(n))\n"
        "text = p.read_text()\n" + script
    )
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return f"{sys.executable} {path}"


def test_edit_in_the_editor_reopens_a_bad_edit_with_the_error(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(
        "EDITOR",
        _editor(
            tmp_path,
            "if n == 1:\n"
            "    p.write_text(text.replace('Question one?', ''))\n"
            "else:\n"
            "    assert text.startswith('# error: toy/one:'), text\n"
            "    p.write_text(text.replace('front = \"\"', 'front = \"Fixed in the editor?\"'))\n",
        ),
    )
    out = _ok(capsys, db, "edit", "toy/one")
    assert out.strip() == "Edited toy/one"
    assert (tmp_path / "runs").read_text() == "2"
    assert _card(db, "one")[0] == "Fixed in the editor?"


def test_a_bad_edit_left_as_it_was_gives_up_instead_of_reopening_forever(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The editor breaks the card, then quits twice without touching the file: the
    # second round is the user giving up, not a new edit to check again.
    monkeypatch.setenv(
        "EDITOR",
        _editor(tmp_path, "if n == 1:\n    p.write_text(text.replace('Question one?', ''))\n"),
    )
    code, _, err = run_cli(capsys, "--db", db, "edit", "toy/one")
    assert code == 2
    assert (tmp_path / "runs").read_text() == "2"
    assert "front" in err and "nothing saved to toy/one" in err
    assert _card(db, "one")[0] == "Question one?"
    assert _ok(capsys, db, "undo").strip() == "Nothing to undo."


@pytest.mark.parametrize("script", ["pass\n", "p.write_text('# nothing\\n')\n"])
def test_an_unchanged_or_emptied_file_cancels(
    db: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    script: str,
) -> None:
    monkeypatch.setenv("VISUAL", _editor(tmp_path, script))
    assert _ok(capsys, db, "edit", "toy/one").strip() == "No change to toy/one."
    assert _card(db, "one")[0] == "Question one?"
    assert _ok(capsys, db, "undo").strip() == "Nothing to undo."


def test_retire_flag_unflag_and_the_filters(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert _ok(capsys, db, "flag", "toy/one", "toy/two").strip() == "flagged 2 cards"
    assert _ok(capsys, db, "unflag", "toy/two").strip() == "unflagged 1 card"
    rows = json.loads(_ok(capsys, db, "cards", "--flagged", "--json"))
    assert [(r["ref"], r["flagged"]) for r in rows] == [("toy/one", True)]
    assert json.loads(_ok(capsys, db, "cards", "--leech", "--json")) == []
    assert _ok(capsys, db, "retire", "toy/two").strip() == "retired 1 card"
    refs = [line.split()[0] for line in _ok(capsys, db, "cards").splitlines()]
    assert "toy/two" not in refs
    assert _ok(capsys, db, "undo").strip() == "Undone: retire of toy/two"
    assert _ok(capsys, db, "undo").strip() == "Undone: unflag of toy/two"
    assert _card(db, "two")[4:] == (1, 0)


@pytest.mark.parametrize(
    "args",
    [
        ("retire", "toy/nope"),
        ("flag", "nope/one"),
        ("edit", "toy/nope", "--front", "x"),
        ("add", "nope", "--front", "a", "--back", "b"),
        ("add", "toy", "--front", "", "--back", "b"),
        ("add", "toy", "--back", "b"),
        ("edit", "toy/one", "--back", "$unbalanced"),
        ("card", "toy/nope"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    db: str, capsys: pytest.CaptureFixture[str], args: tuple[str, ...]
) -> None:
    before = Path(db).read_bytes()
    code, out, err = run_cli(capsys, "--db", db, *args)
    assert (code, out) == (2, "")
    assert len(err.splitlines()) == 1 and err.startswith("studykb: error: ")
    assert Path(db).read_bytes() == before


def test_edit_without_an_editor_says_how(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(capsys, "--db", db, "edit", "toy/one")
    assert code == 2 and "$EDITOR" in err


def test_import_keeps_your_version_and_theirs_takes_the_files(
    db: str, small_deck: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _ok(capsys, db, "edit", "toy/one", "--back", "My answer.")
    out = _ok(capsys, db, "import", str(small_deck))
    assert "kept your version: toy/one" in out
    assert _card(db, "one")[1] == "My answer."
    out = _ok(capsys, db, "import", "--theirs", str(small_deck))
    assert "kept your version" not in out and "1 updated" in out
    assert _card(db, "one")[1] == "Answer one."
    assert _ok(capsys, db, "undo").strip() == "Undone: edit of toy/one"
    assert _card(db, "one")[1] == "My answer."


def test_export_toml_imports_back_the_same(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _ok(capsys, db, "edit", "toy/one", "--back", "Mine,\nwith $\\alpha$.")
    _ok(capsys, db, "add", "toy", "--front", "F", "--back", "B", "--kind", "reversed")
    out_file = tmp_path / "toy.toml"
    out = _ok(capsys, db, "export", str(out_file), "--deck", "toy")
    assert out.strip() == f"exported deck toy: 4 notes to {out_file}"
    assert "reversed = true" in out_file.read_text()
    other = str(tmp_path / "other.db")
    _ok(capsys, other, "import", str(out_file))
    query = (
        "SELECT key, note_key, kind, cloze_number, front, back, tags, source FROM card ORDER BY key"
    )
    a, b = sqlite3.connect(db), sqlite3.connect(other)
    try:
        assert a.execute(query).fetchall() == b.execute(query).fetchall()
    finally:
        a.close()
        b.close()
    # And into the same database: nothing changes.
    assert "0 added, 0 updated, 6 unchanged, 0 retired" in _ok(capsys, db, "import", str(out_file))
    code, _, err = run_cli(capsys, "--db", db, "export", str(tmp_path / "all.toml"))
    assert code == 2 and "--deck" in err


def test_answer_practice_changes_no_schedule(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    out = _ok(capsys, db, "answer", "toy/one", "2", "--practice")
    assert out.startswith("practice ")
    assert json.loads(_ok(capsys, db, "due", "--json"))["new"] == 4
    history = json.loads(_ok(capsys, db, "card", "toy/one", "--json"))["history"]
    assert [(h["grade"], h["kind"]) for h in history] == [(2, "practice")]
    assert _ok(capsys, db, "undo").strip() == "Undone: practice answer to toy/one (grade 2)"


def test_tag_adds_and_removes_and_undo_takes_it_back(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    out = _ok(capsys, db, "tag", "toy/one", "toy/two", "--add", "a,b")
    assert out.strip() == "retagged 2 cards"
    assert _ok(capsys, db, "tag", "toy/two", "--remove", "a").strip() == "retagged 1 card"
    rows = {r["ref"]: r["tags"] for r in json.loads(_ok(capsys, db, "cards", "--json"))}
    assert rows["toy/one"] == ["a", "b"] and rows["toy/two"] == ["b"]
    assert _ok(capsys, db, "undo").strip() == "Undone: edit of toy/two"
    assert _ok(capsys, db, "undo").strip() == "Undone: edit of 2 cards"
    rows = {r["ref"]: r["tags"] for r in json.loads(_ok(capsys, db, "cards", "--json"))}
    assert rows["toy/one"] == [] and rows["toy/two"] == []


@pytest.mark.parametrize(
    "args",
    [
        ("tag", "toy/one", "--add", "bad tag"),
        ("tag", "toy/one"),
        ("tag", "toy/nope", "--add", "a"),
    ],
)
def test_bad_tag_input_is_one_line_and_exit_2(
    db: str, capsys: pytest.CaptureFixture[str], args: tuple[str, ...]
) -> None:
    before = Path(db).read_bytes()
    code, out, err = run_cli(capsys, "--db", db, *args)
    assert (code, out) == (2, "")
    assert len(err.splitlines()) == 1 and err.startswith("studykb: error: "), err
    assert Path(db).read_bytes() == before


def test_reset_puts_cards_back_to_new_and_undo_takes_it_back(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _ok(capsys, db, "answer", "toy/one", "4")
    _ok(capsys, db, "answer", "toy/two", "4")
    assert _ok(capsys, db, "reset", "toy/one", "toy/two").strip() == "reset 2 cards to new"
    rows = {r["ref"]: r["state"] for r in json.loads(_ok(capsys, db, "cards", "--json"))}
    assert rows["toy/one"] == rows["toy/two"] == "new"
    history = json.loads(_ok(capsys, db, "card", "toy/one", "--json"))["history"]
    assert [a["kind"] for a in history] == ["review", "reset"]
    assert _ok(capsys, db, "check")
    assert _ok(capsys, db, "undo").strip() == "Undone: reset of 2 cards"
    rows = {r["ref"]: r["state"] for r in json.loads(_ok(capsys, db, "cards", "--json"))}
    assert rows["toy/one"] != "new" and rows["toy/two"] != "new"


def test_reset_of_an_unknown_card_is_one_line_and_exit_2(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _ok(capsys, db, "answer", "toy/one", "4")
    before = Path(db).read_bytes()
    code, out, err = run_cli(capsys, "--db", db, "reset", "toy/one", "toy/nope")
    assert (code, out) == (2, "")
    assert len(err.splitlines()) == 1 and err.startswith("studykb: error: "), err
    assert "toy/nope" in err
    assert Path(db).read_bytes() == before
