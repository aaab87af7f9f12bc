"""What the screens may ask of the application that holds them.

The screens depend on this protocol, never on studykb.tui.app: app.py alone
imports the screens, so there is no import circle between them.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from studykb.app.collection import Collection
    from studykb.core.clock import Clock
    from studykb.settings import Settings


class StudyShell(Protocol):
    collection: Collection
    clock: Clock
    config_path: Path

    def go(self, destination: str) -> None:
        """Open a destination of studykb.tui.navigation by its id."""

    def start_review(self, deck_id: str | None, tag: str | None = None) -> None: ...

    def open_deck_options(self, deck_id: str) -> None: ...

    def open_study_more(self, deck_id: str) -> None: ...

    def open_cards(self, card_id: int | None = None) -> None:
        """The card browser; from review, over it, with ``card_id`` highlighted."""

    def apply_settings(self, settings: Settings) -> None: ...

    def data_state(self) -> tuple[int, int, date]:
        """Changes whenever what the screens show may have changed: a write made
        here (announced by a message), a commit by another connection, a new
        study day. A screen compares it with the one it last showed."""
        ...
