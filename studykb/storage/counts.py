"""Due and new counts, straight from SQLite: shared by the repository and by
`studykb due`, which runs them on its own so that a shell prompt loads nothing
else (see studykb.app.lean_due; its wording is studykb.app.due_format)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date
from typing import Any

from studykb.core.queue import DoneToday, Limits, remaining_new, remaining_reviews
from studykb.core.scheduler import DRILL_UNTIL_QUALITY
from studykb.storage.db import named

_CARD_ACTIVE = "c.retired_at IS NULL AND c.suspended = 0"
# A log row (alias r) that no undo has taken back. The subquery does not depend on
# r: SQLite runs it once per statement over the few void rows (a partial index),
# and the test on seq (the rowid) keeps the statistics' index-only reads.
NOT_VOIDED = (
    "r.seq NOT IN (SELECT a.seq FROM review_log v JOIN review_log a ON a.uid = v.voids"
    " WHERE v.voids IS NOT NULL)"
)
# An answer that stands: a review or a drill, not undone.
LIVE_ANSWER = f"r.kind IN ('review', 'drill') AND {NOT_VOIDED}"
_NOT_BURIED = "(c.buried_until IS NULL OR c.buried_until <= :day)"
# The card of state row `s`, if it is shown today (in deck :deck, when given). Used as
# a correlated subquery: a join lets SQLite build a Bloom filter over every card
# first, which costs more than the whole queue at 100,000 cards.
_ACTIVE_CARD_WHERE = (
    f"c.id = s.card_id AND {_CARD_ACTIVE} AND {_NOT_BURIED}"
    " AND (:deck IS NULL OR c.deck_id = :deck)"
)
_ACTIVE_CARD = f"SELECT 1 FROM card c WHERE {_ACTIVE_CARD_WHERE}"


@dataclass(frozen=True, slots=True)
class DeckDue:
    deck_id: str
    title: str
    reviews: int
    new: int


@dataclass(frozen=True, slots=True)
class DueCounts:
    day: date
    reviews: int
    new: int
    drills: int
    decks: tuple[DeckDue, ...]

    @property
    def total(self) -> int:
        return self.reviews + self.new + self.drills


def done_on(conn: sqlite3.Connection, day: date) -> DoneToday:
    """Reviews and new cards already answered on a study day: one row the triggers keep
    (migration 0008). Drills aside, and FSRS's steps within a day too (interval 0
    before the answer): like Anki's learning cards, they do not count against the
    day's review limit."""
    row = (
        named(conn)
        .execute("SELECT reviews, new FROM day_done WHERE study_day = ?", (day.isoformat(),))
        .fetchone()
    )
    return DoneToday() if row is None else DoneToday(int(row["reviews"]), int(row["new"]))


def recount_done(conn: sqlite3.Connection) -> dict[str, tuple[int, int, int]]:
    """What ``day_done`` must hold, (answers, reviews, new) per day, counted from the
    log (for `studykb check`)."""
    rows = named(conn).execute(
        f"""
        SELECT r.study_day AS day, COUNT(*) AS answers,
          SUM(r.kind = 'review' AND r.before_due IS NOT NULL AND r.before_interval > 0)
            AS reviews,
          SUM(r.kind = 'review' AND r.before_due IS NULL) AS new
        FROM review_log r WHERE {LIVE_ANSWER} GROUP BY r.study_day
        """
    )
    return {str(r["day"]): (int(r["answers"]), int(r["reviews"]), int(r["new"])) for r in rows}


def pending_drills(conn: sqlite3.Connection, day: date, deck_id: str | None) -> list[int]:
    """Cards whose latest answer on ``day`` was below 4 (SM-2 rule 7), oldest first.
    Only cards SM-2 schedules: FSRS brings a card back by its due moment instead
    (read from the card's state, so the log is read from its covering index alone)."""
    rows = (
        named(conn)
        .execute(
            f"""
        SELECT r.card_id AS card_id FROM review_log r
        JOIN card c ON c.id = r.card_id
        WHERE r.study_day = :day AND r.quality < {DRILL_UNTIL_QUALITY} AND {LIVE_ANSWER}
          AND r.seq = (SELECT MAX(r.seq) FROM review_log r
                       WHERE r.card_id = c.id AND r.study_day = :day AND {LIVE_ANSWER})
          AND {_CARD_ACTIVE} AND {_NOT_BURIED}
          AND (:deck IS NULL OR c.deck_id = :deck)
          AND (SELECT s.scheduler FROM card_state s WHERE s.card_id = c.id) = 'sm2'
        ORDER BY r.seq
        """,
            {"day": day.isoformat(), "deck": deck_id},
        )
        .fetchall()
    )
    return [int(r["card_id"]) for r in rows]


# The day's counts per deck from the histogram the triggers keep (migration 0008):
# a few rows per deck and due day, whatever the number of cards ...
_HISTOGRAM = """
SELECT deck_id, SUM(CASE WHEN due = '' THEN n ELSE 0 END) AS new,
       SUM(CASE WHEN due != '' THEN n ELSE 0 END) AS due
FROM due_histogram
WHERE (due = '' OR due <= :day) AND (:deck IS NULL OR deck_id = :deck)
GROUP BY deck_id
"""
# ... less the cards buried past that day (few, through their partial index).
_BURIED = f"""
SELECT c.deck_id AS deck_id, SUM(s.due IS NULL) AS new, SUM(s.due <= :day) AS due
FROM card c INDEXED BY ix_card_buried JOIN card_state s ON s.card_id = c.id
WHERE c.buried_until IS NOT NULL AND c.buried_until > :day AND {_CARD_ACTIVE}
  AND (:deck IS NULL OR c.deck_id = :deck)
GROUP BY c.deck_id
"""


def counts_by_deck(
    conn: sqlite3.Connection, params: dict[str, Any]
) -> tuple[dict[str, int], dict[str, int]]:
    """Due and new cards shown on ``:day`` (of ``:deck``, or all), per deck."""
    due: dict[str, int] = {}
    new: dict[str, int] = {}
    for r in named(conn).execute(_HISTOGRAM, params):
        due[str(r["deck_id"])] = int(r["due"])
        new[str(r["deck_id"])] = int(r["new"])
    for r in named(conn).execute(_BURIED, params):
        deck = str(r["deck_id"])
        due[deck] = due.get(deck, 0) - int(r["due"] or 0)
        new[deck] = new.get(deck, 0) - int(r["new"] or 0)
    return due, new


def recount_by_deck(conn: sqlite3.Connection) -> dict[tuple[str, str], int]:
    """What the histogram must hold, counted card by card (for `studykb check`)."""
    rows = named(conn).execute(
        f"""
        SELECT c.deck_id AS deck_id, COALESCE(s.due, '') AS due, COUNT(*) AS n
        FROM card c JOIN card_state s ON s.card_id = c.id
        WHERE {_CARD_ACTIVE} GROUP BY c.deck_id, COALESCE(s.due, '')
        """
    )
    return {(str(r["deck_id"]), str(r["due"])): int(r["n"]) for r in rows}


def rebuild_counts(conn: sqlite3.Connection) -> None:
    """The histogram and the days' done counts made again from the cards and the log
    (`check --repair`), inside the caller's transaction."""
    conn.execute("DELETE FROM due_histogram")
    conn.executemany(
        "INSERT INTO due_histogram (deck_id, due, n) VALUES (?, ?, ?)",
        ((deck, due, n) for (deck, due), n in recount_by_deck(conn).items()),
    )
    conn.execute("DELETE FROM day_done")
    conn.executemany(
        "INSERT INTO day_done (study_day, answers, reviews, new) VALUES (?, ?, ?, ?)",
        ((day, *counts) for day, counts in recount_done(conn).items()),
    )


def due_counts(
    conn: sqlite3.Connection, day: date, today: date, limits: Limits, deck_id: str | None
) -> DueCounts:
    """Review and new counts for a study day, in total and per deck. Per deck is
    what that deck alone would give; the total respects the daily limits once.
    The cards are never visited: a few rows of the due histogram per deck, less the
    buried cards."""
    params = {"day": day.isoformat(), "deck": deck_id}
    done = done_on(conn, day) if day == today else DoneToday()
    drills = len(pending_drills(conn, day, deck_id)) if day == today else 0
    due_by_deck, new_by_deck = counts_by_deck(conn, params)
    decks = (
        named(conn)
        .execute(
            "SELECT id, title FROM deck WHERE (:deck IS NULL OR id = :deck) ORDER BY position, id",
            params,
        )
        .fetchall()
    )
    review_room = remaining_reviews(limits, done)
    new_room = remaining_new(limits, done)
    per_deck = tuple(
        DeckDue(
            d["id"],
            d["title"],
            min(due_by_deck.get(d["id"], 0), review_room),
            min(new_by_deck.get(d["id"], 0), new_room),
        )
        for d in decks
    )
    return DueCounts(
        day=day,
        reviews=min(sum(due_by_deck.values()), review_room),
        new=min(sum(new_by_deck.values()), new_room),
        drills=drills,
        decks=per_deck,
    )
