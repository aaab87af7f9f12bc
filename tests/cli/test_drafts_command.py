"""`studykb draft`, `drafts`, `new-deck`, `rename-deck`, `retire-deck` (issue 12 items
3-5): drafts stay out of the queue until accepted; refused sources change nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import SMALL_DECK, run_cli, write

NOW = "2026-01-05T10:00:00+01:00"
PAPER = Path(__file__).parents[1] / "data" / "latex" / "paper"


@pytest.fixture
def env(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> Path:
    db = tmp_path / "cli.db"
    monkeypatch.setenv("STUDYKB_DB", str(db))
    monkeypatch.setenv("STUDYKB_NOW", NOW)
    monkeypatch.setenv("STUDYKB_NO_BUNDLED", "1")
    deck = write(tmp_path / "decks" / "toy.toml", SMALL_DECK)
    code, _, err = run_cli(capsys, "import", str(deck))
    assert code == 0, err
    return db


def _new(capsys: pytest.CaptureFixture[str]) -> int:
    code, out, err = run_cli(capsys, "due", "--json")
    assert code == 0, err
    return int(json.loads(out)["new"])


def _drafts(capsys: pytest.CaptureFixture[str]) -> list[dict[str, object]]:
    code, out, err = run_cli(capsys, "drafts", "--json")
    assert code == 0, err
    return list(json.loads(out))


def test_drafts_stay_out_of_the_queue_until_accepted(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _new(capsys) == 4
    code, out, err = run_cli(capsys, "draft", str(PAPER), "--paper", "toy", "--json")
    assert code == 0, err
    report = json.loads(out)
    assert (report["deck"], report["main"], report["equations"], report["statements"]) == (
        "toy",
        "main.tex",
        7,
        4,
    )
    assert report["added"] == len(report["drafts"]) == 12
    assert _new(capsys) == 4  # drafts are not cards
    drafts = _drafts(capsys)
    eq = next(d for d in drafts if d["source"] == "§3.1 The generative step, Eq. (3.1)")
    assert eq["front"] == "State Eq. (3.1) of A Toy Paper (The generative step)"
    assert eq["status"] == "pending" and eq["card"] is None

    code, out, err = run_cli(capsys, "drafts", "accept", str(eq["id"]), str(drafts[0]["id"]))
    assert code == 0, err
    refs = [line.removeprefix("Added ") for line in out.splitlines()]
    assert len(refs) == 2 and all(r.startswith("toy/") for r in refs)
    assert _new(capsys) == 6  # now they are
    code, out, _ = run_cli(capsys, "cards", "--deck", "toy", "--json")
    card = next(c for c in json.loads(out) if c["ref"] == refs[0])
    assert card["source"] == "§3.1 The generative step, Eq. (3.1)" and card["back"] == eq["back"]

    code, out, _ = run_cli(capsys, "drafts", "drop", str(drafts[1]["id"]))
    assert code == 0 and out.strip() == "Dropped 1 draft"
    assert len(_drafts(capsys)) == 9
    code, _, err = run_cli(capsys, "drafts", "accept", str(drafts[1]["id"]))
    assert code == 2 and err.strip().endswith(f"draft {drafts[1]['id']}: already dropped")
    assert _new(capsys) == 6

    # Drafting the same source again adds nothing: accepted and dropped ones included.
    code, out, _ = run_cli(capsys, "draft", str(PAPER), "--paper", "toy")
    assert code == 0 and "Drafted 0 cards" in out and "12 drafted before" in out


def test_a_refused_source_is_one_line_and_changes_nothing(
    env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "paper.tar.gz"
    bad.write_bytes(b"not an archive at all" * 40)
    _code, decks_before, _ = run_cli(capsys, "decks", "--json")
    code, out, err = run_cli(capsys, "draft", str(bad), "--paper", "toy")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "not a LaTeX source" in err
    code, _, err = run_cli(capsys, "draft", str(PAPER), "--paper", "nope")
    assert code != 0 and err.count("\n") == 1 and "no paper 'nope'" in err
    assert _drafts(capsys) == []
    assert run_cli(capsys, "decks", "--json")[1] == decks_before


def test_new_rename_retire_undo_and_purge_a_deck(
    env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli(capsys, "new-deck", "toy", "--id", "toy")
    assert code == 2 and err.count("\n") == 1 and "deck 'toy' exists already" in err
    code, out, err = run_cli(capsys, "new-deck", "toy")  # the paper's slug is taken
    assert out.strip() == "Created deck toy-2 (A Toy Paper) for paper toy", err
    code, out, err = run_cli(capsys, "new-deck", "toy", "--id", "toy-notes")
    assert code == 0, err
    code, out, _ = run_cli(capsys, "rename-deck", "toy-notes", "Toy notes")
    assert out.strip() == "Renamed deck toy-notes to Toy notes"
    code, out, _ = run_cli(capsys, "decks", "--json")
    assert {d["id"]: d["title"] for d in json.loads(out)}["toy-notes"] == "Toy notes"

    code, out, err = run_cli(capsys, "retire-deck", "toy")
    assert code == 0 and out.startswith("Retired deck toy and its 4 cards"), err
    assert _new(capsys) == 0
    code, out, _ = run_cli(capsys, "decks", "--json")
    assert [d["id"] for d in json.loads(out)] == ["toy-2", "toy-notes"]
    code, out, _ = run_cli(capsys, "check")
    assert code == 0, out
    code, out, _ = run_cli(capsys, "retire-deck", "toy", "--undo")
    assert out.strip() == "Brought back deck toy and its 4 cards"
    assert _new(capsys) == 4

    code, out, _ = run_cli(capsys, "retire-deck", "toy", "--purge")
    assert code == 0 and out.startswith("Purged deck toy and its 4 cards; backup ")
    assert Path(out.split("; backup ")[1].strip()).exists()
    assert _new(capsys) == 0
    code, out, _ = run_cli(capsys, "check")
    assert code == 0, out


def test_studykb_undo_takes_back_deck_retirement_rename_and_purge_says_why_not(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli(capsys, "retire-deck", "toy")
    assert code == 0, err
    assert run_cli(capsys, "check")[0] == 0
    code, out, err = run_cli(capsys, "undo")
    assert (code, out.strip()) == (0, "Undone: retirement of deck toy (4 cards)"), err
    assert run_cli(capsys, "check")[0] == 0
    assert _new(capsys) == 4
    run_cli(capsys, "rename-deck", "toy", "Renamed")
    code, out, _ = run_cli(capsys, "undo")
    assert out.strip() == "Undone: renaming of deck toy (its title is Toy deck again)"
    code, out, _ = run_cli(capsys, "retire-deck", "toy", "--purge")
    assert code == 0
    code, out, _ = run_cli(capsys, "undo")
    assert code == 0 and out.startswith("Nothing undone: the last action, the purge of deck toy")
    assert run_cli(capsys, "check")[0] == 0
