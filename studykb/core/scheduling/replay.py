"""A card's state is the replay of its log, in any order the rows arrive.

Rows are sorted by (time, uid). The time is the store's event time, which never
goes backwards on one device (a clock set back still yields a later time than the
device's previous event, as a hybrid logical clock does), so the order is the
order of writing on one device and a deterministic merge across devices.

Undo is a row too: a ``void`` names the uid it takes back, and a void may itself
be voided (redo). Whether an answer is the day's review or a same-day drill is
decided here, not at write time: the first live answer of a card on a study day
after every earlier answer's day is the review (SM-2 rule 7, see answer_kind).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Generic, Literal, TypeVar

from studykb.core.replay import answer_kind
from studykb.core.scheduling.protocol import Scheduler
from studykb.core.studyday import Moment

EventKind = Literal["answer", "void", "import"]
S = TypeVar("S")


@dataclass(frozen=True, slots=True)
class LogEvent:
    uid: str
    at: datetime  # UTC event time, monotone per device
    utc_offset_minutes: int
    study_day: date
    kind: EventKind
    rating: int | None = None  # answers
    voids: str | None = None  # voids: the uid taken back
    state: Mapping[str, Any] | None = None  # imports: the schedule carried over


@dataclass(frozen=True, slots=True)
class Replayed(Generic[S]):
    state: S
    kinds: dict[str, Literal["review", "drill"]]  # each live answer's uid -> what it was
    voided: frozenset[str]


def voided_uids(events: Iterable[LogEvent]) -> frozenset[str]:
    """The uids taken back: those named by a void that is not itself taken back."""
    targets = {e.uid: e.voids for e in events if e.kind == "void" and e.voids}
    memo: dict[str, bool] = {}

    def live(uid: str, depth: int = 0) -> bool:
        # A void is live unless a live void names it; chains are short (undo, redo).
        if uid in memo:
            return memo[uid]
        if depth > len(targets):
            return True
        result = not any(t == uid and live(v, depth + 1) for v, t in targets.items())
        memo[uid] = result
        return result

    return frozenset(t for v, t in targets.items() if t is not None and live(v))


def replay_card(scheduler: Scheduler[S], events: Iterable[LogEvent]) -> Replayed[S]:
    ordered = sorted(events, key=lambda e: (e.at, e.uid))
    voided = voided_uids(ordered)
    state = scheduler.initial_state()
    last_day: date | None = None
    kinds: dict[str, Literal["review", "drill"]] = {}
    for event in ordered:
        if event.uid in voided or event.kind == "void":
            continue
        if event.kind == "import":
            if event.state is None:
                raise ValueError(f"import {event.uid} carries no state")
            state = scheduler.from_dict(event.state)
            continue
        if event.rating is None:
            raise ValueError(f"answer {event.uid} carries no rating")
        kind = answer_kind(last_day, event.study_day)
        kinds[event.uid] = "drill" if kind == "drill" else "review"
        if kind == "review":
            moment = Moment(event.at, event.utc_offset_minutes, event.study_day)
            state, _ = scheduler.review(state, event.rating, moment)
        last_day = event.study_day if last_day is None else max(last_day, event.study_day)
    return Replayed(state, kinds, voided)
