"""A deck's title and retirement, and a draft's status, as the replay of their events
(issue 12 items 3, 5 and 7), undo events taken into account.

Deck events (target ``deck:<id>``): ``deck_create``, ``deck_title`` (the new title),
``deck_base`` (the title the deck had before its first rename: not an action, never
undone, so that undoing the rename brings it back), ``deck_retire`` and
``deck_unretire`` (their value: the JSON list of the card keys they retired or
brought back; since this change each card also gets its own card_retire or
card_restore event in the same action), ``deck_purge``. Draft events (target
``draft:<id>``): ``draft_accept`` (value: the cards it made) and ``draft_drop``.

- title: the last live deck_title or deck_base; none: whatever the import gave
  (not checked);
- retired: the last live deck_create / deck_retire / deck_unretire is a deck_retire;
  every one undone: as before the first (a deck whose creation was undone is hidden,
  like a retired one);
- a draft is accepted or dropped by its last live draft_accept / draft_drop, else
  pending.

A purge deletes the deck's events with it (storage.drafts.purge_deck), so a deck
made again under the same id starts afresh.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from studykb.storage.db import named

DECK_PREFIX = "deck:"
DRAFT_PREFIX = "draft:"
DECK_STATE_KINDS = ("deck_create", "deck_retire", "deck_unretire")
DECK_TITLE_KINDS = ("deck_base", "deck_title")
DRAFT_KINDS = ("draft_accept", "draft_drop")


@dataclass(frozen=True, slots=True)
class OwnedEvent:
    seq: int
    uid: str
    kind: str
    value: str
    at: str


@dataclass(frozen=True, slots=True)
class DeckReplay:
    title: str | None  # None: no event names one
    retired: bool
    retired_at: str | None  # when the event that hid it happened
    title_yours: bool = False  # the title is a rename of yours (an import keeps it)


@dataclass(frozen=True, slots=True)
class DraftReplay:
    status: str  # pending | accepted | dropped
    card_ref: str
    decided_at: str | None


def _live(events: list[OwnedEvent]) -> tuple[list[OwnedEvent], dict[str, OwnedEvent]]:
    undos = {e.value: e for e in events if e.kind == "undo"}
    return [e for e in events if e.kind != "undo" and e.uid not in undos], undos


def replay_deck(events: list[OwnedEvent]) -> DeckReplay:
    """A deck's title and retirement from its events, oldest first."""
    live, undos = _live(events)
    named = next((e for e in reversed(live) if e.kind in DECK_TITLE_KINDS), None)
    title = None if named is None else named.value
    yours = named is not None and named.kind == "deck_title"
    state = next((e for e in reversed(live) if e.kind in DECK_STATE_KINDS), None)
    if state is not None:
        retired = state.kind == "deck_retire"
        return DeckReplay(title, retired, state.at if retired else None, yours)
    first = next((e for e in events if e.kind in DECK_STATE_KINDS), None)
    if first is None or first.kind == "deck_retire":
        return DeckReplay(title, False, None, yours)
    undo = undos.get(first.uid)
    return DeckReplay(title, True, undo.at if undo is not None else first.at, yours)


def replay_draft(events: list[OwnedEvent]) -> DraftReplay:
    live, _ = _live(events)
    last = next((e for e in reversed(live) if e.kind in DRAFT_KINDS), None)
    if last is None:
        return DraftReplay("pending", "", None)
    if last.kind == "draft_accept":
        return DraftReplay("accepted", last.value, last.at)
    return DraftReplay("dropped", "", last.at)


_COLUMNS = "seq, uid, kind, value, at, target"


def _row(r: sqlite3.Row) -> OwnedEvent:
    return OwnedEvent(int(r["seq"]), str(r["uid"]), str(r["kind"]), str(r["value"]), str(r["at"]))


def owned_events(conn: sqlite3.Connection, target: str) -> list[OwnedEvent]:
    rows = named(conn).execute(
        f"SELECT {_COLUMNS} FROM event WHERE target = ? ORDER BY seq", (target,)
    )
    return [_row(r) for r in rows]


def all_owned_events(conn: sqlite3.Connection) -> dict[str, list[OwnedEvent]]:
    """Every deck's and draft's events, by target, oldest first (for the check)."""
    found: dict[str, list[OwnedEvent]] = {}
    for r in named(conn).execute(
        f"SELECT {_COLUMNS} FROM event WHERE target LIKE 'deck:%' OR target LIKE 'draft:%' "
        "ORDER BY seq"
    ):
        found.setdefault(str(r["target"]), []).append(_row(r))
    return found


def rebuild_deck(conn: sqlite3.Connection, deck_id: str) -> None:
    """Set a deck's title and retirement to the replay of its events (after an undo)."""
    row = (
        named(conn)
        .execute("SELECT title, retired_at FROM deck WHERE id = ?", (deck_id,))
        .fetchone()
    )
    if row is None:
        return
    state = replay_deck(owned_events(conn, DECK_PREFIX + deck_id))
    if state.title is not None and state.title != row["title"]:
        conn.execute("UPDATE deck SET title = ? WHERE id = ?", (state.title, deck_id))
    if state.retired != (row["retired_at"] is not None):
        conn.execute("UPDATE deck SET retired_at = ? WHERE id = ?", (state.retired_at, deck_id))


def rebuild_draft(conn: sqlite3.Connection, draft_id: int) -> None:
    """Set a draft's status (and the card it names) to the replay of its events."""
    state = replay_draft(owned_events(conn, f"{DRAFT_PREFIX}{draft_id}"))
    conn.execute(
        "UPDATE draft SET status = ?, card_ref = ?, decided_at = ? WHERE id = ? "
        "AND (status != ? OR card_ref != ?)",
        (state.status, state.card_ref, state.decided_at, draft_id, state.status, state.card_ref),
    )


def rebuild_owned(conn: sqlite3.Connection, target: str) -> bool:
    """Rebuild a deck or draft target; False for any other target (a card's)."""
    if target.startswith(DECK_PREFIX):
        rebuild_deck(conn, target.removeprefix(DECK_PREFIX))
        return True
    if target.startswith(DRAFT_PREFIX):
        draft = target.removeprefix(DRAFT_PREFIX)
        if draft.isdigit():
            rebuild_draft(conn, int(draft))
        return True
    return False
