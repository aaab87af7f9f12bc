"""The scheduler seam: SM-2 behind the protocol, and replay from log events in any order."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from studykb.core.scheduler import Sm2State
from studykb.core.scheduling.protocol import Schedule, Scheduler
from studykb.core.scheduling.replay import (
    LogEvent,
    RecordedRow,
    replay_card,
    verify_log,
    voided_uids,
)
from studykb.core.scheduling.sm2 import Sm2Scheduler
from studykb.core.studyday import Moment

SM2 = Sm2Scheduler()
DAY0 = date(2026, 1, 5)


def moment(day: int, hour: int = 10) -> Moment:
    at = datetime(2026, 1, 5, hour, tzinfo=UTC) + timedelta(days=day)
    return Moment(at, 0, DAY0 + timedelta(days=day))


def answer(uid: str, day: int, rating: int, hour: int = 10) -> LogEvent:
    m = moment(day, hour)
    return LogEvent(uid, m.utc, 0, m.study_day, "answer", rating=rating)


def test_sm2_is_a_scheduler_and_keeps_the_exact_sequence() -> None:
    scheduler: Scheduler[Sm2State] = SM2
    state = scheduler.initial_state()
    day = 0
    intervals = []
    for _ in range(6):
        state, record = scheduler.review(state, 5, moment(day))
        intervals.append(state.interval)
        assert record.after == scheduler.to_dict(state)
        day += state.interval
    assert intervals == [1, 6, 17, 48, 140, 420]
    assert state.easiness_x100 == 310
    assert scheduler.schedule(state) == Schedule(
        due_day=DAY0 + timedelta(days=day), due_at=None, interval=420, repetitions=6, lapses=0
    )


def test_preview_gives_each_rating_its_state() -> None:
    shown = SM2.preview(Sm2State(), moment(0))
    assert {q: s.interval for q, s in shown.items()} == {0: 1, 1: 1, 2: 1, 3: 1, 4: 1, 5: 1}


def test_states_round_trip_through_dicts_and_bad_dicts_are_refused() -> None:
    state = Sm2State(repetitions=3, easiness_x100=236, interval=15, due=DAY0, lapses=1)
    assert SM2.from_dict(SM2.to_dict(state)) == state
    for bad in (
        {},
        {**SM2.to_dict(state), "interval": -1},
        {**SM2.to_dict(state), "easiness_x100": "abc"},
        {**SM2.to_dict(state), "easiness_x100": 100},
        {**SM2.to_dict(state), "due": "not-a-date"},
        {**SM2.to_dict(state), "repetitions": True},
    ):
        with pytest.raises(ValueError):
            SM2.from_dict(bad)


def test_the_first_answer_of_a_day_is_the_review_whatever_order_rows_arrive_in() -> None:
    events = [answer("a", 0, 5), answer("b", 0, 2, hour=11), answer("c", 1, 4)]
    shuffled = list(reversed(events))
    result = replay_card(SM2, shuffled)
    assert result.kinds == {"a": "review", "b": "drill", "c": "review"}
    assert result.state == replay_card(SM2, events).state
    assert result.state.interval == 6


def test_an_undo_is_a_row_that_voids_and_a_redo_voids_the_undo() -> None:
    events = [answer("a", 0, 5), answer("b", 1, 1)]
    undo = LogEvent("u", moment(1, 12).utc, 0, DAY0 + timedelta(days=1), "void", voids="b")
    undone = replay_card(SM2, [*events, undo])
    assert undone.state == replay_card(SM2, events[:1]).state
    assert undone.voided == {"b"}
    redo = LogEvent("r", moment(1, 13).utc, 0, DAY0 + timedelta(days=1), "void", voids="u")
    redone = replay_card(SM2, [*events, undo, redo])
    assert redone.state == replay_card(SM2, events).state
    assert voided_uids([*events, undo, redo]) == {"u"}


def test_an_answer_dated_before_the_last_one_is_a_drill() -> None:
    """A clock set back two days: the event time still follows the last event."""
    late = answer("a", 3, 5)
    back = LogEvent("b", late.at + timedelta(minutes=5), 0, DAY0 + timedelta(days=1), "answer", 5)
    result = replay_card(SM2, [back, late])
    assert result.kinds == {"a": "review", "b": "drill"}


def test_an_imported_schedule_is_taken_as_recorded() -> None:
    carried = Sm2State(repetitions=2, easiness_x100=250, interval=6, due=DAY0, lapses=0)
    imported = LogEvent("i", moment(0, 9).utc, 0, DAY0, "import", state=SM2.to_dict(carried))
    result = replay_card(SM2, [answer("a", 0, 4), imported])
    assert result.state == SM2.review(carried, 4, moment(0))[0]


@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 5)), max_size=25), st.randoms())
def test_replay_agrees_with_the_sm2_log_fold(
    steps: list[tuple[int, int]], rng: random.Random
) -> None:
    """Shuffled events replay to the state the rows written in order record, and
    verifying those rows (as `studykb check` does) finds nothing wrong."""
    events, entries = [], []
    day, state, last = 0, Sm2State(), None
    for i, (gap, q) in enumerate(steps):
        day += gap
        m = moment(day)
        at = m.utc + timedelta(minutes=i)  # event times follow writing order
        events.append(LogEvent(f"{i:04}", at, 0, m.study_day, "answer", rating=q))
        kind = "drill" if last is not None and last >= day else "review"
        after = SM2.review(state, q, moment(day))[0] if kind == "review" else state
        entries.append(RecordedRow(events[-1], kind, state, after))
        state, last = after, day
    verified = verify_log(SM2, entries)
    assert verified.problems == ()
    assert verified.state == state
    rng.shuffle(events)
    assert replay_card(SM2, events).state == state


def test_verify_log_names_each_row_that_disagrees_with_the_replay() -> None:
    first, second = answer("a", 0, 5), answer("b", 0, 2)
    after_first = SM2.review(Sm2State(), 5, moment(0))[0]
    rows = [
        RecordedRow(first, "review", Sm2State(), after_first),
        # Recorded as a review, but a second answer that day is a drill under rule 7.
        RecordedRow(second, "review", after_first, SM2.review(after_first, 2, moment(0))[0]),
    ]
    assert verify_log(SM2, rows).problems == (
        "answer 2: recorded as a review, the replay says drill",
        "answer 2: recorded state after differs from the replay",
    )
