"""The day's queue and its counts, from indexed queries (see core.queue and
core.deck_limits for the rules)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from studykb.core.deck_limits import ROOT, Rooms, random_key, take
from studykb.core.queue import DayQueue, DoneToday
from studykb.errors import NotFoundError
from studykb.storage import counts
from studykb.storage.base import RepositoryBase
from studykb.storage.counts import _ACTIVE_CARD, IN_NODE, DeckSettings, DueCounts, day_rooms
from studykb.storage.db import named, read_transaction
from studykb.storage.states import moment_key

# The deck of state row `s` (the candidates say which deck's limits they count against).
_DECK_OF = "(SELECT c.deck_id FROM card c WHERE c.id = s.card_id)"


class QueueQueries(RepositoryBase):
    """The repository's part for the day's queue."""

    # ------------------------------------------------------------------ queue
    def done_on(self, day: date) -> DoneToday:
        return counts.done_on(self.conn, day)

    def pending_drills(self, day: date, deck_id: str | None = None) -> list[int]:
        """Cards whose latest answer on ``day`` was below 4 (SM-2 rule 7), oldest first."""
        return counts.pending_drills(self.conn, day, deck_id)

    def node_exists(self, node: str) -> bool:
        """A deck, or a parent of decks in the tree (``a`` of ``a.b``)."""
        if self.deck_exists(node):
            return True
        row = self.conn.execute(
            f"SELECT 1 FROM deck WHERE {IN_NODE.format(col='id')} LIMIT 1", {"deck": node}
        ).fetchone()
        return row is not None

    def _require_node(self, node: str | None) -> None:
        if node is not None and not self.node_exists(node):
            raise NotFoundError(f"no deck {node!r} (see `studykb decks`)")

    def _deck_ids(self, node: str | None) -> list[str]:
        return [
            str(r[0])
            for r in self.conn.execute(
                f"SELECT id FROM deck WHERE {IN_NODE.format(col='id')} ORDER BY position, id",
                {"deck": node},
            )
        ]

    # The candidate queries walk ix_card_state_due (due, card_id) and the partial
    # ix_card_state_new in order and stop at LIMIT: their cost does not grow with
    # the collection, only with the limit (a deck's limits that leave some cards
    # out make the LIMIT grow until the queue is full or the cards run out).
    def _due_candidates(self, day: date, limit: int, deck_id: str | None) -> list[Any]:
        return (
            named(self.conn)
            .execute(
                f"""
            SELECT s.card_id AS card_id, {_DECK_OF} AS deck_id
            FROM card_state s INDEXED BY ix_card_state_due
            WHERE s.due <= :day AND (s.due_at IS NULL OR s.due_at <= :now)
              AND EXISTS ({_ACTIVE_CARD})
            ORDER BY s.due, s.card_id
            LIMIT :limit
            """,
                {"day": day.isoformat(), "deck": deck_id, "limit": limit, "now": self._now_key()},
            )
            .fetchall()
        )

    def _new_candidates(self, day: date, limit: int, deck_id: str | None) -> list[Any]:
        return (
            named(self.conn)
            .execute(
                f"""
            SELECT s.card_id AS card_id, {_DECK_OF} AS deck_id
            FROM card_state s INDEXED BY ix_card_state_new
            WHERE s.due IS NULL AND EXISTS ({_ACTIVE_CARD})
            ORDER BY s.card_id
            LIMIT :limit
            """,
                {"day": day.isoformat(), "deck": deck_id, "limit": limit},
            )
            .fetchall()
        )

    def _new_of_deck(self, day: date, deck_id: str) -> list[int]:
        """Every new card shown today of one deck (and no deck below it)."""
        return [
            int(r[0])
            for r in self.conn.execute(
                """
            SELECT s.card_id FROM card c JOIN card_state s ON s.card_id = c.id
            WHERE c.deck_id = :deck AND s.due IS NULL
              AND c.retired_at IS NULL AND c.suspended = 0
              AND (c.buried_until IS NULL OR c.buried_until <= :day)
            """,
                {"deck": deck_id, "day": day.isoformat()},
            )
        ]

    def _now_key(self) -> str:
        return moment_key(self.clock.now())

    def next_step_at(self, deck_id: str | None = None) -> datetime | None:
        """When the next card in a step within today (FSRS learning) comes due, if one
        is waiting: the review screen waits for it rather than calling the day done."""
        self._require_node(deck_id)
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

    def _take_reviews(
        self, day: date, rooms: Rooms, scope: str, node: str | None, skip: set[int], most: int
    ) -> list[int]:
        """Due cards, most overdue first, within every node's review limit."""
        wanted = min(rooms.reviews_of(scope), most)
        fetch = wanted + len(skip)
        while wanted > 0:
            rows = self._due_candidates(day, fetch, node)
            candidates = [(int(r["card_id"]), str(r["deck_id"])) for r in rows]
            taken = take(
                (c for c in candidates if c[0] not in skip),
                dict(rooms.reviews),
                scope,
                wanted,
                rooms.default_reviews,
            )
            if len(taken) >= wanted or len(rows) < fetch:
                return taken
            fetch *= 4  # some deck's limit left cards out: look further
        return []

    def _take_new(
        self,
        day: date,
        rooms: Rooms,
        settings: DeckSettings,
        scope: str,
        node: str | None,
        skip: set[int],
        most: int,
    ) -> list[int]:
        """New cards within every node's new-card limit: deck by deck in the order they
        were added, a deck with random order in its own order of the day."""
        wanted = min(rooms.new_of(scope), most)
        if wanted <= 0:
            return []
        randomised = settings.random_decks()
        random_decks = (
            [d for d in self._deck_ids(node) if d in randomised and rooms.new_of(d) > 0]
            if randomised
            else []
        )
        # A random deck's cards take the place of its first card, in the day's order.
        shuffled: list[tuple[int, int, bytes, int, str]] = []
        for deck in random_decks:
            cards = self._new_of_deck(day, deck)
            if cards:
                first = min(cards)
                shuffled += [(first, 1, random_key(deck, day, c), c, deck) for c in cards]
        fetch = wanted + len(skip) + len(shuffled)
        while True:
            rows = self._new_candidates(day, fetch, node)
            in_order = [
                (int(r["card_id"]), 0, b"", int(r["card_id"]), str(r["deck_id"]))
                for r in rows
                if str(r["deck_id"]) not in randomised
            ]
            merged = sorted(in_order + shuffled)
            taken = take(
                ((c, d) for *_, c, d in merged if c not in skip),
                dict(rooms.new),
                scope,
                wanted,
                rooms.default_new,
            )
            if len(taken) >= wanted or len(rows) < fetch:
                return taken
            fetch *= 4

    def _queue(self, node: str | None, day: date, most: int) -> DayQueue:
        today = self.today()
        scope = node or ROOT
        rooms, settings = day_rooms(self.conn, day, today, self.limits)
        drills = self.pending_drills(day, node) if day == today else []
        skip = set(drills)
        reviews = self._take_reviews(day, rooms, scope, node, skip, most)
        left = most - len(reviews)
        new = self._take_new(day, rooms, settings, scope, node, skip, left) if left > 0 else []
        return DayQueue(reviews=tuple(reviews), new=tuple(new), drills=tuple(drills))

    def day_queue(self, deck_id: str | None = None, day: date | None = None) -> DayQueue:
        """Today's queue (or that of a later study day, with nothing done on it yet) of
        every deck, or of a deck or parent and the decks below it: due reviews, then
        new cards, each within the limits of every node of the tree (core.deck_limits),
        then the drills pending today."""
        self._require_node(deck_id)
        with read_transaction(self.conn):
            return self._queue(deck_id, day or self.today(), 1 << 62)

    def next_card(self, deck_id: str | None = None) -> int | None:
        """The first card of today's queue, found with LIMIT queries as short as the
        limits allow rather than by building the whole queue."""
        self._require_node(deck_id)
        with read_transaction(self.conn):
            queue = self._queue(deck_id, self.today(), 1)
        entries = queue.entries
        return entries[0].card_id if entries else None

    def due_counts(self, day: date | None = None, deck_id: str | None = None) -> DueCounts:
        """Review and new counts for a study day, in total and per deck (see
        studykb.storage.counts, which `studykb due` also uses on its own)."""
        self._require_node(deck_id)
        today = self.today()
        with read_transaction(self.conn):
            return counts.due_counts(self.conn, day or today, today, self.limits, deck_id)
