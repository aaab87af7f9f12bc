"""Statistics over plain data: card states, streaks, retention."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Literal

MATURE_INTERVAL = 21

CardStateName = Literal["new", "learning", "young", "mature", "suspended", "retired"]
CARD_STATES: tuple[CardStateName, ...] = (
    "new",
    "learning",
    "young",
    "mature",
    "suspended",
    "retired",
)


def classify(
    *, reviewed: bool, repetitions: int, interval: int, suspended: bool, retired: bool
) -> CardStateName:
    """new: never reviewed; learning: reviewed, last grade a failure (SM-2 restarts
    from I(1)); young: learned, interval under 21 days; mature: 21 days or more.
    Retired and suspended cards are counted apart, whatever their schedule."""
    if retired:
        return "retired"
    if suspended:
        return "suspended"
    if not reviewed:
        return "new"
    if repetitions == 0:
        return "learning"
    return "mature" if interval >= MATURE_INTERVAL else "young"


def streak(days_with_reviews: Iterable[date], today: date) -> int:
    """Consecutive study days with at least one answer, ending today, or
    yesterday while today has none yet (the streak is not lost until the day ends)."""
    days = set(days_with_reviews)
    cursor = today if today in days else today - timedelta(days=1)
    count = 0
    while cursor in days:
        count += 1
        cursor -= timedelta(days=1)
    return count


def retention(passed: int, total: int) -> float | None:
    """Share of reviews graded 3 or more; None when there were none."""
    return None if total == 0 else passed / total
