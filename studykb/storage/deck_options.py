"""Each deck's daily limits and new-card order, and "study more" (issue 16 item 13).

Both are events on the deck's target ``deck:<id>``: kind ``deck_options`` (the
options as JSON; the last one is the deck's, none: Settings' limits, deck order)
and kind ``study_more`` (how many more new cards and reviews, JSON; its study day
is the day it raises, every one of that day adds up). Nothing else stores them:
the queue and the counts read the events (storage.counts.deck_settings).
"""

from __future__ import annotations

from studykb.core.deck_limits import DeckOptions, StudyMore
from studykb.core.queue import Limits
from studykb.errors import BadInputError
from studykb.storage.base import RepositoryBase
from studykb.storage.counts import deck_settings
from studykb.storage.db import unit_of_work
from studykb.storage.events import append_event
from studykb.storage.schedulers import deck_target


class DeckOptionsStore(RepositoryBase):
    """The repository's part for the decks' limits."""

    def deck_options(self, deck_id: str) -> DeckOptions:
        """The deck's options (the defaults, Settings' limits, when never set)."""
        self._require_deck(deck_id)
        return deck_settings(self.conn, None).options.get(deck_id, DeckOptions())

    def deck_options_by_deck(self) -> dict[str, DeckOptions]:
        """The options of every deck that has some."""
        return deck_settings(self.conn, None).options

    def deck_limits(self, deck_id: str) -> tuple[Limits, StudyMore]:
        """The deck's limits and what study-more added to them today."""
        self._require_deck(deck_id)
        settings = deck_settings(self.conn, self.today())
        limits = settings.options.get(deck_id, DeckOptions()).limits(self.limits)
        return limits, settings.more.get(deck_id, StudyMore())

    def set_deck_options(self, deck_id: str, options: DeckOptions) -> bool:
        """Record the deck's new options (an event); False when they are unchanged."""
        self._require_deck(deck_id)
        with unit_of_work(self.conn):
            current = deck_settings(self.conn, None).options
            if current.get(deck_id, DeckOptions()) == options:
                return False  # a deck without options already has the defaults
            append_event(
                self.conn,
                self._moment_for_write(),
                "deck_options",
                deck_target(deck_id),
                options.to_json(),
            )
        return True

    def study_more(self, deck_id: str, more: StudyMore) -> StudyMore:
        """Raise the deck's limits for today's study day only (an event); returns how
        far they are raised today in all."""
        self._require_deck(deck_id)
        if more == StudyMore():
            raise BadInputError(["study more: give a number of new cards or reviews above 0"])
        with unit_of_work(self.conn):
            moment = self._moment_for_write()
            append_event(self.conn, moment, "study_more", deck_target(deck_id), more.to_json())
            return deck_settings(self.conn, moment.study_day).more.get(deck_id, StudyMore())
