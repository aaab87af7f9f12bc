"""The repository: every read and write of studykb's data, as plain SQL on sqlite3.

Each public write is one unit of work (storage.db.unit_of_work), joining the one a
use case opened, so a whole command is one transaction:
an answer is durable the moment :meth:`Repository.answer` returns, an import
is all or nothing, an undo appends a row voiding the answer and restores the
previous state together (the log only grows).
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, timedelta
from typing import Any

from studykb.core import cloze
from studykb.core.clock import Clock
from studykb.core.queue import (
    DayQueue,
    DoneToday,
    DueCard,
    Limits,
    NewCard,
    build_queue,
    remaining_new,
    remaining_reviews,
)
from studykb.core.reading import (
    READING_STATUSES,
    PaperView,
    ReadingStatus,
    next_paper,
)
from studykb.core.replay import LogEntry, LogKind, answer_kind, apply, replay
from studykb.core.scheduler import Sm2State, check_quality
from studykb.core.specs import DeckSpec, ImportReport, PaperSpec, ReadingListEntry
from studykb.core.stats import (
    CARD_STATES,
    FORECAST_DAYS,
    HEATMAP_WEEKS,
    HISTORY_DAYS,
    MATURE_INTERVAL,
    CardStateName,
    StatsData,
    classify,
    retention,
    streak,
)
from studykb.core.studyday import DEFAULT_DAY_START_HOUR, DayStarts, Moment
from studykb.core.urls import paper_key
from studykb.errors import NotFoundError, StudykbError
from studykb.storage import counts
from studykb.storage.counts import (
    _ACTIVE_CARD,
    _CARD_ACTIVE,
    LIVE_ANSWER,
    NOT_VOIDED,
    DueCounts,
)
from studykb.storage.db import read_transaction, unit_of_work, write_transaction
from studykb.storage.row_check import BadRows, find_bad_rows

DAY_STARTS_KEY = "day_starts"


class StaleUndoError(StudykbError):
    pass


@dataclass(frozen=True, slots=True)
class CardView:
    id: int
    deck_id: str
    deck_title: str
    key: str
    kind: str
    cloze_number: int | None
    question: str
    answer: str
    raw_front: str
    raw_back: str
    tags: tuple[str, ...]
    source: str
    paper_title: str | None
    paper_url: str | None
    state: Sm2State
    suspended: bool
    retired: bool

    @property
    def ref(self) -> str:
        return f"{self.deck_id}/{self.key}"


@dataclass(frozen=True, slots=True)
class Answer:
    uid: str
    card_id: int
    kind: LogKind
    quality: int
    study_day: date
    before: Sm2State
    after: Sm2State
    voids: str | None = None  # a void (an undo): the answer it took back


@dataclass(frozen=True, slots=True)
class LogRow:
    """One review-log row, for bulk loading."""

    uid: str
    card_id: int
    answered_at: str
    utc_offset_minutes: int
    study_day: date
    quality: int
    kind: LogKind
    answer_ms: int
    before: Sm2State
    after: Sm2State


@dataclass(frozen=True, slots=True)
class DeckSummary:
    id: str
    title: str
    paper_id: int | None
    worth_reading: int | None
    reading_status: str | None
    cards: int
    learned: int
    mature: int
    suspended: int
    retired: int
    due_today: int
    new_today: int


@dataclass(frozen=True, slots=True)
class PaperRow:
    id: int
    slug: str
    title: str
    authors: tuple[str, ...]
    year: int | None
    url: str
    worth_reading: int | None
    section: str
    description: str
    position: int | None
    status: ReadingStatus
    status_changed_at: str | None
    started_on: date | None
    read_on: date | None
    note: str
    after: tuple[str, ...]
    deck_id: str | None
    cards: int
    mastered: int
    due: int

    @property
    def mastery(self) -> float | None:
        return None if self.cards == 0 else self.mastered / self.cards


@dataclass(frozen=True, slots=True)
class Stats:
    today: date
    reviews_today: int
    drills_today: int
    new_today: int
    streak: int
    retention_30d: float | None
    reviews_30d: int
    cards_by_state: dict[CardStateName, int]


@dataclass
class CheckReport:
    integrity: str
    cards: int
    log_rows: int
    problems: list[str] = field(default_factory=list)
    repaired: int = 0

    @property
    def ok(self) -> bool:
        return self.integrity == "ok" and not self.problems


def _d(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def _state(row: Sequence[Any], offset: int = 0) -> Sm2State:
    return Sm2State(
        repetitions=int(row[offset]),
        easiness_x100=int(row[offset + 1]),
        interval=int(row[offset + 2]),
        due=_d(row[offset + 3]),
        lapses=int(row[offset + 4]),
    )


class Repository:
    def __init__(
        self,
        conn: sqlite3.Connection,
        clock: Clock,
        *,
        limits: Limits | None = None,
        day_start_hour: int = DEFAULT_DAY_START_HOUR,
    ) -> None:
        self.conn = conn
        self.clock = clock
        self.limits = limits or Limits()
        self.day_start_hour = day_start_hour
        # Before any change is recorded, the hour configured at start is the history.
        self._first_hour = day_start_hour
        self._stored_starts: DayStarts | None = None

    # ------------------------------------------------------------------ time
    def _read_day_starts(self) -> DayStarts:
        return DayStarts.from_json(self.get_meta(DAY_STARTS_KEY), self._first_hour)

    def day_starts(self) -> DayStarts:
        """The day-start hours in effect: a newly configured hour counts from the
        next study day, so today never turns back into yesterday."""
        if self._stored_starts is None:
            self._stored_starts = self._read_day_starts()
        return self._stored_starts.with_hour(self.day_start_hour, self.clock.now())

    def today(self) -> date:
        return self.day_starts().study_day(self.clock.now())

    def _moment_for_write(self) -> Moment:
        """The moment of a logged write, inside its transaction: the day-start
        history is read afresh (another process may have recorded a change) and a
        change of the configured hour is recorded with the first write that needs it."""
        stored = self._read_day_starts()
        now = self.clock.now()
        starts = stored.with_hour(self.day_start_hour, now)
        if starts != stored or self.get_meta(DAY_STARTS_KEY) is None:
            self._set_meta(DAY_STARTS_KEY, starts.to_json())
        self._stored_starts = starts
        return starts.moment_of(now)

    def _now_utc(self) -> str:
        return self.clock.now().astimezone(UTC).isoformat(timespec="seconds")

    # ------------------------------------------------------------------ meta
    def get_meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        with write_transaction(self.conn):
            self._set_meta(key, value)

    def _set_meta(self, key: str, value: str) -> None:
        self.conn.execute(
            "INSERT INTO meta(key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def is_empty(self) -> bool:
        return self.conn.execute("SELECT 1 FROM deck LIMIT 1").fetchone() is None

    # ------------------------------------------------------------------ cards
    def card(self, card_id: int) -> CardView:
        row = self.conn.execute(
            """
            SELECT c.id, c.deck_id, d.title, c.key, c.kind, c.cloze_number, c.front, c.back,
                   c.tags, c.source, p.title, p.url, c.suspended, c.retired_at,
                   s.repetitions, s.easiness_x100, s.interval, s.due, s.lapses
            FROM card c JOIN deck d ON d.id = c.deck_id
            JOIN card_state s ON s.card_id = c.id
            LEFT JOIN paper p ON p.id = d.paper_id
            WHERE c.id = ?
            """,
            (card_id,),
        ).fetchone()
        if row is None:
            raise NotFoundError(f"no card with id {card_id}")
        kind, number, front, back = row[4], row[5], row[6], row[7]
        if kind == "cloze" and number is not None:
            question = cloze.front(front, number)
            answer = cloze.back(front, number) + (f"\n\n{back}" if back else "")
        else:
            question, answer = front, back
        return CardView(
            id=row[0],
            deck_id=row[1],
            deck_title=row[2],
            key=row[3],
            kind=kind,
            cloze_number=number,
            question=question,
            answer=answer,
            raw_front=front,
            raw_back=back,
            tags=tuple(json.loads(row[8])),
            source=row[9],
            paper_title=row[10],
            paper_url=row[11],
            suspended=bool(row[12]),
            retired=row[13] is not None,
            state=_state(row, 14),
        )

    def find_card(self, ref: str) -> int:
        """The card id for ``deck-id/card-id`` (or a numeric id)."""
        if ref.isdigit():
            row = self.conn.execute("SELECT id FROM card WHERE id = ?", (int(ref),)).fetchone()
        else:
            deck_id, _, key = ref.partition("/")
            row = self.conn.execute(
                "SELECT id FROM card WHERE deck_id = ? AND key = ?", (deck_id, key)
            ).fetchone()
        if row is None:
            raise NotFoundError(f"no card {ref!r}")
        return int(row[0])

    def deck_exists(self, deck_id: str) -> bool:
        return (
            self.conn.execute("SELECT 1 FROM deck WHERE id = ?", (deck_id,)).fetchone() is not None
        )

    def _require_deck(self, deck_id: str | None) -> None:
        if deck_id is not None and not self.deck_exists(deck_id):
            raise NotFoundError(f"no deck {deck_id!r} (see `studykb decks`)")

    # ------------------------------------------------------------------ queue
    def done_on(self, day: date) -> DoneToday:
        return counts.done_on(self.conn, day)

    def pending_drills(self, day: date, deck_id: str | None = None) -> list[int]:
        """Cards whose latest answer on ``day`` was below 4 (SM-2 rule 7), oldest first."""
        return counts.pending_drills(self.conn, day, deck_id)

    # The candidate queries walk ix_card_state_due (due, card_id) and the partial
    # ix_card_state_new in order and stop at LIMIT: their cost does not grow with
    # the collection, only with the limit.
    def _due_candidates(self, day: date, limit: int, deck_id: str | None) -> list[DueCard]:
        rows = self.conn.execute(
            f"""
            SELECT s.card_id, s.due FROM card_state s INDEXED BY ix_card_state_due
            WHERE s.due <= :day AND EXISTS ({_ACTIVE_CARD})
            ORDER BY s.due, s.card_id
            LIMIT :limit
            """,
            {"day": day.isoformat(), "deck": deck_id, "limit": limit},
        ).fetchall()
        return [DueCard(int(r[0]), date.fromisoformat(r[1])) for r in rows]

    def _new_candidates(self, day: date, limit: int, deck_id: str | None) -> list[NewCard]:
        rows = self.conn.execute(
            f"""
            SELECT s.card_id FROM card_state s INDEXED BY ix_card_state_new
            WHERE s.due IS NULL AND EXISTS ({_ACTIVE_CARD})
            ORDER BY s.card_id
            LIMIT :limit
            """,
            {"day": day.isoformat(), "deck": deck_id, "limit": limit},
        ).fetchall()
        return [NewCard(int(r[0])) for r in rows]

    def day_queue(self, deck_id: str | None = None, day: date | None = None) -> DayQueue:
        """Today's queue (or that of a later study day, with nothing done on it yet)."""
        self._require_deck(deck_id)
        today = self.today()
        day = day or today
        with read_transaction(self.conn):
            done = self.done_on(day) if day == today else DoneToday()
            drills = self.pending_drills(day, deck_id) if day == today else []
            due = self._due_candidates(day, remaining_reviews(self.limits, done), deck_id)
            new = self._new_candidates(day, remaining_new(self.limits, done), deck_id)
        return build_queue(due, new, drills, self.limits, done)

    def next_card(self, deck_id: str | None = None) -> int | None:
        """The first card of today's queue, found with at most one LIMIT 1 query per
        part (reviews, new, drills) rather than by building the whole queue."""
        self._require_deck(deck_id)
        today = self.today()
        with read_transaction(self.conn):
            done = self.done_on(today)
            if remaining_reviews(self.limits, done):
                due = self._due_candidates(today, 1, deck_id)
                if due:
                    return due[0].card_id
            if remaining_new(self.limits, done):
                new = self._new_candidates(today, 1, deck_id)
                if new:
                    return new[0].card_id
            drills = self.pending_drills(today, deck_id)
        return drills[0] if drills else None

    def due_counts(self, day: date | None = None, deck_id: str | None = None) -> DueCounts:
        """Review and new counts for a study day, in total and per deck (see
        studykb.storage.counts, which `studykb due` also uses on its own)."""
        self._require_deck(deck_id)
        today = self.today()
        with read_transaction(self.conn):
            return counts.due_counts(self.conn, day or today, today, self.limits, deck_id)

    # ------------------------------------------------------------------ answers
    def answer(self, card_id: int, quality: int, answer_ms: int = 0) -> Answer:
        """Record one answer and apply SM-2, committed before this returns.

        The first answer of a card on a study day is a review; any later answer
        that day is a same-day drill (SM-2 rule 7), logged but changing nothing."""
        check_quality(quality)
        with write_transaction(self.conn):
            moment = self._moment_for_write()
            day = moment.study_day.isoformat()
            row = self.conn.execute(
                """
                SELECT s.repetitions, s.easiness_x100, s.interval, s.due, s.lapses, c.retired_at
                FROM card_state s JOIN card c ON c.id = s.card_id WHERE s.card_id = ?
                """,
                (card_id,),
            ).fetchone()
            if row is None:
                raise NotFoundError(f"no card with id {card_id}")
            if row[5] is not None:
                raise StudykbError(f"card {card_id} is retired; it can no longer be answered")
            before = _state(row)
            # A card's review is its first answer of a study day; an answer on the
            # same day, or on an earlier one (a clock set back), changes nothing.
            kind = answer_kind(self.last_answer_day(card_id), moment.study_day)
            after = apply(before, kind, quality, moment.study_day)
            uid = _new_uid()
            self.conn.execute(
                _INSERT_LOG,
                (
                    uid,
                    card_id,
                    moment.utc.isoformat(timespec="milliseconds"),
                    moment.utc_offset_minutes,
                    day,
                    quality,
                    kind,
                    max(0, int(answer_ms)),
                    *self._state_values(before),
                    *self._state_values(after),
                    None,
                ),
            )
            if after != before:
                self._write_state(card_id, after)
        return Answer(uid, card_id, kind, quality, moment.study_day, before, after)

    def last_answer_day(self, card_id: int) -> date | None:
        """The study day of the card's latest answer that stands (not undone)."""
        last = self.conn.execute(
            f"SELECT max(study_day) FROM review_log r WHERE card_id = ? AND {LIVE_ANSWER}",
            (card_id,),
        ).fetchone()[0]
        return _d(last)

    @staticmethod
    def _state_values(state: Sm2State) -> tuple[int, int, int, str | None, int]:
        return (
            state.repetitions,
            state.easiness_x100,
            state.interval,
            _iso(state.due),
            state.lapses,
        )

    def _write_state(self, card_id: int, state: Sm2State) -> None:
        self.conn.execute(
            """
            UPDATE card_state SET repetitions = ?, easiness_x100 = ?, interval = ?, due = ?,
                   lapses = ?
            WHERE card_id = ?
            """,
            (*self._state_values(state), card_id),
        )

    def undo(self, uid: str | None = None) -> Answer | None:
        """Take back an answer (the newest live one overall, or the one named),
        atomically: a 'void' row naming it is appended (the log only grows) and the
        card's previous state restored. Only a card's latest live answer can be
        undone. Returns what was undone, or None."""
        with write_transaction(self.conn):
            if uid is None:
                row = self.conn.execute(
                    f"SELECT {_LOG_COLUMNS} FROM review_log r "
                    f"WHERE {LIVE_ANSWER} "
                    "ORDER BY seq DESC LIMIT 1"
                ).fetchone()
                if row is None:
                    return None
            else:
                row = self.conn.execute(
                    f"SELECT {_LOG_COLUMNS} FROM review_log r WHERE uid = ? AND {LIVE_ANSWER}",
                    (uid,),
                ).fetchone()
                if row is None:
                    raise NotFoundError(f"no answer {uid} to undo")
            seq, card_id = int(row[0]), int(row[2])
            newer = self.conn.execute(
                "SELECT 1 FROM review_log r WHERE card_id = ? AND seq > ? "
                f"AND {LIVE_ANSWER} LIMIT 1",
                (card_id, seq),
            ).fetchone()
            if newer is not None:
                raise StaleUndoError("that card has been answered again since; undo that first")
            answer = _answer_from_row(row)
            moment = self._moment_for_write()
            self.conn.execute(
                _INSERT_LOG,
                (
                    _new_uid(),
                    card_id,
                    moment.utc.isoformat(timespec="milliseconds"),
                    moment.utc_offset_minutes,
                    moment.study_day.isoformat(),
                    0,
                    "void",
                    0,
                    *self._state_values(answer.after),
                    *self._state_values(answer.before),
                    answer.uid,
                ),
            )
            self._write_state(card_id, answer.before)
        return answer

    def append_history(self, rows: Sequence[LogRow], states: dict[int, Sm2State]) -> None:
        """Append log rows and set the resulting states, in one transaction (bulk
        loading: benchmarks' generated histories, restoring a backup's log).
        ``states`` must be what replaying each card's whole log gives; `check` verifies."""
        with write_transaction(self.conn):
            self.conn.executemany(
                _INSERT_LOG,
                (
                    (
                        r.uid,
                        r.card_id,
                        r.answered_at,
                        r.utc_offset_minutes,
                        r.study_day.isoformat(),
                        r.quality,
                        r.kind,
                        r.answer_ms,
                        *self._state_values(r.before),
                        *self._state_values(r.after),
                        None,
                    )
                    for r in rows
                ),
            )
            self.conn.executemany(
                """
                UPDATE card_state SET repetitions = ?, easiness_x100 = ?, interval = ?, due = ?,
                       lapses = ?
                WHERE card_id = ?
                """,
                ((*self._state_values(state), card_id) for card_id, state in states.items()),
            )

    def carry_over_schedules(self, schedules: dict[tuple[str, str], Any]) -> tuple[int, int]:
        """Give never-reviewed cards the review state another program recorded (one
        'import' log row each, so replaying the log still gives the state). Cards
        with a studykb history keep it. Returns (carried over, kept)."""
        carried = kept = 0
        with write_transaction(self.conn):
            moment = self._moment_for_write()
            today = moment.study_day
            for (deck_id, key), schedule in schedules.items():
                row = self.conn.execute(
                    "SELECT c.id, s.due, EXISTS(SELECT 1 FROM review_log r WHERE r.card_id = c.id) "
                    "FROM card c JOIN card_state s ON s.card_id = c.id "
                    "WHERE c.deck_id = ? AND c.key = ?",
                    (deck_id, key),
                ).fetchone()
                if row is None:
                    continue
                card_id, due, has_log = int(row[0]), row[1], bool(row[2])
                if has_log or due is not None:
                    kept += 1
                    continue
                if schedule.suspended:
                    self.conn.execute("UPDATE card SET suspended = 1 WHERE id = ?", (card_id,))
                state: Sm2State = schedule.state
                if schedule.learning:
                    state = replace(state, due=today)
                if state == Sm2State():
                    continue
                self.conn.execute(
                    _INSERT_LOG,
                    (
                        _new_uid(),
                        card_id,
                        moment.utc.isoformat(timespec="milliseconds"),
                        moment.utc_offset_minutes,
                        today.isoformat(),
                        0,
                        "import",
                        0,
                        *self._state_values(Sm2State()),
                        *self._state_values(state),
                        None,
                    ),
                )
                self._write_state(card_id, state)
                carried += 1
        return carried, kept

    def set_suspended(self, card_id: int, suspended: bool = True) -> None:
        with write_transaction(self.conn):
            cur = self.conn.execute(
                "UPDATE card SET suspended = ?, updated_at = ? WHERE id = ?",
                (int(suspended), self._now_utc(), card_id),
            )
            if cur.rowcount == 0:
                raise NotFoundError(f"no card with id {card_id}")

    def suspended_cards(self, deck_id: str) -> list[int]:
        self._require_deck(deck_id)
        rows = self.conn.execute(
            "SELECT id FROM card WHERE deck_id = ? AND suspended = 1 AND retired_at IS NULL "
            "ORDER BY position",
            (deck_id,),
        ).fetchall()
        return [int(r[0]) for r in rows]

    def bury(self, card_id: int) -> date:
        """Hide a card until the next study day; returns the day it comes back."""
        until = self.today() + timedelta(days=1)
        with write_transaction(self.conn):
            cur = self.conn.execute(
                "UPDATE card SET buried_until = ? WHERE id = ?", (until.isoformat(), card_id)
            )
            if cur.rowcount == 0:
                raise NotFoundError(f"no card with id {card_id}")
        return until

    def log_for_card(self, card_id: int) -> list[Answer]:
        rows = self.conn.execute(
            f"SELECT {_LOG_COLUMNS} FROM review_log WHERE card_id = ? ORDER BY seq", (card_id,)
        ).fetchall()
        return [_answer_from_row(r) for r in rows]

    # ------------------------------------------------------------------ decks
    def import_decks(
        self, decks: Sequence[DeckSpec], *, dry_run: bool = False
    ) -> list[ImportReport]:
        """Apply parsed decks in one transaction; with ``dry_run`` roll it back.

        Cards are matched by (deck id, card key): new keys are added, changed
        content updated in place (history kept), keys no longer in the file
        retired (kept with history, no longer shown), retired keys that come
        back restored."""
        reports: list[ImportReport] = []
        now = self._now_utc()
        with unit_of_work(self.conn, dry_run=dry_run):
            for spec in decks:
                reports.append(self._import_deck(spec, now))
        return reports

    def _import_deck(self, spec: DeckSpec, now: str) -> ImportReport:
        report = ImportReport(source=spec.source, deck_id=spec.deck_id)
        paper_id = self._upsert_paper_for_deck(spec.deck_id, spec.paper) if spec.paper else None
        existing_deck = self.conn.execute(
            "SELECT content_hash, paper_id, file_hash, title, description FROM deck WHERE id = ?",
            (spec.deck_id,),
        ).fetchone()
        if existing_deck is not None and (spec.keep_title or not spec.complete):
            spec = replace(spec, title=existing_deck[3], description=existing_deck[4])
        if existing_deck is not None and paper_id is None:
            paper_id = existing_deck[1]  # a file that names no paper keeps the deck's paper
        if existing_deck is None:
            position = self.conn.execute(
                "SELECT COALESCE(MAX(position) + 1, 0) FROM deck"
            ).fetchone()[0]
            self.conn.execute(
                """
                INSERT INTO deck (id, title, description, paper_id, position, source,
                                  content_hash, file_hash, imported_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                (
                    spec.deck_id,
                    spec.title,
                    spec.description,
                    paper_id,
                    position,
                    spec.source,
                    spec.content_hash,
                    spec.file_hash,
                    now,
                ),
            )
        elif not spec.complete:
            pass  # part of a deck: its row changes below, and only if its cards did
        elif existing_deck[0] == spec.content_hash and existing_deck[1] == paper_id:
            if spec.file_hash and existing_deck[2] != spec.file_hash:
                # Same cards, other bytes (a comment, spacing): remember the new bytes.
                self.conn.execute(
                    "UPDATE deck SET file_hash = ? WHERE id = ?", (spec.file_hash, spec.deck_id)
                )
            report.unchanged = len(spec.cards)
            return report
        else:
            self.conn.execute(
                """
                UPDATE deck SET title = ?, description = ?, paper_id = ?, source = ?,
                       content_hash = ?, file_hash = ?, imported_at = ?
                WHERE id = ?
                """,
                (
                    spec.title,
                    spec.description,
                    paper_id,
                    spec.source,
                    spec.content_hash,
                    spec.file_hash,
                    now,
                    spec.deck_id,
                ),
            )
        current = {
            r[1]: (int(r[0]), r[2], r[3], r[4], r[5])
            for r in self.conn.execute(
                "SELECT id, key, content_hash, position, retired_at, guid FROM card "
                "WHERE deck_id = ?",
                (spec.deck_id,),
            )
        }
        inserts: list[tuple[Any, ...]] = []
        next_position = 1 + max((v[2] for v in current.values()), default=-1)
        for position, card in enumerate(spec.cards):
            found = current.pop(card.key, None)
            if not spec.complete:
                # Part of a deck: its cards keep their places, new ones go after the last.
                if found is not None:
                    position = found[2]
                else:
                    position, next_position = next_position, next_position + 1
            values = (
                card.note_key,
                card.kind,
                card.cloze_number,
                card.front,
                card.back,
                json.dumps(list(card.tags), ensure_ascii=False),
                card.source,
                position,
                card.content_hash,
            )
            if found is None:
                inserts.append((spec.deck_id, card.key, *values, now, now, card.guid or None))
                report.added += 1
                continue
            card_id, old_hash, old_position, retired_at, old_guid = found
            if card.guid and card.guid != old_guid:  # an Anki GUID learnt (never forgotten)
                self.conn.execute("UPDATE card SET guid = ? WHERE id = ?", (card.guid, card_id))
            if old_hash == card.content_hash and retired_at is None:
                if old_position != position:
                    self.conn.execute(
                        "UPDATE card SET position = ? WHERE id = ?", (position, card_id)
                    )
                report.unchanged += 1
                continue
            self.conn.execute(
                """
                UPDATE card SET note_key = ?, kind = ?, cloze_number = ?, front = ?, back = ?,
                       tags = ?, source = ?, position = ?, content_hash = ?, updated_at = ?,
                       retired_at = NULL
                WHERE id = ?
                """,
                (*values, now, card_id),
            )
            report.updated += 1
        if inserts:
            self.conn.executemany(
                """
                INSERT INTO card (deck_id, key, note_key, kind, cloze_number, front, back, tags,
                                  source, position, content_hash, suspended, created_at,
                                  updated_at, guid)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?)
                """,
                inserts,
            )
            self.conn.execute(
                """
                INSERT INTO card_state (card_id, repetitions, easiness_x100, interval, due, lapses)
                SELECT c.id, 0, 250, 0, NULL, 0 FROM card c
                LEFT JOIN card_state s ON s.card_id = c.id
                WHERE c.deck_id = ? AND s.card_id IS NULL
                """,
                (spec.deck_id,),
            )
        # Only a whole deck (deck file, backup) retires the cards it lacks.
        gone = [v[0] for v in current.values() if v[3] is None] if spec.complete else []
        if gone:
            self.conn.executemany(
                "UPDATE card SET retired_at = ?, updated_at = ? WHERE id = ?",
                [(now, now, card_id) for card_id in gone],
            )
            report.retired = len(gone)
        if (
            existing_deck is not None
            and not spec.complete
            and (report.added or report.updated or paper_id != existing_deck[1])
        ):
            # Cards were merged in: the deck now matches neither its file nor this one,
            # so both hashes are forgotten and the next import compares card by card.
            self.conn.execute(
                "UPDATE deck SET paper_id = ?, content_hash = '', file_hash = '', "
                "imported_at = ? WHERE id = ?",
                (paper_id, now, spec.deck_id),
            )
        return report

    def _upsert_paper_for_deck(self, deck_id: str, paper: PaperSpec) -> int:
        key = paper_key(paper.url)
        rows = self.conn.execute(
            "SELECT id, title FROM paper WHERE url_key = ? ORDER BY id", (key,)
        ).fetchall()
        linked = self.conn.execute(
            "SELECT paper_id FROM deck WHERE id = ? AND paper_id IS NOT NULL", (deck_id,)
        ).fetchone()
        paper_id: int | None = None
        if linked is not None and any(r[0] == linked[0] for r in rows):
            paper_id = int(linked[0])
        elif rows:
            same_title = [r for r in rows if r[1] == paper.title]
            paper_id = int((same_title or rows)[0][0])
        values: dict[str, Any] = {
            "title": paper.title,
            "url": paper.url,
            "url_key": key,
            "authors": json.dumps(list(paper.authors), ensure_ascii=False),
            "year": paper.year,
            "after": json.dumps(list(paper.after)),
        }
        # Fields a deck may leave out keep what the reading list gave them.
        if paper.worth_reading is not None:
            values["worth_reading"] = paper.worth_reading
        if paper.section is not None:
            values["section"] = paper.section
        if paper.description is not None:
            values["description"] = paper.description
        if paper_id is None:
            values = {"section": "", "description": "", "status": "unread", **values}
            values["slug"] = self._free_slug(deck_id)
            columns = ", ".join(values)
            marks = ", ".join(f":{k}" for k in values)
            cur = self.conn.execute(f"INSERT INTO paper ({columns}) VALUES ({marks})", values)
            assert cur.lastrowid is not None
            return int(cur.lastrowid)
        sets = ", ".join(f"{k} = :{k}" for k in values)
        self.conn.execute(f"UPDATE paper SET {sets} WHERE id = :id", {**values, "id": paper_id})
        return paper_id

    def import_reading_list(
        self, entries: Sequence[ReadingListEntry], source: str, *, dry_run: bool = False
    ) -> ImportReport:
        """Fill the papers table from a reading list, in one transaction.

        An entry is matched to a paper by URL (any arXiv form of it), else by its
        title; reading status and notes are never touched. An entry whose URL
        repeats an earlier entry's is matched by title only and does not take
        that URL. Titles: a paper declared by a deck keeps the deck's exact
        title; the list's own wording is kept apart as ``list_title``."""
        report = ImportReport(source=source, deck_id="")
        with unit_of_work(self.conn, dry_run=dry_run):
            papers = _PaperIndex(self.conn)
            for position, entry in enumerate(entries):
                key = paper_key(entry.url)
                paper_id = self._match_paper(entry, key, papers)
                if paper_id is not None:
                    papers.claimed.add(paper_id)
                if paper_id is None:
                    slug = papers.free_slug(_slugify(entry.title))
                    self.conn.execute(
                        """
                        INSERT INTO paper (slug, title, list_title, authors, year, url, url_key,
                          worth_reading, section, description, after, position, status, note)
                        VALUES (?, ?, ?, '[]', ?, ?, ?, ?, ?, ?, '[]', ?, 'unread', '')
                        """,
                        (
                            slug,
                            entry.title,
                            entry.title,
                            entry.year,
                            entry.url,
                            key,
                            entry.worth_reading,
                            entry.section,
                            entry.description,
                            position,
                        ),
                    )
                    papers.claimed.add(
                        int(self.conn.execute("SELECT last_insert_rowid()").fetchone()[0])
                    )
                    report.added += 1
                    continue
                row = self.conn.execute(
                    """
                    SELECT title, list_title, year, url, worth_reading, section, description,
                           position
                    FROM paper WHERE id = ?
                    """,
                    (paper_id,),
                ).fetchone()
                has_deck = paper_id in papers.with_deck
                new = {
                    "title": row[0] if has_deck else entry.title,
                    "list_title": entry.title,
                    "year": entry.year if entry.year is not None else row[2],
                    "url": row[3] if entry.duplicate_of is not None else entry.url,
                    "worth_reading": (
                        entry.worth_reading if entry.worth_reading is not None else row[4]
                    ),
                    "section": entry.section or row[5],
                    "description": entry.description,
                    "position": position,
                }
                old = dict(zip(new, row[:8], strict=True))
                if new == old:
                    report.unchanged += 1
                    continue
                new["url_key"] = paper_key(str(new["url"]))
                sets = ", ".join(f"{k} = :{k}" for k in new)
                self.conn.execute(
                    f"UPDATE paper SET {sets} WHERE id = :id", {**new, "id": paper_id}
                )
                report.updated += 1
        return report

    @staticmethod
    def _match_paper(entry: ReadingListEntry, key: str, papers: _PaperIndex) -> int | None:
        """The first paper not yet claimed with the entry's URL (one with its exact title
        first), else the first with its title in any case; dict lookups, no table scans."""
        if entry.duplicate_of is None:
            for ids in (papers.by_key_title.get((key, entry.title)), papers.by_key.get(key)):
                found = papers.first_free(ids)
                if found is not None:
                    return found
        return papers.first_free(papers.by_title.get(entry.title.casefold()))

    def _free_slug(self, wanted: str) -> str:
        slug, n = wanted, 2
        while self.conn.execute("SELECT 1 FROM paper WHERE slug = ?", (slug,)).fetchone():
            slug, n = f"{wanted}-{n}", n + 1
        return slug

    def deck_summaries(self) -> list[DeckSummary]:
        today = self.today()
        counts = {d.deck_id: d for d in self.due_counts(today).decks}
        rows = self.conn.execute(
            f"""
            SELECT d.id, d.title, d.paper_id, p.worth_reading, p.status,
              COALESCE(SUM(c.retired_at IS NULL), 0),
              COALESCE(SUM(c.retired_at IS NULL AND s.repetitions > 0), 0),
              COALESCE(SUM(c.retired_at IS NULL AND s.interval >= {MATURE_INTERVAL}
                           AND s.due IS NOT NULL), 0),
              COALESCE(SUM(c.retired_at IS NULL AND c.suspended = 1), 0),
              COALESCE(SUM(c.retired_at IS NOT NULL), 0)
            FROM deck d
            LEFT JOIN paper p ON p.id = d.paper_id
            LEFT JOIN card c ON c.deck_id = d.id
            LEFT JOIN card_state s ON s.card_id = c.id
            GROUP BY d.id ORDER BY d.position, d.id
            """
        ).fetchall()
        out = []
        for r in rows:
            due = counts.get(r[0])
            out.append(
                DeckSummary(
                    id=r[0],
                    title=r[1],
                    paper_id=r[2],
                    worth_reading=r[3],
                    reading_status=r[4],
                    cards=int(r[5]),
                    learned=int(r[6]),
                    mature=int(r[7]),
                    suspended=int(r[8]),
                    retired=int(r[9]),
                    due_today=due.reviews if due else 0,
                    new_today=due.new if due else 0,
                )
            )
        return out

    # ------------------------------------------------------------------ papers
    def papers(self) -> list[PaperRow]:
        today = self.today().isoformat()
        rows = self.conn.execute(
            f"""
            SELECT p.id, p.slug, p.title, p.authors, p.year, p.url, p.worth_reading, p.section,
                   p.description, p.position, p.status, p.status_changed_at, p.started_on,
                   p.read_on, p.note, p.after,
                   (SELECT MIN(d.id) FROM deck d WHERE d.paper_id = p.id),
                   COALESCE(SUM(c.id IS NOT NULL AND c.retired_at IS NULL), 0),
                   COALESCE(SUM(c.retired_at IS NULL AND s.due IS NOT NULL
                                AND s.interval >= {MATURE_INTERVAL}), 0),
                   COALESCE(SUM(c.retired_at IS NULL AND c.suspended = 0
                                AND s.due IS NOT NULL AND s.due <= :today), 0)
            FROM paper p
            LEFT JOIN deck d ON d.paper_id = p.id
            LEFT JOIN card c ON c.deck_id = d.id
            LEFT JOIN card_state s ON s.card_id = c.id
            GROUP BY p.id
            ORDER BY p.position IS NULL, p.position, p.id
            """,
            {"today": today},
        ).fetchall()
        return [
            PaperRow(
                id=r[0],
                slug=r[1],
                title=r[2],
                authors=tuple(json.loads(r[3])),
                year=r[4],
                url=r[5],
                worth_reading=r[6],
                section=r[7],
                description=r[8],
                position=r[9],
                status=r[10],
                status_changed_at=r[11],
                started_on=_d(r[12]),
                read_on=_d(r[13]),
                note=r[14],
                after=tuple(json.loads(r[15])),
                deck_id=r[16],
                cards=int(r[17]),
                mastered=int(r[18]),
                due=int(r[19]),
            )
            for r in rows
        ]

    def find_paper(self, ref: str) -> int:
        """A paper by slug, numeric id, deck id or URL."""
        row = None
        if ref.isdigit():
            row = self.conn.execute("SELECT id FROM paper WHERE id = ?", (int(ref),)).fetchone()
        if row is None:
            row = self.conn.execute("SELECT id FROM paper WHERE slug = ?", (ref,)).fetchone()
        if row is None:
            row = self.conn.execute(
                "SELECT paper_id FROM deck WHERE id = ? AND paper_id IS NOT NULL", (ref,)
            ).fetchone()
        if row is None and "/" in ref:
            row = self.conn.execute(
                "SELECT id FROM paper WHERE url_key = ? ORDER BY id", (paper_key(ref),)
            ).fetchone()
        if row is None:
            raise NotFoundError(f"no paper {ref!r} (see `studykb papers`)")
        return int(row[0])

    def set_paper_status(self, paper_id: int, status: str) -> None:
        if status not in READING_STATUSES:
            raise StudykbError(f"status must be one of {', '.join(READING_STATUSES)}")
        today = self.today().isoformat()
        with write_transaction(self.conn):
            row = self.conn.execute(
                "SELECT status, started_on FROM paper WHERE id = ?", (paper_id,)
            ).fetchone()
            if row is None:
                raise NotFoundError(f"no paper with id {paper_id}")
            if row[0] == status:
                return
            started = row[1]
            if status in ("reading", "read") and started is None:
                started = today
            if status == "unread":
                started = None
            self.conn.execute(
                """
                UPDATE paper SET status = ?, status_changed_at = ?, started_on = ?, read_on = ?
                WHERE id = ?
                """,
                (status, self._now_utc(), started, today if status == "read" else None, paper_id),
            )

    def set_paper_note(self, paper_id: int, note: str) -> None:
        with write_transaction(self.conn):
            cur = self.conn.execute("UPDATE paper SET note = ? WHERE id = ?", (note, paper_id))
            if cur.rowcount == 0:
                raise NotFoundError(f"no paper with id {paper_id}")

    @staticmethod
    def _paper_views(papers: Sequence[PaperRow]) -> list[PaperView]:
        return [
            PaperView(
                paper_id=p.id,
                title=p.title,
                status=p.status,
                worth_reading=p.worth_reading,
                position=p.position if p.position is not None else 1_000_000 + p.id,
                deck_id=p.deck_id,
                after=p.after,
            )
            for p in papers
        ]

    def suggested_paper(self) -> PaperRow | None:
        """The next paper worth reading (see studykb.core.reading.next_paper)."""
        papers = self.papers()
        choice = next_paper(self._paper_views(papers))
        return None if choice is None else next(p for p in papers if p.id == choice.paper_id)

    # ------------------------------------------------------------------ stats
    def _streak_days(self, today: date, deck_id: str | None) -> list[date]:
        """The run of study days with answers that ends today or yesterday, probed one
        day at a time through the study-day index (a streak is short; the log is long)."""
        probe = (
            f"SELECT 1 FROM review_log r WHERE r.study_day = ? AND {LIVE_ANSWER} LIMIT 1"
            if deck_id is None
            else "SELECT 1 FROM review_log r JOIN card c ON c.id = r.card_id "
            f"WHERE r.study_day = ? AND c.deck_id = ? AND {LIVE_ANSWER} LIMIT 1"
        )
        days: list[date] = []
        cursor = today
        while True:
            args = (cursor.isoformat(),) if deck_id is None else (cursor.isoformat(), deck_id)
            if self.conn.execute(probe, args).fetchone() is not None:
                days.append(cursor)
            elif cursor != today:
                break
            cursor -= timedelta(days=1)
        return days

    def stats(self, deck_id: str | None = None, *, with_states: bool = True) -> Stats:
        """Today's counts, the streak, 30-day retention and (unless ``with_states`` is
        False, which skips the one query that reads every card) cards by state."""
        self._require_deck(deck_id)
        today = self.today()
        since = (today - timedelta(days=29)).isoformat()
        params = {"deck": deck_id, "today": today.isoformat(), "since": since}
        log_from = _log_from(deck_id)
        with read_transaction(self.conn):
            days = self._streak_days(today, deck_id)
            today_row = self.conn.execute(
                f"""
                SELECT COALESCE(SUM(r.kind = 'review'), 0), COALESCE(SUM(r.kind = 'drill'), 0),
                       COALESCE(SUM(r.kind = 'review' AND r.before_due IS NULL), 0)
                FROM {log_from} WHERE r.study_day = :today AND {NOT_VOIDED}
                """,
                params,
            ).fetchone()
            ret_row = self.conn.execute(
                f"""
                SELECT COALESCE(SUM(r.quality >= 3), 0), COUNT(*)
                FROM {log_from} WHERE r.kind = 'review' AND r.study_day >= :since
                  AND {NOT_VOIDED}
                """,
                params,
            ).fetchone()
            by_state: dict[CardStateName, int] = (
                self._card_summary(deck_id)[0] if with_states else dict.fromkeys(CARD_STATES, 0)
            )
        return Stats(
            today=today,
            reviews_today=int(today_row[0]),
            drills_today=int(today_row[1]),
            new_today=int(today_row[2]),
            streak=streak(days, today),
            retention_30d=retention(int(ret_row[0]), int(ret_row[1])),
            reviews_30d=int(ret_row[1]),
            cards_by_state=by_state,
        )

    def stats_data(self, deck_id: str | None = None) -> StatsData:
        """The statistics screen's data, aggregated in SQL (no row per review in Python)."""
        self._require_deck(deck_id)
        today = self.today()
        start = today - timedelta(weeks=HEATMAP_WEEKS)
        horizon = today + timedelta(days=FORECAST_DAYS - 1)
        since = today - timedelta(days=HISTORY_DAYS - 1)
        p = {
            "deck": deck_id,
            "start": start.isoformat(),
            "today": today.isoformat(),
            "horizon": horizon.isoformat(),
            "since": since.isoformat(),
        }
        card_filter = "(:deck IS NULL OR c.deck_id = :deck)"
        log_from = _log_from(deck_id)
        with read_transaction(self.conn):
            per_day = {
                date.fromisoformat(d): int(n)
                for d, n in self.conn.execute(
                    f"SELECT r.study_day, COUNT(*) FROM {log_from} "
                    f"WHERE r.study_day > :start AND {LIVE_ANSWER} GROUP BY r.study_day",
                    p,
                )
            }
            due_rows = self.conn.execute(
                f"""
                SELECT MAX(s.due, :today), COUNT(*)
                FROM card_state s JOIN card c ON c.id = s.card_id
                WHERE s.due IS NOT NULL AND s.due <= :horizon AND {_CARD_ACTIVE}
                  AND {card_filter}
                GROUP BY MAX(s.due, :today)
                """,
                p,
            ).fetchall()
            retention_rows = self.conn.execute(
                f"""
                SELECT r.before_interval >= {MATURE_INTERVAL}, SUM(r.quality >= 3), COUNT(*)
                FROM {log_from}
                WHERE r.kind = 'review' AND r.before_interval > 0 AND r.study_day >= :since
                  AND {NOT_VOIDED}
                GROUP BY 1
                """,
                p,
            ).fetchall()
            by_state, easiness = self._card_summary(deck_id)
        due_by_day = {date.fromisoformat(d): int(n) for d, n in due_rows}
        forecast = [
            (today + timedelta(days=i), due_by_day.get(today + timedelta(days=i), 0))
            for i in range(FORECAST_DAYS)
        ]
        history = [
            (since + timedelta(days=i), per_day.get(since + timedelta(days=i), 0))
            for i in range(HISTORY_DAYS)
        ]
        retention_by = {bool(m): (int(ok), int(n)) for m, ok, n in retention_rows}
        return StatsData(
            today=today,
            per_day=per_day,
            forecast=forecast,
            reviews_30d=history,
            young_retention=retention_by.get(False, (0, 0)),
            mature_retention=retention_by.get(True, (0, 0)),
            cards_by_state=by_state,
            easiness=[(bucket / 10, n) for bucket, n in sorted(easiness.items())],
        )

    def _card_summary(self, deck_id: str | None) -> tuple[dict[CardStateName, int], dict[int, int]]:
        """Cards by state, and reviewed (non-retired) cards by EF in tenths.

        For all decks the state table is read alone with plain aggregates (a join
        or a multi-column GROUP BY per card is most of the cost at 100,000 cards);
        the few suspended or retired cards are then moved to their own counts."""
        flags = "c.retired_at IS NOT NULL, c.suspended"
        cls = f"s.due IS NULL, s.repetitions = 0, s.interval >= {MATURE_INTERVAL}, s.easiness_x100"
        by_state: dict[CardStateName, int] = dict.fromkeys(CARD_STATES, 0)
        easiness: dict[int, int] = {}

        def add(
            retired: int, suspended: int, new: int, failed: int, mature: int, ef_x100: int, n: int
        ) -> None:
            name = classify(
                reviewed=not new,
                repetitions=0 if failed else 1,
                interval=MATURE_INTERVAL if mature else 0,
                suspended=bool(suspended),
                retired=bool(retired),
            )
            by_state[name] += n
            if not new and not retired:
                easiness[ef_x100 // 10] = easiness.get(ef_x100 // 10, 0) + n

        if deck_id is not None:
            for row in self.conn.execute(
                f"""
                SELECT {flags}, {cls}, COUNT(*) FROM card c JOIN card_state s ON s.card_id = c.id
                WHERE c.deck_id = ? GROUP BY 1, 2, 3, 4, 5, 6
                """,
                (deck_id,),
            ):
                add(*(int(x) for x in row))
            return by_state, easiness
        new, learning, young, mature = (
            int(x or 0)
            for x in self.conn.execute(
                f"""
                SELECT SUM(due IS NULL), SUM(due IS NOT NULL AND repetitions = 0),
                       SUM(repetitions > 0 AND interval < {MATURE_INTERVAL}),
                       SUM(repetitions > 0 AND interval >= {MATURE_INTERVAL})
                FROM card_state
                """
            ).fetchone()
        )
        by_state["new"], by_state["learning"] = new, learning
        by_state["young"], by_state["mature"] = young, mature
        for ef_x100, n in self.conn.execute(
            "SELECT easiness_x100, COUNT(*) FROM card_state WHERE due IS NOT NULL "
            "GROUP BY easiness_x100"
        ):
            easiness[int(ef_x100) // 10] = easiness.get(int(ef_x100) // 10, 0) + int(n)
        for row in self.conn.execute(
            f"""
            SELECT {flags}, {cls}, COUNT(*) FROM card c JOIN card_state s ON s.card_id = c.id
            WHERE c.retired_at IS NOT NULL OR c.suspended = 1 GROUP BY 1, 2, 3, 4, 5, 6
            """
        ):
            retired, suspended, is_new, failed, is_mature, ef_x100, n = (int(x) for x in row)
            # Take the card out of the class the plain counts put it in ...
            add(0, 0, is_new, failed, is_mature, ef_x100, -n)
            # ... and count it as suspended or retired.
            add(retired, suspended, is_new, failed, is_mature, ef_x100, n)
        return by_state, easiness

    # ------------------------------------------------------------------ check
    def check(self, *, repair: bool = False) -> CheckReport:
        """SQLite's integrity check, then every card's state against the replay of its log."""
        integrity = "; ".join(
            str(r[0]) for r in self.conn.execute("PRAGMA integrity_check").fetchall()
        )
        fk_problems = self.conn.execute("PRAGMA foreign_key_check").fetchall()
        report = CheckReport(integrity=integrity, cards=0, log_rows=0)
        for fk in fk_problems[:20]:
            report.problems.append(
                f"foreign key: row {fk[1]} of {fk[0]} points to a missing {fk[2]}"
            )
        fixes: list[tuple[int, Sm2State]] = []
        with read_transaction(self.conn):
            # Values studykb cannot read are listed, not crashed on; see row_check.
            bad = find_bad_rows(self.conn)
            report.problems.extend(bad.problems)
            for card_id, ref, stored, entries in self._states_and_logs(bad):
                report.cards += 1
                report.log_rows += len(entries)
                try:
                    result = replay(entries)
                except (ValueError, OverflowError) as exc:
                    report.problems.append(f"{ref}: its log cannot be replayed ({exc})")
                    continue
                for problem in result.problems:
                    report.problems.append(f"{ref}: {problem}")
                if stored is None:  # unreadable: listed above; a repair rebuilds it
                    fixes.append((card_id, result.state))
                elif result.state != stored:
                    report.problems.append(
                        f"{ref}: stored state {_fmt(stored)} differs from the replayed "
                        f"log {_fmt(result.state)}"
                    )
                    fixes.append((card_id, result.state))
        if repair and fixes:
            with write_transaction(self.conn):
                for card_id, state in fixes:
                    self._write_state(card_id, state)
            report.repaired = len(fixes)
        return report

    def _states_and_logs(
        self, bad: BadRows
    ) -> Iterator[tuple[int, str, Sm2State | None, list[LogEntry]]]:
        """Each card's state (None when unreadable) and log; cards whose log
        cannot be read are left out."""
        states = self.conn.execute(
            """
            SELECT c.id, c.deck_id || '/' || c.key, s.repetitions, s.easiness_x100, s.interval,
                   s.due, s.lapses
            FROM card c JOIN card_state s ON s.card_id = c.id ORDER BY c.id
            """
        )
        logs = self.conn.execute(f"SELECT {_LOG_COLUMNS} FROM review_log ORDER BY card_id, seq")
        pending = logs.fetchone()
        for row in states:
            card_id = int(row[0])
            entries: list[LogEntry] = []
            while pending is not None and int(pending[2]) < card_id:
                pending = logs.fetchone()  # log rows of a card with no state: FK check reports
            while pending is not None and int(pending[2]) == card_id:
                if card_id not in bad.unreadable_logs:
                    a = _answer_from_row(pending)
                    entries.append(
                        LogEntry(a.kind, a.quality, a.study_day, a.before, a.after, a.uid, a.voids)
                    )
                pending = logs.fetchone()
            if card_id not in bad.unreadable_logs:
                stored = None if card_id in bad.unreadable_states else _state(row, 2)
                yield card_id, str(row[1]), stored, entries


# A log row names its card by a stable reference too (deck-id/card-id), read from
# the card itself so that no caller can get it wrong.
_INSERT_LOG = """
INSERT INTO review_log (
  uid, card_id, card_ref, answered_at, utc_offset_minutes, study_day, quality, kind, answer_ms,
  before_repetitions, before_easiness_x100, before_interval, before_due, before_lapses,
  after_repetitions, after_easiness_x100, after_interval, after_due, after_lapses, voids)
VALUES (?1, ?2, (SELECT c.deck_id || '/' || c.key FROM card c WHERE c.id = ?2),
  ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)
"""

_LOG_COLUMNS = """seq, uid, card_id, study_day, quality, kind,
  before_repetitions, before_easiness_x100, before_interval, before_due, before_lapses,
  after_repetitions, after_easiness_x100, after_interval, after_due, after_lapses, voids"""


def _answer_from_row(row: Sequence[Any]) -> Answer:
    kind: LogKind = row[5] if row[5] in ("drill", "import", "void") else "review"
    return Answer(
        uid=str(row[1]),
        card_id=int(row[2]),
        kind=kind,
        quality=int(row[4]),
        study_day=date.fromisoformat(row[3]),
        before=_state(row, 6),
        after=_state(row, 11),
        voids=None if row[16] is None else str(row[16]),
    )


def _new_uid() -> str:
    """A globally unique id for a log row (logs of two databases can be merged)."""
    import uuid  # imported on first answer: `studykb due` never pays for it

    return uuid.uuid4().hex


def _log_from(deck_id: str | None) -> str:
    """The review log, joined to its cards only when one deck is asked for: alone,
    its study-day index answers date ranges without touching the card table."""
    if deck_id is None:
        return "review_log r"
    return "review_log r JOIN card c ON c.id = r.card_id AND c.deck_id = :deck"


class _PaperIndex:
    """The papers table's ids by URL key and title, read once per reading-list import.

    Matching an entry by a query per entry scanned the table for titles (2,000
    entries of one title took 8 s, 20,000 entries 70 s); these are dict lookups.
    A paper matched or added by the import is claimed and never matched again, so
    the papers still unclaimed are unchanged since the read and the index stays true."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.claimed: set[int] = set()
        self.slugs: set[str] = set()
        # Lists of ids, lowest id LAST: first_free pops claimed ids off the end, so
        # skipping claimed papers costs each id once over the whole import.
        self.by_key: dict[str, list[int]] = {}
        self.by_key_title: dict[tuple[str, str], list[int]] = {}
        self.by_title: dict[str, list[int]] = {}
        self._next_suffix: dict[str, int] = {}
        self.with_deck = {
            int(r[0]) for r in conn.execute("SELECT paper_id FROM deck WHERE paper_id IS NOT NULL")
        }
        for paper_id, slug, key, title, list_title in conn.execute(
            "SELECT id, slug, url_key, title, list_title FROM paper ORDER BY id DESC"
        ):
            self.slugs.add(slug)
            self.by_key.setdefault(key, []).append(paper_id)
            titles = {title} if list_title is None else {title, list_title}
            for text in titles:
                self.by_key_title.setdefault((key, text), []).append(paper_id)
            for folded in {text.casefold() for text in titles}:
                self.by_title.setdefault(folded, []).append(paper_id)

    def first_free(self, ids: list[int] | None) -> int | None:
        while ids and ids[-1] in self.claimed:
            ids.pop()
        return ids[-1] if ids else None

    def free_slug(self, wanted: str) -> str:
        """``wanted``, else ``wanted-2``, ``wanted-3``...: the first not taken."""
        slug = wanted
        if slug in self.slugs:
            # Suffixes below the last one given out are taken: slugs are only ever added.
            n = self._next_suffix.get(wanted, 2)
            while f"{wanted}-{n}" in self.slugs:
                n += 1
            slug = f"{wanted}-{n}"
            self._next_suffix[wanted] = n + 1
        self.slugs.add(slug)
        return slug


def _slugify(title: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", title.casefold()).strip("-")
    return slug[:60].rstrip("-") or "paper"


def _fmt(state: Sm2State) -> str:
    due = state.due.isoformat() if state.due else "new"
    return f"(n={state.repetitions}, EF={state.easiness}, I={state.interval}, due={due})"
