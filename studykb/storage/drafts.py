"""Drafts and the decks and papers a user makes (issue 12 items 3-5).

Drafts (table ``draft``) wait outside the review queue until accepted (a real card is
made; ``card_ref`` names it) or dropped. Creating, renaming and retiring a deck and
adding a paper are events (storage.events), appended in the same transaction as the
change, so the log only grows: retiring a deck is one action, its deck_retire event and
a card_retire event per card it hides, so `studykb undo` takes it back like any other
(storage.authoring.undo_last); `unretire_deck` is the explicit way back (a deck_unretire
and a card_restore per card). Columns are the replay of these events
(storage.owned_events). Only `purge_deck` (after a backup, see app.decks) deletes: the
deck, its cards, their history and its events; it cannot be undone.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

from studykb.errors import BadInputError, NotFoundError
from studykb.storage.base import RepositoryBase
from studykb.storage.db import named, write_transaction
from studykb.storage.events import LIVE_EVENT, append_event, paper_target

DECK_TARGET_PREFIX = "deck:"
DRAFT_TARGET_PREFIX = "draft:"
DRAFT_STATUSES = ("pending", "accepted", "dropped")


def deck_target(deck_id: str) -> str:
    return DECK_TARGET_PREFIX + deck_id


@dataclass(frozen=True, slots=True)
class NewDraft:
    """A draft card before it is stored."""

    kind: str  # equation | statement | abstract
    front: str
    back: str
    source: str


@dataclass(frozen=True, slots=True)
class DraftRow:
    id: int
    deck_id: str
    paper_id: int | None
    kind: str
    front: str
    back: str
    source: str
    origin: str
    status: str
    card_ref: str
    created_at: str


_DRAFT_COLUMNS = (
    "id, deck_id, paper_id, kind, front, back, source, origin, status, card_ref, created_at"
)


def _draft(r: sqlite3.Row) -> DraftRow:
    return DraftRow(
        id=int(r["id"]),
        deck_id=str(r["deck_id"]),
        paper_id=r["paper_id"],
        kind=str(r["kind"]),
        front=str(r["front"]),
        back=str(r["back"]),
        source=str(r["source"]),
        origin=str(r["origin"]),
        status=str(r["status"]),
        card_ref=str(r["card_ref"]),
        created_at=str(r["created_at"]),
    )


class DraftStore(RepositoryBase):
    """The repository's part for drafts, deck creation/renaming/retirement and papers
    added by hand."""

    # ------------------------------------------------------------------ drafts
    def add_drafts(
        self, deck_id: str, paper_id: int | None, drafts: Sequence[NewDraft], origin: str
    ) -> tuple[int, int]:
        """Store new drafts; one already drafted for the deck (same front and back, in
        any status) is skipped, so drafting a source again adds only what is new.
        Returns (added, skipped)."""
        with write_transaction(self.conn):
            self._require_deck(deck_id)
            seen = {
                (str(r[0]), str(r[1]))
                for r in self.conn.execute(
                    "SELECT front, back FROM draft WHERE deck_id = ?", (deck_id,)
                )
            }
            now = self._now_utc()
            added = 0
            for draft in drafts:
                if (draft.front, draft.back) in seen:
                    continue
                seen.add((draft.front, draft.back))
                self.conn.execute(
                    "INSERT INTO draft (deck_id, paper_id, kind, front, back, source, origin, "
                    "status, card_ref, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', '', ?)",
                    (
                        deck_id,
                        paper_id,
                        draft.kind,
                        draft.front,
                        draft.back,
                        draft.source,
                        origin,
                        now,
                    ),
                )
                added += 1
            return added, len(drafts) - added

    def drafts(self, status: str | None = "pending") -> list[DraftRow]:
        """Drafts in ``status`` (None: all); a retired deck's drafts wait hidden with it
        (a deck whose creation was undone is one)."""
        where, params = ("WHERE status = ?", (status,)) if status else ("WHERE 1", ())
        where += " AND deck_id IN (SELECT id FROM deck WHERE retired_at IS NULL)"
        rows = named(self.conn).execute(
            f"SELECT {_DRAFT_COLUMNS} FROM draft {where} ORDER BY id", params
        )
        return [_draft(r) for r in rows]

    def draft(self, draft_id: int) -> DraftRow:
        row = (
            named(self.conn)
            .execute(f"SELECT {_DRAFT_COLUMNS} FROM draft WHERE id = ?", (draft_id,))
            .fetchone()
        )
        if row is None:
            raise NotFoundError(f"no draft {draft_id} (see `studykb drafts`)")
        return _draft(row)

    def decide_draft(self, draft_id: int, status: str, card_ref: str = "") -> None:
        """Mark a pending draft accepted (naming the card it made) or dropped, with its
        event (draft_accept / draft_drop), in the open action (see one_action: accepting
        is one action with the card_add events of the card it made)."""
        with write_transaction(self.conn):
            draft = self.draft(draft_id)
            if draft.status != "pending":
                raise BadInputError([f"draft {draft_id}: already {draft.status}"])
            moment = self._moment_for_write()
            self.conn.execute(
                "UPDATE draft SET status = ?, card_ref = ?, decided_at = ? WHERE id = ?",
                (status, card_ref, self._now_utc(), draft_id),
            )
            target = f"{DRAFT_TARGET_PREFIX}{draft_id}"
            group = self._action_group()
            if status == "accepted":
                group.append(self.conn, moment, "draft_accept", target, card_ref)
            else:
                group.append(self.conn, moment, "draft_drop", target)

    # ------------------------------------------------------------------ decks
    def deck_row(self, deck_id: str) -> tuple[str, int | None, str | None]:
        """A deck's (title, paper id, retired_at); NotFoundError when there is none."""
        row = (
            named(self.conn)
            .execute("SELECT title, paper_id, retired_at FROM deck WHERE id = ?", (deck_id,))
            .fetchone()
        )
        if row is None:
            raise NotFoundError(f"no deck {deck_id!r} (see `studykb decks`)")
        return str(row["title"]), row["paper_id"], row["retired_at"]

    def create_deck(self, deck_id: str, title: str, paper_id: int | None) -> None:
        """An empty deck, linked to a paper (or none), with its deck_create event."""
        with write_transaction(self.conn):
            if self.deck_exists(deck_id):
                raise BadInputError([f"deck {deck_id!r} exists already; choose another --id"])
            position = self.conn.execute(
                "SELECT COALESCE(MAX(position) + 1, 0) FROM deck"
            ).fetchone()[0]
            now = self._now_utc()
            self.conn.execute(
                "INSERT INTO deck (id, title, description, paper_id, position, source, "
                "content_hash, file_hash, imported_at) VALUES (?, ?, '', ?, ?, '', '', '', ?)",
                (deck_id, title, paper_id, position, now),
            )
            value = json.dumps({"title": title, "paper_id": paper_id}, ensure_ascii=False)
            append_event(
                self.conn, self._moment_for_write(), "deck_create", deck_target(deck_id), value
            )

    def rename_deck(self, deck_id: str, title: str) -> bool:
        """A deck's new title, with its deck_title event; False when it had it already."""
        with write_transaction(self.conn):
            old, _paper, _retired = self.deck_row(deck_id)
            if old == title:
                return False
            moment = self._moment_for_write()
            target = deck_target(deck_id)
            if not self.conn.execute(
                "SELECT 1 FROM event WHERE target = ? AND kind IN ('deck_base', 'deck_title') "
                "LIMIT 1",
                (target,),
            ).fetchone():
                # The title it had (from its file or its creation): undoing the first
                # rename brings it back. Not an action; never undone.
                append_event(self.conn, moment, "deck_base", target, old)
            self.conn.execute("UPDATE deck SET title = ? WHERE id = ?", (title, deck_id))
            self._action_group().append(self.conn, moment, "deck_title", target, title)
            return True

    def retire_deck(self, deck_id: str) -> int:
        """Hide a deck and retire its live cards (history kept), one action: the
        deck_retire event (naming the cards, so that unretiring brings back exactly
        these) and a card_retire event per card. Returns how many."""
        with write_transaction(self.conn):
            _title, _paper, retired = self.deck_row(deck_id)
            if retired is not None:
                raise BadInputError([f"deck {deck_id!r} is retired already"])
            keys = [
                str(r[0])
                for r in self.conn.execute(
                    "SELECT key FROM card WHERE deck_id = ? AND retired_at IS NULL ORDER BY id",
                    (deck_id,),
                )
            ]
            now = self._now_utc()
            moment = self._moment_for_write()
            self.conn.execute(
                "UPDATE card SET retired_at = ?, updated_at = ? "
                "WHERE deck_id = ? AND retired_at IS NULL",
                (now, now, deck_id),
            )
            self.conn.execute("UPDATE deck SET retired_at = ? WHERE id = ?", (now, deck_id))
            group = self._action_group()
            group.append(
                self.conn,
                moment,
                "deck_retire",
                deck_target(deck_id),
                json.dumps(keys, ensure_ascii=False),
            )
            for key in keys:
                group.append(self.conn, moment, "card_retire", f"{deck_id}/{key}")
            return len(keys)

    def unretire_deck(self, deck_id: str) -> int:
        """Bring back a retired deck with the cards its last retirement hid (those
        still retired), one action: a deck_unretire event and a card_restore event per
        card (`studykb undo` takes it back). Returns how many cards."""
        with write_transaction(self.conn):
            _title, _paper, retired = self.deck_row(deck_id)
            if retired is None:
                raise BadInputError([f"deck {deck_id!r} is not retired"])
            row = self.conn.execute(
                "SELECT e.value FROM event e WHERE e.target = ? AND e.kind = 'deck_retire' "
                f"AND {LIVE_EVENT} ORDER BY e.seq DESC LIMIT 1",
                (deck_target(deck_id),),
            ).fetchone()
            listed: list[str] = json.loads(row[0]) if row is not None else []
            still = {
                str(r[0])
                for r in self.conn.execute(
                    "SELECT key FROM card WHERE deck_id = ? AND retired_at IS NOT NULL",
                    (deck_id,),
                )
            }
            keys = [key for key in listed if key in still]
            now = self._now_utc()
            moment = self._moment_for_write()
            self.conn.executemany(
                "UPDATE card SET retired_at = NULL, updated_at = ? WHERE deck_id = ? AND key = ?",
                [(now, deck_id, key) for key in keys],
            )
            self.conn.execute("UPDATE deck SET retired_at = NULL WHERE id = ?", (deck_id,))
            group = self._action_group()
            group.append(
                self.conn,
                moment,
                "deck_unretire",
                deck_target(deck_id),
                json.dumps(keys, ensure_ascii=False),
            )
            for key in keys:
                group.append(self.conn, moment, "card_restore", f"{deck_id}/{key}")
            return len(keys)

    def purge_deck(self, deck_id: str) -> int:
        """Delete a retired deck for real: its cards, their history and its drafts go
        (the caller took a backup first), and the events of the deck, its cards and its
        drafts with them (a deck made again under this id, or a draft given a freed id,
        starts afresh); a deck_purge event says so, and that undo cannot take it back.
        Returns how many cards were deleted."""
        with write_transaction(self.conn):
            _title, _paper, retired = self.deck_row(deck_id)
            if retired is None:
                raise BadInputError([f"deck {deck_id!r}: retire it before purging it"])
            cards = int(
                self.conn.execute(
                    "SELECT COUNT(*) FROM card WHERE deck_id = ?", (deck_id,)
                ).fetchone()[0]
            )
            self.conn.execute(
                "DELETE FROM event WHERE target = ? OR substr(target, 1, ?) = ? "
                "OR target IN (SELECT 'draft:' || id FROM draft WHERE deck_id = ?)",
                (deck_target(deck_id), len(deck_id) + 1, deck_id + "/", deck_id),
            )
            self.conn.execute("DELETE FROM deck WHERE id = ?", (deck_id,))
            append_event(
                self.conn, self._moment_for_write(), "deck_purge", deck_target(deck_id), str(cards)
            )
            return cards

    # ------------------------------------------------------------------ papers
    def add_paper(self, slug: str, title: str, url: str, worth_reading: int | None) -> str:
        """A paper added to the reading list by hand (paper_add event); its slug."""
        from studykb.core.urls import paper_key

        with write_transaction(self.conn):
            wanted, free, n = slug, slug, 2
            while self.conn.execute("SELECT 1 FROM paper WHERE slug = ?", (free,)).fetchone():
                free, n = f"{wanted}-{n}", n + 1
            position = self.conn.execute(
                "SELECT COALESCE(MAX(position) + 1, 0) FROM paper"
            ).fetchone()[0]
            self.conn.execute(
                "INSERT INTO paper (slug, title, authors, url, url_key, worth_reading, section, "
                "description, after, position, status, note) "
                "VALUES (?, ?, '[]', ?, ?, ?, '', '', '[]', ?, 'unread', '')",
                (free, title, url, paper_key(url), worth_reading, position),
            )
            value = json.dumps(
                {"title": title, "url": url, "worth_reading": worth_reading}, ensure_ascii=False
            )
            append_event(
                self.conn, self._moment_for_write(), "paper_add", paper_target(free), value
            )
            return free
