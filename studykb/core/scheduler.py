"""SM-2, exactly as Wozniak described it in 1990.

The easiness factor is kept in integer hundredths so that the schedule is
exact: with floats, 2.5 + 5 * 0.1 is 3.0000000000000004 and
ceil(140 * 3.0000000000000004) is 421 instead of 420.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

MIN_EASINESS_X100 = 130
INITIAL_EASINESS_X100 = 250
PASSING_QUALITY = 3
# SM-2 rule 7: items graded below this are drilled again the same day.
DRILL_UNTIL_QUALITY = 4
QUALITIES = range(0, 6)

# Short labels for grade buttons, and SM-2's own meanings (Wozniak 1990).
QUALITY_LABELS: dict[int, str] = {
    0: "blackout",
    1: "wrong",
    2: "almost",
    3: "hard",
    4: "good",
    5: "perfect",
}
QUALITY_MEANINGS: dict[int, str] = {
    0: "complete blackout",
    1: "incorrect response; the correct one remembered",
    2: "incorrect response; the correct one seemed easy to recall",
    3: "correct response recalled with serious difficulty",
    4: "correct response after a hesitation",
    5: "perfect response",
}


@dataclass(frozen=True, slots=True)
class Sm2State:
    """The SM-2 state of one item. Immutable: :func:`review` returns a new one."""

    repetitions: int = 0
    easiness_x100: int = INITIAL_EASINESS_X100
    interval: int = 0
    due: date | None = None
    # Not part of SM-2's arithmetic; counted for statistics (a lapse is a
    # failed repetition of an item that had been learned).
    lapses: int = field(default=0)

    @property
    def easiness(self) -> Decimal:
        """The easiness factor EF as an exact decimal (2.5, 1.3, ...)."""
        return Decimal(self.easiness_x100) / 100

    @property
    def is_new(self) -> bool:
        return self.due is None


def check_quality(quality: int) -> int:
    if isinstance(quality, bool) or not isinstance(quality, int) or quality not in QUALITIES:
        raise ValueError(f"quality must be an integer from 0 to 5, got {quality!r}")
    return quality


def drilled_again_today(quality: int) -> bool:
    """SM-2 rule 7: after a grade below 4 the item comes back the same study day,
    as a drill, until it is graded 4 or 5 (whatever interval the grade gave)."""
    return check_quality(quality) < DRILL_UNTIL_QUALITY


def easiness_change_x100(quality: int) -> int:
    """Rule 1 in hundredths: 100 * (0.1 - (5-q) * (0.08 + (5-q) * 0.02))."""
    d = 5 - check_quality(quality)
    return 10 - d * (8 + 2 * d)


def review(state: Sm2State, quality: int, today: date) -> Sm2State:
    """Grade one repetition of an item on study day ``today``; return the new state.

    Pure: ``state`` is not changed. Raises ValueError for a quality outside 0..5.
    """
    check_quality(quality)
    new_ef = max(MIN_EASINESS_X100, state.easiness_x100 + easiness_change_x100(quality))
    if quality >= PASSING_QUALITY:
        if state.repetitions == 0:
            interval = 1
        elif state.repetitions == 1:
            interval = 6
        else:
            # ceil(I * EF) with EF before this repetition's update, in integers.
            interval = -(-state.interval * state.easiness_x100 // 100)
        repetitions = state.repetitions + 1
        lapses = state.lapses
    else:
        interval = 1
        repetitions = 0
        lapses = state.lapses + (1 if state.repetitions > 0 else 0)
    return Sm2State(
        repetitions=repetitions,
        easiness_x100=new_ef,
        interval=interval,
        due=today + timedelta(days=interval),
        lapses=lapses,
    )


def preview_intervals(state: Sm2State, today: date) -> dict[int, int]:
    """The interval in days each grade would give, for labelling grade buttons."""
    return {q: review(state, q, today).interval for q in QUALITIES}
