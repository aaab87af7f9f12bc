"""The day's queue and its counts, from indexed queries (see core.queue and
core.deck_limits for the rules)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any

from studykb.core.deck_limits import ROOT, Rooms, random_key, take
from studykb.core.queue import DayQueue, DoneToday, Limits
from studykb.errors import NotFoundError
from studykb.storage import counts
from studykb.storage.base import RepositoryBase
from studykb.storage.counts import _ACTIVE_CARD, IN_NODE, DeckSettings, DueCounts, deck_settings
from studykb.storage.db import named, read_transaction
from studykb.storage.log import answerable_rows
from studykb.storage.queue_head import QueueHead
from studykb.storage.states import moment_key

# The deck of state row `s` (the candidates say which deck's limits they count against).
_DECK_OF = "(SELECT c.deck_id FROM card c WHERE c.id = s.card_id)"
# Whether state row `s`'s card has a log row on :day: only such a card can be one of
# the day's pending drills, which the queue keeps out of its reviews and new cards.
_ANSWERED = (
    "EXISTS (SELECT 1 FROM review_log r INDEXED BY ix_review_log_day"
    " WHERE r.study_day = :day AND r.card_id = s.card_id)"
)


# How many reviews and new cards next_card reads at once and keeps (see next_card).
HEAD_CARDS = 32


def _answered(wanted: bool) -> str:
    """The column saying whether a candidate was answered on the day: read only
    while the drills are not (once they are, the queue skips them by id)."""
    return _ANSWERED if wanted else "0"


class _Drills:
    """The day's pending drills, read from the log only when needed: next_card finds
    a review or new card that no one answered today without them."""

    def __init__(self, read: Callable[[], list[int]]) -> None:
        self._read = read
        self._cards: list[int] | None = None

    def known(self) -> set[int] | None:
        return None if self._cards is None else set(self._cards)

    def read(self) -> list[int]:
        if self._cards is None:
            self._cards = self._read()
        return self._cards


class _DayRooms:
    """What the nodes' limits leave on a study day (core.deck_limits.Rooms), with
    what was done read only for the subtrees of the decks the queue looks at (and
    the root's from the day's total): a next card costs a row or two, however many
    decks were answered today.

    With the whole collection as scope, only the subtrees holding a node with
    options or study-more are read: any other node has Settings' limits and did at
    most the day's total, so its room is at least the root's, which caps what the
    queue takes; its room reads as Settings' limits and never stops a card, as it
    would not have."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        today: date | None,  # None: a later day, on which nothing is done yet
        limits: Limits,
        settings: DeckSettings,
        scope: str,
    ) -> None:
        self._conn, self._today, self._limits, self._settings = conn, today, limits, settings
        self._own = settings.limits(limits)
        self._tops: set[str] = set()
        self._done: dict[str, DoneToday] = {}
        self._total = (
            counts.done_on(conn, today) if today is not None and scope == ROOT else DoneToday()
        )
        # With the root as scope, the tops to read: those of nodes with limits of their own.
        self._set_apart: set[str] | None = None
        if scope == ROOT:
            self._set_apart = {n.partition(".")[0] for n in (*settings.options, *settings.more)}
        self._rooms: Rooms | None = None
        if scope != ROOT:
            self.for_decks((scope,))

    def _compute(self) -> Rooms:
        return Rooms.of_tree(self._own, self._limits, self._done, self._settings.more, self._total)

    def for_decks(self, decks: Iterable[str]) -> Rooms:
        """Rooms exact for the root, the scope and every node of these decks' chains."""
        tops = {d.partition(".")[0] for d in set(decks)} - self._tops
        if tops:
            self._tops |= tops
            if self._set_apart is not None:
                tops &= self._set_apart
        if tops:
            done = (
                {}
                if self._today is None
                else counts.done_within(self._conn, self._today, sorted(tops))
            )
            if done:
                self._done.update(done)
                self._rooms = None
        if self._rooms is None:
            self._rooms = self._compute()
        return self._rooms


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

    # The candidate queries walk ix_card_state_due (due, card_id) and the partial
    # ix_card_state_new in order and stop at LIMIT: their cost does not grow with
    # the collection, only with the limit (a deck's limits that leave some cards
    # out make the LIMIT grow until the queue is full or the cards run out).
    def _due_candidates(
        self, day: date, limit: int, deck_id: str | None, answered: bool = False
    ) -> list[Any]:
        return (
            named(self.conn)
            .execute(
                f"""
            SELECT s.card_id AS card_id, {_DECK_OF} AS deck_id, {_answered(answered)} AS answered
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

    def _new_candidates(
        self, day: date, limit: int, deck_id: str | None, answered: bool = False
    ) -> list[Any]:
        return (
            named(self.conn)
            .execute(
                f"""
            SELECT s.card_id AS card_id, {_DECK_OF} AS deck_id, {_answered(answered)} AS answered
            FROM card_state s INDEXED BY ix_card_state_new
            WHERE s.due IS NULL AND EXISTS ({_ACTIVE_CARD})
            ORDER BY s.card_id
            LIMIT :limit
            """,
                {"day": day.isoformat(), "deck": deck_id, "limit": limit},
            )
            .fetchall()
        )

    def _new_of_deck(
        self, day: date, deck_id: str, answered: bool = False
    ) -> list[tuple[int, bool]]:
        """Every new card shown today of one deck (and no deck below it), and whether
        it was answered on the day."""
        return [
            (int(r["card_id"]), bool(r["answered"]))
            for r in named(self.conn).execute(
                f"""
            SELECT s.card_id AS card_id, {_answered(answered)} AS answered
            FROM card c JOIN card_state s ON s.card_id = c.id
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
        return self._next_step(deck_id, self.today(), self.clock.now())

    def _next_step(self, deck_id: str | None, day: date, now: datetime) -> datetime | None:
        row = (
            named(self.conn)
            .execute(
                f"""
            SELECT MIN(s.due_at) AS next FROM card_state s INDEXED BY ix_card_state_due_at
            WHERE s.due_at > :now AND s.due <= :day AND EXISTS ({_ACTIVE_CARD})
            """,
                {"now": moment_key(now), "day": day.isoformat(), "deck": deck_id},
            )
            .fetchone()
        )
        return None if row["next"] is None else datetime.fromisoformat(str(row["next"]))

    def _take_reviews(
        self, day: date, rooms: _DayRooms, scope: str, node: str | None, drills: _Drills, most: int
    ) -> list[int]:
        """Due cards, most overdue first, within every node's review limit."""
        wanted = min(rooms.for_decks(()).reviews_of(scope), most)
        skip = drills.known()
        fetch = wanted + len(skip or ())
        while wanted > 0:
            rows = self._due_candidates(day, fetch, node, skip is None)
            if skip is None and any(r["answered"] for r in rows):
                skip = set(drills.read())  # a card answered today may be a drill
                fetch = max(fetch, wanted + len(skip))
                continue
            candidates = [
                (int(r["card_id"]), str(r["deck_id"]))
                for r in rows
                if skip is None or int(r["card_id"]) not in skip
            ]
            room = rooms.for_decks(deck for _, deck in candidates)
            taken = take(candidates, dict(room.reviews), scope, wanted, room.default_reviews)
            if len(taken) >= wanted or len(rows) < fetch:
                return taken
            fetch *= 4  # some deck's limit left cards out: look further
        return []

    def _random_decks(self, node: str | None, randomised: set[str]) -> list[str]:
        """The decks with random order within ``node``, in the decks' order (the few
        decks asked for, not the whole list of decks)."""
        rows = self.conn.execute(
            f"SELECT id FROM deck WHERE id IN (SELECT value FROM json_each(:ids))"
            f" AND {IN_NODE.format(col='id')} ORDER BY position, id",
            {"deck": node, "ids": json.dumps(sorted(randomised))},
        )
        return [str(r[0]) for r in rows]

    def _take_new(
        self,
        day: date,
        rooms: _DayRooms,
        settings: DeckSettings,
        scope: str,
        node: str | None,
        drills: _Drills,
        most: int,
    ) -> list[int]:
        """New cards within every node's new-card limit: deck by deck in the order they
        were added, a deck with random order in its own order of the day."""
        wanted = min(rooms.for_decks(()).new_of(scope), most)
        if wanted <= 0:
            return []
        randomised = settings.random_decks()
        random_decks: list[str] = []
        if randomised:
            in_node = self._random_decks(node, randomised)
            room = rooms.for_decks(in_node)
            random_decks = [d for d in in_node if room.new_of(d) > 0]
        # A random deck's cards take the place of its first card, in the day's order.
        shuffled: list[tuple[int, int, bytes, int, str]] = []
        answered = False
        for deck in random_decks:
            of_deck = self._new_of_deck(day, deck, drills.known() is None)
            if of_deck:
                cards = [card for card, _ in of_deck]
                answered = answered or any(was for _, was in of_deck)
                first = min(cards)
                shuffled += [(first, 1, random_key(deck, day, c), c, deck) for c in cards]
        skip = drills.known()
        if skip is None and answered:
            skip = set(drills.read())
        fetch = wanted + len(skip or ()) + len(shuffled)
        while True:
            rows = self._new_candidates(day, fetch, node, skip is None)
            if skip is None and any(r["answered"] for r in rows):
                skip = set(drills.read())  # a card answered today may be a drill
                fetch = max(fetch, wanted + len(skip) + len(shuffled))
                continue
            in_order = [
                (int(r["card_id"]), 0, b"", int(r["card_id"]), str(r["deck_id"]))
                for r in rows
                if str(r["deck_id"]) not in randomised
            ]
            merged = sorted(in_order + shuffled)
            candidates = [(c, d) for *_, c, d in merged if skip is None or c not in skip]
            room = rooms.for_decks(deck for _, deck in candidates)
            taken = take(candidates, dict(room.new), scope, wanted, room.default_new)
            if len(taken) >= wanted or len(rows) < fetch:
                return taken
            fetch *= 4

    def _queue(self, node: str | None, day: date, most: int, *, first: bool = False) -> DayQueue:
        """The queue of ``node`` on ``day``, at most ``most`` reviews and new cards.
        With ``first`` (next_card), the drills are read only when they can come
        first: no review or new card is left, or one answered today is looked at."""
        today = self.today()
        scope = node or ROOT
        settings = deck_settings(self.conn, day if day == today else None)
        rooms = _DayRooms(self.conn, day if day == today else None, self.limits, settings, scope)
        drills = _Drills(lambda: self.pending_drills(day, node) if day == today else [])
        if not first:
            drills.read()
        reviews = self._take_reviews(day, rooms, scope, node, drills, most)
        left = most - len(reviews)
        new = self._take_new(day, rooms, settings, scope, node, drills, left) if left > 0 else []
        pending = drills.read() if not (first and (reviews or new)) else []
        return DayQueue(reviews=tuple(reviews), new=tuple(new), drills=tuple(pending))

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
        limits allow rather than by building the whole queue; what was done today is
        read for the decks of the cards looked at (and none when no deck has options
        or study-more), the drills only when they can come first (see _queue).

        The first HEAD_CARDS reviews and new cards (or else the day's drills) are
        kept (storage.queue_head): while nothing has been written since but answers
        of them, in order, the next is the head's first, with no query but PRAGMA
        data_version."""
        today = self.today()
        token = self._db_token()
        now = self.clock.now()
        head = self._head
        if head is not None and head.serves(deck_id, today, self.limits, token, now):
            return head.cards[0][0]
        self._head = None
        self._require_node(deck_id)
        with read_transaction(self.conn):
            queue = self._queue(deck_id, today, HEAD_CARDS, first=True)
            if queue:
                self._head = QueueHead(
                    node=deck_id,
                    day=today,
                    limits=self.limits,
                    token=token,
                    since=now,
                    until=self._next_step(deck_id, today, now),
                    cards=[(e.card_id, e.kind) for e in queue.entries],
                    # What their answers read, read now: saves a query per answer.
                    rows=answerable_rows(self.conn, [e.card_id for e in queue.entries], today),
                )
        entries = queue.entries
        return entries[0].card_id if entries else None

    def due_counts(self, day: date | None = None, deck_id: str | None = None) -> DueCounts:
        """Review and new counts for a study day, in total and per deck (see
        studykb.storage.counts, which `studykb due` also uses on its own)."""
        self._require_node(deck_id)
        today = self.today()
        with read_transaction(self.conn):
            return counts.due_counts(self.conn, day or today, today, self.limits, deck_id)
