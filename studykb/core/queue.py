"""The day's queue: due reviews, then new cards, then SM-2's same-day drills.

The store hands over candidates already filtered and ordered by indexed
queries (and no more of them than the limits allow); this module decides
what the day holds, so the rules live in one pure place.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

QueueKind = Literal["review", "new", "drill"]


@dataclass(frozen=True, slots=True)
class Limits:
    """Daily limits (validated where they are read, in the settings file)."""

    new_per_day: int = 20
    reviews_per_day: int = 200


@dataclass(frozen=True, slots=True)
class DueCard:
    card_id: int
    due: date


@dataclass(frozen=True, slots=True)
class NewCard:
    """Card ids follow the order cards were added: deck by deck, in file order."""

    card_id: int


@dataclass(frozen=True, slots=True)
class DoneToday:
    """What the study day already holds, counted from the review log."""

    reviews: int = 0
    new: int = 0


@dataclass(frozen=True, slots=True)
class QueueEntry:
    card_id: int
    kind: QueueKind


@dataclass(frozen=True, slots=True)
class DayQueue:
    reviews: tuple[int, ...]
    new: tuple[int, ...]
    drills: tuple[int, ...]

    @property
    def entries(self) -> tuple[QueueEntry, ...]:
        return (
            tuple(QueueEntry(c, "review") for c in self.reviews)
            + tuple(QueueEntry(c, "new") for c in self.new)
            + tuple(QueueEntry(c, "drill") for c in self.drills)
        )

    def __len__(self) -> int:
        return len(self.reviews) + len(self.new) + len(self.drills)


def remaining_reviews(limits: Limits, done: DoneToday) -> int:
    return max(0, limits.reviews_per_day - done.reviews)


def remaining_new(limits: Limits, done: DoneToday) -> int:
    return max(0, limits.new_per_day - done.new)


def build_queue(
    due: list[DueCard],
    new: list[NewCard],
    drills: list[int],
    limits: Limits,
    done: DoneToday,
) -> DayQueue:
    """Due reviews (most overdue first, then in the order they were added), capped by
    what is left of the review limit; new cards in the order they were added (deck
    by deck, in file order), capped by what is left of the new limit; then the
    drills pending today (cards graded below 4 today)."""
    drill_set = set(drills)
    reviews = sorted(
        (c for c in due if c.card_id not in drill_set), key=lambda c: (c.due, c.card_id)
    )[: remaining_reviews(limits, done)]
    fresh = sorted((c for c in new if c.card_id not in drill_set), key=lambda c: c.card_id)[
        : remaining_new(limits, done)
    ]
    return DayQueue(
        reviews=tuple(c.card_id for c in reviews),
        new=tuple(c.card_id for c in fresh),
        drills=tuple(drills),
    )
