from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from studykb.core.scheduler import Sm2State, easiness_change_x100, preview_intervals, review

DAY = date(2026, 1, 1)


def run(grades: list[int]) -> list[tuple[int, Decimal, int]]:
    state = Sm2State()
    out = []
    day = DAY
    for q in grades:
        state = review(state, q, day)
        out.append((state.repetitions, state.easiness, state.interval))
        assert state.due == day + timedelta(days=state.interval)
        day = state.due
    return out


def test_public_api_example() -> None:
    s = Sm2State()
    assert (s.repetitions, s.easiness, s.interval, s.due) == (0, Decimal("2.5"), 0, None)
    s = review(s, quality=5, today=date(2026, 1, 1))
    assert (s.repetitions, round(float(s.easiness), 2), s.interval, s.due) == (
        1,
        2.6,
        1,
        date(2026, 1, 2),
    )


def d(x: str) -> Decimal:
    return Decimal(x)


@pytest.mark.parametrize(
    ("grades", "expected"),
    [
        ([5, 5, 5], [(1, d("2.6"), 1), (2, d("2.7"), 6), (3, d("2.8"), 17)]),
        ([3, 3, 3], [(1, d("2.36"), 1), (2, d("2.22"), 6), (3, d("2.08"), 14)]),
        (
            [5, 2, 5, 5],
            [(1, d("2.6"), 1), (0, d("2.28"), 1), (1, d("2.38"), 1), (2, d("2.48"), 6)],
        ),
    ],
)
def test_reference_sequences(grades: list[int], expected: list[tuple[int, Decimal, int]]) -> None:
    assert run(grades) == expected


def test_four_fours_give_1_6_15_38() -> None:
    assert [i for _, _, i in run([4, 4, 4, 4])] == [1, 6, 15, 38]
    assert all(ef == d("2.5") for _, ef, _ in run([4, 4, 4, 4]))


def test_three_zeros_floor_easiness_at_1_3() -> None:
    assert run([0, 0, 0])[-1] == (0, d("1.3"), 1)


def test_six_fives_end_at_420_days_not_421() -> None:
    # With float EF, 2.5 + 5 * 0.1 = 3.0000000000000004 and ceil(140 * EF) = 421.
    assert run([5] * 6)[-1] == (6, d("3.1"), 420)
    assert [i for _, _, i in run([5] * 6)] == [1, 6, 17, 48, 140, 420]


def test_easiness_changes_match_the_formula() -> None:
    for q in range(6):
        exact = Decimal("0.1") - (5 - q) * (Decimal("0.08") + (5 - q) * Decimal("0.02"))
        assert Decimal(easiness_change_x100(q)) / 100 == exact


def test_failure_updates_easiness_and_keeps_it() -> None:
    s = review(review(Sm2State(), 5, DAY), 1, DAY + timedelta(days=1))
    assert s.easiness == d("2.06")  # 2.6 - 0.54, not reset to 2.5
    assert (s.repetitions, s.interval) == (0, 1)
    assert s.lapses == 1


@pytest.mark.parametrize("bad", [-1, 6, 10, 2.5, "3", True, None])
def test_rejects_quality_outside_0_to_5(bad: object) -> None:
    with pytest.raises(ValueError):
        review(Sm2State(), bad, DAY)  # type: ignore[arg-type]


def test_preview_intervals() -> None:
    s = review(review(Sm2State(), 5, DAY), 5, DAY)
    assert preview_intervals(s, DAY) == {0: 1, 1: 1, 2: 1, 3: 17, 4: 17, 5: 17}


@st.composite
def states(draw: st.DrawFn) -> Sm2State:
    """Reachable states: a new one, or one after a history of reviews."""
    state = Sm2State()
    day = date(2020, 1, 1)
    for q in draw(st.lists(st.integers(0, 5), max_size=12)):
        state = review(state, q, day)
        day = state.due or day
    return state


days = st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1))
qualities = st.integers(0, 5)


@given(states(), qualities, days)
def test_easiness_never_below_1_3_and_interval_at_least_1(
    state: Sm2State, q: int, today: date
) -> None:
    after = review(state, q, today)
    assert after.easiness >= d("1.3")
    assert after.interval >= 1
    assert after.due == today + timedelta(days=after.interval)


@given(states(), qualities, days)
def test_review_is_pure(state: Sm2State, q: int, today: date) -> None:
    copy = replace(state)
    first = review(state, q, today)
    assert state == copy
    assert review(state, q, today) == first


@given(states(), days)
def test_monotone_in_quality(state: Sm2State, today: date) -> None:
    results = [review(state, q, today) for q in range(6)]
    for worse, better in itertools.pairwise(results):
        assert worse.easiness <= better.easiness
        assert worse.interval <= better.interval


@given(st.lists(qualities, min_size=1, max_size=30))
def test_any_sequence_keeps_invariants(grades: list[int]) -> None:
    state = Sm2State()
    for q in grades:
        before = state
        state = review(state, q, DAY)
        if q < 3:
            assert (state.repetitions, state.interval) == (0, 1)
        else:
            assert state.repetitions == before.repetitions + 1
