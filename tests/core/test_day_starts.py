"""Study days never go backwards when the day-start hour changes (issue 10, item 5)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from studykb.core.studyday import DayStarts
from tests.conftest import UTC1


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC1)


def test_a_later_start_takes_effect_from_the_next_study_day() -> None:
    starts = DayStarts.fixed(4).with_hour(12, at(10, 10))
    assert starts.changes[-1] == (date(2026, 3, 11), 12)
    # 11:00 on the 10th would be the 9th under the new hour: still the 10th.
    assert starts.study_day(at(10, 11)) == date(2026, 3, 10)
    # The 11th began at 04:00 under the old hour and lasts until 12:00 on the 12th.
    assert starts.study_day(at(11, 5)) == date(2026, 3, 11)
    assert starts.study_day(at(12, 11)) == date(2026, 3, 11)
    assert starts.study_day(at(12, 12)) == date(2026, 3, 12)


def test_an_earlier_start_also_waits_for_the_next_study_day() -> None:
    starts = DayStarts.fixed(12).with_hour(4, at(10, 13))
    assert starts.study_day(at(10, 23)) == date(2026, 3, 10)
    assert starts.study_day(at(11, 3)) == date(2026, 3, 10)
    assert starts.study_day(at(11, 4)) == date(2026, 3, 11)


def test_changing_back_the_same_day_cancels_the_change() -> None:
    base = DayStarts.fixed(4)
    assert base.with_hour(12, at(10, 10)).with_hour(4, at(10, 11)) == base
    assert base.with_hour(4, at(10, 10)) is base


def test_round_trip_through_json_and_unreadable_history() -> None:
    starts = DayStarts.fixed(4).with_hour(12, at(10, 10)).with_hour(6, at(20, 13))
    assert DayStarts.from_json(starts.to_json(), 4) == starts
    assert DayStarts.from_json("not json", 7) == DayStarts.fixed(7)
    assert DayStarts.from_json('[["2026-01-01", 99]]', 7) == DayStarts.fixed(7)
    assert DayStarts.from_json(None, 5) == DayStarts.fixed(5)


@given(
    changes=st.lists(
        st.tuples(st.integers(0, 24 * 20), st.integers(0, 23)), min_size=1, max_size=6
    ),
    probes=st.lists(st.integers(0, 24 * 4 * 30), min_size=2, max_size=40),
)
def test_study_days_never_go_backwards(changes: list[tuple[int, int]], probes: list[int]) -> None:
    """Whatever hours are chosen whenever, later moments never fall on earlier days."""
    start = datetime(2026, 3, 1, 0, 0, tzinfo=UTC1)
    starts = DayStarts.fixed(4)
    for hours_in, hour in sorted(changes):
        starts = starts.with_hour(hour, start + timedelta(hours=hours_in))
    moments = sorted(start + timedelta(minutes=15 * p) for p in probes)
    days = [starts.study_day(m) for m in moments]
    assert days == sorted(days)
