"""Drafts from a paper's LaTeX source (issue 12 item 5): `draft` reads the source
(decks.latex_source), makes draft cards with provenance (decks.latex_drafts) and
stores them for the paper's deck; they never enter the review queue. Accepting a
draft makes a real card through the authoring use case (`Authoring.add`), in the
same unit of work and the same action that marks the draft accepted (`studykb undo`
takes both back); dropping one only marks it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from studykb.app.authoring import Authoring, CardFields
from studykb.app.decks import Decks
from studykb.app.store import UseCases
from studykb.app.views import DraftRow
from studykb.errors import BadInputError
from studykb.storage.drafts import NewDraft

DRAFT_TAG = "drafted"


@dataclass(frozen=True, slots=True)
class DraftReport:
    """What `studykb draft` did."""

    deck_id: str
    paper: str  # the paper's slug
    main: str  # the main file found in the source
    title: str  # the title the source gives
    sections: int
    equations: int
    statements: int
    added: int
    skipped: int  # drafted before (same front and back)
    deck_created: bool

    @property
    def sentence(self) -> str:
        made = f" (new deck {self.deck_id})" if self.deck_created else ""
        again = f", {self.skipped} drafted before" if self.skipped else ""
        return (
            f"Drafted {self.added} cards for {self.deck_id}{made} from {self.main}: "
            f"{self.sections} sections, {self.equations} numbered equations, "
            f"{self.statements} statements{again}; see `studykb drafts`"
        )


class Drafts(UseCases):
    def draft(self, source: Path, paper: str, deck_id: str | None = None) -> DraftReport:
        """Read ``source`` (nothing is written when it is refused) and store its drafts
        for ``paper``'s deck: ``deck_id``, else the paper's deck, made if missing."""
        # The LaTeX reader (pylatexenc's walker) loads here: opening a collection, which
        # every command does, needs none of it.
        from studykb.decks.latex_drafts import draft_cards, short_title
        from studykb.decks.latex_source import load_paper

        extracted = load_paper(source)
        with self._writing():
            paper_id = self._repo.find_paper(paper)
            row = next(p for p in self._repo.papers() if p.id == paper_id)
            created = False
            if deck_id is None:
                deck_id = row.deck_id
                if deck_id is None:
                    deck_id = Decks(self._store).new_deck(row.slug).deck_id
                    created = True
            else:
                _title, _paper, retired = self._repo.deck_row(deck_id)
                if retired is not None:
                    raise BadInputError([f"deck {deck_id!r} is retired"])
            cards = draft_cards(extracted, short_title(row.title, row.slug))
            added, skipped = self._repo.add_drafts(
                deck_id,
                paper_id,
                [NewDraft(c.kind, c.front, c.back, c.source) for c in cards],
                f"{source.name}:{extracted.main}",
            )
            return DraftReport(
                deck_id=deck_id,
                paper=row.slug,
                main=extracted.main,
                title=extracted.title,
                sections=len(extracted.sections),
                equations=len(extracted.equations),
                statements=len(extracted.statements),
                added=added,
                skipped=skipped,
                deck_created=created,
            )

    def pending(self) -> list[DraftRow]:
        with self._reading():
            return self._repo.drafts("pending")

    def get(self, draft_id: int) -> DraftRow:
        with self._reading():
            return self._repo.draft(draft_id)

    def accept(self, ids: Sequence[int], edited: CardFields | None = None) -> list[str]:
        """Make a card of each draft (through Authoring.add; ``edited``: the fields the
        editor returned, for a single draft) and mark it accepted, all in one unit of
        work and one action (`studykb undo` takes back the cards and the drafts' status
        together). Returns the new cards' references."""
        if edited is not None and len(ids) != 1:
            raise BadInputError(["drafts accept: edited fields are for one draft at a time"])
        refs: list[str] = []
        with self._writing(), self._repo.one_action():
            for draft_id in ids:
                draft = self._repo.draft(draft_id)
                if draft.status != "pending":
                    raise BadInputError([f"draft {draft_id}: already {draft.status}"])
                fields = edited or self.fields(draft)
                saved = Authoring(self._store).add(draft.deck_id, fields)
                self._repo.decide_draft(draft_id, "accepted", ",".join(saved.refs))
                refs.extend(saved.refs)
        return refs

    def drop(self, ids: Sequence[int]) -> int:
        """Drop drafts, one action (undone together)."""
        with self._writing(), self._repo.one_action():
            for draft_id in ids:
                self._repo.decide_draft(draft_id, "dropped")
        return len(ids)

    @staticmethod
    def fields(draft: DraftRow) -> CardFields:
        """The card a draft makes as it stands (what the editor opens with)."""
        return CardFields(
            front=draft.front, back=draft.back, tags=(DRAFT_TAG,), source=draft.source
        )
