"""A collection: one opened studykb database with its use cases, the object the
CLI and the TUI hold."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

from studykb.app.authoring import Authoring
from studykb.app.browse import Browser
from studykb.app.deck_limits import DeckLimits
from studykb.app.decks import Decks
from studykb.app.drafts import Drafts
from studykb.app.formats import PreparedImport
from studykb.app.library import Library, known_deck_files, prepare_import
from studykb.app.maintenance import Maintenance
from studykb.app.reading import Reading
from studykb.app.review import Review
from studykb.app.schedulers import Schedulers
from studykb.app.statistics import Statistics
from studykb.app.store import Store, open_store
from studykb.app.sync import Sync
from studykb.core.clock import Clock
from studykb.settings import Settings
from studykb.storage.db import named


class Collection:
    """The use cases over one open database, grouped by what the user is doing."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self.review = Review(store)
        self.library = Library(store)
        self.reading = Reading(store)
        self.statistics = Statistics(store)
        self.maintenance = Maintenance(store)
        self.schedulers = Schedulers(store)
        self.browser = Browser(store)
        self.deck_limits = DeckLimits(store)
        self.authoring = Authoring(store)
        self.decks = Decks(store)
        self.drafts = Drafts(store)
        self.sync = Sync(store)

    @property
    def path(self) -> Path:
        return self._store.path

    @property
    def settings(self) -> Settings:
        return self._store.settings

    @property
    def clock(self) -> Clock:
        return self._store.repo.clock

    def now(self) -> datetime:
        return self._store.repo.clock.now()

    def apply_settings(self, settings: Settings) -> None:
        """Use new settings from now on (a new day-start hour from the next study day)."""
        self._store.settings = settings
        self._store.repo.limits = settings.limits
        self._store.repo.day_start_hour = settings.day_start_hour

    def media_file(self, name: str) -> Path | None:
        """The file of an image a card shows (by its stored name), None when missing."""
        from studykb.storage.media import media_file

        return media_file(self._store.path, name)

    def has_media(self) -> bool:
        """Whether any image has been imported (a directory listing, no query)."""
        from studykb.storage.media import has_media

        return has_media(self._store.path)

    def data_version(self) -> int:
        """Changes when another connection commits (SQLite's PRAGMA data_version):
        a cheap way for a screen to learn that its data may be stale."""
        try:
            version = named(self._store.repo.conn).execute("PRAGMA data_version").fetchone()
            return int(version["data_version"])
        except sqlite3.Error:
            return -1

    def close(self) -> None:
        self._store.close()


def open_collection(
    db_path: Path | None = None,
    *,
    clock: Clock | None = None,
    settings: Settings | None = None,
    seed_bundled: bool | None = None,
    daily_backup: bool = False,
) -> Collection:
    """Open (creating or upgrading) a database; see studykb.app.store.open_store."""
    return Collection(
        open_store(
            db_path,
            clock=clock,
            settings=settings,
            seed_bundled=seed_bundled,
            daily_backup=daily_backup,
        )
    )


__all__ = [
    "Collection",
    "PreparedImport",
    "known_deck_files",
    "open_collection",
    "prepare_import",
]
