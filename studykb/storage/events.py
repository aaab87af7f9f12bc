"""Events: suspend, unsuspend, bury, a paper's status or note, a deck's scheduler
(storage.schedulers), a deck's daily limits and "study more" (storage.deck_options),
appended to a log that only grows (table ``event``), in the same transaction as the
change itself.

The state is the replay of the events: a card is suspended when its last
suspend/unsuspend event is a suspend and buried until the day its last bury event
names (none: not buried), a paper's status and note are those of its last
paper_status and paper_note events ('unread' and '' without any). `studykb
check` proves it; the events can later be undone and synced.
"""

from __future__ import annotations

import sqlite3
from typing import Literal

from studykb.core.studyday import Moment
from studykb.storage.db import named
from studykb.storage.uids import TAG_BITS, _new_uid, device_tag, moment_ms, next_seq

EventKind = Literal[
    "suspend",
    "unsuspend",
    "bury",
    "paper_status",
    "paper_note",
    "deck_scheduler",
    "deck_options",
    "study_more",
    # issue 12 items 3-5 (storage.drafts): decks made, renamed, retired and back,
    # purged; papers added by hand; drafts accepted or dropped.
    "deck_create",
    "deck_title",
    "deck_base",  # the title before a deck's first rename (storage.owned_events)
    "deck_retire",
    "deck_unretire",
    "deck_purge",
    "paper_add",
    # a deck file imported (the deck as JSON, core.specs.deck_to_json): what
    # another device imports when it syncs (storage.sync)
    "deck_import",
    "draft_accept",
    "draft_drop",
    # authoring (storage.authoring): a card's content, retirement and flag
    "card_add",
    "card_edit",
    "card_base",
    "card_retire",
    "card_restore",
    "flag",
    "unflag",
    # takes back the event its value names (the state is the replay without it)
    "undo",
]
PAPER_TARGET_PREFIX = "paper:"

# after_answer: the newest log row, so that answers and events have one order.
_INSERT_EVENT = """
INSERT INTO event (uid, at, utc_offset_minutes, study_day, kind, target, value, action,
                   after_answer, seq)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, (SELECT uid FROM review_log ORDER BY seq DESC LIMIT 1), ?)
"""

# An event not taken back by an undo event (which names its target too: the
# (target, seq) index finds it).
LIVE_EVENT = (
    "NOT EXISTS (SELECT 1 FROM event u WHERE u.target = e.target AND u.kind = 'undo' "
    "AND u.value = e.uid)"
)

# What each card and paper's events say its state is (the last event of each kind
# wins, by seq; the (target, seq) index finds it at once).
EXPECTED_SUSPENDED = f"""
COALESCE((SELECT e.kind = 'suspend' FROM event e
          WHERE e.target = c.deck_id || '/' || c.key AND e.kind IN ('suspend', 'unsuspend')
          AND {LIVE_EVENT} ORDER BY e.seq DESC LIMIT 1), 0)
"""
EXPECTED_BURIED_UNTIL = f"""
(SELECT e.value FROM event e
 WHERE e.target = c.deck_id || '/' || c.key AND e.kind = 'bury' AND {LIVE_EVENT}
 ORDER BY e.seq DESC LIMIT 1)
"""
EXPECTED_STATUS = """
COALESCE((SELECT e.value FROM event e
          WHERE e.target = 'paper:' || p.slug AND e.kind = 'paper_status'
          ORDER BY e.seq DESC LIMIT 1), 'unread')
"""
EXPECTED_NOTE = """
COALESCE((SELECT e.value FROM event e
          WHERE e.target = 'paper:' || p.slug AND e.kind = 'paper_note'
          ORDER BY e.seq DESC LIMIT 1), '')
"""


def paper_target(slug: str) -> str:
    return PAPER_TARGET_PREFIX + slug


# kind, the kinds it follows, target, value, rows: one seed event per row.
_SEEDS = (
    (
        "suspend",
        "'suspend', 'unsuspend'",
        "deck_id || '/' || key",
        "''",
        "card WHERE suspended = 1",
    ),
    (
        "bury",
        "'bury'",
        "deck_id || '/' || key",
        "buried_until",
        "card WHERE buried_until IS NOT NULL",
    ),
    (
        "paper_status",
        "'paper_status'",
        "'paper:' || slug",
        "status",
        "paper WHERE status != 'unread'",
    ),
    ("paper_note", "'paper_note'", "'paper:' || slug", "note", "paper WHERE note != ''"),
)


def seed_events(conn: sqlite3.Connection, at: str, utc_offset_minutes: int, study_day: str) -> int:
    """Events describing the current state (one per suspended card, buried card, paper
    not unread, paper with a note; none where events of that kind exist already), so
    that replay matches from the start: for a JSON backup from before events (the
    migration 0006 does the same). Returns how many."""
    before = conn.total_changes
    tag = device_tag(conn)
    for kind, follows, target, value, rows in _SEEDS:
        top = int(conn.execute("SELECT COALESCE(max(seq), 0) FROM event").fetchone()[0])
        conn.execute(
            "INSERT INTO event (uid, at, utc_offset_minutes, study_day, kind, target, value, seq) "
            # lower(hex(randomblob(16))): the shape of uuid4().hex, made in SQL; the seqs
            # this device's next ones (storage.uids)
            f"SELECT lower(hex(randomblob(16))), ?, ?, ?, '{kind}', {target}, {value}, "
            f"(((? >> {TAG_BITS}) + row_number() OVER (ORDER BY id)) << {TAG_BITS}) | ? "
            f"FROM {rows} AND NOT EXISTS (SELECT 1 FROM event e "
            f"WHERE e.target = {target} AND e.kind IN ({follows})) ORDER BY id",
            (at, utc_offset_minutes, study_day, top, tag),
        )
    return conn.total_changes - before


def append_event(
    conn: sqlite3.Connection,
    moment: Moment,
    kind: EventKind,
    target: str,
    value: str = "",
    *,
    action: str | None = None,
    uid: str | None = None,
) -> str:
    """Append one event, inside the caller's transaction (the one writer of event
    rows besides the seeds); returns its uid. ``action``: the uid of the action it
    belongs to (its first event, or an answer), for undo; None: its own. ``uid``: one
    the caller derived (the same event made twice must be one row), else a new one."""
    ms = moment_ms(moment)
    uid = uid or _new_uid(ms)
    conn.execute(
        _INSERT_EVENT,
        (
            uid,
            moment.utc.isoformat(timespec="milliseconds"),
            moment.utc_offset_minutes,
            moment.study_day.isoformat(),
            kind,
            target,
            value,
            action,
            next_seq(conn, "event", ms),
        ),
    )
    return uid


class ActionGroup:
    """Events written together as one action, taken back together by undo: the
    first is the action (its uid), the others name it."""

    def __init__(self, action: str | None = None) -> None:
        self.uid = action

    def append(
        self,
        conn: sqlite3.Connection,
        moment: Moment,
        kind: EventKind,
        target: str,
        value: str = "",
    ) -> str:
        uid = append_event(conn, moment, kind, target, value, action=self.uid)
        if self.uid is None:
            self.uid = uid
        return uid


def card_target(conn: sqlite3.Connection, card_id: int) -> str | None:
    """A card's stable reference (deck-id/card-id), None when there is no such card."""
    row = (
        named(conn)
        .execute("SELECT deck_id || '/' || key AS ref FROM card WHERE id = ?", (card_id,))
        .fetchone()
    )
    return None if row is None else str(row["ref"])


def change_suspended(
    conn: sqlite3.Connection,
    card_id: int,
    suspended: bool,
    moment: Moment,
    group: ActionGroup | None = None,
) -> bool | None:
    """Set a card's flag and record the event when it changes (inside the caller's
    transaction). None when there is no such card, else whether it changed."""
    row = (
        named(conn)
        .execute(
            "SELECT deck_id || '/' || key AS ref, suspended FROM card WHERE id = ?", (card_id,)
        )
        .fetchone()
    )
    if row is None:
        return None
    if bool(row["suspended"]) == suspended:
        return False
    conn.execute(
        "UPDATE card SET suspended = ?, updated_at = ? WHERE id = ?",
        (int(suspended), moment.utc.isoformat(timespec="seconds"), card_id),
    )
    (group or ActionGroup()).append(
        conn, moment, "suspend" if suspended else "unsuspend", str(row["ref"])
    )
    return True
