from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from tests.conftest import SMALL_DECK, run_cli, write

NOW = "2026-01-05T10:00:00+01:00"


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    db = tmp_path / "cli.db"
    monkeypatch.setenv("STUDYKB_DB", str(db))
    monkeypatch.setenv("STUDYKB_NOW", NOW)
    monkeypatch.setenv("STUDYKB_NO_BUNDLED", "1")
    return db


run = run_cli


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_import_then_due_decks_stats_json(
    env: Path, small_deck: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "import", str(small_deck.parent))
    assert code == 0, err
    assert "imported deck toy: 4 added, 0 updated, 0 unchanged, 0 retired" in out
    code, out, _ = run(capsys, "import", str(small_deck))
    assert "0 added, 0 updated, 4 unchanged, 0 retired" in out

    code, out, _ = run(capsys, "due", "--json")
    due = json.loads(out)
    assert due == {
        "day": "2026-01-05",
        "reviews": 0,
        "new": 4,
        "drills": 0,
        "total": 4,
        "decks": [{"id": "toy", "title": "Toy deck", "reviews": 0, "new": 4}],
    }
    code, out, _ = run(capsys, "next", "--json")
    card = json.loads(out)
    assert card["ref"] == "toy/one" and card["question"] == "Question one?"
    code, out, _ = run(capsys, "answer", "toy/one", "5")
    assert code == 0 and "review" in out and "I=1d due 2026-01-06" in out

    code, out, _ = run(capsys, "due", "--on", "2026-01-06", "--json")
    assert json.loads(out)["reviews"] == 1

    code, out, _ = run(capsys, "decks", "--json")
    [deck] = json.loads(out)
    assert (deck["id"], deck["cards"], deck["learned"], deck["new_today"]) == ("toy", 4, 1, 3)

    code, out, _ = run(capsys, "stats", "--json")
    stats = json.loads(out)
    assert stats["reviews_today"] == 1 and stats["streak"] == 1
    assert stats["retention_30d"] is None  # a first answer is not counted (issue 16 item 7)
    assert stats["cards_by_state"] == {
        "new": 3,
        "learning": 0,
        "young": 1,
        "mature": 0,
        "suspended": 0,
        "retired": 0,
    }

    code, out, _ = run(capsys, "papers", "--json")
    [paper] = json.loads(out)
    assert (paper["slug"], paper["status"], paper["deck"], paper["cards"]) == (
        "toy",
        "unread",
        "toy",
        4,
    )
    code, out, _ = run(capsys, "papers", "set", "https://arxiv.org/pdf/2001.00001v2", "read")
    assert code == 0 and out.strip() == "toy: read"
    code, out, _ = run(capsys, "papers", "--json")
    assert json.loads(out)[0]["read_on"] == "2026-01-05"

    code, out, _ = run(capsys, "check")
    assert code == 0 and "ok:" in out
    code, out, _ = run(capsys, "undo")
    assert code == 0 and out.strip() == "Undone: answer to toy/one (grade 5)"
    code, out, _ = run(capsys)
    assert code == 0 and "Toy deck" in out and "Reading: 1 of 1 read" in out


@pytest.mark.parametrize(
    "bad",
    [
        '[deck]\nid = "toy"\ntitle = \n',
        SMALL_DECK.replace('front = "Question two?"', 'front = ""'),
        SMALL_DECK.replace('id = "two"', 'id = "one"'),
        SMALL_DECK.replace("{{c2::", "{{c2:"),
        SMALL_DECK.replace("year = 2020", 'year = "2020"'),
    ],
)
def test_bad_deck_leaves_database_byte_for_byte_unchanged(
    env: Path, small_deck: Path, tmp_path: Path, bad: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "import", str(small_deck))[0] == 0
    before = digest(env)
    other = write(tmp_path / "other" / "ok.toml", SMALL_DECK.replace('id = "toy"', 'id = "toy2"'))
    broken = write(tmp_path / "other" / "broken.toml", bad)
    code, out, err = run(capsys, "import", str(other), str(broken))
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert lines and all(line.startswith(f"studykb: error: {broken}: ") for line in lines)
    assert "Traceback" not in err
    assert digest(env) == before
    code, out, _ = run(capsys, "decks", "--json")
    assert [d["id"] for d in json.loads(out)] == ["toy"]


def test_dry_run_writes_nothing(
    env: Path, small_deck: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "import", str(small_deck))
    before = digest(env)
    code, out, _ = run(capsys, "import", "--dry-run", str(small_deck))
    assert code == 0 and "would import deck toy" in out
    assert digest(env) == before


def test_errors_are_one_line(env: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, "import", str(tmp_path / "missing.toml"))
    assert (
        code == 2
        and err.strip() == f"studykb: error: {tmp_path / 'missing.toml'}: no such file or directory"
    )
    code, _, err = run(capsys, "papers", "set", "nope", "read")
    assert code == 1 and err.strip().startswith("studykb: error: no paper 'nope'")
    code, _, err = run(capsys, "due", "--deck", "nope")
    assert code == 1 and "no deck 'nope'" in err
    code, _, err = run(capsys, "answer", "x/y", "7")
    assert code == 2 and "Traceback" not in err


def test_bad_settings_name_the_key(
    env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = write(tmp_path / "config.toml", "new_per_day = -3\nday_start_hour = 4\n")
    monkeypatch.setenv("STUDYKB_CONFIG", str(cfg))
    code, _, err = run(capsys, "due")
    assert code == 2
    assert err.strip() == (
        f"studykb: error: {cfg}: new_per_day: Input should be greater than or equal to 0"
    )
    write(cfg, "new_per_dya = 3\n")
    code, _, err = run(capsys, "due")
    assert err.strip() == f"studykb: error: {cfg}: new_per_dya: unknown setting"


def test_settings_limits_apply(
    env: Path,
    small_deck: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    cfg = write(tmp_path / "config.toml", "new_per_day = 2\n")
    monkeypatch.setenv("STUDYKB_CONFIG", str(cfg))
    run(capsys, "import", str(small_deck))
    _code, out, _ = run(capsys, "due", "--json")
    assert json.loads(out)["new"] == 2


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--version")
    assert code == 0 and "studykb, version 0.1.0" in out


def test_first_run_imports_bundled_decks(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("STUDYKB_DB", str(tmp_path / "fresh.db"))
    monkeypatch.setenv("STUDYKB_NOW", NOW)
    code, out, _ = run(capsys, "decks", "--json")
    assert code == 0
    decks = {d["id"]: d for d in json.loads(out)}
    assert "ddim" in decks and decks["ddim"]["cards"] >= 10
    # A second run imports nothing again: card counts are stable.
    _code, out2, _ = run(capsys, "decks", "--json")
    assert out2 == out


def test_suspend_and_unsuspend(
    env: Path, small_deck: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "import", str(small_deck))
    assert run(capsys, "suspend", "toy/one", "toy/two")[0] == 0
    assert json.loads(run(capsys, "due", "--json")[1])["new"] == 2
    code, out, _ = run(capsys, "unsuspend", "--deck", "toy")
    assert code == 0 and out.strip() == "unsuspended 2 cards"
    assert json.loads(run(capsys, "due", "--json")[1])["new"] == 4
    code, _, err = run(capsys, "unsuspend")
    assert code == 1 and "name cards" in err


def test_unchanged_files_are_recognised_without_parsing(
    env: Path, small_deck: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "import", str(small_deck))
    code, out, _ = run(capsys, "import", str(small_deck))
    assert code == 0 and out.strip().endswith(
        "deck toy: 0 added, 0 updated, 4 unchanged, 0 retired (file unchanged)"
    )
    # Other bytes, same cards: parsed, still unchanged, and remembered.
    small_deck.write_text(
        small_deck.read_text(encoding="utf-8") + "\n# a comment\n", encoding="utf-8"
    )
    code, out, _ = run(capsys, "import", str(small_deck))
    assert "4 unchanged" in out and "(file unchanged)" not in out
    code, out, _ = run(capsys, "import", str(small_deck))
    assert "(file unchanged)" in out
    # A known file named twice, or beside another file of the same deck, is still an error.
    code, _, err = run(capsys, "import", str(small_deck), str(small_deck))
    assert code == 2 and "is also defined in" in err


def test_suspend_is_all_or_none(
    env: Path, small_deck: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """One command, one unit of work: a bad reference suspends nothing, not the
    cards named before it."""
    run(capsys, "import", str(small_deck))
    code, out, err = run(capsys, "suspend", "toy/one", "toy/nope")
    assert code != 0 and out == "" and "toy/nope" in err
    assert json.loads(run(capsys, "due", "--json")[1])["new"] == 4
