"""Statistics over plain data: card states, streaks, retention."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
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


HEATMAP_WEEKS = 52
FORECAST_DAYS = 30
HISTORY_DAYS = 30


@dataclass(frozen=True, slots=True)
class StatsData:
    """Everything the statistics screen shows, for all decks or one."""

    today: date
    per_day: dict[date, int]  # answers per study day, last 52 weeks
    forecast: list[tuple[date, int]]  # cards due per day, today (with overdue) first
    reviews_30d: list[tuple[date, int]]
    young_retention: tuple[int, int]  # (passed, total), reviews of young cards, last 30 days
    mature_retention: tuple[int, int]
    cards_by_state: dict[CardStateName, int]
    easiness: list[tuple[float, int]]  # (EF bucket start, cards), reviewed cards

    def heatmap_weeks(self) -> list[list[tuple[date, int]]]:
        """Columns of 7 days (Monday first) covering the last 52 weeks up to today."""
        last_monday = self.today - timedelta(days=self.today.weekday())
        start = last_monday - timedelta(weeks=HEATMAP_WEEKS - 1)
        weeks = []
        for w in range(HEATMAP_WEEKS):
            monday = start + timedelta(weeks=w)
            weeks.append(
                [
                    (monday + timedelta(days=d), self.per_day.get(monday + timedelta(days=d), 0))
                    for d in range(7)
                ]
            )
        return weeks


def shade(count: int, maximum: int, levels: int = 4) -> int:
    """0 for no reviews, else 1..levels by share of the busiest day."""
    if count <= 0 or maximum <= 0:
        return 0
    return max(1, min(levels, -(-count * levels // maximum)))
