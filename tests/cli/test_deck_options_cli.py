"""`studykb deck-options` and `studykb study-more` (issue 16 item 13): set and shown,
read by `studykb due` (its lean path too), carried by the JSON backup, bad input in
one line with exit 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.tree_decks import tree_decks

NOW = "2026-01-05T10:00:00+01:00"


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    db = tmp_path / "cli.db"
    monkeypatch.setenv("STUDYKB_DB", str(db))
    monkeypatch.setenv("STUDYKB_NOW", NOW)
    monkeypatch.setenv("STUDYKB_NO_BUNDLED", "1")
    return db


def lean_due(db: Path, *args: str) -> str:
    """`studykb due` through the console script's entry (the lean path)."""
    code = (
        "import sys\nfrom studykb.entry import main\nsys.argv = ['studykb'] + sys.argv[1:]\nmain()"
    )
    return subprocess.run(
        [sys.executable, "-c", code, "--db", str(db), "due", *args],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def test_deck_options_set_shown_and_counted(
    env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(capsys, "import", *map(str, tree_decks(tmp_path / "decks")))[0] == 0
    code, out, _ = run_cli(capsys, "deck-options", "diffusion.ddpm")
    assert code == 0
    assert out.strip() == (
        "diffusion.ddpm: 20 new (deck order), 200 reviews a day"
        " (new: Settings') (reviews: Settings')"
    )
    code, out, _ = run_cli(
        capsys, "deck-options", "diffusion.ddpm", "--new-per-day", "2", "--new-order", "random"
    )
    assert code == 0
    assert out.strip() == ("diffusion.ddpm: 2 new (random), 200 reviews a day (reviews: Settings')")
    code, out, _ = run_cli(capsys, "deck-options", "diffusion.ddpm", "--json")
    assert json.loads(out) == {
        "deck": "diffusion.ddpm",
        "new_per_day": 2,
        "reviews_per_day": 200,
        "new_order": "random",
        "own": {"new_per_day": 2, "reviews_per_day": None},
        "study_more_today": {"new": 0, "reviews": 0},
    }
    full = json.loads(run_cli(capsys, "due", "--json")[1])
    assert full["new"] == 11
    assert json.loads(lean_due(env, "--json")) == full
    # Study more: today only, and the counts follow.
    code, out, _ = run_cli(capsys, "study-more", "diffusion.ddpm", "--new", "3")
    assert code == 0
    assert out.strip() == (
        "diffusion.ddpm: today 5 new and 200 reviews at most (raised by 3 and 0, for today only)"
    )
    assert json.loads(lean_due(env, "--json", "--deck", "diffusion.ddpm"))["new"] == 5
    assert json.loads(lean_due(env, "--json", "--deck", "diffusion"))["new"] == 10
    # Back to Settings' limit.
    code, out, _ = run_cli(capsys, "deck-options", "diffusion.ddpm", "--new-per-day", "default")
    assert out.strip() == (
        "diffusion.ddpm: 20 new (random), 200 reviews a day (new: Settings') "
        "(reviews: Settings'); today 3 more new, 0 more reviews"
    )
    assert run_cli(capsys, "check")[0] == 0


def test_bad_input_is_one_line_and_exit_2(
    env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_cli(capsys, "import", *map(str, tree_decks(tmp_path / "decks")))
    code, _, err = run_cli(capsys, "deck-options", "flow", "--new-per-day", "ten")
    assert code == 2 and "a whole number from 0 to 100000, or default" in err
    code, _, err = run_cli(capsys, "study-more", "flow")
    assert code == 2
    assert err.strip() == (
        "studykb: error: studykb study-more: give --new N and/or --reviews N (above 0)"
    )
    code, _, err = run_cli(capsys, "deck-options", "nope")
    assert code != 0 and "no deck 'nope'" in err


def test_the_json_backup_carries_options_and_study_more(
    env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_cli(capsys, "import", *map(str, tree_decks(tmp_path / "decks")))
    run_cli(capsys, "deck-options", "flow", "--new-per-day", "1")
    run_cli(capsys, "study-more", "flow", "--new", "2", "--reviews", "1")
    out = tmp_path / "backup.json"
    assert run_cli(capsys, "export", str(out))[0] == 0
    kinds = [e["kind"] for e in json.loads(out.read_text(encoding="utf-8"))["events"]]
    assert kinds == ["deck_options", "study_more"]
    new = tmp_path / "new.db"
    code, _, err = run_cli(capsys, "--db", str(new), "import", str(out))
    assert code == 0, err
    assert (
        json.loads(run_cli(capsys, "--db", str(new), "due", "--json", "--deck", "flow")[1])["new"]
        == 3
    )
    # A backup with an options event that cannot be read is refused, naming it.
    data = json.loads(out.read_text(encoding="utf-8"))
    data["events"][0]["value"] = '{"new_per_day": "ten"}'
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data), encoding="utf-8")
    code, _, err = run_cli(capsys, "--db", str(tmp_path / "other.db"), "import", str(bad))
    assert code == 2 and "events[0]" in err and "new_per_day" in err
