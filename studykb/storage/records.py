"""The records storage hands up: cards, answers, decks, papers, statistics, check
reports. Frozen dataclasses with no connection in them; the use cases pass them on
as view models (studykb.app.views)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from studykb.core.reading import ReadingStatus
from studykb.core.scheduler import Sm2State
from studykb.core.scheduling.replay import LogKind
from studykb.core.stats import CardStateName
from studykb.errors import StudykbError


class StaleUndoError(StudykbError):
    pass


@dataclass(frozen=True, slots=True)
class CardView:
    id: int
    deck_id: str
    deck_title: str
    key: str
    kind: str
    cloze_number: int | None
    question: str
    answer: str
    raw_front: str
    raw_back: str
    tags: tuple[str, ...]
    source: str
    paper_title: str | None
    paper_url: str | None
    state: Any  # the scheduler's state (Sm2State, FsrsState)
    suspended: bool
    retired: bool
    scheduler: str = "sm2"
    flagged: bool = False  # marked to fix later (issue 12 item 6)

    @property
    def ref(self) -> str:
        return f"{self.deck_id}/{self.key}"


@dataclass(frozen=True, slots=True)
class Answer:
    uid: str
    card_id: int
    kind: LogKind
    quality: int
    study_day: date
    before: Any  # states of the scheduler the answer was given under
    after: Any
    voids: str | None = None  # a void (an undo): the answer it took back
    scheduler: str = "sm2"
    # What to tell the user besides (a leech: the paper and source to re-read).
    message: str | None = None


@dataclass(frozen=True, slots=True)
class LogRow:
    """One review-log row, for bulk loading."""

    uid: str
    card_id: int
    answered_at: str
    utc_offset_minutes: int
    study_day: date
    quality: int
    kind: LogKind
    answer_ms: int
    before: Sm2State
    after: Sm2State


@dataclass(frozen=True, slots=True)
class DeckSummary:
    id: str
    title: str
    paper_id: int | None
    worth_reading: int | None
    reading_status: str | None
    cards: int
    learned: int
    mature: int
    suspended: int
    retired: int
    due_today: int
    new_today: int


@dataclass(frozen=True, slots=True)
class PaperRow:
    id: int
    slug: str
    title: str
    authors: tuple[str, ...]
    year: int | None
    url: str
    worth_reading: int | None
    section: str
    description: str
    position: int | None
    status: ReadingStatus
    status_changed_at: str | None
    started_on: date | None
    read_on: date | None
    note: str
    after: tuple[str, ...]
    deck_id: str | None
    cards: int
    mastered: int
    due: int

    @property
    def mastery(self) -> float | None:
        return None if self.cards == 0 else self.mastered / self.cards


@dataclass(frozen=True, slots=True)
class Stats:
    today: date
    reviews_today: int
    drills_today: int
    new_today: int
    streak: int
    retention_30d: float | None
    reviews_30d: int
    cards_by_state: dict[CardStateName, int]


@dataclass
class CheckReport:
    integrity: str
    cards: int
    log_rows: int
    problems: list[str] = field(default_factory=list)
    repaired: int = 0

    @property
    def ok(self) -> bool:
        return self.integrity == "ok" and not self.problems


def _d(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def _fmt(state: Any) -> str:
    """A state in a problem line, for `check` and the backup validator: SM-2's as its
    numbers, any other scheduler's as its dataclass."""
    if isinstance(state, Sm2State):
        due = state.due.isoformat() if state.due else "new"
        return (
            f"(n={state.repetitions}, EF={state.easiness}, I={state.interval}, due={due}, "
            f"lapses={state.lapses})"
        )
    return repr(state)
