"""Each scheduler's predictions of the user's own recalls, scored as srs-benchmark scores them."""

from __future__ import annotations

import math
import random
from datetime import date, datetime, timedelta, timezone

import pytest

from studykb.core.evaluation import (
    MIN_PREDICTIONS,
    Answer,
    NotEnoughReviews,
    Prediction,
    Scores,
    evaluate,
    forecast,
    log_loss,
    predictions,
    rmse_bins,
    sm2_recall_probability,
)
from studykb.core.scheduler import Sm2State
from studykb.core.scheduling.fsrs import FsrsScheduler
from studykb.core.scheduling.sm2 import Sm2Scheduler
from studykb.core.studyday import moment_of

UTC1 = timezone(timedelta(hours=1))
START = datetime(2026, 1, 5, 10, 0, tzinfo=UTC1)  # study day 2026-01-05
TODAY = date(2026, 1, 5)
DAY = timedelta(days=1)
FSRS, SM2 = FsrsScheduler(), Sm2Scheduler()


def simulated_learner(seed: int, cards: int = 80, answers: int = 8) -> list[list[Answer]]:
    """A learner whose recall follows FSRS-6's own forgetting curve (default parameters):
    before each answer the chance of recall is the curve of the state built so far."""
    rng = random.Random(seed)
    history = []
    for _ in range(cards):
        state, at = FSRS.initial_state(), START + rng.randint(0, 30) * DAY
        card = []
        for n in range(answers):
            if n:
                gap = rng.randint(1, 45)
                recall = rng.random() < FSRS.recall_probability(state, gap)
                at += gap * DAY
            else:
                recall = rng.random() < 0.7  # a new card: seen once before
            rating = rng.choice([2, 3, 3, 3, 4]) if recall else 1
            card.append(Answer(moment_of(at), rating, "fsrs"))
            state, _ = FSRS.review(state, rating, moment_of(at))
        history.append(card)
    return history


def test_fsrs_predicts_a_learner_on_its_own_curve_better_than_sm2() -> None:
    history = simulated_learner(seed=13)
    fsrs_scores = evaluate(FSRS, history)
    sm2_scores = evaluate(SM2, history)
    assert isinstance(fsrs_scores, Scores) and isinstance(sm2_scores, Scores)
    assert fsrs_scores.predictions == sm2_scores.predictions == 80 * 7
    assert fsrs_scores.log_loss < sm2_scores.log_loss
    assert fsrs_scores.rmse_bins < sm2_scores.rmse_bins
    # The true curve is calibrated: what it predicts is what the learner recalls.
    assert fsrs_scores.predicted_retention == pytest.approx(
        fsrs_scores.measured_retention, abs=0.05
    )


def test_the_evaluation_is_reproducible() -> None:
    assert evaluate(FSRS, simulated_learner(seed=5)) == evaluate(FSRS, simulated_learner(seed=5))


def test_with_few_reviews_it_says_so_instead_of_giving_numbers() -> None:
    history = simulated_learner(seed=1, cards=10, answers=3)
    result = evaluate(FSRS, history)
    assert result == NotEnoughReviews("fsrs", 20, MIN_PREDICTIONS)
    assert str(result).startswith("not enough reviews: 20 to predict")
    assert isinstance(evaluate(SM2, []), NotEnoughReviews)
    assert isinstance(evaluate(FSRS, history, minimum=20), Scores)


def test_only_answers_on_a_later_study_day_are_predicted_from_earlier_answers() -> None:
    at = START
    card = [
        Answer(moment_of(at), 4, "sm2"),
        Answer(moment_of(at + timedelta(hours=2)), 1, "sm2"),  # same day: SM-2 drill
        Answer(moment_of(at + DAY), 4, "sm2"),
        Answer(moment_of(at + 7 * DAY), 2, "sm2"),
    ]
    sm2 = predictions(SM2, [card])
    # The drill changed nothing: after one grade-4 review the interval is 1 day.
    assert [p.probability for p in sm2] == [0.9, pytest.approx(0.9 ** (6 / 6))]
    assert [(p.recalled, p.elapsed_days, p.review_number, p.lapses) for p in sm2] == [
        (True, 1, 2, 0),
        (False, 6, 3, 0),
    ]
    # FSRS counts the same-day Again (rating 1 from grade 1): a lower prediction.
    fsrs = predictions(FSRS, [card])
    only_first = predictions(FSRS, [[card[0], card[2]]])
    assert len(fsrs) == 2
    assert fsrs[0].probability < only_first[0].probability


def test_answers_on_either_scale_are_converted_to_the_scheduler_s() -> None:
    grades = [Answer(moment_of(START + n * 3 * DAY), g, "sm2") for n, g in enumerate([5, 3, 4])]
    ratings = [Answer(a.at, r, "fsrs") for a, r in zip(grades, [4, 2, 3], strict=True)]
    assert predictions(FSRS, [grades]) == predictions(FSRS, [ratings])
    assert predictions(SM2, [grades]) == predictions(SM2, [ratings])


def test_log_loss_and_rmse_bins_on_known_predictions() -> None:
    half = [Prediction(0.5, n % 2 == 0, 1, 2, 0) for n in range(10)]
    assert log_loss(half) == pytest.approx(math.log(2))
    # Days 1 and 2 share a bin (2.48 * 3.62 ** 0): one group, |0.5 - 0.9|.
    same_bin = [Prediction(0.9, True, 1, 2, 0), Prediction(0.9, False, 2, 2, 0)]
    assert rmse_bins(same_bin) == pytest.approx(0.4)
    # 30 days is another bin (3.62 ** 2): two groups of one, weighted equally.
    two_bins = [Prediction(0.9, True, 1, 2, 0), Prediction(0.9, False, 30, 2, 0)]
    assert rmse_bins(two_bins) == pytest.approx(math.sqrt((0.1**2 + 0.9**2) / 2))
    # A lapse count moves a prediction to another group too.
    lapsed = [Prediction(0.9, True, 1, 2, 0), Prediction(0.9, False, 1, 2, 1)]
    assert rmse_bins(lapsed) == pytest.approx(math.sqrt((0.1**2 + 0.9**2) / 2))
    # Certainty that proves wrong is clipped, not infinite.
    assert math.isfinite(log_loss([Prediction(1.0, False, 1, 2, 0)]))


def test_sm2_recall_probability_is_srs_benchmark_s_curve() -> None:
    state = Sm2State(repetitions=3, easiness_x100=250, interval=15, due=TODAY)
    assert sm2_recall_probability(state, 15) == pytest.approx(0.9)
    assert sm2_recall_probability(state, 30) == pytest.approx(0.81)
    assert sm2_recall_probability(Sm2State(), 3) == 0.0


def test_forecast_counts_due_cards_and_their_next_reviews_within_30_days() -> None:
    due_in_2 = Sm2State(repetitions=2, easiness_x100=250, interval=6, due=TODAY + 2 * DAY)
    overdue = Sm2State(repetitions=3, easiness_x100=250, interval=15, due=TODAY - 3 * DAY)
    result = forecast(SM2, [due_in_2, overdue, Sm2State()], TODAY)
    counts = dict(result.days)
    assert len(result.days) == 30 and result.days[0][0] == TODAY
    # Overdue: today, then ceil(15 * 2.5) = 38 days later (outside).
    # Due in 2: then ceil(6 * 2.5) = 15 days after, then 38 (outside).
    assert {d: c for d, c in counts.items() if c} == {
        TODAY: 1,
        TODAY + 2 * DAY: 1,
        TODAY + 17 * DAY: 1,
    }
    assert result.total == 3


def test_forecast_under_fsrs_brings_learning_steps_back_the_same_day() -> None:
    learning, _ = FSRS.review(FSRS.initial_state(), 3, moment_of(START))  # due in 10 minutes
    result = forecast(FSRS, [learning], TODAY, utc_offset_minutes=60)
    graduated, _ = FSRS.review(learning, 3, moment_of(START + timedelta(minutes=10)))
    assert result.days[0] == (TODAY, 1)
    assert dict(result.days)[graduated.due_day] == 1  # type: ignore[index]
    assert result == forecast(FSRS, [learning], TODAY, utc_offset_minutes=60)
    with pytest.raises(ValueError, match="days"):
        forecast(FSRS, [], TODAY, days=0)
