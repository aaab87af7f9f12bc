"""SM-2 behind the scheduler seam: exact arithmetic from studykb.core.scheduler."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from studykb.core.scheduler import QUALITIES, Sm2State, check_quality, review
from studykb.core.scheduling.protocol import ReviewRecord, Schedule
from studykb.core.studyday import Moment


class Sm2Scheduler:
    """SM-2 (Wozniak 1990) with days as its unit: grades 0-5, EF in hundredths."""

    name = "sm2"
    ratings: tuple[int, ...] = tuple(QUALITIES)
    drills_same_day = True

    def initial_state(self) -> Sm2State:
        return Sm2State()

    def review(self, state: Sm2State, rating: int, at: Moment) -> tuple[Sm2State, ReviewRecord]:
        after = review(state, check_quality(rating), at.study_day)
        record = ReviewRecord(
            self.name, rating, at.study_day, self.to_dict(state), self.to_dict(after)
        )
        return after, record

    def preview(self, state: Sm2State, at: Moment) -> dict[int, Sm2State]:
        return {q: review(state, q, at.study_day) for q in self.ratings}

    def schedule(self, state: Sm2State) -> Schedule:
        return Schedule(
            due_day=state.due,
            due_at=None,
            interval=state.interval,
            repetitions=state.repetitions,
            lapses=state.lapses,
        )

    def to_dict(self, state: Sm2State) -> dict[str, Any]:
        return {
            "repetitions": state.repetitions,
            "easiness_x100": state.easiness_x100,
            "interval": state.interval,
            "due": None if state.due is None else state.due.isoformat(),
            "lapses": state.lapses,
        }

    def from_dict(self, data: Mapping[str, Any]) -> Sm2State:
        try:
            fields = {k: data[k] for k in ("repetitions", "easiness_x100", "interval", "lapses")}
            due = data["due"]
        except (KeyError, TypeError) as exc:
            raise ValueError(f"an SM-2 state needs {exc}") from exc
        for key, value in fields.items():
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"SM-2 {key} must be a whole number >= 0, got {value!r}")
        if fields["easiness_x100"] < 130:
            raise ValueError("SM-2 easiness_x100 must be at least 130")
        if due is not None and not isinstance(due, str):
            raise ValueError(f"SM-2 due must be an ISO date or null, got {due!r}")
        return Sm2State(
            repetitions=fields["repetitions"],
            easiness_x100=fields["easiness_x100"],
            interval=fields["interval"],
            due=None if due is None else date.fromisoformat(due),
            lapses=fields["lapses"],
        )
