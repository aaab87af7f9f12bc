"""Choosing a deck's scheduler, and the evidence for the choice from the user's own
history: how well SM-2 and FSRS would each have predicted the answers given, and
the reviews each would ask for in the next 30 days (see core.evaluation)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from studykb.app.store import Store, UseCases
from studykb.app.views import CardView
from studykb.core.clock import Clock
from studykb.core.evaluation import Answer as EvaluatedAnswer
from studykb.core.evaluation import Evaluation, Forecast, evaluate, forecast
from studykb.core.scheduler import Sm2State
from studykb.core.scheduling import scheduler_named
from studykb.core.scheduling.options import SchedulerOptions, build_scheduler
from studykb.core.scheduling.protocol import Scheduler
from studykb.core.scheduling.replay import LogEvent, replay_card, voided_uids
from studykb.core.studyday import Moment
from studykb.errors import StudykbError
from studykb.settings import Settings
from studykb.storage.db import connect
from studykb.storage.repository import Repository

if TYPE_CHECKING:  # py-fsrs is loaded only when an FSRS card is read
    from studykb.core.scheduling.fsrs import FsrsScheduler

TITLES = {"sm2": "SM-2", "fsrs": "FSRS-6"}


@dataclass(frozen=True, slots=True)
class SchedulerSwitch:
    deck_id: str
    before: SchedulerOptions
    after: SchedulerOptions
    cards: int  # cards replayed under the new choice (0: nothing changed)


@dataclass(frozen=True, slots=True)
class SchedulerReport:
    name: str
    title: str
    evaluation: Evaluation
    forecast: Forecast


@dataclass(frozen=True, slots=True)
class SchedulerComparison:
    deck_id: str | None
    today: date
    answers: int  # live answers in the history compared
    reports: tuple[SchedulerReport, ...]


class Schedulers(UseCases):
    def options(self, deck_id: str) -> SchedulerOptions:
        with self._reading():
            return self._repo.scheduler_options(deck_id)

    def options_by_deck(self, deck_ids: Iterable[str]) -> dict[str, SchedulerOptions]:
        """Each deck's options in one read (the TUI tags the FSRS decks on home)."""
        repo = self._repo
        with self._reading():
            return {deck_id: repo.scheduler_options(deck_id) for deck_id in deck_ids}

    def switch(self, deck_id: str, options: SchedulerOptions) -> SchedulerSwitch:
        """Set a deck's scheduler: one unit of work that records the choice and replays
        every card of the deck under it (ratings converted between the scales)."""
        repo = self._repo
        with self._writing():
            before = repo.scheduler_options(deck_id)
            cards = repo.set_scheduler(deck_id, options)
        return SchedulerSwitch(deck_id, before, options, cards)

    def compare(self, deck_id: str | None = None) -> SchedulerComparison:
        """SM-2 and FSRS side by side on the user's own answers (one deck, or all):
        each scored on predictions made only from the answers before, and each
        forecasting the next 30 days from the states its replay gives."""
        repo = self._repo
        with self._reading():
            logs = repo.logs_by_card(deck_id)
            fsrs_options = (
                repo.scheduler_options(deck_id) if deck_id is not None else SchedulerOptions()
            )
            today = repo.today()
            starts = repo.day_starts()
        if fsrs_options.scheduler != "fsrs":
            fsrs_options = SchedulerOptions("fsrs")
        offset = _offset_minutes(repo.clock.now())
        answers = [_live_answers(events) for events in logs]
        reports = []
        for options in (SchedulerOptions("sm2"), fsrs_options):
            scheduler = build_scheduler(options, starts)
            states = [replay_card(scheduler, events, presorted=True).state for events in logs]
            reports.append(
                SchedulerReport(
                    scheduler.name,
                    TITLES[scheduler.name],
                    evaluate(scheduler, answers),
                    forecast(
                        scheduler,
                        states,
                        today,
                        utc_offset_minutes=offset,
                        day_start_hour=starts.current_hour,
                    ),
                )
            )
        return SchedulerComparison(deck_id, today, sum(map(len, answers)), tuple(reports))

    def grade_waits(self, card: CardView, now: datetime) -> dict[int, timedelta]:
        """For each rating the card's scheduler takes, how long until the card would be
        due again: minutes for FSRS's steps, whole study days otherwise."""
        repo = self._repo
        with self._reading():
            scheduler = repo.scheduler_of(card.id, card.scheduler)
            moment = repo.day_starts().moment_of(now)
        return waits(scheduler, card.state, moment)


def compare_in_worker(
    db_path: Path, clock: Clock, settings: Settings, deck_id: str | None
) -> SchedulerComparison | str:
    """:meth:`Schedulers.compare` off the UI thread (it replays the whole history),
    on a connection of its own: the UI's connection stays the UI thread's. The
    database is already open and current there, so no migration and no bundled
    content here. Returns the comparison, or the one-line reason it failed."""
    try:
        conn = connect(db_path, create=False, readonly=True)  # it only reads
    except (StudykbError, sqlite3.Error) as exc:
        return str(exc)
    repo = Repository(conn, clock, limits=settings.limits, day_start_hour=settings.day_start_hour)
    store = Store(repo, settings, db_path)
    try:
        return Schedulers(store).compare(deck_id)
    except StudykbError as exc:
        return exc.message
    except sqlite3.Error as exc:
        return f"database: {exc}"
    finally:
        conn.close()


def waits(scheduler: Scheduler[Any], state: Any, at: Moment) -> dict[int, timedelta]:
    shown: dict[int, timedelta] = {}
    for rating, after in scheduler.preview(state, at).items():
        schedule = scheduler.schedule(after)
        if schedule.due_at is not None:
            shown[rating] = max(timedelta(0), schedule.due_at - at.utc)
        elif schedule.due_day is not None:
            shown[rating] = timedelta(days=(schedule.due_day - at.study_day).days)
    return shown


def state_fields(card: CardView, now: Moment) -> dict[str, Any]:
    """A card's scheduling state for scripts (`studykb next --json`): SM-2's
    repetitions, easiness and interval; FSRS's stability, difficulty, step, its due
    moment with the UTC offset in use and today's retrievability."""
    state = card.state
    if isinstance(state, Sm2State):
        return {
            "scheduler": "sm2",
            "repetitions": state.repetitions,
            "easiness": float(state.easiness),
            "interval": state.interval,
            "due": state.due.isoformat() if state.due else None,
            "lapses": state.lapses,
        }
    if card.scheduler == "fsrs":
        fsrs = cast("FsrsScheduler", scheduler_named("fsrs"))
        zone = timezone(timedelta(minutes=now.utc_offset_minutes))
        return {
            "scheduler": "fsrs",
            "phase": state.phase,
            "step": state.step,
            "stability": state.stability,
            "difficulty": state.difficulty,
            "interval": state.interval,
            "repetitions": state.repetitions,
            "lapses": state.lapses,
            "due": None if state.due_at is None else state.due_at.astimezone(zone).isoformat(),
            "due_day": None if state.due_day is None else state.due_day.isoformat(),
            "retrievability": (None if state.is_new else round(fsrs.retrievability(state, now), 4)),
        }
    return {"scheduler": card.scheduler}


def _live_answers(events: list[LogEvent]) -> list[EvaluatedAnswer]:
    voided = voided_uids(events)
    return [
        EvaluatedAnswer(
            Moment(e.at, e.utc_offset_minutes, e.study_day),
            e.rating,
            "fsrs" if e.scale == "fsrs" else "sm2",
        )
        for e in events
        if e.kind == "answer" and e.uid not in voided and e.rating is not None
    ]


def _offset_minutes(now: datetime) -> int:
    offset = now.utcoffset()
    return 0 if offset is None else int(offset.total_seconds() // 60)
