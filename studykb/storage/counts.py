"""Due and new counts, straight from SQLite: shared by the repository and by
`studykb due`, which runs them on its own so that a shell prompt loads nothing
else (see studykb.app.lean_due; its wording is studykb.app.due_format)."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from studykb.core.deck_limits import (
    ROOT,
    DeckOptions,
    Rooms,
    StudyMore,
    capped_counts,
    tree_nodes,
)
from studykb.core.queue import DoneToday, Limits
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
# A deck within the node :deck (the deck itself and those below it: ``a`` holds
# ``a.b``), or any deck when :deck is NULL (issue 16 item 13: decks as a tree).
IN_NODE = "(:deck IS NULL OR {col} = :deck OR substr({col}, 1, length(:deck) + 1) = :deck || '.')"
# The card of state row `s`, if it is shown today (in deck :deck, when given). Used as
# a correlated subquery: a join lets SQLite build a Bloom filter over every card
# first, which costs more than the whole queue at 100,000 cards.
_ACTIVE_CARD_WHERE = (
    f"c.id = s.card_id AND {_CARD_ACTIVE} AND {_NOT_BURIED} AND {IN_NODE.format(col='c.deck_id')}"
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
    # The parents of the tree that are no deck of their own (``a`` of ``a.b``).
    groups: tuple[DeckDue, ...] = ()

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
          AND {IN_NODE.format(col="c.deck_id")}
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
_HISTOGRAM = f"""
SELECT deck_id, SUM(CASE WHEN due = '' THEN n ELSE 0 END) AS new,
       SUM(CASE WHEN due != '' THEN n ELSE 0 END) AS due
FROM due_histogram
WHERE (due = '' OR due <= :day) AND {IN_NODE.format(col="deck_id")}
GROUP BY deck_id
"""
# ... less the cards buried past that day (few, through their partial index).
_BURIED = f"""
SELECT c.deck_id AS deck_id, SUM(s.due IS NULL) AS new, SUM(s.due <= :day) AS due
FROM card c INDEXED BY ix_card_buried JOIN card_state s ON s.card_id = c.id
WHERE c.buried_until IS NOT NULL AND c.buried_until > :day AND {_CARD_ACTIVE}
  AND {IN_NODE.format(col="c.deck_id")}
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
    conn.execute("DELETE FROM deck_day_done")
    conn.executemany(
        "INSERT INTO deck_day_done (study_day, deck_id, reviews, new) VALUES (?, ?, ?, ?)",
        ((day, deck, *counts) for (day, deck), counts in recount_deck_done(conn).items()),
    )


def done_by_deck(conn: sqlite3.Connection, day: date) -> dict[str, DoneToday]:
    """Reviews and new cards already answered on a study day, per deck: the rows the
    triggers keep (migration 0012)."""
    rows = named(conn).execute(
        "SELECT deck_id, reviews, new FROM deck_day_done WHERE study_day = ?", (day.isoformat(),)
    )
    return {str(r["deck_id"]): DoneToday(int(r["reviews"]), int(r["new"])) for r in rows}


# The rows of deck_day_done of a day within some top nodes of the tree (a top ``a``:
# ``a`` and every ``a.…``), each a range of the primary key (CROSS JOIN: the tops
# first, else SQLite reads every row of the day). The range also holds ids such as
# ``a-b``, which sort between: rows of other decks do no harm.
_DONE_WITHIN = """
SELECT d.deck_id AS deck_id, d.reviews AS reviews, d.new AS new
FROM json_each(:tops) t CROSS JOIN deck_day_done d
WHERE d.study_day = :day AND d.deck_id >= t.value AND d.deck_id < t.value || '/'
"""


def done_within(conn: sqlite3.Connection, day: date, tops: list[str]) -> dict[str, DoneToday]:
    """What was done on a study day in each deck below the top nodes ``tops`` (and
    perhaps a few decks more): a few rows however many decks were answered."""
    rows = named(conn).execute(_DONE_WITHIN, {"day": day.isoformat(), "tops": json.dumps(tops)})
    return {str(r["deck_id"]): DoneToday(int(r["reviews"]), int(r["new"])) for r in rows}


def recount_deck_done(conn: sqlite3.Connection) -> dict[tuple[str, str], tuple[int, int]]:
    """What ``deck_day_done`` must hold, (reviews, new) per day and deck, counted
    from the log (for `studykb check`)."""
    rows = named(conn).execute(
        f"""
        SELECT r.study_day AS day, c.deck_id AS deck_id,
          SUM(r.before_due IS NOT NULL AND r.before_interval > 0) AS reviews,
          SUM(r.before_due IS NULL) AS new
        FROM review_log r JOIN card c ON c.id = r.card_id
        WHERE r.kind = 'review' AND {LIVE_ANSWER}
          AND (r.before_due IS NULL OR r.before_interval > 0)
        GROUP BY r.study_day, c.deck_id
        """
    )
    return {(str(r["day"]), str(r["deck_id"])): (int(r["reviews"]), int(r["new"])) for r in rows}


# The decks' options and today's study-more events: the few events on deck:
# targets, found through the (target, seq) index.
_DECK_EVENTS = """
SELECT target, kind, value, study_day FROM event
WHERE target >= 'deck:' AND target < 'deck;' AND kind IN ('deck_options', 'study_more')
ORDER BY seq
"""


@dataclass(frozen=True, slots=True)
class DeckSettings:
    """Each deck's options (the replay: the last event wins) and what "study more"
    added to its limits on the day asked for."""

    options: dict[str, DeckOptions]
    more: dict[str, StudyMore]

    def limits(self, default: Limits) -> dict[str, Limits]:
        return {deck: o.limits(default) for deck, o in self.options.items()}

    def random_decks(self) -> set[str]:
        return {deck for deck, o in self.options.items() if o.new_order == "random"}


# Each event's value read once per process: the queue reads the options on every
# card, and the same few texts come back each time (the values are frozen).
_options_of = lru_cache(maxsize=4096)(DeckOptions.from_json)
_more_of = lru_cache(maxsize=4096)(StudyMore.from_json)


def deck_settings(conn: sqlite3.Connection, day: date | None) -> DeckSettings:
    """The decks' options, and the study-more of ``day`` (None: none counted). An
    event that cannot be read counts as none here; `studykb check` names it."""
    options: dict[str, DeckOptions] = {}
    more: dict[str, StudyMore] = {}
    wanted = None if day is None else day.isoformat()
    for r in named(conn).execute(_DECK_EVENTS):
        deck = str(r["target"]).removeprefix("deck:")
        try:
            if r["kind"] == "deck_options":
                options[deck] = _options_of(str(r["value"]))
            elif str(r["study_day"]) == wanted:
                more[deck] = more.get(deck, StudyMore()) + _more_of(str(r["value"]))
        except (ValueError, TypeError):
            continue
    return DeckSettings(options, more)


def day_rooms(
    conn: sqlite3.Connection, day: date, today: date, limits: Limits
) -> tuple[Rooms, DeckSettings]:
    """What each node of the decks' tree (and the root) may still take on ``day``:
    its limits, raised by study-more today, less what was done today below it
    (worked out for the nodes that differ from the default limits only, see
    Rooms.of_tree). Returns the rooms and the decks' settings."""
    settings = deck_settings(conn, day if day == today else None)
    done = done_by_deck(conn, day) if day == today else {}
    rooms = Rooms.of_tree(settings.limits(limits), limits, done, settings.more)
    return rooms, settings


def due_counts(
    conn: sqlite3.Connection, day: date, today: date, limits: Limits, deck_id: str | None
) -> DueCounts:
    """Review and new counts for a study day, in total and per deck. Per deck (and
    per parent of the tree, in ``groups``) is what reviewing that deck would give:
    its cards and those below it, within its limits and theirs; the total is that of
    ``deck_id`` (a deck or a parent: it and below), or of all decks within Settings'
    limits. The cards are never visited: a few rows of the due histogram per deck,
    less the buried cards."""
    params = {"day": day.isoformat(), "deck": deck_id}
    drills = len(pending_drills(conn, day, deck_id)) if day == today else 0
    due_by_deck, new_by_deck = counts_by_deck(conn, params)
    decks = (
        named(conn)
        .execute(
            f"SELECT id, title FROM deck WHERE {IN_NODE.format(col='id')} ORDER BY position, id",
            params,
        )
        .fetchall()
    )
    ids = [str(d["id"]) for d in decks]
    rooms, _ = day_rooms(conn, day, today, limits)
    nodes = tree_nodes(ids)
    order = [ROOT, *nodes]
    reviews = capped_counts(due_by_deck, rooms.reviews, order, rooms.default_reviews)
    new = capped_counts(new_by_deck, rooms.new, order, rooms.default_new)
    scope = deck_id or ROOT
    known = set(ids)
    return DueCounts(
        day=day,
        reviews=reviews.get(scope, 0),
        new=new.get(scope, 0),
        drills=drills,
        decks=tuple(DeckDue(d["id"], d["title"], reviews[d["id"]], new[d["id"]]) for d in decks),
        groups=tuple(DeckDue(n, n, reviews[n], new[n]) for n in nodes if n not in known),
    )
