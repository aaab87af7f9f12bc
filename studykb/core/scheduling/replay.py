"""A card's state is the replay of its log, in any order the rows arrive.

Rows are sorted by (time, uid). The time is the store's event time, which never
goes backwards on one device (a clock set back still yields a later time than the
device's previous event, as a hybrid logical clock does), so the order is the
order of writing on one device and a deterministic merge across devices.

A store that knows its own order of writing (a local sequence number) passes the
rows in that order with ``presorted=True``: a clock set back then changes nothing.

Undo is a row too: a ``void`` names the uid it takes back, and a void may itself
be voided (redo). Whether an answer is the day's review or a same-day drill is
decided here, not at write time: the first live answer of a card on a study day
after every earlier answer's day is the review (SM-2 rule 7, see answer_kind), for
schedulers that have that rule (``drills_same_day``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Generic, Literal, TypeVar

from studykb.core.scheduling.convert import convert_imported
from studykb.core.scheduling.protocol import Scheduler
from studykb.core.scheduling.ratings import Scale, convert
from studykb.core.studyday import Moment

EventKind = Literal["answer", "void", "import", "practice", "reset"]
# How the log names what a row was: review (the scheduler ran), drill (a same-day
# repetition under SM-2's rule 7, no change), import (a schedule carried over from
# another program, taken as recorded), void (an undo naming the row it takes back),
# practice (an answer outside the schedule: logged, changing nothing), reset (the
# card back to its scheduler's initial state, its history kept: "reset to new").
LogKind = Literal["review", "drill", "import", "void", "practice", "reset"]
S = TypeVar("S")


def answer_kind(
    last_answer_day: date | None, day: date, *, drills_same_day: bool = True
) -> LogKind:
    """SM-2 rule 7, in one place: a card's first answer of a study day is its
    review; a later one that day, or one dated before the card's last answer (a
    clock set back), is a drill that changes nothing. Schedulers without the rule
    review every answer."""
    if not drills_same_day:
        return "review"
    return "drill" if last_answer_day is not None and last_answer_day >= day else "review"


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
    # The scheduler whose scale the rating (or imported state) is on; None: the
    # replaying scheduler's own. Another scale is converted (ratings.convert).
    scale: str | None = None


@dataclass(frozen=True, slots=True)
class Step(Generic[S]):
    """What one live row did in the replay: its kind and the states around it."""

    kind: LogKind
    before: S
    after: S


@dataclass(frozen=True, slots=True)
class Replayed(Generic[S]):
    state: S
    kinds: dict[str, Literal["review", "drill"]]  # each live answer's uid -> what it was
    voided: frozenset[str]
    steps: dict[str, Step[S]]  # each live answer or import's uid -> what it did


def _scale(name: str) -> Scale:
    if name == "sm2":
        return "sm2"
    if name == "fsrs":
        return "fsrs"
    raise ValueError(f"no rating scale for scheduler {name!r}")


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


def replay_card(
    scheduler: Scheduler[S],
    events: Iterable[LogEvent],
    *,
    presorted: bool = False,
    start: tuple[S, date | None] | None = None,
) -> Replayed[S]:
    """A card's state from its log rows. ValueError for a row that cannot be
    replayed (an answer without a rating, a rating the scheduler refuses, a bad
    imported state).

    ``start``: continue a replay from (state, last answer day) instead of from the
    scheduler's initial state: the rows given are then the ones after it (a replay
    is a fold, so this equals replaying every row, as long as none of the rows given
    takes back an earlier one)."""
    ordered = list(events) if presorted else sorted(events, key=lambda e: (e.at, e.uid))
    voided = voided_uids(ordered)
    state, last_day = start if start is not None else (scheduler.initial_state(), None)
    kinds: dict[str, Literal["review", "drill"]] = {}
    steps: dict[str, Step[S]] = {}
    for event in ordered:
        if event.uid in voided or event.kind in ("void", "practice"):
            continue  # practice answers are logged outside the schedule: no change
        before = state
        moment = Moment(event.at, event.utc_offset_minutes, event.study_day)
        scale = event.scale or scheduler.name
        if event.kind == "import":
            if event.state is None:
                raise ValueError(f"import {event.uid} carries no state")
            state = convert_imported(event.state, scale, scheduler, moment)
            steps[event.uid] = Step("import", before, state)
            continue
        if event.kind == "reset":
            # Back to new: the schedule starts over and no answer day is remembered
            # (the card's next answer is a review, even on the day it was answered).
            state = scheduler.initial_state()
            last_day = None
            steps[event.uid] = Step("reset", before, state)
            continue
        if event.rating is None:
            raise ValueError(f"answer {event.uid} carries no rating")
        kind = answer_kind(last_day, event.study_day, drills_same_day=scheduler.drills_same_day)
        kinds[event.uid] = "drill" if kind == "drill" else "review"
        if kind == "review":
            rating = event.rating
            if scale != scheduler.name:
                rating = convert(rating, _scale(scale), _scale(scheduler.name))
            state, _ = scheduler.review(state, rating, moment)
        steps[event.uid] = Step(kind, before, state)
        last_day = event.study_day if last_day is None else max(last_day, event.study_day)
    return Replayed(state, kinds, voided, steps)


@dataclass(frozen=True, slots=True)
class RecordedRow(Generic[S]):
    """A log row as a store holds it: the event, and what the row says it did.
    ``kind``, ``before`` and ``after`` are None when they are not to be compared:
    the row was written under other scheduler settings (the deck switched since)."""

    event: LogEvent
    kind: LogKind | None
    before: S | None
    after: S | None


@dataclass(frozen=True, slots=True)
class Verified(Generic[S]):
    state: S
    problems: tuple[str, ...]  # "answer N: ..." with N counting every row from 1


def verify_log(scheduler: Scheduler[S], rows: Sequence[RecordedRow[S]]) -> Verified[S]:
    """Replay a card's rows (in the order written) and note every row whose
    recorded kind or states disagree with the replay: what `studykb check` and the
    backup validator report. ValueError when the log cannot be replayed at all."""
    result = replay_card(scheduler, (r.event for r in rows), presorted=True)
    problems: list[str] = []
    for number, row in enumerate(rows, start=1):
        step = result.steps.get(row.event.uid)
        if step is None or row.kind is None:  # a void, an answer taken back, or unverified
            continue
        if row.before != step.before:
            problems.append(f"answer {number}: recorded state before differs from the replay")
        if row.kind != step.kind:
            problems.append(
                f"answer {number}: recorded as a {row.kind}, the replay says {step.kind}"
            )
        if row.after != step.after:
            problems.append(f"answer {number}: recorded state after differs from the replay")
    return Verified(result.state, tuple(problems))


def recorded_row(
    row_scheduler: Scheduler[Any],
    *,
    uid: str,
    at: datetime,
    utc_offset_minutes: int,
    study_day: date,
    kind: LogKind,
    rating: int,
    before: Any,
    after: Any,
    voids: str | None,
    verify: bool = True,
) -> RecordedRow[Any]:
    """A stored row as the replay reads it: its rating (or, for an import, the state
    it carried) on the scale of ``row_scheduler``, the scheduler it was written
    under. ``verify``: compare the row's kind and states with the replay."""
    event_kind: EventKind = kind if kind in ("void", "import", "practice", "reset") else "answer"
    event = LogEvent(
        uid,
        at,
        utc_offset_minutes,
        study_day,
        event_kind,
        rating=rating if event_kind == "answer" else None,
        voids=voids,
        state=row_scheduler.to_dict(after) if kind == "import" else None,
        scale=row_scheduler.name,
    )
    if not verify:
        return RecordedRow(event, None, None, None)
    return RecordedRow(event, kind, before, after)


def same_settings(written_under: str, scheduler: str, written_at: str, since: str | None) -> bool:
    """Whether a row was written under the scheduler and settings a card has now, so
    that its recorded kind and states must equal the replay's. SM-2 has no settings:
    its rows always compare. Another scheduler's rows compare when written after its
    settings were last chosen at ``since`` (ISO UTC times compare as text)."""
    if written_under != scheduler:
        return False
    return scheduler == "sm2" or since is None or written_at > since
