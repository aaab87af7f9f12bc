"""Which scheduler each deck uses, and a card's state rebuilt by replaying its log.

A deck's choice is an event (kind ``deck_scheduler``, target ``deck:<id>``, the
options as JSON): the log only grows, and the last such event is the choice (none:
SM-2). Switching replays every card of the deck under the new scheduler, its
ratings converted where they were given on the other scale (see
core.scheduling.ratings), so a card's state is always the replay of its log under
its deck's scheduler; switching back gives back exactly the states the deck
would have had without the switch.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from studykb.core.scheduling import scheduler_named
from studykb.core.scheduling.options import SchedulerOptions, build_scheduler
from studykb.core.scheduling.protocol import Scheduler
from studykb.core.scheduling.replay import LogEvent, replay_card
from studykb.core.studyday import DayStarts
from studykb.storage.base import RepositoryBase
from studykb.storage.db import named, unit_of_work
from studykb.storage.events import append_event
from studykb.storage.states import decode, encode

DECK_TARGET_PREFIX = "deck:"

_WRITE_STATE = """
UPDATE card_state SET scheduler = ?, repetitions = ?, interval = ?, due = ?, lapses = ?,
       state = ?, due_at = ?
WHERE card_id = ?
"""


def deck_target(deck_id: str) -> str:
    return DECK_TARGET_PREFIX + deck_id


def deck_options_and_since(
    conn: sqlite3.Connection, deck_id: str
) -> tuple[SchedulerOptions, str | None]:
    """The deck's scheduler options and when they were last set (None: never, SM-2)."""
    row = (
        named(conn)
        .execute(
            "SELECT value, at FROM event WHERE target = ? AND kind = 'deck_scheduler' "
            "ORDER BY seq DESC LIMIT 1",
            (deck_target(deck_id),),
        )
        .fetchone()
    )
    if row is None:
        return SchedulerOptions(), None
    return SchedulerOptions.from_json(str(row["value"])), str(row["at"])


def deck_options(conn: sqlite3.Connection, deck_id: str) -> SchedulerOptions:
    return deck_options_and_since(conn, deck_id)[0]


def deck_scheduler(conn: sqlite3.Connection, deck_id: str, day_starts: DayStarts) -> Scheduler[Any]:
    return build_scheduler(deck_options(conn, deck_id), day_starts)


def card_scheduler(
    conn: sqlite3.Connection, card_id: int, stored_name: str, day_starts: DayStarts
) -> Scheduler[Any]:
    """The scheduler that reviews a card: SM-2 needs no lookup (it has no settings);
    another reads its deck's options (one indexed query)."""
    if stored_name == "sm2":
        return scheduler_named("sm2")
    row = named(conn).execute("SELECT deck_id FROM card WHERE id = ?", (card_id,)).fetchone()
    scheduler = deck_scheduler(conn, str(row["deck_id"]), day_starts)
    if scheduler.name != stored_name:
        # The state was written under another scheduler than the deck's: `check` says so.
        raise ValueError(
            f"card {card_id} is stored under {stored_name} but its deck uses {scheduler.name}; "
            "run `studykb check --repair`"
        )
    return scheduler


def write_state(
    conn: sqlite3.Connection, scheduler: Scheduler[Any], card_id: int, state: Any
) -> None:
    stored = encode(scheduler, state)
    conn.execute(_WRITE_STATE, (scheduler.name, *stored.values(), stored.due_at, card_id))


_EVENT_COLUMNS = (
    "card_id, uid, answered_at, utc_offset_minutes, study_day, quality, kind, voids, "
    "scheduler, after_repetitions, after_interval, after_due, after_lapses, after_state"
)


def _event(r: sqlite3.Row) -> LogEvent:
    """A log row (``SELECT _EVENT_COLUMNS``) as a replay event, its rating (or the
    state an import carried) on the scale of the scheduler it was written under."""
    kind = str(r["kind"])
    row_scheduler = scheduler_named(str(r["scheduler"]))
    imported = None
    if kind == "import":
        imported = row_scheduler.to_dict(decode(row_scheduler, r, "after_"))
    return LogEvent(
        uid=str(r["uid"]),
        at=datetime.fromisoformat(str(r["answered_at"])),
        utc_offset_minutes=int(r["utc_offset_minutes"]),
        study_day=date.fromisoformat(str(r["study_day"])),
        kind=kind if kind in ("void", "import", "practice", "reset") else "answer",  # type: ignore[arg-type]
        rating=int(r["quality"]) if kind in ("review", "drill") else None,
        voids=None if r["voids"] is None else str(r["voids"]),
        state=imported,
        scale=row_scheduler.name,
    )


def card_events(conn: sqlite3.Connection, card_id: int) -> list[LogEvent]:
    """A card's log as replay events, in the order written (seq)."""
    rows = named(conn).execute(
        f"SELECT {_EVENT_COLUMNS} FROM review_log WHERE card_id = ? ORDER BY seq", (card_id,)
    )
    return [_event(r) for r in rows]


def logs_by_card(conn: sqlite3.Connection, deck_id: str | None) -> Iterator[list[LogEvent]]:
    """Every card's log (of one deck, or all) as replay events, one card at a time,
    read in one pass: for the comparison of schedulers over the whole history."""
    rows = named(conn).execute(
        f"SELECT {_EVENT_COLUMNS} FROM review_log r "
        "WHERE (:deck IS NULL OR r.card_id IN (SELECT id FROM card WHERE deck_id = :deck)) "
        "ORDER BY r.card_id, r.seq",
        {"deck": deck_id},
    )
    card: int | None = None
    events: list[LogEvent] = []
    for r in rows:
        if r["card_id"] != card and events:
            yield events
            events = []
        card = int(r["card_id"])
        events.append(_event(r))
    if events:
        yield events


def rebuild_card(conn: sqlite3.Connection, card_id: int, scheduler: Scheduler[Any]) -> Any:
    """Replay a card's whole log under ``scheduler`` and store the state it gives."""
    state = replay_card(scheduler, card_events(conn, card_id), presorted=True).state
    write_state(conn, scheduler, card_id, state)
    return state


class DeckSchedulers(RepositoryBase):
    """The repository's part for each deck's scheduler."""

    def scheduler_options(self, deck_id: str) -> SchedulerOptions:
        self._require_deck(deck_id)
        return deck_options(self.conn, deck_id)

    def set_scheduler(self, deck_id: str, options: SchedulerOptions) -> int:
        """Record the deck's new choice (an event) and replay every card of the deck
        under it, in one unit of work. Returns how many cards were replayed (none when
        the options are unchanged)."""
        self._require_deck(deck_id)
        with unit_of_work(self.conn):
            if deck_options(self.conn, deck_id) == options:
                return 0
            moment = self._moment_for_write()
            append_event(
                self.conn, moment, "deck_scheduler", deck_target(deck_id), options.to_json()
            )
            scheduler = build_scheduler(options, self.day_starts())
            cards = [
                int(r["id"])
                for r in named(self.conn).execute(
                    "SELECT id FROM card WHERE deck_id = ? ORDER BY id", (deck_id,)
                )
            ]
            for card_id in cards:
                rebuild_card(self.conn, card_id, scheduler)
        return len(cards)

    def scheduler_of(self, card_id: int, stored_name: str) -> Scheduler[Any]:
        """The scheduler (with its deck's settings) that reviews this card."""
        return card_scheduler(self.conn, card_id, stored_name, self.day_starts())

    def logs_by_card(self, deck_id: str | None) -> list[list[LogEvent]]:
        """Every card's log (of one deck, or all) as replay events."""
        self._require_deck(deck_id)
        return list(logs_by_card(self.conn, deck_id))
