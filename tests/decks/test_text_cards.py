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
