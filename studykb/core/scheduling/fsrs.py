"""FSRS-6 behind the scheduler seam, computed by py-fsrs (the ``fsrs`` package).

Every number comes from ``fsrs.Scheduler.review_card``: studykb only converts
between its frozen :class:`FsrsState` and py-fsrs's ``Card``, and adds two
things py-fsrs cannot know:

* ``due_day``, the study day of the due moment, computed when the review is made
  (from the review's UTC offset and the day-start hour), so that
  :meth:`FsrsScheduler.schedule` stays a pure read of the state;
* a fuzz that is a function of the state, the rating and the moment instead of
  the global random generator, so that replaying a log reproduces it. py-fsrs's
  own fuzz is turned off and the same fuzz range is drawn from a seeded
  generator (see :func:`fuzz_fraction`).

Unlike SM-2, FSRS has no "drill": every answer is a review, several in a study
day included (learning steps are minutes), hence ``drills_same_day = False``.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any, Literal, get_args

import fsrs as py_fsrs
from fsrs.scheduler import DEFAULT_PARAMETERS, FUZZ_RANGES

from studykb.core.scheduling.protocol import ReviewRecord, Schedule
from studykb.core.scheduling.ratings import RATINGS, check_rating
from studykb.core.scheduling.retention import check_retention
from studykb.core.studyday import DEFAULT_DAY_START_HOUR, DayStarts, Moment, study_day

Phase = Literal["learning", "review", "relearning"]
PHASES: tuple[Phase, ...] = get_args(Phase)
_TO_FSRS_STATE = {
    "learning": py_fsrs.State.Learning,
    "review": py_fsrs.State.Review,
    "relearning": py_fsrs.State.Relearning,
}
_FROM_FSRS_STATE: dict[py_fsrs.State, Phase] = {
    py_fsrs.State.Learning: "learning",
    py_fsrs.State.Review: "review",
    py_fsrs.State.Relearning: "relearning",
}

DEFAULT_PARAMETERS_FSRS6: tuple[float, ...] = tuple(DEFAULT_PARAMETERS)
MIN_DIFFICULTY = 1.0
MAX_DIFFICULTY = 10.0


@dataclass(frozen=True, slots=True)
class FsrsState:
    """The FSRS state of one card. A new card: everything None or zero, phase learning."""

    phase: Phase = "learning"
    step: int | None = 0  # the learning/relearning step; None in the review phase
    stability: float | None = None  # days for recall probability to fall to 90 %
    difficulty: float | None = None  # 1 (easy) to 10 (hard)
    due_at: datetime | None = None  # UTC; None for a new card
    due_day: date | None = None  # the study day of due_at, fixed at review time
    last_review: datetime | None = None  # UTC
    interval: int = 0  # whole days from last_review to due_at (0 for steps within a day)
    repetitions: int = 0  # answers given (every answer is a review in FSRS)
    lapses: int = 0  # times forgotten in the review phase (Again sends it to relearning)

    @property
    def is_new(self) -> bool:
        return self.last_review is None


def forgetting_curve(
    stability: float, elapsed_days: float, parameters: Sequence[float] = DEFAULT_PARAMETERS_FSRS6
) -> float:
    """FSRS-6's recall probability ``elapsed_days`` after a review: the power curve
    R = (1 + factor * t / S) ** -w20 with factor chosen so that R(S) = 0.9, as in
    ``fsrs.Scheduler.get_card_retrievability`` (which takes whole days)."""
    decay = -parameters[20]
    factor = 0.9 ** (1 / decay) - 1
    return float((1 + factor * max(0.0, elapsed_days) / stability) ** decay)


def fuzz_fraction(state: FsrsState, rating: int, at: Moment) -> float:
    """The uniform draw in [0, 1) that fuzzes this review's interval: seeded from
    the state before the review, the rating and the moment, never the global
    random generator, so the same log always gives the same intervals."""
    key = json.dumps(
        [_state_dict(state), int(rating), _utc(at.utc).isoformat()],
        sort_keys=True,
        separators=(",", ":"),
    )
    seed = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big")
    return random.Random(seed).random()


class FsrsScheduler:
    """FSRS-6 (py-fsrs 6.3.2), ratings Again=1, Hard=2, Good=3, Easy=4.

    ``day_start_hour`` turns due moments into study days (``due_day``);
    ``fuzz`` spreads review intervals as py-fsrs does, deterministically.
    """

    name = "fsrs"
    ratings: tuple[int, ...] = RATINGS
    # SM-2's rule 7 (a second answer on a study day changes nothing) is not FSRS's:
    # every answer is a review.
    drills_same_day = False

    def __init__(
        self,
        desired_retention: float = 0.9,
        maximum_interval: int = 36500,
        learning_steps: Sequence[timedelta] = (timedelta(minutes=1), timedelta(minutes=10)),
        relearning_steps: Sequence[timedelta] = (timedelta(minutes=10),),
        fuzz: bool = False,
        day_start_hour: int = DEFAULT_DAY_START_HOUR,
        parameters: Sequence[float] = DEFAULT_PARAMETERS_FSRS6,
        day_starts: DayStarts | None = None,
    ) -> None:
        check_retention(desired_retention)
        if (
            isinstance(maximum_interval, bool)
            or not isinstance(maximum_interval, int)
            or maximum_interval < 1
        ):
            raise ValueError(
                f"maximum_interval must be a whole number of days >= 1, got {maximum_interval!r}"
            )
        for field_name, steps in (
            ("learning_steps", learning_steps),
            ("relearning_steps", relearning_steps),
        ):
            if any(not isinstance(s, timedelta) or s <= timedelta(0) for s in steps):
                raise ValueError(f"{field_name} must be positive durations, got {steps!r}")
        if isinstance(day_start_hour, bool) or day_start_hour not in range(24):
            raise ValueError(f"day_start_hour must be from 0 to 23, got {day_start_hour!r}")
        if not isinstance(fuzz, bool):
            raise ValueError(f"fuzz must be true or false, got {fuzz!r}")
        try:
            self._fsrs = py_fsrs.Scheduler(
                parameters=tuple(float(p) for p in parameters),
                desired_retention=float(desired_retention),
                learning_steps=tuple(learning_steps),
                relearning_steps=tuple(relearning_steps),
                maximum_interval=maximum_interval,
                enable_fuzzing=False,  # our own, seeded fuzz below
            )
        except (ValueError, TypeError) as exc:
            first_line = str(exc).replace(":\n", ": ").replace("\n", "; ")
            raise ValueError(f"parameters: {first_line}") from exc
        self.desired_retention = float(desired_retention)
        self.maximum_interval = maximum_interval
        self.learning_steps = tuple(learning_steps)
        self.relearning_steps = tuple(relearning_steps)
        self.fuzz = fuzz
        self.day_start_hour = day_start_hour
        # The store's history of day-start hours, when it has one: a replay then
        # reckons each review's due day under the hour in effect at that review.
        self.day_starts = day_starts
        self.parameters: tuple[float, ...] = self._fsrs.parameters

    def __repr__(self) -> str:
        return (
            f"FsrsScheduler(desired_retention={self.desired_retention}, "
            f"maximum_interval={self.maximum_interval}, fuzz={self.fuzz}, "
            f"day_start_hour={self.day_start_hour})"
        )

    @property
    def py_fsrs_scheduler(self) -> py_fsrs.Scheduler:
        """The py-fsrs scheduler doing the arithmetic (fuzz off: see :meth:`review`)."""
        return self._fsrs

    # -- the Scheduler protocol -------------------------------------------------

    def initial_state(self) -> FsrsState:
        return FsrsState()

    def review(self, state: FsrsState, rating: int, at: Moment) -> tuple[FsrsState, ReviewRecord]:
        after = self._review(state, rating, at)
        record = ReviewRecord(
            self.name, int(rating), at.study_day, self.to_dict(state), self.to_dict(after)
        )
        return after, record

    def preview(self, state: FsrsState, at: Moment) -> dict[int, FsrsState]:
        return {r: self._review(state, r, at) for r in self.ratings}

    def schedule(self, state: FsrsState) -> Schedule:
        """The queue's view. ``due_at`` only for the learning and relearning phases:
        a card in the review phase is due any time on its ``due_day``, as an SM-2
        card is; a step of minutes is due at its moment."""
        return Schedule(
            due_day=state.due_day,
            due_at=state.due_at if state.phase != "review" else None,
            interval=state.interval,
            repetitions=state.repetitions,
            lapses=state.lapses,
        )

    def to_dict(self, state: FsrsState) -> dict[str, Any]:
        return _state_dict(state)

    def from_dict(self, data: Mapping[str, Any]) -> FsrsState:
        return state_from_dict(data)

    # -- beyond the protocol ----------------------------------------------------

    def retrievability(self, state: FsrsState, at: Moment) -> float:
        """Today's recall probability, exactly as py-fsrs computes it (whole days
        since the last review); 0.0 for a new card."""
        return float(self._fsrs.get_card_retrievability(_to_card(state, at), _utc(at.utc)))

    def recall_probability(self, state: FsrsState, elapsed_days: float) -> float:
        """The forgetting curve of this state ``elapsed_days`` after its last review
        (evaluation predicts with it); 0.0 for a new card."""
        if state.stability is None:
            return 0.0
        return forgetting_curve(state.stability, elapsed_days, self.parameters)

    # -- the work ---------------------------------------------------------------

    def _review(self, state: FsrsState, rating: int, at: Moment) -> FsrsState:
        fsrs_rating = py_fsrs.Rating(int(check_rating(rating)))
        # A moment before last_review (clocks merged from two devices) is not refused:
        # py-fsrs treats it as a review within the day, and replay must not stop on it.
        now = _utc(at.utc)
        card, _ = self._fsrs.review_card(_to_card(state, at), fsrs_rating, now)
        due = card.due
        if self.fuzz and card.state == py_fsrs.State.Review:
            due = now + self._fuzzed(due - now, fuzz_fraction(state, rating, at))
        phase = _FROM_FSRS_STATE[card.state]
        lapsed = state.phase == "review" and fsrs_rating == py_fsrs.Rating.Again
        return FsrsState(
            phase=phase,
            step=card.step,
            stability=card.stability,
            difficulty=card.difficulty,
            due_at=due,
            due_day=self._due_day(now, due, at),
            last_review=now,
            interval=(due - now).days,
            repetitions=state.repetitions + 1,
            lapses=state.lapses + (1 if lapsed else 0),
        )

    def _due_day(self, now: datetime, due: datetime, at: Moment) -> date:
        """The study day of ``due`` in the review's local time, counted from the
        review's own study day so that the two never disagree (the review's day
        may have been reckoned under an earlier day-start hour)."""
        offset = timezone(timedelta(minutes=at.utc_offset_minutes))
        if self.day_starts is not None:
            starts = self.day_starts
            return at.study_day + (
                starts.study_day(due.astimezone(offset)) - starts.study_day(now.astimezone(offset))
            )
        days = study_day(due.astimezone(offset), self.day_start_hour) - study_day(
            now.astimezone(offset), self.day_start_hour
        )
        return at.study_day + days

    def _fuzzed(self, interval: timedelta, fraction: float) -> timedelta:
        """py-fsrs's ``Scheduler._get_fuzzed_interval`` (6.3.2) with ``fraction`` in
        place of its call to ``random()``: the same range, the same rounding."""
        days = interval.days
        if days < 2.5:
            return interval
        delta = 1.0
        for fuzz_range in FUZZ_RANGES:
            delta += fuzz_range["factor"] * max(
                min(float(days), fuzz_range["end"]) - fuzz_range["start"], 0.0
            )
        max_ivl = min(round(days + delta), self.maximum_interval)
        min_ivl = min(max(2, round(days - delta)), max_ivl)
        fuzzed = (fraction * (max_ivl - min_ivl + 1)) + min_ivl
        return timedelta(days=min(round(fuzzed), self.maximum_interval))


# -- conversions ----------------------------------------------------------------


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("FSRS needs aware datetimes")
    return moment.astimezone(UTC)


def _to_card(state: FsrsState, at: Moment) -> py_fsrs.Card:
    # card_id and due are given so that py-fsrs never reads the system clock.
    return py_fsrs.Card(
        card_id=0,
        state=_TO_FSRS_STATE[state.phase],
        step=state.step,
        stability=state.stability,
        difficulty=state.difficulty,
        due=state.due_at if state.due_at is not None else _utc(at.utc),
        last_review=state.last_review,
    )


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _state_dict(state: FsrsState) -> dict[str, Any]:
    """Plain JSON types; floats as floats (JSON's repr round-trips them exactly)."""
    return {
        "phase": state.phase,
        "step": state.step,
        "stability": state.stability,
        "difficulty": state.difficulty,
        "due_at": _iso(state.due_at),
        # "due": the key every scheduler's dict gives its due study day (the store indexes it)
        "due": None if state.due_day is None else state.due_day.isoformat(),
        "last_review": _iso(state.last_review),
        "interval": state.interval,
        "repetitions": state.repetitions,
        "lapses": state.lapses,
    }


FIELDS = tuple(FsrsState.__dataclass_fields__)
_KEYS = tuple("due" if f == "due_day" else f for f in FIELDS)


def state_from_dict(data: Mapping[str, Any]) -> FsrsState:
    """The state :func:`_state_dict` wrote; a one-line ValueError for anything else."""
    if not isinstance(data, Mapping):
        raise ValueError(f"an FSRS state must be a mapping, got {type(data).__name__}")
    missing = [f for f in _KEYS if f not in data]
    if missing:
        raise ValueError(f"an FSRS state needs {', '.join(missing)}")
    extra = sorted(str(k) for k in data if k not in _KEYS)
    if extra:
        raise ValueError(f"an FSRS state has unknown fields: {', '.join(extra)}")
    phase = data["phase"]
    if phase not in PHASES:
        raise ValueError(f"FSRS phase must be one of {', '.join(PHASES)}, got {phase!r}")
    counts = {k: data[k] for k in ("interval", "repetitions", "lapses")}
    for key, value in counts.items():
        if not _is_count(value):
            raise ValueError(f"FSRS {key} must be a whole number >= 0, got {value!r}")
    step = data["step"]
    if step is not None and not _is_count(step):
        raise ValueError(f"FSRS step must be a whole number >= 0 or null, got {step!r}")
    stability = _optional_float(data, "stability")
    difficulty = _optional_float(data, "difficulty")
    due_at = _optional_moment(data, "due_at")
    last_review = _optional_moment(data, "last_review")
    due_day = data["due"]
    if due_day is not None:
        if not isinstance(due_day, str):
            raise ValueError(f"FSRS due must be an ISO date or null, got {due_day!r}")
        try:
            due_day = date.fromisoformat(due_day)
        except ValueError:
            raise ValueError(f"FSRS due must be an ISO date, got {due_day!r}") from None
    state = FsrsState(
        phase=phase,
        step=step,
        stability=stability,
        difficulty=difficulty,
        due_at=due_at,
        due_day=due_day,
        last_review=last_review,
        interval=counts["interval"],
        repetitions=counts["repetitions"],
        lapses=counts["lapses"],
    )
    _check_consistent(state)
    return state


def _check_consistent(state: FsrsState) -> None:
    if state.last_review is None:
        if state != FsrsState(step=state.step) or state.step != 0:
            raise ValueError("a new FSRS state (no last_review) must have no schedule at all")
        return
    if state.stability is None or state.difficulty is None:
        raise ValueError("a reviewed FSRS state needs stability and difficulty")
    if state.due_at is None or state.due_day is None:
        raise ValueError("a reviewed FSRS state needs due_at and due_day")
    if state.stability <= 0:
        raise ValueError(f"FSRS stability must be > 0, got {state.stability!r}")
    if not MIN_DIFFICULTY <= state.difficulty <= MAX_DIFFICULTY:
        raise ValueError(f"FSRS difficulty must be from 1 to 10, got {state.difficulty!r}")
    if state.due_at < state.last_review:
        raise ValueError("FSRS due_at must not come before last_review")
    if (state.phase == "review") != (state.step is None):
        raise ValueError("FSRS step must be null exactly in the review phase")
    if state.repetitions < 1:
        raise ValueError("a reviewed FSRS state has repetitions >= 1")


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _optional_float(data: Mapping[str, Any], key: str) -> float | None:
    value = data[key]
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"FSRS {key} must be a finite number or null, got {value!r}")
    return float(value)


def _optional_moment(data: Mapping[str, Any], key: str) -> datetime | None:
    value = data[key]
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"FSRS {key} must be an ISO moment with its offset, got {value!r}")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"FSRS {key} must be an ISO moment, got {value!r}") from None
    if moment.tzinfo is None:
        raise ValueError(f"FSRS {key} must carry its UTC offset, got {value!r}")
    return moment.astimezone(UTC)
