"""Hostile and odd Anki packages, made by hand (no Anki needed): every one ends in one
clear line and exit 2 with the database unchanged, or in a correct import."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from studykb.decks.anki_import import read_anki_package
from studykb.decks.schema import ID_PATTERN, MAX_CARDS_PER_FILE, MAX_FIELD_CHARS
from studykb.errors import BadInputError
from tests.conftest import run_cli

BASIC, REVERSED, CLOZE = 1, 2, 3
MODELS = {
    str(BASIC): {"name": "Basic", "type": 0, "flds": [{"name": "Front"}, {"name": "Back"}]},
    str(REVERSED): {
        "name": "Basic (and reversed card)",
        "type": 0,
        "flds": [{"name": "Front"}, {"name": "Back"}],
    },
    str(CLOZE): {"name": "Cloze", "type": 1, "flds": [{"name": "Text"}, {"name": "Back Extra"}]},
}
# (guid, note type, fields, Anki deck id); a card row each is made from it.
Note = tuple[Any, Any, Sequence[str], Any]


def make_package(
    path: Path,
    notes: Sequence[Note],
    *,
    decks: dict[str, str] | None = None,
    models: Any = None,
    crt: Any = 1_700_000_000,
    cards: Sequence[tuple[Any, ...]] | None = None,
    tweak: Callable[[sqlite3.Connection], None] | None = None,
) -> Path:
    """A legacy .apkg (collection.anki2) with Anki's column names, built with sqlite3.
    ``cards`` rows are (nid, ord, type, queue, due, ivl, factor, reps, lapses)."""
    db = path.with_suffix(".anki2")
    conn = sqlite3.connect(db)
    conn.executescript(
        """
        CREATE TABLE col (id integer PRIMARY KEY, crt integer, models text, decks text);
        CREATE TABLE notes (id integer PRIMARY KEY, guid text, mid integer, tags text, flds text);
        CREATE TABLE cards (id integer PRIMARY KEY, nid integer, did integer, ord integer,
            type integer, queue integer, due integer, ivl integer, factor integer,
            reps integer, lapses integer);
        """
    )
    conn.execute(
        "INSERT INTO col VALUES (1, ?, ?, ?)",
        (
            crt,
            models if isinstance(models, str) else json.dumps(models or MODELS),
            json.dumps({i: {"name": n} for i, n in (decks or {"1": "Default"}).items()}),
        ),
    )
    for nid, (guid, mid, fields, did) in enumerate(notes, start=1):
        conn.execute(
            "INSERT INTO notes VALUES (?, ?, ?, '', ?)", (nid, guid, mid, "\x1f".join(fields))
        )
        if cards is None:
            conn.execute(
                "INSERT INTO cards VALUES (NULL, ?, ?, 0, 0, 0, 0, 0, 0, 0, 0)", (nid, did)
            )
    for row in cards or ():
        conn.execute("INSERT INTO cards VALUES (NULL, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?)", row)
    if tweak is not None:
        tweak(conn)
    conn.commit()
    conn.close()
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.write(db, "collection.anki2")
    db.unlink()
    return path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def cli_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    db = tmp_path / "s.db"
    monkeypatch.setenv("STUDYKB_DB", str(db))
    monkeypatch.setenv("STUDYKB_NO_BUNDLED", "1")
    monkeypatch.setenv("STUDYKB_NOW", "2026-01-05T10:00:00+01:00")
    return db


def refused(capsys: pytest.CaptureFixture[str], db: Path, package: Path, *flags: str) -> str:
    """Import ``package`` into a database holding one deck: exit 2, one line, db unchanged."""
    seed = package.with_name("seed.apkg")
    make_package(seed, [("seed1", BASIC, ["seed front", "seed back"], 1)], decks={"1": "Seed"})
    assert run_cli(capsys, "import", str(seed))[0] == 0
    before = digest(db)
    code, out, err = run_cli(capsys, "import", *flags, str(package))
    assert code == 2, (out, err)
    assert len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err and "is damaged" not in err and "restore" not in err
    assert str(package) in err
    assert digest(db) == before
    return err


# Item 3: colliding card keys are bad input found while parsing, never "damage".


def test_two_notes_sharing_a_guid_are_refused_naming_the_guid(
    tmp_path: Path, cli_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    package = make_package(
        tmp_path / "dup.apkg",
        [("sameguid", BASIC, ["one", "1"], 1), ("sameguid", BASIC, ["two", "2"], 1)],
    )
    err = refused(capsys, cli_db, package)
    assert "sameguid" in err and "duplicate" in err


def test_a_note_beside_a_reversed_note_with_the_same_card_key_is_refused(
    tmp_path: Path, cli_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    package = make_package(
        tmp_path / "rev.apkg",
        [("x", REVERSED, ["front", "back"], 1), ("x-rev", BASIC, ["other", "card"], 1)],
    )
    err = refused(capsys, cli_db, package)
    assert "x-rev" in err and "duplicate" in err


def test_a_constraint_failure_in_a_write_is_not_called_damage(
    tmp_path: Path,
    cli_db: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Should a write ever break a database rule, the message says so, names the rule,
    gives no advice to restore a backup, and the database is left as it was."""
    from studykb.storage.repository import Repository

    assert run_cli(capsys, "stats")[0] == 0
    before = digest(cli_db)

    def broken(self: Repository, *args: object, **kwargs: object) -> None:
        self.conn.execute("CREATE TEMP TABLE t (x UNIQUE)")
        self.conn.execute("INSERT INTO t VALUES (1), (1)")

    monkeypatch.setattr(Repository, "import_decks", broken)
    package = make_package(tmp_path / "ok.apkg", [("g1", BASIC, ["front", "back"], 1)])
    code, _, err = run_cli(capsys, "import", str(package))
    assert code != 0
    assert "UNIQUE constraint failed: t.x" in err
    assert "is damaged" not in err and "restore" not in err
    assert digest(cli_db) == before


def test_a_really_damaged_database_is_still_called_damaged(
    tmp_path: Path, cli_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cli_db.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000)
    code, _, err = run_cli(capsys, "stats")
    assert code != 0
    assert "is damaged" in err


# Item 7: values of the wrong type or out of range are one line.


def test_note_type_json_nested_100000_levels_deep(
    tmp_path: Path, cli_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    package = make_package(tmp_path / "deep.apkg", [("g", BASIC, ["a", "b"], 1)], models=deep)
    refused(capsys, cli_db, package)


@pytest.mark.parametrize(
    "tweak",
    [
        "UPDATE notes SET mid = 'text'",
        "UPDATE cards SET did = 'text'",
        "UPDATE notes SET flds = x'00ff'",
        "UPDATE notes SET guid = NULL",
        "UPDATE col SET models = '[1, 2]'",
        """UPDATE col SET models = '{"1": {"name": "Basic", "flds": "no"}}'""",
        "UPDATE col SET decks = '{\"1\": 5}'",
    ],
)
def test_values_of_the_wrong_type(
    tmp_path: Path, cli_db: Path, capsys: pytest.CaptureFixture[str], tweak: str
) -> None:
    package = make_package(
        tmp_path / "types.apkg",
        [("g", BASIC, ["a", "b"], 1)],
        tweak=lambda conn: conn.execute(tweak),
    )
    refused(capsys, cli_db, package)


@pytest.mark.parametrize(
    ("crt", "card"),
    [
        (10**15, (1, 0, 2, 2, 10, 5, 2500, 3, 0)),
        (1_700_000_000, (1, 0, 2, 2, 10**12, 5, 2500, 3, 0)),
        (1_700_000_000, (1, 0, 2, 2, 10, 10**12, 2500, 3, 0)),
        (1_700_000_000, (1, 0, 2, 2, 10, 5, 10**15, 3, 0)),
        (1_700_000_000, (1, 0, 2, 2, 10, 5, 2500, 3, -4)),
        (1_700_000_000, (1, 0, 2, 2, 10, 5, 2500, -3, 0)),
        (1_700_000_000, (1, 0, 2, 2, "soon", 5, 2500, 3, 0)),
        (1e300, (1, 0, 2, 2, 10, 5, 2500, 3, 0)),
    ],
)
def test_scheduling_values_out_of_range(
    tmp_path: Path,
    cli_db: Path,
    capsys: pytest.CaptureFixture[str],
    crt: Any,
    card: tuple[Any, ...],
) -> None:
    package = make_package(
        tmp_path / "sched.apkg", [("g", BASIC, ["a", "b"], 1)], crt=crt, cards=[card]
    )
    refused(capsys, cli_db, package, "--with-scheduling")


def test_a_negative_interval_is_anki_learning_in_seconds(tmp_path: Path) -> None:
    """Anki writes a negative interval for a card in (re)learning (seconds, not days):
    it is taken as such, a card due on the day it is imported, never as a negative
    number of days."""
    from studykb.decks.anki_import import AnkiSchedule

    package = make_package(
        tmp_path / "learning.apkg",
        [("g", BASIC, ["a", "b"], 1)],
        cards=[(1, 0, 2, 2, 10, -600, 2500, 3, 1)],
    )
    schedules: dict[tuple[str, str], AnkiSchedule] = {}
    read_anki_package(package, schedules)
    schedule = schedules[("default", "g")]
    assert schedule.learning
    assert schedule.state.interval == 1 and schedule.state.lapses == 1


# Item 8: only real tables are read, row by row, with caps.


def test_a_recursive_view_named_notes_is_refused_without_reading_it(tmp_path: Path) -> None:
    def recursive_view(conn: sqlite3.Connection) -> None:
        conn.executescript(
            """
            DROP TABLE notes;
            CREATE VIEW notes AS WITH RECURSIVE r(id) AS (SELECT 1 UNION ALL SELECT id + 1 FROM r)
              SELECT id, 'g' || id AS guid, 1 AS mid, '' AS tags,
                     'front' || char(31) || 'back' AS flds FROM r;
            """
        )

    package = make_package(
        tmp_path / "view.apkg", [("g", BASIC, ["a", "b"], 1)], tweak=recursive_view
    )
    with pytest.raises(BadInputError, match="notes is not a table"):
        read_anki_package(package)


@pytest.mark.parametrize("table", ["cards", "col"])
def test_cards_and_col_must_be_tables(tmp_path: Path, table: str) -> None:
    def to_view(conn: sqlite3.Connection) -> None:
        conn.execute(f"ALTER TABLE {table} RENAME TO real_{table}")
        conn.execute(f"CREATE VIEW {table} AS SELECT * FROM real_{table}")

    package = make_package(tmp_path / "v.apkg", [("g", BASIC, ["a", "b"], 1)], tweak=to_view)
    with pytest.raises(BadInputError, match=f"{table} is not a table"):
        read_anki_package(package)


def test_a_huge_field_is_refused_before_it_is_fetched(
    tmp_path: Path, cli_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """50 MB in one field, made inside SQLite (zeroblob) so the test stays small."""

    def huge(conn: sqlite3.Connection) -> None:
        conn.execute(
            "UPDATE notes SET flds = 'front' || char(31) || CAST(zeroblob(50000000) AS TEXT) || 'x'"
        )

    package = make_package(tmp_path / "huge.apkg", [("g", BASIC, ["a", "b"], 1)], tweak=huge)
    err = refused(capsys, cli_db, package)
    assert "note g" in err


# Item 9: the field limit and the card limit (after cloze expansion) apply to Anki.


def test_a_field_over_the_field_limit_is_refused_naming_note_and_field(
    tmp_path: Path, cli_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    package = make_package(
        tmp_path / "long.apkg",
        [("ok", BASIC, ["a", "b"], 1), ("long", BASIC, ["a", "y" * (MAX_FIELD_CHARS + 1)], 1)],
    )
    err = refused(capsys, cli_db, package)
    assert "note long" in err and "Back" in err and str(MAX_FIELD_CHARS) in err


def test_the_card_limit_counts_cards_after_cloze_expansion(
    tmp_path: Path, cli_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blanks = " ".join(f"{{{{c{i}::w{i}}}}}" for i in range(1, 201))
    notes = [(f"n{i}", CLOZE, [blanks, ""], 1) for i in range(MAX_CARDS_PER_FILE // 200 + 1)]
    package = make_package(tmp_path / "clozes.apkg", notes)
    err = refused(capsys, cli_db, package)
    assert f"more than {MAX_CARDS_PER_FILE} cards" in err


def test_toml_card_limit_counts_cards_after_cloze_expansion(tmp_path: Path) -> None:
    from studykb.decks.toml_deck import parse_deck_bytes

    blanks = " ".join(f"{{{{c{i}::w}}}}" for i in range(1, 101))
    entries = "".join(
        f'[[cards]]\nid = "c{i}"\ntext = "{blanks}"\n' for i in range(MAX_CARDS_PER_FILE // 100 + 1)
    )
    raw = f'[deck]\nid = "many"\ntitle = "Many"\n{entries}'.encode()
    with pytest.raises(BadInputError, match=f"more than {MAX_CARDS_PER_FILE} cards"):
        parse_deck_bytes(raw, "many.toml")


# Item 11: deck names that are not Latin, or differ only in case, stay apart.


def test_non_latin_and_case_different_deck_names_stay_distinct(tmp_path: Path) -> None:
    names = {"1": "日本語", "2": "Ελληνικά", "3": "Bio::Cell", "4": "bio::cell", "5": "Plain"}
    notes = [(f"g{i}", BASIC, [f"q{i}", f"a{i}"], int(i)) for i in names]
    package = make_package(tmp_path / "names.apkg", notes, decks=names)
    decks, _ = read_anki_package(package)
    assert len(decks) == 5
    by_title = {d.title: d.deck_id for d in decks}
    assert set(by_title) == {"日本語", "Ελληνικά", "Bio › Cell", "bio › cell", "Plain"}
    assert by_title["Plain"] == "plain"
    assert all(__import__("re").match(ID_PATTERN, i) for i in by_title.values())
    assert by_title["Bio › Cell"].startswith("bio.cell") and by_title["bio › cell"].startswith(
        "bio.cell"
    )
    # Stable: the same names give the same ids the next time.
    again, _ = read_anki_package(package)
    assert {d.title: d.deck_id for d in again} == by_title


def test_two_notes_with_one_note_id_are_refused(tmp_path: Path) -> None:
    def no_primary_key(conn: sqlite3.Connection) -> None:
        conn.executescript(
            """
            DROP TABLE notes;
            CREATE TABLE notes (id integer, guid text, mid integer, tags text, flds text);
            INSERT INTO notes VALUES (1, 'g', 1, '', 'a' || char(31) || 'b'),
                                     (1, 'g', 1, '', 'c' || char(31) || 'd');
            """
        )

    package = make_package(
        tmp_path / "ids.apkg", [("g", BASIC, ["a", "b"], 1)], tweak=no_primary_key
    )
    with pytest.raises(BadInputError, match="note id 1 is used by two notes"):
        read_anki_package(package)


def test_decks_named_in_other_scripts_import_as_separate_decks(
    tmp_path: Path, cli_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    names = {"1": "日本語", "2": "Ελληνικά", "3": "Bio::Cell", "4": "bio::cell"}
    notes = [(f"g{i}", BASIC, [f"q{i}", f"a{i}"], int(i)) for i in names]
    package = make_package(tmp_path / "names.apkg", notes, decks=names)
    code, _, err = run_cli(capsys, "import", str(package))
    assert code == 0, err
    decks = json.loads(run_cli(capsys, "decks", "--json")[1])
    assert len(decks) == 4
    assert "imported" not in {d["id"] for d in decks}
