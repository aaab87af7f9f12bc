"""A TUI that crashes exits with a non-zero status (Textual only records it)."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

from studykb.cli import Context, _run_tui
from studykb.tui.app import StudyApp


def test_the_tui_exits_non_zero_after_an_unhandled_crash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STUDYKB_NO_BUNDLED", "1")

    def crash(self: StudyApp) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(StudyApp, "on_mount", crash)
    monkeypatch.setattr(StudyApp, "run", functools.partialmethod(StudyApp.run, headless=True))
    context = Context(tmp_path / "tui.db")
    try:
        with pytest.raises(SystemExit) as exited:
            _run_tui(context)
    finally:
        context.close()
    assert exited.value.code == 1


def test_a_tui_that_quits_normally_returns(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STUDYKB_NO_BUNDLED", "1")
    monkeypatch.setattr(StudyApp, "on_mount", lambda self: self.exit())
    monkeypatch.setattr(StudyApp, "run", functools.partialmethod(StudyApp.run, headless=True))
    context = Context(tmp_path / "tui.db")
    try:
        _run_tui(context)
    finally:
        context.close()
