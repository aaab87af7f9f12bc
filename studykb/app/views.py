"""The view models the use cases return: what a screen or a command shows.

Records of a single aggregate are the storage layer's frozen dataclasses, handed
on under these names (they carry no behaviour and no connection); a view that
brings several aggregates together is defined here. The interfaces import view
types from this module only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from studykb.core.queue import DayQueue
from studykb.core.scheduler import QUALITIES, QUALITY_LABELS, QUALITY_MEANINGS
from studykb.core.scheduling.ratings import RATING_LABELS, RATING_MEANINGS, RATINGS
from studykb.core.stats import StatsData
from studykb.storage.backup import BackupFile
from studykb.storage.counts import DeckDue, DueCounts
from studykb.storage.drafts import DraftRow
from studykb.storage.repository import (
    Answer,
    CardView,
    CheckReport,
    DeckSummary,
    PaperRow,
    Stats,
)
from studykb.storage.search import (
    BROWSE_SORTS,
    BROWSE_STATES,
    BrowseSort,
    BrowseState,
    CardPage,
    CardRow,
)

__all__ = [
    "BROWSE_SORTS",
    "BROWSE_STATES",
    "Answer",
    "BackupFile",
    "BrowseSort",
    "BrowseState",
    "CardDetail",
    "CardPage",
    "CardRow",
    "CardView",
    "CheckReport",
    "DayQueue",
    "DeckDue",
    "DeckSummary",
    "DraftRow",
    "DueCounts",
    "GradeKey",
    "Overview",
    "PaperRow",
    "ReviewStep",
    "Stats",
    "StatsData",
]


@dataclass(frozen=True, slots=True)
class Overview:
    """Today at a glance: the home screen and `studykb status`."""

    due: DueCounts
    tomorrow: DueCounts | None  # counted only when today holds nothing more
    stats: Stats
    decks: dict[str, DeckSummary]  # by deck id
    papers: tuple[PaperRow, ...]
    suggestion: PaperRow | None

    @property
    def papers_read(self) -> int:
        return sum(p.status == "read" for p in self.papers)


@dataclass(frozen=True, slots=True)
class GradeKey:
    rating: int
    label: str
    meaning: str


SM2_GRADES = tuple(GradeKey(q, QUALITY_LABELS[q], QUALITY_MEANINGS[q]) for q in QUALITIES)
FSRS_GRADES = tuple(GradeKey(r, RATING_LABELS[r], RATING_MEANINGS[r]) for r in RATINGS)


@dataclass(frozen=True, slots=True)
class ReviewStep:
    """The card to show next in a review session, with what the screen needs of it."""

    card: CardView
    queue: DayQueue
    drill: bool  # answering it now changes nothing (SM-2 rule 7)
    # How long until the card is due again after each grade (minutes for FSRS's
    # steps, whole days otherwise); None for a drill.
    waits: dict[int, timedelta] | None
    today: date
    # The grades after which the card comes back today as a drill (SM-2 rule 7).
    again_today: frozenset[int] = frozenset()
    # The card's scale: each grade key with its label and meaning (SM-2 0-5, FSRS 1-4).
    grades: tuple[GradeKey, ...] = ()


@dataclass(frozen=True, slots=True)
class CardDetail:
    """One card with its whole history, for the card browser's panel."""

    card: CardView
    history: tuple[Answer, ...]  # oldest first; undo rows (kind 'void') included
    voided: frozenset[str]  # uids of the answers an undo took back
