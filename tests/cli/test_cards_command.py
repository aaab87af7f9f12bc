"""`studykb cards`: one line per card, or JSON with each card's scheduler state;
bad options are one line and exit 2."""

from __future__ import annotations

import json
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
    path = str(tmp_path / "cards.db")
    code, _, err = run_cli(capsys, "--db", path, "import", str(small_deck))
    assert code == 0, err
    return path


def test_cards_lists_one_line_per_card(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "--db", db, "cards")
    assert code == 0, err
    lines = out.splitlines()
    assert [line.split()[0] for line in lines] == [
        "toy/one",
        "toy/two",
        "toy/eq:c1",
        "toy/eq:c2",
    ]
    assert lines[0].split()[1:3] == ["new", "-"]
    assert lines[0].endswith("Question one?")
    assert lines[2].endswith("The forward marginal is [...] for every t.")  # the blank
    assert "√ᾱ" in lines[3]  # math as shown


def test_cards_searches_by_word_latex_word_and_rendered_symbol(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    for query in ("two", "alpha", "ᾱ", "sqrt"):
        code, out, _ = run_cli(capsys, "--db", db, "cards", query)
        assert code == 0
        expected = ["toy/two"] if query == "two" else ["toy/eq:c1", "toy/eq:c2"]
        assert [line.split()[0] for line in out.splitlines()] == expected, query
    code, out, _ = run_cli(capsys, "--db", db, "cards", "--search", "Answer one")
    assert [line.split()[0] for line in out.splitlines()] == ["toy/one"]


def test_cards_json_has_the_scheduler_state(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    run_cli(capsys, "--db", db, "answer", "toy/one", "4")
    run_cli(capsys, "--db", db, "suspend", "toy/two")
    code, out, err = run_cli(capsys, "--db", db, "cards", "--json", "--sort", "last")
    assert code == 0, err
    cards = json.loads(out)
    first = cards[0]
    assert first["ref"] == "toy/one"
    assert (first["state"], first["due"], first["lapses"]) == ("young", "2026-01-06", 0)
    assert first["schedule"]["scheduler"] == "sm2"
    assert first["schedule"]["repetitions"] == 1
    assert first["schedule"]["interval"] == 1
    assert {"front", "back", "tags", "source", "deck", "kind"} <= set(first)
    code, out, _ = run_cli(capsys, "--db", db, "cards", "--state", "suspended", "--json")
    assert [c["ref"] for c in json.loads(out)] == ["toy/two"]


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--state", "sleepy"], "--state"),
        (["--sort", "colour"], "--sort"),
        (["--bogus"], "--bogus"),
        (["--deck", "nope"], "nope"),
    ],
)
def test_bad_options_are_one_line_and_exit_2(
    db: str, capsys: pytest.CaptureFixture[str], args: list[str], needle: str
) -> None:
    code, out, err = run_cli(capsys, "--db", db, "cards", *args)
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1 and needle in err


@pytest.mark.parametrize("query", ["AND", '"', "*", "NEAR(", "OR NOT"])
def test_hostile_queries_are_just_words(
    db: str, capsys: pytest.CaptureFixture[str], query: str
) -> None:
    code, _, err = run_cli(capsys, "--db", db, "cards", query)
    assert code == 0 and err == ""
