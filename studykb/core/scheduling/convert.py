"""A schedule carried over from another program (an Anki package's SM-2 intervals
and ease) read by the other scheduler, when a deck switches with such an import in
its log. A log of answers needs no conversion beyond the ratings (see ratings.py);
an imported schedule has no answers to replay, so its memory is estimated:

* SM-2 to FSRS: stability = the SM-2 interval (an SM-2 interval is taken to aim
  at 90 % recall, as srs-benchmark does, and FSRS's stability is the time to 90 %);
  difficulty from the ease, linearly from ease 3.0 (difficulty 1) to ease 1.3
  (difficulty 10); the last review ``interval`` days before the due day.
* FSRS to SM-2: the interval and due day kept, the ease from the difficulty by
  the same line, one repetition per review.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from studykb.core.scheduler import MIN_EASINESS_X100, Sm2State
from studykb.core.scheduling.protocol import Scheduler
from studykb.core.scheduling.sm2 import Sm2Scheduler
from studykb.core.studyday import Moment

_EASE_AT_D1, _EASE_AT_D10 = 300, 130  # hundredths


def _difficulty(easiness_x100: int) -> float:
    ease = min(max(easiness_x100, _EASE_AT_D10), _EASE_AT_D1)
    return 1 + 9 * (_EASE_AT_D1 - ease) / (_EASE_AT_D1 - _EASE_AT_D10)


def _easiness_x100(difficulty: float) -> int:
    share = (min(max(difficulty, 1.0), 10.0) - 1) / 9
    return max(MIN_EASINESS_X100, round(_EASE_AT_D1 - share * (_EASE_AT_D1 - _EASE_AT_D10)))


def convert_imported(
    data: Mapping[str, Any], source: str, target: Scheduler[Any], at: Moment
) -> Any:
    """The state ``data`` (``source``'s dict) as ``target``'s state, at the import's moment."""
    if source == target.name:
        return target.from_dict(data)
    from studykb.core.scheduling.fsrs import FsrsScheduler, FsrsState  # only when switching

    if source == "sm2" and isinstance(target, FsrsScheduler):
        sm2 = Sm2Scheduler().from_dict(data)
        if sm2.due is None:
            return target.initial_state()
        interval = max(1, sm2.interval)
        due_at = at.utc + timedelta(days=(sm2.due - at.study_day).days)
        return FsrsState(
            phase="review",
            step=None,
            stability=float(interval),
            difficulty=_difficulty(sm2.easiness_x100),
            due_at=due_at,
            due_day=sm2.due,
            last_review=due_at - timedelta(days=interval),
            interval=interval,
            repetitions=max(1, sm2.repetitions),
            lapses=sm2.lapses,
        )
    if source == "fsrs" and isinstance(target, Sm2Scheduler):
        fsrs = FsrsScheduler().from_dict(data)
        if fsrs.due_day is None:
            return Sm2State()
        return Sm2State(
            repetitions=max(1, fsrs.repetitions),
            easiness_x100=_easiness_x100(fsrs.difficulty or 5.0),
            interval=max(1, fsrs.interval),
            due=fsrs.due_day,
            lapses=fsrs.lapses,
        )
    raise ValueError(f"no conversion of a {source} schedule to {target.name}")
