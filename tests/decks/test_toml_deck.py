from __future__ import annotations

from pathlib import Path

import pytest

from studykb.decks.toml_deck import parse_deck_bytes, read_decks
from studykb.errors import BadInputError
from tests.conftest import SMALL_DECK, write


def problems(text: str) -> list[str]:
    with pytest.raises(BadInputError) as info:
        parse_deck_bytes(text.encode(), "deck.toml")
    return info.value.problems


HEADER = '[deck]\nid = "d"\ntitle = "D"\n'


def test_small_deck_parses_into_cards() -> None:
    spec = parse_deck_bytes(SMALL_DECK.encode(), "toy.toml")
    assert spec.deck_id == "toy"
    assert [c.key for c in spec.cards] == ["one", "two", "eq:c1", "eq:c2"]
    assert spec.cards[2].kind == "cloze" and spec.cards[2].cloze_number == 1
    assert spec.paper is not None and spec.paper.worth_reading == 2


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('[deck]\nid = "d"\ntitle = ', "deck.toml: TOML syntax error"),
        ('[deck]\nid = "d"\n', "deck.toml: deck.title: missing"),
        (HEADER + '[[cards]]\nfront = "q"\nback = "a"\n', "deck.toml: card #1: id: missing"),
        (
            HEADER + '[[cards]]\nid = "x"\nfront = "q"\nback = "a"\n'
            '[[cards]]\nid = "x"\nfront = "q2"\nback = "a2"\n',
            "deck.toml: card x: id: duplicate card id (also card #1)",
        ),
        (
            HEADER + '[[cards]]\nid = "x"\nfront = " "\nback = "a"\n',
            "card x: front: missing or empty",
        ),
        (HEADER + '[[cards]]\nid = "x"\nfront = "q"\n', "card x: back: missing or empty"),
        (
            HEADER + '[[cards]]\nid = "x"\ntext = "{{c1::open"\n',
            "card x: text: cloze c1 is not closed",
        ),
        (
            HEADER + '[[cards]]\nid = "x"\ntext = "{{x1::y}}"\n',
            "card x: text: unknown cloze marker",
        ),
        (HEADER + '[[cards]]\nid = "x"\ntext = "no deletion"\n', "card x: text: no cloze deletion"),
        (
            HEADER + '[[cards]]\nid = "x"\nfront = 3\nback = "a"\n',
            "card x: front: Input should be a valid string",
        ),
        (
            HEADER + '[[cards]]\nid = "x"\nfront = "q"\nback = "a"\ntags = "t"\n',
            "card x: tags: Input should be a valid list",
        ),
        (
            HEADER + '[[cards]]\nid = "x"\nfront = "q"\nback = "a"\ncolour = 1\n',
            "card x: colour: unknown field",
        ),
        ('[deck]\nid = "Bad Id"\ntitle = "D"\n', "deck.toml: deck.id: must be letters"),
        (
            HEADER + '[paper]\ntitle = "P"\nurl = "ftp://x"\n',
            "deck.toml: paper.url: Value error, must be an http(s) URL",
        ),
        (
            HEADER + '[paper]\ntitle = "P"\nurl = "https://x.org"\nworth_reading = 4\n',
            "paper.worth_reading: Input should be less than or equal to 3",
        ),
    ],
)
def test_each_problem_is_one_line_with_file_card_and_field(body: str, expected: str) -> None:
    found = problems(body)
    assert any(expected in p for p in found), found
    assert all(p.startswith("deck.toml: ") and "\n" not in p for p in found)


def test_all_problems_of_a_file_are_reported() -> None:
    body = HEADER + (
        '[[cards]]\nid = "a"\nfront = ""\nback = "x"\n[[cards]]\nid = "b"\ntext = "{{c1::x"\n'
    )
    assert len(problems(body)) == 2


def test_not_utf8_and_too_large() -> None:
    with pytest.raises(BadInputError, match="not UTF-8"):
        parse_deck_bytes(b"\xff\xfe[deck]", "x.toml")
    with pytest.raises(BadInputError, match="larger than"):
        parse_deck_bytes(b"#" * (3 * 1024 * 1024), "x.toml")


def test_duplicate_deck_ids_across_files(tmp_path: Path) -> None:
    a = write(tmp_path / "a.toml", SMALL_DECK)
    b = write(tmp_path / "b.toml", SMALL_DECK)
    with pytest.raises(BadInputError) as info:
        read_decks([a, b])
    assert "deck 'toy' is also defined in" in info.value.problems[0]
