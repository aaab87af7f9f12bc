"""Decks you own (issue 12 items 3-4): a new deck for a paper of the reading list,
renamed, retired with its cards (history kept) or purged after a backup; a paper
added to the reading list by hand. Each is one unit of work and one action of events:
`studykb undo` (Authoring.undo_last) takes back a creation, a rename, a retirement
with its cards, or a return; a purge cannot be undone."""

from __future__ import annotations

import re
from dataclasses import dataclass

from studykb.app.store import UseCases, backup_before
from studykb.errors import BadInputError

_DECK_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{0,79}$")


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-")
    return slug[:60].rstrip("-")


@dataclass(frozen=True, slots=True)
class DeckMade:
    deck_id: str
    title: str
    paper: str  # the paper's slug, '' for none

    @property
    def sentence(self) -> str:
        linked = f" for paper {self.paper}" if self.paper else ""
        return f"Created deck {self.deck_id} ({self.title}){linked}"


class Decks(UseCases):
    def new_deck(
        self, paper: str | None, deck_id: str | None = None, title: str | None = None
    ) -> DeckMade:
        """An empty deck linked to ``paper`` (slug, id, URL or deck id of the reading
        list): its id defaults to the paper's slug (made free with -2, -3 ...), its
        title to the paper's title."""
        with self._writing():
            paper_id = self._repo.find_paper(paper) if paper else None
            row = (
                next(p for p in self._repo.papers() if p.id == paper_id)
                if paper_id is not None
                else None
            )
            title = (title or "").strip() or (row.title if row else "")
            if not title:
                raise BadInputError(["new-deck: a deck without a paper needs --title"])
            if deck_id is None:
                deck_id = self.free_deck_id(row.slug if row else _slug(title) or "deck")
            elif not _DECK_ID.match(deck_id):
                raise BadInputError(
                    [f"new-deck: --id {deck_id!r}: lowercase letters, digits, '-', '_', '.'"]
                )
            self._repo.create_deck(deck_id, title, paper_id)
            return DeckMade(deck_id, title, row.slug if row else "")

    def free_deck_id(self, wanted: str) -> str:
        wanted = wanted if _DECK_ID.match(wanted) else (_slug(wanted) or "deck")
        candidate, n = wanted, 2
        while self._repo.deck_exists(candidate):
            candidate, n = f"{wanted}-{n}", n + 1
        return candidate

    def rename(self, deck_id: str, title: str) -> str:
        title = " ".join(title.split())
        if not title:
            raise BadInputError([f"rename-deck {deck_id}: the title is empty"])
        with self._writing():
            changed = self._repo.rename_deck(deck_id, title)
        return f"Renamed deck {deck_id} to {title}" if changed else f"Deck {deck_id} is {title}"

    def retire(self, deck_id: str) -> str:
        with self._writing():
            n = self._repo.retire_deck(deck_id)
        return (
            f"Retired deck {deck_id} and its {n} cards (history kept; `studykb undo` "
            f"or `studykb retire-deck {deck_id} --undo` brings them back)"
        )

    def unretire(self, deck_id: str) -> str:
        """The deck and the cards its last retirement hid come back, as an action of
        its own (`studykb undo` retires them again)."""
        with self._writing():
            n = self._repo.unretire_deck(deck_id)
        return f"Brought back deck {deck_id} and its {n} cards"

    def purge(self, deck_id: str) -> str:
        """Delete a deck for real, cards and history with it: retired first if it is
        not, after a backup of the whole database."""
        with self._reading():
            _title, _paper, retired = self._repo.deck_row(deck_id)
        saved = backup_before(self._repo, self._store.path, "purge")
        with self._writing():
            if retired is None:
                self._repo.retire_deck(deck_id)
            n = self._repo.purge_deck(deck_id)
        where = f"; backup {saved}" if saved else ""
        return f"Purged deck {deck_id} and its {n} cards{where}"

    def add_paper(self, title: str, url: str, worth_reading: int | None = None) -> str:
        """A paper added to the reading list by hand; returns its slug."""
        title = " ".join(title.split())
        url = url.strip()
        problems = []
        if not title:
            problems.append("paper: title: empty")
        if not url or " " in url:
            problems.append("paper: url: empty or with spaces")
        if worth_reading is not None and not 1 <= worth_reading <= 3:
            problems.append("paper: worth reading: 1, 2 or 3")
        if problems:
            raise BadInputError(problems)
        with self._writing():
            return self._repo.add_paper(_slug(title) or "paper", title, url, worth_reading)
