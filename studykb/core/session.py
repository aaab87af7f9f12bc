"""A review session: what was answered, in order, for progress, undo and the summary."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from studykb.core.scheduler import PASSING_QUALITY


@dataclass(frozen=True, slots=True)
class SessionAnswer:
    uid: str
    card_id: int
    quality: int
    kind: str  # review | drill
    answered_at: datetime


@dataclass(frozen=True, slots=True)
class SessionSummary:
    answers: int
    reviews: int
    drills: int
    passed_share: float | None  # share of reviews graded >= 3
    elapsed: timedelta
    tomorrow_due: int


@dataclass
class ReviewSession:
    started_at: datetime
    deck_id: str | None = None
    answers: list[SessionAnswer] = field(default_factory=list)

    def record(self, answer: SessionAnswer) -> None:
        self.answers.append(answer)

    def last(self) -> SessionAnswer | None:
        return self.answers[-1] if self.answers else None

    def pop(self) -> SessionAnswer | None:
        """Forget the last answer (after it was undone in the store)."""
        return self.answers.pop() if self.answers else None

    def elapsed(self, now: datetime) -> timedelta:
        return max(timedelta(0), now - self.started_at)

    def summary(self, now: datetime, tomorrow_due: int) -> SessionSummary:
        reviews = [a for a in self.answers if a.kind == "review"]
        passed = sum(a.quality >= PASSING_QUALITY for a in reviews)
        return SessionSummary(
            answers=len(self.answers),
            reviews=len(reviews),
            drills=len(self.answers) - len(reviews),
            passed_share=(passed / len(reviews)) if reviews else None,
            elapsed=self.elapsed(now),
            tomorrow_due=tomorrow_due,
        )


def format_elapsed(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes:02d}:{seconds:02d}"


def format_interval(days: int) -> str:
    """'1d', '17d', '3.2mo', '1.1y': compact labels for grade buttons."""
    if days < 60:
        return f"{days}d"
    if days < 365:
        return f"{days / 30.44:.1f}mo"
    return f"{days / 365.25:.1f}y"
