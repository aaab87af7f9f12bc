"""What every studykb screen shares: the app it lives in, seen through a protocol
(studykb.tui.shell, so no screen imports studykb.tui.app), and safe use-case calls."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar, cast

from textual.screen import Screen

from studykb.errors import StudykbError

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
        try:
            return action()
        except StudykbError as exc:
            self.notify(exc.message, severity="error", markup=False)
        except sqlite3.OperationalError as exc:
            self.notify(f"database busy or unavailable: {exc}", severity="error", markup=False)
        return None

    def attempt(self, action: Callable[[], object]) -> bool:
        """Like :meth:`guarded` for calls that return nothing: True if it worked."""
        done = self.guarded(lambda: (action(), True)[1])
        return bool(done)
