"""What every studykb screen shares: typed access to the app and safe store calls."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from textual.screen import Screen

from studykb.errors import StudykbError

if TYPE_CHECKING:
    from studykb.storage.repository import Repository
    from studykb.tui.app import StudyApp

T = TypeVar("T")


class StudyScreen(Screen[None]):
    @property
    def study(self) -> StudyApp:
        from studykb.tui.app import StudyApp

        assert isinstance(self.app, StudyApp)
        return self.app

    @property
    def repo(self) -> Repository:
        return self.study.store.repo

    def guarded(self, action: Callable[[], T]) -> T | None:
        """Run a store call; a user-facing error becomes a notification, not a crash."""
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
