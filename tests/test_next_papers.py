"""The opt-in second reading list, "Diffusion models: the next papers" (decks/next/):
not imported on the first run, importable on request from the CLI and the TUI."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from studykb.app.bundled import bundled_deck_paths, optional_list
from studykb.decks.reading_list import read_reading_list
from studykb.decks.toml_deck import read_decks
from tests.conftest import run_cli

NEXT = {
    "improved-ddpm",
    "latent-diffusion",
    "edm",
    "progressive-distillation",
    "consistency-models",
    "flow-matching",
    "dit",
}


def test_seven_decks_of_at_least_fifteen_cards_linked_into_both_lists() -> None:
    paths = optional_list("next").paths()
    decks = {d.deck_id: d for d in read_decks(p for p in paths if p.suffix == ".toml")}
    assert set(decks) == NEXT
    first = {d.deck_id for d in read_decks(bundled_deck_paths())}
    for deck in decks.values():
        assert len(deck.cards) >= 15, deck.deck_id
        assert all(card.source for card in deck.cards), deck.deck_id
        assert deck.paper is not None and deck.paper.worth_reading
        assert deck.paper.section == "Papers / After the list"
        assert deck.paper.after and set(deck.paper.after) <= first | NEXT
    assert any(set(d.paper.after) & first for d in decks.values() if d.paper)
    [listed] = [p for p in paths if p.suffix == ".md"]
    entries = read_reading_list(listed).entries
    assert len(entries) == 7
    assert {e.url for e in entries} == {d.paper.url for d in decks.values() if d.paper}


def _decks(capsys: pytest.CaptureFixture[str]) -> set[str]:
    code, out, _ = run_cli(capsys, "decks", "--json")
    assert code == 0
    return {d["id"] for d in json.loads(out)}


def test_not_on_the_first_run_and_imported_on_request(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "s.db"
    monkeypatch.setenv("STUDYKB_DB", str(db))
    monkeypatch.setenv("STUDYKB_NOW", "2026-01-05T10:00:00+01:00")
    first_run = _decks(capsys)
    assert first_run and not first_run & NEXT
    code, out, err = run_cli(capsys, "import", "--bundled", "next")
    assert code == 0, err
    assert _decks(capsys) == first_run | NEXT
    conn = sqlite3.connect(db)
    sections = {
        row[0]
        for row in conn.execute(
            "SELECT p.section FROM paper p JOIN deck d ON d.paper_id = p.id WHERE d.id IN "
            "('edm', 'dit', 'flow-matching')"
        )
    }
    conn.close()
    assert sections == {"Papers / After the list"}
    # Again: nothing changes.
    code, out, _ = run_cli(capsys, "import", "--bundled", "next")
    assert code == 0 and " 0 added" in out and "0 updated" in out
    code, _, err = run_cli(capsys, "import", "--bundled", "later")
    assert code == 2 and err.count("\n") == 1 and "no such bundled list" in err
