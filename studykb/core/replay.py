"""The current state is derivable: replaying a card's review log reproduces it exactly."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Literal

from studykb.core.scheduler import Sm2State, review

# review: SM-2 ran; drill: a same-day repetition (rule 7), no change; import: a
# schedule carried over from another program (e.g. Anki), taken as recorded.
LogKind = Literal["review", "drill", "import"]


@dataclass(frozen=True, slots=True)
class LogEntry:
    kind: LogKind
    quality: int
    study_day: date
    before: Sm2State
    after: Sm2State


@dataclass(frozen=True, slots=True)
class Replay:
    state: Sm2State
    problems: tuple[str, ...]


def answer_kind(last_answer_day: date | None, day: date) -> LogKind:
    """SM-2 rule 7, in one place: a card's first answer of a study day is its
    review; a later one that day, or one dated before the card's last answer (a
    clock set back), is a drill that changes nothing."""
    return "drill" if last_answer_day is not None and last_answer_day >= day else "review"


def apply(state: Sm2State, kind: LogKind, quality: int, day: date) -> Sm2State:
    """One answer's effect: a review runs SM-2, a same-day drill changes nothing (rule 7)."""
    if kind == "drill":
        return state
    if kind == "import":
        raise ValueError("an imported schedule is replayed from its recorded state")
    return review(state, quality, day)


def replay(entries: Iterable[LogEntry]) -> Replay:
    """Fold a card's log (oldest first) into its state, noting every row whose
    recorded before/after disagrees with the recomputation."""
    state = Sm2State()
    problems: list[str] = []
    for index, entry in enumerate(entries):
        if entry.before != state:
            problems.append(f"answer {index + 1}: recorded state before differs from the replay")
        if entry.kind == "import":
            state = entry.after
            continue
        state = apply(state, entry.kind, entry.quality, entry.study_day)
        if entry.after != state:
            problems.append(f"answer {index + 1}: recorded state after differs from the replay")
    return Replay(state, tuple(problems))
