"""What every part of the repository shares: its connection, clock and limits, the
study day (with the day-start history kept in meta), and the meta table."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date
from typing import TYPE_CHECKING, Any

from studykb.core.clock import Clock
from studykb.core.queue import Limits
from studykb.core.studyday import DEFAULT_DAY_START_HOUR, DayStarts, Moment
from studykb.errors import NotFoundError
from studykb.storage.db import after_commit, named, write_transaction
from studykb.storage.queue_head import AnswerEffect, QueueHead, Token

if TYPE_CHECKING:
    from studykb.storage.events import ActionGroup

DAY_STARTS_KEY = "day_starts"


class RepositoryBase:
    """The shared part of the repository (see storage.repository)."""

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
        self._open_action: ActionGroup | None = None
        # The day-start history as a write last read it, and the point it was read at
        # (see _moment_for_write); the queue's head kept by next_card (storage.queue_head).
        self._starts_read: tuple[Token, str | None, DayStarts] | None = None
        self._head: QueueHead | None = None

    # ------------------------------------------------------------------ actions
    @contextmanager
    def one_action(self) -> Iterator[None]:
        """Writes inside the block are one action (undo takes them back together):
        accepting drafts is a card_add and a draft_accept per draft, say. Inside the
        caller's unit of work."""
        from studykb.storage.events import ActionGroup

        if self._open_action is not None:
            yield
            return
        self._open_action = ActionGroup()
        try:
            yield
        finally:
            self._open_action = None

    def _action_group(self) -> ActionGroup:
        """The open action (see one_action), else a new one."""
        from studykb.storage.events import ActionGroup

        return self._open_action if self._open_action is not None else ActionGroup()

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

    def _moment_for_write(self, token: Token | None = None) -> Moment:
        """The moment of a logged write, inside its transaction: the day-start
        history is read afresh (another process may have recorded a change) and a
        change of the configured hour is recorded with the first write that needs it.
        With ``token`` (the point the database stands at, see _db_token), the history
        read at that same point is used again rather than read: nothing has changed."""
        read = self._starts_read
        if token is not None and read is not None and read[0] == token:
            raw, stored = read[1], read[2]
        else:
            raw = self.get_meta(DAY_STARTS_KEY)
            stored = DayStarts.from_json(raw, self._first_hour)
            self._starts_read = None if token is None else (token, raw, stored)
        now = self.clock.now()
        starts = stored.with_hour(self.day_start_hour, now)
        if starts != stored or raw is None:
            self._set_meta(DAY_STARTS_KEY, starts.to_json())
            self._starts_read = None
        self._stored_starts = starts
        return starts.moment_of(now)

    def forget_reads(self) -> None:
        """Drop what is kept of the database in memory (the day-start history, the
        queue's head): for a change that no statement of this connection made and
        PRAGMA data_version does not see, such as a restore through SQLite's backup
        API into this very connection."""
        self._stored_starts = None
        self._starts_read = None
        self._head = None

    def _db_token(self) -> Token:
        """Where the database stands as this connection sees it: ``PRAGMA
        data_version`` (it changes when another connection commits) and this
        connection's ``total_changes`` (every row it wrote, committed or not, triggers
        included). While both are the same, nothing read before has changed."""
        version = self.conn.execute("PRAGMA data_version").fetchone()[0]
        return int(version), self.conn.total_changes

    def _kept_row(self, token: Token, card_id: int, day: date) -> Any:
        """The card's row as an answer on ``day`` reads it (storage.log.answerable_rows),
        kept with the queue's head, if the database stands where it was read; else None."""
        head = self._head
        if head is None or head.token != token or head.day != day:
            return None
        return head.rows.get(card_id)

    def _keep_after_answer(self, token: Token, card_id: int, effect: AnswerEffect) -> None:
        """After an answer's writes, inside its unit of work begun at ``token``: what
        was read at that point (the day-start history, the queue's head less the card
        answered, see storage.queue_head) stays current at the point the answer
        leaves, once the unit of work commits."""
        head = self._head
        if head is not None and (head.token != token or not head.fits(card_id, effect)):
            self._head = head = None
        read = self._starts_read
        if read is not None and read[0] != token:
            self._starts_read = read = None
        if head is None and read is None:
            return
        changes = self.conn.total_changes

        def keep() -> None:
            # Another write later in the same unit of work leaves total_changes past
            # ``changes``: the point moved to is then not the file's, and is never met.
            moved = (token[0], changes)
            if read is not None and self._starts_read is read:
                self._starts_read = (moved, read[1], read[2])
            if head is not None and self._head is head:
                head.take(effect)
                head.token = moved

        after_commit(self.conn, keep)

    def _now_utc(self) -> str:
        return self.clock.now().astimezone(UTC).isoformat(timespec="seconds")

    # ------------------------------------------------------------------ meta
    def get_meta(self, key: str) -> str | None:
        row = named(self.conn).execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row["value"])

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

    def deck_exists(self, deck_id: str) -> bool:
        return (
            self.conn.execute("SELECT 1 FROM deck WHERE id = ?", (deck_id,)).fetchone() is not None
        )

    def _require_deck(self, deck_id: str | None) -> None:
        if deck_id is not None and not self.deck_exists(deck_id):
            raise NotFoundError(f"no deck {deck_id!r} (see `studykb decks`)")
