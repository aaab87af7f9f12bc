"""What every studykb screen shares: the app it lives in, seen through a protocol
(studykb.tui.shell, so no screen imports studykb.tui.app), and safe use-case calls."""

from __future__ import annotations

import os
import sqlite3
import sys
import webbrowser
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar, cast

from textual.screen import Screen
from textual.widget import Widget

from studykb.errors import StudykbError
from studykb.tui.messages import ActionUndone

if TYPE_CHECKING:
    from studykb.app.collection import Collection
    from studykb.tui.shell import StudyShell

T = TypeVar("T")


class StudyScreen(Screen[None]):
    @property
    def study(self) -> StudyShell:
        return cast("StudyShell", self.app)

    @property
    def collection(self) -> Collection:
        return self.study.collection

    def guarded(self, action: Callable[[], T]) -> T | None:
        """Run a use case; a user-facing error becomes a notification, not a crash."""
        return guarded(self, action)

    def attempt(self, action: Callable[[], object]) -> bool:
        """Like :meth:`guarded` for calls that return nothing: True if it worked."""
        return attempt(self, action)

    def undo_last_action(self) -> str | None:
        """`u`: take back the last action of any kind (an answer, a suspension, a
        bury, a flag, an edit, an addition, a retirement) and say which; None if
        there was nothing to undo or it failed (the user is told either way)."""
        done, sentence = self.guarded(lambda: (True, self.collection.authoring.undo_last())) or (
            False,
            None,
        )
        if sentence is None:
            if done:  # (an error was already shown)
                self.notify("Nothing to undo.", timeout=2)
            return None
        self.post_message(ActionUndone(sentence))
        self.notify(sentence, timeout=4, markup=False)
        return sentence

    def open_or_show_url(self, url: str) -> None:
        """Open a paper's URL in the browser when there is one; always show it and
        copy it to the clipboard (OSC 52), so that over ssh or on a headless
        machine the key still gives the user the link (issue 16 item 2)."""
        self.app.copy_to_clipboard(url)
        if self.app.is_web or browser_available():
            self.app.open_url(url)
            self.notify(f"Opened {url} (copied to the clipboard)", timeout=4, markup=False)
        else:
            self.notify(
                f"No browser here; the link is copied to the clipboard:\n{url}",
                timeout=10,
                markup=False,
            )


def guarded(widget: Widget, action: Callable[[], T]) -> T | None:
    """Run a use case from any screen or modal; a user-facing error becomes a
    notification on ``widget``, not a crash. None when it failed."""
    try:
        return action()
    except StudykbError as exc:
        widget.notify(exc.message, severity="error", markup=False)
    except sqlite3.OperationalError as exc:
        widget.notify(f"database busy or unavailable: {exc}", severity="error", markup=False)
    return None


def attempt(widget: Widget, action: Callable[[], object]) -> bool:
    """Like :func:`guarded` for calls whose result is not needed: True if it worked."""
    return bool(guarded(widget, lambda: (action(), True)[1]))


def browser_available() -> bool:
    """A graphical browser this process can start: none over ssh, none on a Linux
    without a display (there webbrowser would start a console browser, inside the TUI)."""
    if os.environ.get("SSH_CONNECTION") or os.environ.get("SSH_TTY"):
        return False
    if sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    ):
        return False
    try:
        webbrowser.get()
    except webbrowser.Error:
        return False
    return True
