from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from studykb.decks.html_text import dollars_to_mathjax, html_to_text
from studykb.decks.text_cards import parse_text_cards
from studykb.errors import BadInputError
from tests.conftest import run_cli

ANKI_TSV = (
    "#separator:tab\n#html:true\n#columns:Front\tBack\tTags\tGUID\n#tags column:3\n"
    "#guid column:4\n#deck:Papers::DDIM\n"
    'What does <b>DDIM</b> enable?\t"Deterministic sampling,<br>\twith\n\\(\\sigma_t = 0\\)"\tddim sampling\tAb3$kP!\n'
    "The forward process is {{c1::fixed}}.\t<i>extra</i>\tddpm\tx9Yz\n"
)


def test_anki_text_conventions() -> None:
    [deck] = parse_text_cards(ANKI_TSV.encode(), "notes.txt", default_deck="notes")
    assert (deck.deck_id, deck.title) == ("papers.ddim", "Papers › DDIM")
    basic, cloze_card = deck.cards
    assert basic.front == "What does **DDIM** enable?"
    assert basic.back == "Deterministic sampling,  \n\twith\n$\\sigma_t = 0$"  # <br>: hard break
    assert basic.tags == ("ddim", "sampling")
    assert basic.key.startswith("g")  # Anki GUIDs hold any character: hashed to an id
    assert (cloze_card.kind, cloze_card.key, cloze_card.back) == ("cloze", "x9Yz:c1", "*extra*")


def test_headerless_csv_front_back_tags() -> None:
    raw = b'"Q, with comma",A,tag1 tag2\nQ2,A2,\n'
    [deck] = parse_text_cards(raw, "plain.csv", default_deck="plain")
    assert [(c.front, c.back, c.tags) for c in deck.cards] == [
        ("Q, with comma", "A", ("tag1", "tag2")),
        ("Q2", "A2", ()),
    ]
    # Without a GUID column identity is a hash of the front: stable across imports.
    [again] = parse_text_cards(raw, "plain.csv", default_deck="plain")
    assert [c.key for c in again.cards] == [c.key for c in deck.cards]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"a,b\nc,d,e\n", "plain.csv:2: expected 2 columns, got 3"),
        (b"\x00\x01\x02garbage", "binary data"),
        (b"\xff\xfe\xfa", "not UTF-8"),
        (b'a,"unclosed\n', "plain.csv:"),
        (b",b\n", "front: empty"),
        (b"#guid column:x\na,b\n", "guid column: must be a column number"),
    ],
)
def test_bad_text_files(raw: bytes, message: str) -> None:
    with pytest.raises(BadInputError) as info:
        parse_text_cards(raw, "plain.csv", default_deck="plain")
    assert any(message in p for p in info.value.problems), info.value.problems


def test_html_and_mathjax() -> None:
    assert html_to_text("a&nbsp;&lt;b&gt;<div>x<sub>2</sub></div><img src='f/p.png'>") == (
        "a <b>  \nx₂  \n[image: p.png]"
    )
    assert dollars_to_mathjax("with $x_t$ and \\$5") == "with \\(x_t\\) and \\$5"


def test_csv_round_trip_keeps_identity(
    tmp_path: Path,
    small_deck: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    db = tmp_path / "rt.db"
    monkeypatch.setenv("STUDYKB_DB", str(db))
    monkeypatch.setenv("STUDYKB_NO_BUNDLED", "1")
    monkeypatch.setenv("STUDYKB_NOW", "2026-01-05T10:00:00+01:00")
    assert run_cli(capsys, "import", str(small_deck))[0] == 0
    assert run_cli(capsys, "answer", "toy/one", "5")[0] == 0
    first = tmp_path / "first.csv"
    code, out, _ = run_cli(capsys, "export", str(first))
    assert code == 0 and "exported 3 notes" in out
    code, out, err = run_cli(capsys, "import", str(first))
    assert code == 0, err
    assert "0 added, 0 updated, 4 unchanged, 0 retired" in out
    second = tmp_path / "second.csv"
    run_cli(capsys, "export", str(second))
    assert first.read_bytes() == second.read_bytes()  # csv -> studykb -> csv is stable
    decks = json.loads(run_cli(capsys, "decks", "--json")[1])
    assert [(d["id"], d["title"], d["learned"]) for d in decks] == [("toy", "Toy deck", 1)]
    tsv = tmp_path / "cards.tsv"
    assert run_cli(capsys, "export", "--deck", "toy", str(tsv))[0] == 0
    assert tsv.read_text(encoding="utf-8").startswith("#separator:tab\n")


def test_bad_csv_leaves_the_database_unchanged(
    tmp_path: Path,
    small_deck: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    db = tmp_path / "bad.db"
    monkeypatch.setenv("STUDYKB_DB", str(db))
    monkeypatch.setenv("STUDYKB_NO_BUNDLED", "1")
    run_cli(capsys, "import", str(small_deck))
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"q,a\nq2,a2,extra\n")
    code, _, err = run_cli(capsys, "import", str(bad))
    assert code == 2 and f"{bad}:2: expected 2 columns, got 3" in err
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before


def _deck_row(capsys: pytest.CaptureFixture[str], deck_id: str) -> dict[str, object]:
    decks = json.loads(run_cli(capsys, "decks", "--json")[1])
    return next(d for d in decks if d["id"] == deck_id)


def test_csv_adds_and_updates_but_never_retires_or_renames(
    tmp_path: Path,
    small_deck: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Issue 10 item 6: a CSV naming a deck is not the whole deck."""
    monkeypatch.setenv("STUDYKB_DB", str(tmp_path / "p.db"))
    monkeypatch.setenv("STUDYKB_NO_BUNDLED", "1")
    monkeypatch.setenv("STUDYKB_NOW", "2026-01-05T10:00:00+01:00")
    assert run_cli(capsys, "import", str(small_deck))[0] == 0
    assert run_cli(capsys, "answer", "toy/one", "5")[0] == 0
    extra = tmp_path / "extra.csv"
    extra.write_text("#deck:toy\nA new question?,A new answer.\n", encoding="utf-8")
    code, out, err = run_cli(capsys, "import", str(extra))
    assert code == 0, err
    assert "deck toy: 1 added, 0 updated, 0 unchanged, 0 retired" in out
    toy = _deck_row(capsys, "toy")
    assert (toy["title"], toy["cards"], toy["learned"]) == ("Toy deck", 5, 1)
    # A row carrying a card's GUID updates that card in place, the others stay.
    edit = tmp_path / "edit.csv"
    edit.write_text(
        "#guid column:3\n#deck:toy\nQuestion one?,A better answer.,toy/one\n", encoding="utf-8"
    )
    code, out, err = run_cli(capsys, "import", str(edit))
    assert code == 0, err
    assert "deck toy: 0 added, 1 updated, 0 unchanged, 0 retired" in out
    assert _deck_row(capsys, "toy")["learned"] == 1
    # Cards keep their places; the added one comes last.
    listing = tmp_path / "listing.csv"
    assert run_cli(capsys, "export", str(listing))[0] == 0
    fronts = [r.split(",")[0] for r in listing.read_text(encoding="utf-8").splitlines()[6:]]
    assert fronts[0] == "Question one?" and fronts[-1] == "A new question?"
    # The deck file is still the whole deck: importing it again (same bytes) puts the
    # deck back as the file says, retiring the card the CSV added.
    code, out, err = run_cli(capsys, "import", str(small_deck))
    assert code == 0, err
    assert "deck toy: 0 added, 1 updated, 3 unchanged, 1 retired" in out
    assert run_cli(capsys, "check")[0] == 0


def test_csv_retires_only_when_asked(
    tmp_path: Path,
    small_deck: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("STUDYKB_DB", str(tmp_path / "r.db"))
    monkeypatch.setenv("STUDYKB_NO_BUNDLED", "1")
    assert run_cli(capsys, "import", str(small_deck))[0] == 0
    only = tmp_path / "only.csv"
    only.write_text("#deck:toy\nA new question?,A new answer.\n", encoding="utf-8")
    code, out, err = run_cli(capsys, "import", "--dry-run", "--retire-missing", str(only))
    assert code == 0, err
    assert "would import deck toy: 1 added, 0 updated, 0 unchanged, 4 retired" in out
    code, out, err = run_cli(capsys, "import", "--retire-missing", str(only))
    assert "imported deck toy: 1 added, 0 updated, 0 unchanged, 4 retired" in out
    toy = _deck_row(capsys, "toy")
    assert (toy["title"], toy["cards"]) == ("Toy deck", 1)  # retired, never renamed
    assert "--retire-missing" in run_cli(capsys, "import", "--help")[1]


@pytest.mark.parametrize("suffix", [".csv", ".tsv"])
def test_dotted_deck_ids_survive_a_text_round_trip(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    suffix: str,
) -> None:
    """Issue 10 item 14: `diffusion.score-sde` stays itself, no duplicate deck."""
    from tests.conftest import SMALL_DECK, write

    deck = write(
        tmp_path / "sde.toml", SMALL_DECK.replace('id = "toy"', 'id = "diffusion.score-sde"')
    )
    monkeypatch.setenv("STUDYKB_DB", str(tmp_path / "d.db"))
    monkeypatch.setenv("STUDYKB_NO_BUNDLED", "1")
    assert run_cli(capsys, "import", str(deck))[0] == 0
    out_file = tmp_path / f"cards{suffix}"
    assert run_cli(capsys, "export", str(out_file))[0] == 0
    code, out, err = run_cli(capsys, "import", str(out_file))
    assert code == 0, err
    assert "deck diffusion.score-sde: 0 added, 0 updated, 4 unchanged, 0 retired" in out
    decks = json.loads(run_cli(capsys, "decks", "--json")[1])
    assert [d["id"] for d in decks] == ["diffusion.score-sde"]
    # Names that are not ids are still made into ids as before.
    [named] = parse_text_cards(b"#deck:Papers::Score SDE\nq,a\n", "n.csv", default_deck="n")
    assert named.deck_id == "papers.score-sde"


@pytest.mark.parametrize(
    ("header", "line"),
    [
        ("#guid column:5\n", 1),
        ("#tags column:3\n", 1),
        ("#separator:comma\n#deck column:9\n", 2),
        ("#guid column:99999999999999999999\n", 1),
        ("#columns:Front,Back\n#tags column:4\n", 2),
    ],
)
def test_column_beyond_the_rows_is_one_clean_line(
    tmp_path: Path,
    small_deck: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    header: str,
    line: int,
) -> None:
    """Issue 10 item 7: a header column past the row's columns was an IndexError."""
    db = tmp_path / "c.db"
    monkeypatch.setenv("STUDYKB_DB", str(db))
    monkeypatch.setenv("STUDYKB_NO_BUNDLED", "1")
    run_cli(capsys, "import", str(small_deck))
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    bad = tmp_path / "bad.csv"
    bad.write_text(header + "q,a\nq2,a2\n", encoding="utf-8")
    code, out, err = run_cli(capsys, "import", str(bad))
    assert code == 2, (out, err)
    assert err.count("\n") == 1 and "Traceback" not in err
    key = header.strip().splitlines()[-1][1:].split(":")[0]
    assert f"{bad}:{line}: {key}:" in err, err
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before


def test_deck_names_in_other_scripts_stay_distinct() -> None:
    """Issue 10 item 11, CSV too: Japanese and Greek deck names were all `imported`."""
    specs = parse_text_cards(
        "#separator:,\n#deck column:3\nq1,a1,日本語\nq2,a2,Ελληνικά\nq3,a3,Café\n".encode(),
        "names.csv",
        default_deck="n",
    )
    ids = {spec.title: spec.deck_id for spec in specs}
    assert len(set(ids.values())) == 3
    assert ids["Café"] == "cafe"
    assert "imported" not in ids.values()
