"""FSRS-6 behind the scheduler seam: the same numbers py-fsrs gives when called directly."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone

import fsrs
import fsrs.scheduler
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from studykb.core.scheduling.fsrs import (
    FsrsScheduler,
    FsrsState,
    forgetting_curve,
    fuzz_fraction,
)
from studykb.core.scheduling.protocol import Schedule, Scheduler
from studykb.core.studyday import Moment, moment_of

UTC1 = timezone(timedelta(hours=1))
START = datetime(2026, 1, 5, 10, 0, tzinfo=UTC1)  # study day 2026-01-05
MINUTE, DAY = timedelta(minutes=1), timedelta(days=1)

# (rating, time after START): fixed sequences covering the phases.
SEQUENCES: dict[str, list[tuple[int, timedelta]]] = {
    # Learning steps within one day (1 min, 10 min), then review days later.
    "learning steps": [
        (3, 0 * MINUTE),
        (3, 1 * MINUTE),
        (3, 11 * MINUTE),
        (3, 3 * DAY),
        (4, 12 * DAY),
    ],
    # Again and Hard inside the learning steps (Hard on step 0 is the mean of the steps).
    "again and hard while learning": [
        (1, 0 * MINUTE),
        (2, 1 * MINUTE),
        (1, 7 * MINUTE),
        (3, 8 * MINUTE),
        (3, 20 * MINUTE),
        (2, 2 * DAY),
    ],
    # A lapse in review, the relearning step, then back to review.
    "lapse and relearning": [
        (3, 0 * MINUTE),
        (3, 1 * MINUTE),
        (3, 11 * MINUTE),
        (1, 5 * DAY),
        (1, 5 * DAY + 10 * MINUTE),
        (3, 5 * DAY + 25 * MINUTE),
        (3, 8 * DAY),
    ],
    # Long gaps: months and years between reviews, Easy from new.
    "long gaps": [
        (4, 0 * MINUTE),
        (3, 40 * DAY),
        (3, 400 * DAY),
        (1, 1500 * DAY),
        (3, 1500 * DAY + 10 * MINUTE),
    ],
    # Early reviews: answered well before due, and twice within a day in review.
    "early reviews": [
        (3, 0 * MINUTE),
        (3, 1 * MINUTE),
        (3, 11 * MINUTE),
        (3, 1 * DAY),
        (3, 1 * DAY + 2 * timedelta(hours=1)),
        (2, 2 * DAY),
        (4, 2 * DAY + 5 * MINUTE),
    ],
}


def moment(at: datetime) -> Moment:
    return moment_of(at)


def run_ours(scheduler: FsrsScheduler, steps: list[tuple[int, timedelta]]) -> list[FsrsState]:
    state, states = scheduler.initial_state(), []
    for rating, after in steps:
        state, record = scheduler.review(state, rating, moment(START + after))
        assert record.after == scheduler.to_dict(state)
        states.append(state)
    return states


def run_direct(reference: fsrs.Scheduler, steps: list[tuple[int, timedelta]]) -> list[fsrs.Card]:
    card, cards = fsrs.Card(card_id=1, due=START.astimezone(UTC)), []
    for rating, after in steps:
        card, _ = reference.review_card(card, fsrs.Rating(rating), (START + after).astimezone(UTC))
        cards.append(card)
    return cards


def assert_same(state: FsrsState, card: fsrs.Card) -> None:
    assert state.phase == card.state.name.lower()
    assert state.step == card.step
    assert state.stability == card.stability  # exactly: the same arithmetic
    assert state.difficulty == card.difficulty
    assert state.due_at == card.due
    assert state.last_review == card.last_review


@pytest.mark.parametrize("name", sorted(SEQUENCES))
def test_states_and_due_moments_equal_py_fsrs_called_directly(name: str) -> None:
    steps = SEQUENCES[name]
    ours = run_ours(FsrsScheduler(), steps)
    direct = run_direct(fsrs.Scheduler(enable_fuzzing=False), steps)
    for state, card in zip(ours, direct, strict=True):
        assert_same(state, card)


def test_other_settings_reach_py_fsrs() -> None:
    steps = SEQUENCES["lapse and relearning"]
    ours = FsrsScheduler(
        desired_retention=0.8,
        maximum_interval=3,
        learning_steps=(5 * MINUTE,),
        relearning_steps=(),
    )
    reference = fsrs.Scheduler(
        desired_retention=0.8,
        maximum_interval=3,
        learning_steps=(5 * MINUTE,),
        relearning_steps=(),
        enable_fuzzing=False,
    )
    for state, card in zip(run_ours(ours, steps), run_direct(reference, steps), strict=True):
        assert_same(state, card)
        assert state.interval <= 3


def test_the_schedule_gives_study_days_and_the_moment_only_for_steps() -> None:
    states = run_ours(FsrsScheduler(), SEQUENCES["lapse and relearning"])
    first, graduated, lapsed = states[0], states[2], states[3]
    assert FsrsScheduler().schedule(first) == Schedule(
        due_day=date(2026, 1, 5), due_at=first.due_at, interval=0, repetitions=1, lapses=0
    )
    # In review: due any time on its study day, as an SM-2 card is.
    shown = FsrsScheduler().schedule(graduated)
    assert shown.due_at is None
    assert shown.due_day == date(2026, 1, 5) + timedelta(days=graduated.interval)
    assert graduated.interval == (graduated.due_at - graduated.last_review).days  # type: ignore[operator]
    # A lapse: relearning in 10 minutes, counted once.
    assert lapsed.phase == "relearning"
    assert lapsed.due_at == lapsed.last_review + 10 * MINUTE  # type: ignore[operator]
    assert (lapsed.interval, lapsed.lapses, lapsed.repetitions) == (0, 1, 4)
    assert states[-1].lapses == 1


def test_due_day_follows_the_day_start_hour_and_the_local_offset() -> None:
    # 03:55 at UTC+1 belongs to the study day before (day starts at 4:00);
    # the 1-minute step falls at 03:56, the same study day; at 4:05 a new one.
    late = datetime(2026, 1, 6, 3, 55, tzinfo=UTC1)
    scheduler = FsrsScheduler()
    state, _ = scheduler.review(FsrsState(), 3, moment(late))  # Good -> step 1, 10 minutes
    assert moment(late).study_day == date(2026, 1, 5)
    assert state.due_at == (late + 10 * MINUTE).astimezone(UTC)
    assert state.due_day == date(2026, 1, 6)
    again, _ = scheduler.review(FsrsState(), 1, moment(late))  # Again -> 1 minute
    assert again.due_day == date(2026, 1, 5)
    # With the day starting at midnight, 04:05 is simply that calendar day.
    midnight = FsrsScheduler(day_start_hour=0)
    at = Moment(late.astimezone(UTC), 60, date(2026, 1, 6))
    assert midnight.review(FsrsState(), 3, at)[0].due_day == date(2026, 1, 6)


def test_every_answer_is_a_review_and_preview_offers_each_rating() -> None:
    scheduler: Scheduler[FsrsState] = FsrsScheduler()
    assert scheduler.name == "fsrs"
    assert scheduler.ratings == (1, 2, 3, 4)
    assert FsrsScheduler.drills_same_day is False
    shown = scheduler.preview(FsrsState(), moment(START))
    assert set(shown) == {1, 2, 3, 4}
    assert shown[4].phase == "review" and shown[4].interval >= 1
    assert shown[1].due_at == START.astimezone(UTC) + MINUTE
    assert shown[2].due_at == START.astimezone(UTC) + timedelta(minutes=5, seconds=30)


@pytest.mark.parametrize("bad", [0, 5, -1, True, 2.0, "3"])
def test_ratings_outside_1_to_4_are_refused(bad: object) -> None:
    with pytest.raises(ValueError, match="1 to 4"):
        FsrsScheduler().review(FsrsState(), bad, moment(START))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"desired_retention": 0.69}, "desired_retention"),
        ({"desired_retention": 0.995}, "desired_retention"),
        ({"desired_retention": True}, "desired_retention"),
        ({"maximum_interval": 0}, "maximum_interval"),
        ({"maximum_interval": 1.5}, "maximum_interval"),
        ({"learning_steps": (-MINUTE,)}, "learning_steps"),
        ({"relearning_steps": (0 * MINUTE,)}, "relearning_steps"),
        ({"day_start_hour": 24}, "day_start_hour"),
        ({"parameters": (1.0, 2.0)}, "parameters"),
        ({"fuzz": "yes"}, "fuzz"),
    ],
)
def test_settings_out_of_range_are_refused_naming_the_field(
    kwargs: dict[str, object], field: str
) -> None:
    with pytest.raises(ValueError, match=field) as caught:
        FsrsScheduler(**kwargs)  # type: ignore[arg-type]
    assert "\n" not in str(caught.value)


def test_settings_at_the_edges_are_accepted() -> None:
    FsrsScheduler(desired_retention=0.70, maximum_interval=1)
    FsrsScheduler(desired_retention=0.99)


def test_retrievability_is_py_fsrs_and_the_curve_meets_90_percent_at_stability() -> None:
    scheduler = FsrsScheduler()
    state = run_ours(scheduler, SEQUENCES["learning steps"])[-1]
    card = run_direct(fsrs.Scheduler(enable_fuzzing=False), SEQUENCES["learning steps"])[-1]
    later = START + 40 * DAY
    assert scheduler.retrievability(state, moment(later)) == fsrs.Scheduler(
        enable_fuzzing=False
    ).get_card_retrievability(card, later.astimezone(UTC))
    assert scheduler.retrievability(FsrsState(), moment(later)) == 0.0
    assert forgetting_curve(7.5, 7.5) == pytest.approx(0.9)
    assert scheduler.recall_probability(state, 0) == 1.0
    assert scheduler.recall_probability(FsrsState(), 3) == 0.0


# -- fuzz -------------------------------------------------------------------------


def test_fuzz_is_off_by_default_and_deterministic_when_on() -> None:
    steps = [(3, 0 * MINUTE), (3, 1 * MINUTE), (3, 11 * MINUTE)]
    steps += [(3, n * 20 * DAY) for n in range(1, 8)]
    plain = run_ours(FsrsScheduler(), steps)
    fuzzed = run_ours(FsrsScheduler(fuzz=True), steps)
    again = run_ours(FsrsScheduler(fuzz=True), steps)
    assert fuzzed == again  # replaying the same log gives the same intervals
    assert [s.interval for s in fuzzed] != [s.interval for s in plain]
    # The fuzz only moves whole days in the review phase, never stability.
    for f, p in zip(fuzzed, plain, strict=True):
        assert f.last_review == p.last_review
        assert abs(f.interval - p.interval) <= max(3, p.interval // 10 + 2)


def test_fuzz_ignores_the_global_random_generator() -> None:
    import random

    steps = [(4, 0 * MINUTE), (3, 30 * DAY)]
    random.seed(1)
    first = run_ours(FsrsScheduler(fuzz=True), steps)
    random.seed(2)
    assert run_ours(FsrsScheduler(fuzz=True), steps) == first


def test_fuzz_draws_the_range_py_fsrs_draws(monkeypatch: pytest.MonkeyPatch) -> None:
    """py-fsrs's own fuzz, fed our seeded draw in place of random(), gives the same due."""
    steps = [(4, 0 * MINUTE), (3, 30 * DAY), (3, 150 * DAY), (2, 900 * DAY)]
    scheduler = FsrsScheduler(fuzz=True)
    reference = fsrs.Scheduler(enable_fuzzing=True)
    state, card = FsrsState(), fsrs.Card(card_id=1, due=START.astimezone(UTC))
    for rating, after in steps:
        at = moment(START + after)
        draw = fuzz_fraction(state, rating, at)
        monkeypatch.setattr(fsrs.scheduler, "random", lambda draw=draw: draw)
        card, _ = reference.review_card(card, fsrs.Rating(rating), at.utc)
        state, _ = scheduler.review(state, rating, at)
        assert_same(state, card)


# -- dicts ------------------------------------------------------------------------


ratings = st.integers(1, 4)
gaps = st.one_of(
    st.integers(0, 30).map(lambda m: timedelta(minutes=m)),
    st.integers(1, 800).map(lambda d: timedelta(days=d, minutes=d % 7)),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(ratings, gaps), max_size=12), st.booleans())
def test_states_round_trip_through_json_exactly(
    steps: list[tuple[int, timedelta]], fuzz: bool
) -> None:
    scheduler = FsrsScheduler(fuzz=fuzz)
    state, at = scheduler.initial_state(), START
    states = [state]
    for rating, gap in steps:
        at += gap
        state, _ = scheduler.review(state, rating, moment(at))
        states.append(state)
    for s in states:
        text = json.dumps(scheduler.to_dict(s))
        assert scheduler.from_dict(json.loads(text)) == s


@given(
    st.floats(min_value=0.001, max_value=36500, allow_nan=False),
    st.floats(min_value=1.0, max_value=10.0, allow_nan=False),
)
def test_any_float_round_trips(stability: float, difficulty: float) -> None:
    scheduler = FsrsScheduler()
    base = run_ours(scheduler, SEQUENCES["learning steps"])[-1]
    data = {**scheduler.to_dict(base), "stability": stability, "difficulty": difficulty}
    again = scheduler.to_dict(scheduler.from_dict(json.loads(json.dumps(data))))
    assert again["stability"] == stability and again["difficulty"] == difficulty


def test_malformed_dicts_are_refused_in_one_line() -> None:
    scheduler = FsrsScheduler()
    good = scheduler.to_dict(run_ours(scheduler, SEQUENCES["lapse and relearning"])[3])
    assert good["due_at"].endswith("+00:00")
    bad_dicts = [
        {},
        {k: v for k, v in good.items() if k != "stability"},
        {**good, "surprise": 1},
        {**good, "phase": "graduated"},
        {**good, "step": -1},
        {**good, "step": None},  # relearning needs its step
        {**good, "stability": "big"},
        {**good, "stability": float("nan")},
        {**good, "stability": 0.0},
        {**good, "difficulty": 11.0},
        {**good, "difficulty": None},
        {**good, "due_at": "yesterday"},
        {**good, "due_at": "2026-01-05T10:00:00"},  # no offset
        {**good, "due_at": None},
        {**good, "due": 20260105},
        {**good, "due": "2026-13-01"},
        {**good, "last_review": "2027-01-01T00:00:00+00:00"},  # after due_at
        {**good, "repetitions": True},
        {**good, "lapses": -1},
        {**good, "interval": 1.5},
        {**scheduler.to_dict(FsrsState()), "stability": 3.0},  # new yet scheduled
        "not a mapping",
    ]
    for bad in bad_dicts:
        with pytest.raises(ValueError) as caught:
            scheduler.from_dict(bad)  # type: ignore[arg-type]
        assert "\n" not in str(caught.value), bad
    assert scheduler.from_dict(scheduler.to_dict(FsrsState())) == FsrsState()


def test_whole_number_floats_from_other_json_writers_are_read() -> None:
    scheduler = FsrsScheduler()
    state = run_ours(scheduler, SEQUENCES["long gaps"])[0]
    data = {**scheduler.to_dict(state), "difficulty": 5, "stability": 8}
    assert scheduler.from_dict(data).stability == 8.0
    shifted = {**scheduler.to_dict(state), "due_at": state.due_at.astimezone(UTC1).isoformat()}  # type: ignore[union-attr]
    assert scheduler.from_dict(shifted) == state
