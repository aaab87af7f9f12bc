"""The current state is derivable: replaying a card's review log reproduces it exactly."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Literal

from studykb.core.scheduler import Sm2State, review

# review: SM-2 ran; drill: a same-day repetition (rule 7), no change; import: a
# schedule carried over from another program (e.g. Anki), taken as recorded.
# void: an undo, naming the answer it takes back (the log only grows).
LogKind = Literal["review", "drill", "import", "void"]


@dataclass(frozen=True, slots=True)
class LogEntry:
    kind: LogKind
    quality: int
    study_day: date
    before: Sm2State
    after: Sm2State
    uid: str = ""
    voids: str | None = None  # kind 'void': the uid of the answer taken back


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
    if kind in ("import", "void"):
        raise ValueError(f"an {kind} row changes no state by SM-2")
    return review(state, quality, day)


def replay(entries: Iterable[LogEntry]) -> Replay:
    """Fold a card's log (in the order written) into its state, noting every row
    whose recorded kind or before/after state disagrees with the recomputation.

    Voided answers and the voids themselves are left out. Whether an answer was
    the day's review or a drill is decided here (see :func:`answer_kind`), not
    taken from the row: the first live answer of a study day is the review."""
    rows = list(entries)
    voided = {e.voids for e in rows if e.kind == "void" and e.voids}
    state = Sm2State()
    last_day: date | None = None
    problems: list[str] = []
    for index, entry in enumerate(rows):
        if entry.kind == "void" or (entry.uid and entry.uid in voided):
            continue
        if entry.before != state:
            problems.append(f"answer {index + 1}: recorded state before differs from the replay")
        if entry.kind == "import":
            state = entry.after
            continue
        kind = answer_kind(last_day, entry.study_day)
        if kind != entry.kind:
            problems.append(
                f"answer {index + 1}: recorded as a {entry.kind}, the replay says {kind}"
            )
        state = apply(state, kind, entry.quality, entry.study_day)
        last_day = entry.study_day if last_day is None else max(last_day, entry.study_day)
        if entry.after != state:
            problems.append(f"answer {index + 1}: recorded state after differs from the replay")
    return Replay(state, tuple(problems))
