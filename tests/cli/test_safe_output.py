"""Issue 10 item 12: the CLI neutralises card text as the TUI does, with one function,
and its JSON stays valid and faithful while no terminal obeys what it carries."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from studykb.render.safe_text import neutralise, safe_json
from tests.conftest import run_cli, write

HOSTILE_DECK = r"""
[deck]
id = "hostile"
title = "Hostile"

[[cards]]
id = "rlo"
front = "Open \u202egnp.exe now \u009b31m red \u001b[2J clear"
back = "Tab\tand\nnewline stay; DEL \u007f and \u2066isolate\u2069 do not."
source = "§1"
"""
QUESTION = "Open \u202egnp.exe now \u009b31m red \u001b[2J clear"
ANSWER = "Tab\tand\nnewline stay; DEL \u007f and \u2066isolate\u2069 do not."
UNSAFE = ("\u202e", "\u009b", "\u001b", "\u007f", "\u2066", "\u2069")


@pytest.fixture
def hostile(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("STUDYKB_DB", str(tmp_path / "cli.db"))
    monkeypatch.setenv("STUDYKB_NOW", "2026-01-05T10:00:00+01:00")
    monkeypatch.setenv("STUDYKB_NO_BUNDLED", "1")
    return write(tmp_path / "hostile.toml", HOSTILE_DECK)


def test_next_prints_controls_and_bidi_overrides_as_visible_escapes(
    hostile: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(capsys, "import", str(hostile))[0] == 0
    code, out, _ = run_cli(capsys, "next")
    assert code == 0
    assert not [ch for ch in UNSAFE if ch in out]
    assert "Open \\u202egnp.exe now \\u009b31m red \\u001b[2J clear" in out
    assert "Tab\tand\nnewline stay; DEL \\u007f and \\u2066isolate\\u2069 do not." in out


def test_next_json_is_valid_faithful_and_carries_no_raw_control(
    hostile: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(capsys, "import", str(hostile))[0] == 0
    code, out, _ = run_cli(capsys, "next", "--json")
    assert code == 0
    assert not [ch for ch in UNSAFE if ch in out]
    card = json.loads(out)
    assert card["question"] == QUESTION and card["answer"] == ANSWER
    assert "\\u202e" in out and "\\u009b" in out
    assert "§1" in out  # ordinary non-ASCII text stays readable, not escaped


def test_one_neutraliser_for_cli_and_tui_without_the_cli_loading_the_tui() -> None:
    from studykb import cli
    from studykb.tui import text

    assert cli._safe is neutralise and text.neutralise is neutralise
    assert not hasattr(cli, "_UNSAFE")
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, studykb.cli; print(sorted(sys.modules))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "studykb.tui" not in loaded and "textual" not in loaded


def test_neutralise_and_safe_json() -> None:
    assert neutralise("a\u202eb\u009bc\td\ne\u200ff") == "a\\u202eb\\u009bc\td\ne\\u200ff"
    data = {"q": "x\u009b\u202e\u0085y ∇ ϵ", "k\u202e": ["\u2067"]}
    dumped = safe_json(json.dumps(data, ensure_ascii=False))
    assert json.loads(dumped) == data
    assert dumped.isprintable() and "∇ ϵ" in dumped
