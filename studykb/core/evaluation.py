"""How well each scheduler would have predicted the user's own recalls (issue 13).

Replays each card's answers under a scheduler and, before each answer, asks it
for the probability of recall given only the answers before; the predictions are
scored as the open srs-benchmark scores algorithms
(github.com/open-spaced-repetition/srs-benchmark, ``utils.py``: ``evaluate``
and ``rmse_matrix``; ``other.py``: ``process_untrainable``):

* **log loss**: the mean of -(y ln p + (1 - y) ln(1 - p)), as sklearn's
  ``log_loss`` (p clipped to [eps, 1 - eps]);
* **RMSE(bins)**: predictions grouped by three keys, each on a log scale --
  the days since the previous review, ``round(2.48 * 3.62 ** floor(log(t) /
  log(3.62)), 2)``; the review's number in the card's history, ``round(1.99 *
  1.89 ** floor(log(i) / log(1.89)))``; and the lapses before it (failed
  reviews after a gap of a day or more), 0 or ``round(1.65 * 1.73 **
  floor(log(n) / log(1.73)))`` -- and the root of the count-weighted mean of
  (mean recall - mean prediction) ** 2 over the groups.

Which answers are predicted follows srs-benchmark too: every answer but a card's
first, as long as it comes on a later study day than the answer before (the
benchmark's ``delta_t`` counts days; same-day answers feed the state but are not
scored, since both curves would predict certainty at t = 0). SM-2 has no
probability of its own: srs-benchmark gives it the exponential curve
``p = 0.9 ** (t / I)`` (``np.exp(np.log(0.9) * delta_t / ivl)``), I being the
SM-2 interval, i.e. SM-2 taken to schedule each review for 90 % recall. FSRS
predicts with its own forgetting curve of t days.

An answer counts as recalled when its SM-2 grade is 3 or more, or its FSRS rating
is above Again (the rating maps in :mod:`studykb.core.scheduling.ratings` keep this
line, so the outcome does not depend on the scale it was given on).

Everything here is pure: answers and states in, numbers out; no storage, no clock.
"""

from __future__ import annotations

import math
import sys
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any, TypeVar

from studykb.core.scheduler import Sm2State
from studykb.core.scheduling.protocol import Scheduler
from studykb.core.scheduling.ratings import Rating, Scale, convert, recalled
from studykb.core.scheduling.replay import answer_kind
from studykb.core.studyday import DEFAULT_DAY_START_HOUR, Moment, study_day

S = TypeVar("S")

# Below this many predictions the scores are noise: a single review's log loss has
# a standard deviation of about 0.6-0.8 at the usual 85-90 % recall, so the mean over
# n reviews is known to about 0.7 / sqrt(n) -- 0.07 at n = 100, a third of the gap
# between SM-2 (0.55) and FSRS-6 (0.34) on srs-benchmark, so that gap can show;
# below 100 the error bars reach the difference being measured.
MIN_PREDICTIONS = 100
FORECAST_DAYS = 30
SM2_RETENTION = 0.9  # the recall SM-2 is taken to aim at (srs-benchmark)
_EPS = sys.float_info.epsilon  # sklearn's log_loss clips to the dtype's epsilon

Predictor = Callable[[Any, int], float]


@dataclass(frozen=True, slots=True)
class Answer:
    """One answer of one card: when, and the rating on the scale it was given on."""

    at: Moment
    rating: int
    scale: Scale  # "sm2": grade 0-5; "fsrs": rating 1-4


@dataclass(frozen=True, slots=True)
class Prediction:
    """A scheduler's probability of recall for one answer, made before it."""

    probability: float
    recalled: bool
    elapsed_days: int  # study days since the card's previous answer (>= 1)
    review_number: int  # srs-benchmark's i: this answer's place among the card's study days
    lapses: int  # earlier predicted answers that were forgotten


@dataclass(frozen=True, slots=True)
class Scores:
    scheduler: str
    predictions: int
    log_loss: float
    rmse_bins: float
    predicted_retention: float  # mean probability predicted
    measured_retention: float  # share of those answers recalled


@dataclass(frozen=True, slots=True)
class NotEnoughReviews:
    scheduler: str
    predictions: int
    needed: int

    def __str__(self) -> str:
        return (
            f"not enough reviews: {self.predictions} to predict, {self.needed} needed "
            "before the scores mean anything"
        )


Evaluation = Scores | NotEnoughReviews


@dataclass(frozen=True, slots=True)
class Forecast:
    """Reviews per study day from ``days[0][0]`` on, if every due card is answered
    Good (FSRS) / 4 (SM-2) on its due day; overdue cards count on the first day."""

    scheduler: str
    days: tuple[tuple[date, int], ...]

    @property
    def total(self) -> int:
        return sum(count for _, count in self.days)


# -- recall probabilities ---------------------------------------------------------------


def sm2_recall_probability(state: Sm2State, elapsed_days: int) -> float:
    """srs-benchmark's SM-2 prediction: 0.9 ** (t / I) with I the SM-2 interval."""
    if state.interval < 1:
        return 0.0  # never reviewed: nothing to recall from
    return float(SM2_RETENTION ** (max(0, elapsed_days) / state.interval))


def recall_predictor(scheduler: Scheduler[Any]) -> Predictor:
    """How ``scheduler`` predicts recall: its own ``recall_probability(state, days)``
    (FSRS) or, for SM-2, :func:`sm2_recall_probability`."""
    own: Predictor | None = getattr(scheduler, "recall_probability", None)
    if own is not None:
        return own
    if scheduler.name == "sm2":
        return sm2_recall_probability
    raise ValueError(f"no recall probability known for scheduler {scheduler.name!r}")


def scale_of(scheduler: Scheduler[Any]) -> Scale:
    if scheduler.name in ("sm2", "fsrs"):
        return "sm2" if scheduler.name == "sm2" else "fsrs"
    raise ValueError(f"unknown rating scale for scheduler {scheduler.name!r}")


# -- predictions and scores -------------------------------------------------------------


def predictions(
    scheduler: Scheduler[S],
    cards: Iterable[Sequence[Answer]],
    predict: Predictor | None = None,
) -> list[Prediction]:
    """Each scored answer's prediction, made from the state the earlier answers built.

    Answers are taken in time order. Under SM-2 a second answer on a study day is a
    drill (rule 7) and changes nothing; under FSRS (``drills_same_day`` False) every
    answer is a review."""
    predict = predict or recall_predictor(scheduler)
    scale = scale_of(scheduler)
    made: list[Prediction] = []
    for answers in cards:
        state = scheduler.initial_state()
        last_day: date | None = None
        days_seen = 0
        lapses = 0
        for answer in sorted(answers, key=lambda a: a.at.utc):
            outcome = recalled(answer.rating, answer.scale)
            if last_day is not None and answer.at.study_day > last_day:
                elapsed = (answer.at.study_day - last_day).days
                probability = min(1.0, max(0.0, float(predict(state, elapsed))))
                made.append(Prediction(probability, outcome, elapsed, days_seen + 1, lapses))
                lapses += 0 if outcome else 1
            if last_day is None or answer.at.study_day > last_day:
                days_seen += 1
            kind = answer_kind(
                last_day, answer.at.study_day, drills_same_day=scheduler.drills_same_day
            )
            if kind == "review":
                rating = convert(answer.rating, answer.scale, scale)
                state, _ = scheduler.review(state, rating, answer.at)
            last_day = (
                answer.at.study_day if last_day is None else max(last_day, answer.at.study_day)
            )
    return made


def log_loss(made: Sequence[Prediction]) -> float:
    if not made:
        raise ValueError("log loss of no predictions")
    total = 0.0
    for p in made:
        q = min(1 - _EPS, max(_EPS, p.probability))
        total -= math.log(q) if p.recalled else math.log(1 - q)
    return total / len(made)


def _log_bin(value: float, base: float, scale: float, digits: int) -> float:
    return round(scale * base ** math.floor(math.log(value) / math.log(base)), digits)


def rmse_bins(made: Sequence[Prediction]) -> float:
    """srs-benchmark's RMSE(bins) (``rmse_matrix``): see the module docstring."""
    if not made:
        raise ValueError("RMSE of no predictions")
    groups: dict[tuple[float, float, float], list[Prediction]] = defaultdict(list)
    for p in made:
        key = (
            _log_bin(max(p.elapsed_days, 1e-6), 3.62, 2.48, 2),
            _log_bin(p.review_number, 1.89, 1.99, 0),
            _log_bin(p.lapses, 1.73, 1.65, 0) if p.lapses else 0.0,
        )
        groups[key].append(p)
    squares = 0.0
    for group in groups.values():
        measured = sum(p.recalled for p in group) / len(group)
        predicted = sum(p.probability for p in group) / len(group)
        squares += len(group) * (measured - predicted) ** 2
    return math.sqrt(squares / len(made))


def score(
    scheduler_name: str, made: Sequence[Prediction], minimum: int = MIN_PREDICTIONS
) -> Evaluation:
    if len(made) < minimum:
        return NotEnoughReviews(scheduler_name, len(made), minimum)
    return Scores(
        scheduler=scheduler_name,
        predictions=len(made),
        log_loss=log_loss(made),
        rmse_bins=rmse_bins(made),
        predicted_retention=sum(p.probability for p in made) / len(made),
        measured_retention=sum(p.recalled for p in made) / len(made),
    )


def evaluate(
    scheduler: Scheduler[S],
    cards: Iterable[Sequence[Answer]],
    *,
    minimum: int = MIN_PREDICTIONS,
    predict: Predictor | None = None,
) -> Evaluation:
    """How well ``scheduler`` would have predicted these answers (see the module
    docstring), or :class:`NotEnoughReviews` with fewer than ``minimum`` to predict."""
    return score(scheduler.name, predictions(scheduler, cards, predict), minimum)


# -- forecast ---------------------------------------------------------------------------


def forecast(
    scheduler: Scheduler[S],
    states: Iterable[S],
    today: date,
    *,
    days: int = FORECAST_DAYS,
    utc_offset_minutes: int = 0,
    day_start_hour: int = DEFAULT_DAY_START_HOUR,
    max_answers_per_card: int = 1000,
) -> Forecast:
    """Reviews per study day for ``days`` days from ``today``, under ``scheduler``,
    from the cards' current ``states`` (new cards are not scheduled and not counted).

    Each due card is answered Good on its due day (at its due moment for FSRS's
    steps, else in the middle of the study day, in the user's offset) and its next
    due day counted too, as long as it falls within the window: a workload
    forecast, not a prediction of lapses."""
    if days < 1:
        raise ValueError(f"days must be at least 1, got {days}")
    good = convert(int(Rating.GOOD), "fsrs", scale_of(scheduler))
    offset = timezone(timedelta(minutes=utc_offset_minutes))
    end = today + timedelta(days=days)
    counts: Counter[date] = Counter()
    for state in states:
        for _ in range(max_answers_per_card):
            schedule = scheduler.schedule(state)
            if schedule.due_day is None or schedule.due_day >= end:
                break
            day = max(schedule.due_day, today)
            counts[day] += 1
            at = _answer_moment(schedule.due_at, day, offset, day_start_hour)
            state, _ = scheduler.review(state, good, Moment(at, utc_offset_minutes, day))
    window = (today + timedelta(days=n) for n in range(days))
    return Forecast(scheduler.name, tuple((d, counts[d]) for d in window))


def _answer_moment(
    due_at: datetime | None, day: date, offset: timezone, day_start_hour: int
) -> datetime:
    if due_at is not None and study_day(due_at.astimezone(offset), day_start_hour) == day:
        return due_at
    # Twelve hours after the day starts: inside the study day whatever the start hour.
    local = datetime(day.year, day.month, day.day, tzinfo=offset)
    return (local + timedelta(hours=day_start_hour + 12)).astimezone(UTC)
