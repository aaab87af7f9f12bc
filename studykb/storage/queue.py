"""The day's queue and its counts, from indexed queries (see core.queue for the rules)."""

from __future__ import annotations

from datetime import date, datetime

from studykb.core.queue import (
    DayQueue,
    DoneToday,
    DueCard,
    NewCard,
    build_queue,
    remaining_new,
    remaining_reviews,
)
from studykb.storage import counts
from studykb.storage.base import RepositoryBase
from studykb.storage.counts import (
    _ACTIVE_CARD,
    DueCounts,
)
from studykb.storage.db import named, read_transaction
from studykb.storage.states import moment_key


class QueueQueries(RepositoryBase):
    """The repository's part for the day's queue."""

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
        rows = (
            named(self.conn)
            .execute(
                f"""
            SELECT s.card_id AS card_id, s.due AS due FROM card_state s INDEXED BY ix_card_state_due
            WHERE s.due <= :day AND (s.due_at IS NULL OR s.due_at <= :now)
              AND EXISTS ({_ACTIVE_CARD})
            ORDER BY s.due, s.card_id
            LIMIT :limit
            """,
                {"day": day.isoformat(), "deck": deck_id, "limit": limit, "now": self._now_key()},
            )
            .fetchall()
        )
        return [DueCard(int(r["card_id"]), date.fromisoformat(r["due"])) for r in rows]

    def _new_candidates(self, day: date, limit: int, deck_id: str | None) -> list[NewCard]:
        rows = (
            named(self.conn)
            .execute(
                f"""
            SELECT s.card_id AS card_id FROM card_state s INDEXED BY ix_card_state_new
            WHERE s.due IS NULL AND EXISTS ({_ACTIVE_CARD})
            ORDER BY s.card_id
            LIMIT :limit
            """,
                {"day": day.isoformat(), "deck": deck_id, "limit": limit},
            )
            .fetchall()
        )
        return [NewCard(int(r["card_id"])) for r in rows]

    def _now_key(self) -> str:
        return moment_key(self.clock.now())

    def next_step_at(self, deck_id: str | None = None) -> datetime | None:
        """When the next card in a step within today (FSRS learning) comes due, if one
        is waiting: the review screen waits for it rather than calling the day done."""
        self._require_deck(deck_id)
        today = self.today()
        row = (
            named(self.conn)
            .execute(
                f"""
            SELECT MIN(s.due_at) AS next FROM card_state s INDEXED BY ix_card_state_due_at
            WHERE s.due_at > :now AND s.due <= :day AND EXISTS ({_ACTIVE_CARD})
            """,
                {"now": self._now_key(), "day": today.isoformat(), "deck": deck_id},
            )
            .fetchone()
        )
        return None if row["next"] is None else datetime.fromisoformat(str(row["next"]))

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
