"""Each deck's daily limits and new-card order, and "study more" for today (issue
16 item 13): one unit of work each, over events (see storage.deck_options)."""

from __future__ import annotations

from dataclasses import dataclass

from studykb.app.store import UseCases
from studykb.core.deck_limits import DeckOptions, StudyMore
from studykb.core.queue import Limits


@dataclass(frozen=True, slots=True)
class DeckLimitsView:
    deck_id: str
    options: DeckOptions  # as set (None fields: Settings')
    defaults: Limits  # Settings' limits
    limits: Limits  # what applies: the options over Settings'
    more: StudyMore  # what study-more added today


class DeckLimits(UseCases):
    def view(self, deck_id: str) -> DeckLimitsView:
        repo = self._repo
        with self._reading():
            options = repo.deck_options(deck_id)
            limits, more = repo.deck_limits(deck_id)
            return DeckLimitsView(deck_id, options, repo.limits, limits, more)

    def by_deck(self) -> dict[str, DeckOptions]:
        """The options of every deck that has some."""
        with self._reading():
            return self._repo.deck_options_by_deck()

    def set(self, deck_id: str, options: DeckOptions) -> bool:
        """Record a deck's options; False when nothing changed."""
        with self._writing():
            return self._repo.set_deck_options(deck_id, options)

    def study_more(self, deck_id: str, more: StudyMore) -> StudyMore:
        """Raise the deck's limits for today only; returns today's raise in all."""
        with self._writing():
            return self._repo.study_more(deck_id, more)
