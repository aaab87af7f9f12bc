"""Reading progress: which paper to read next."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
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


def reading_order(papers: Sequence[PaperView]) -> list[PaperView]:
    """All papers in the order :func:`next_paper` would suggest them, each taken as
    read once suggested; papers the user has already read come last, in list order."""
    by_id = {p.paper_id: p for p in papers}
    taken: set[int] = set()
    ordered: list[PaperView] = []
    while len(taken) < len(by_id):
        view = [replace(p, status="read") if p.paper_id in taken else p for p in by_id.values()]
        choice = next_paper(view)
        if choice is None:
            rest = [p for p in by_id.values() if p.paper_id not in taken]
            ordered.extend(sorted(rest, key=lambda p: (p.position, p.paper_id)))
            break
        ordered.append(by_id[choice.paper_id])
        taken.add(choice.paper_id)
    return ordered
