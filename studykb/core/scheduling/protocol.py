"""The scheduler seam, shaped like py-fsrs: a scheduler object reviews a card's
state with a rating at a moment and returns the new state and a log record;
states go to and from plain dicts, so the store never has to know their fields.

What every scheduler must tell the rest of studykb is a :class:`Schedule`: the
study day a card is due (the queue's index), the moment within that day for
schedulers with steps shorter than a day (FSRS's learning steps), and the
counts statistics need.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol, TypeVar

from studykb.core.studyday import Moment


@dataclass(frozen=True, slots=True)
class Schedule:
    """The part of any scheduler's state that the queue and the statistics read."""

    due_day: date | None  # None: a new card, never reviewed
    due_at: datetime | None  # UTC; only for steps within a day (None: any time that day)
    interval: int  # days from the last review to due_day
    repetitions: int
    lapses: int

    @property
    def is_new(self) -> bool:
        return self.due_day is None


@dataclass(frozen=True, slots=True)
class ReviewRecord:
    """What one review did, for the log: the rating and the states around it."""

    scheduler: str
    rating: int
    study_day: date
    before: Mapping[str, Any]
    after: Mapping[str, Any]


S = TypeVar("S")


class Scheduler(Protocol[S]):
    """A spaced-repetition algorithm. Pure: no clock, no storage; time comes in."""

    name: str  # stored beside each state: "sm2", later "fsrs"
    ratings: tuple[int, ...]  # the grades it accepts, lowest first
    # SM-2's rule 7: a card's later answers on a study day are drills that change
    # nothing. FSRS has learning steps within a day, so every answer counts there.
    drills_same_day: bool

    def initial_state(self) -> S: ...

    def review(self, state: S, rating: int, at: Moment) -> tuple[S, ReviewRecord]:
        """The state after grading ``state`` with ``rating`` at ``at``."""
        ...

    def preview(self, state: S, at: Moment) -> dict[int, S]:
        """The state each rating would give now, for labelling the grade keys."""
        ...

    def schedule(self, state: S) -> Schedule: ...

    def to_dict(self, state: S) -> dict[str, Any]:
        """Plain JSON types. The :class:`Schedule` fields are always there under the
        keys ``due`` (ISO study day or None), ``interval``, ``repetitions`` and
        ``lapses``: the store keeps those in columns it can index, the rest as JSON."""
        ...

    def from_dict(self, data: Mapping[str, Any]) -> S:
        """The state :meth:`to_dict` wrote; ValueError for anything else."""
        ...
