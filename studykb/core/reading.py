"""Reading progress: which paper to read next."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

ReadingStatus = Literal["unread", "reading", "read"]
READING_STATUSES: tuple[ReadingStatus, ...] = ("unread", "reading", "read")


@dataclass(frozen=True, slots=True)
class PaperView:
    paper_id: int
    title: str
    status: ReadingStatus
    worth_reading: int | None
    position: int
    deck_id: str | None = None
    # deck ids of the papers best read first
    after: tuple[str, ...] = field(default=())


def next_paper(papers: Sequence[PaperView]) -> PaperView | None:
    """The highest worth-reading paper not yet read, in reading-list order; if it
    names papers best read first that are still unread, the first of those instead
    (followed back as far as it goes)."""
    by_deck = {p.deck_id: p for p in papers if p.deck_id}
    unread = [p for p in papers if p.status != "read"]
    if not unread:
        return None
    best = min(unread, key=lambda p: (-(p.worth_reading or 0), p.position, p.paper_id))
    seen: set[int] = set()
    current = best
    while current.paper_id not in seen:
        seen.add(current.paper_id)
        prerequisites = [
            by_deck[d] for d in current.after if d in by_deck and by_deck[d].status != "read"
        ]
        if not prerequisites:
            return current
        current = min(
            prerequisites, key=lambda p: (-(p.worth_reading or 0), p.position, p.paper_id)
        )
    return current
