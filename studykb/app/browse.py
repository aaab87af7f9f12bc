"""Finding cards and acting on a selection of them: the card browser and `studykb cards`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from studykb.app.store import UseCases
from studykb.app.views import BrowseSort, BrowseState, CardDetail, CardPage, CardView
from studykb.storage.events import ActionGroup


class Browser(UseCases):
    """Each method is one unit of work: a consistent read, or one atomic write."""

    def search(
        self,
        query: str = "",
        *,
        deck_id: str | None = None,
        state: BrowseState | None = None,
        tag: str | None = None,
        sort: BrowseSort = "due",
        limit: int | None = None,
        refresh: bool = True,
        flagged: bool = False,
        leech: bool = False,
        failed_today: bool = False,
    ) -> CardPage:
        """The cards matching every word of ``query`` (as a prefix, the last one) in
        their text as written or as shown, and every filter, in ``sort`` order.
        ``refresh``: first render the math of cards new or changed since the last
        search (a screen searching at each keystroke asks for it once, when opened).
        ``flagged``/``leech``/``failed_today``: only cards flagged to fix, tagged
        leech, forgotten today (practice mode's selections)."""
        repo = self._repo
        if refresh and self.math_pending():  # new or changed cards: render them first
            self.render_math()
        with self._reading():
            return repo.search_cards(
                query,
                deck_id=deck_id,
                state=state,
                tag=tag,
                sort=sort,
                limit=limit,
                flagged=flagged,
                leech=leech,
                failed_today=failed_today,
            )

    def math_pending(self) -> int:
        """How many cards' math is not yet searchable as shown ("ᾱ"): new or changed
        cards since the last search, every card after an upgrade."""
        with self._reading():
            return self._repo.rendered_pending()

    def render_math(self, batch: int | None = None) -> int:
        """Make the math of up to ``batch`` cards (all with None) searchable as shown,
        in one write; returns how many cards are still waiting."""
        with self._writing():
            return self._repo.refresh_rendered(batch)

    def detail(self, card_id: int) -> CardDetail:
        """A card and its whole history, read together."""
        repo = self._repo
        with self._reading():
            history = tuple(repo.log_for_card(card_id))
            return CardDetail(
                card=repo.card(card_id),
                history=history,
                voided=frozenset(a.voids for a in history if a.voids is not None),
            )

    def views(self, card_ids: Sequence[int]) -> list[CardView]:
        """Cards as review shows them (with their scheduler's state), in one read."""
        repo = self._repo
        with self._reading():
            return [repo.card(i) for i in card_ids]

    def bury(self, card_ids: Sequence[int]) -> date | None:
        """Hide cards until the next study day, all or none; the day they come back."""
        repo = self._repo
        until = None
        group = ActionGroup()  # one action: undo takes them all back
        with self._writing():
            for card_id in card_ids:
                until = repo.bury(card_id, group)
        return until
