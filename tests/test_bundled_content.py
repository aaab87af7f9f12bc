"""The bundled reading list and decks: complete, linked, sized as promised."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from studykb.app.bundled import bundled_deck_paths
from studykb.decks.toml_deck import read_decks
from tests.conftest import run_cli

MINIMUM_CARDS = {
    "understanding-diffusion": 25,
    "song-blog-score": 12,
    "cfg": 20,
    "guided-diffusion": 12,
    "score-sde": 20,
    "ddim": 20,
    "ddpm": 20,
    "ncsn": 12,
    "sliced-score-matching": 12,
    "nonequilibrium-thermo": 8,
}


def test_a_deck_per_paper_with_enough_cards_and_a_complete_paper_table() -> None:
    decks = {d.deck_id: d for d in read_decks(bundled_deck_paths())}
    assert set(decks) == set(MINIMUM_CARDS)
    for deck_id, minimum in MINIMUM_CARDS.items():
        deck = decks[deck_id]
        assert len(deck.cards) >= minimum, deck_id
        assert deck.paper is not None
        assert deck.paper.authors and deck.paper.year and deck.paper.worth_reading
        assert all(after in decks for after in deck.paper.after)
        assert all(card.source for card in deck.cards), deck_id
    assert "ddpm" in decks["ddim"].paper.after  # type: ignore[union-attr]
    assert "ddim" in decks["cfg"].paper.after  # type: ignore[union-attr]
    assert "ncsn" in decks["score-sde"].paper.after  # type: ignore[union-attr]


run = run_cli


SHARED = Path(__file__).resolve().parents[2] / "shared" / "knowledge-base.md"


def test_first_run_has_eleven_papers_and_ten_decks(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "first.db"
    monkeypatch.setenv("STUDYKB_DB", str(db))
    monkeypatch.setenv("STUDYKB_NOW", "2026-01-05T10:00:00+01:00")
    papers = json.loads(run(capsys, "papers", "--json")[1])
    decks = json.loads(run(capsys, "decks", "--json")[1])
    assert len(papers) == 11 and len(decks) == 10
    assert sum(p["deck"] is not None for p in papers) == 10
    awesome = [p for p in papers if p["deck"] is None]
    assert awesome[0]["url"] == "https://github.com/diff-usion/Awesome-Diffusion-Models"
    # New cards come in suggested reading order: the tutorial first, then DDPM.
    assert [d["id"] for d in decks][:3] == ["understanding-diffusion", "ddpm", "ddim"]
    out = run(capsys)[1]
    assert "next: Understanding Diffusion Models: A Unified Perspective (WR 3)" in out

    if SHARED.exists():
        before = json.loads(run(capsys, "papers", "--json")[1])
        code, out, err = run(capsys, "import", str(SHARED))
        assert code == 0 and "0 added, 0 updated, 11 unchanged" in out
        assert f"warning: {SHARED}:8: 'Yang Song webpage' links to the same URL" in err
        run(capsys, "import", str(SHARED))
        assert json.loads(run(capsys, "papers", "--json")[1]) == before


def test_next_paper_follows_after(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("STUDYKB_DB", str(tmp_path / "order.db"))
    monkeypatch.setenv("STUDYKB_NOW", "2026-01-05T10:00:00+01:00")
    run(capsys, "papers", "set", "understanding-diffusion", "read")
    # CFG is the first WR=3 paper of the list, but DDIM and then DDPM come first.
    assert "next: Denoising Diffusion Probabilistic Models (WR 3)" in run(capsys)[1]
    run(capsys, "papers", "set", "ddpm", "read")
    assert "next: Denoising Diffusion Implicit Models (WR 3)" in run(capsys)[1]
