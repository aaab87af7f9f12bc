"""The repository's part for sync (issue 14): this device and its marks (what it
has sent), the segments applied, the devices seen, and a deck's content as an
import would bring it (what a device's first sync records of each deck).
Applying rows is storage.sync."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from studykb.core.specs import DeckSpec, deck_to_json
from studykb.storage.base import RepositoryBase
from studykb.storage.card_events import BY_FILE, CardContent, card_spec
from studykb.storage.db import named, read_transaction, write_transaction
from studykb.storage.events import append_event
from studykb.storage.owned_events import DECK_PREFIX
from studykb.storage.papers import DECK_PAPER_COLUMNS, paper_spec_of
from studykb.storage.sync import Applied, SegmentRefused, apply_rows, own_rows, pending_counts
from studykb.storage.uids import (
    DEVICE_ID_KEY,
    DEVICE_NAME_KEY,
    DEVICE_TAG_KEY,
    NEXT_SEGMENT_KEY,
    device_id,
    ensure_device,
)

# meta keys: the newest own rows already in a segment, and the next segment's number
SENT_LOG_KEY = "sync_sent_log_seq"
SENT_EVENT_KEY = "sync_sent_event_seq"
LAST_SYNC_KEY = "sync_last_at"


@dataclass(frozen=True)
class SyncMarks:
    device: str
    tag: int
    name: str
    sent_log: int
    sent_event: int
    next_segment: int
    last_sync: str | None


class SyncStore(RepositoryBase):
    """The repository's part for sync: this device, its marks, segments applied."""

    def sync_marks(self) -> SyncMarks:
        """This device and its marks: a read (the home screen shows them), a write
        only the first time, when the device is made."""
        keys = (
            DEVICE_ID_KEY,
            DEVICE_TAG_KEY,
            DEVICE_NAME_KEY,
            SENT_LOG_KEY,
            SENT_EVENT_KEY,
            NEXT_SEGMENT_KEY,
            LAST_SYNC_KEY,
        )
        query = f"SELECT key, value FROM meta WHERE key IN ({', '.join('?' for _ in keys)})"
        meta = dict(self.conn.execute(query, keys).fetchall())
        if DEVICE_ID_KEY not in meta or DEVICE_TAG_KEY not in meta:
            with write_transaction(self.conn):
                ensure_device(self.conn)
                meta = dict(self.conn.execute(query, keys).fetchall())
        ident, tag = str(meta[DEVICE_ID_KEY]), int(meta[DEVICE_TAG_KEY])
        return SyncMarks(
            ident,
            tag,
            str(meta.get(DEVICE_NAME_KEY) or "this machine"),
            int(meta.get(SENT_LOG_KEY) or 0),
            int(meta.get(SENT_EVENT_KEY) or 0),
            int(meta.get(NEXT_SEGMENT_KEY) or 1),
            None if meta.get(LAST_SYNC_KEY) is None else str(meta[LAST_SYNC_KEY]),
        )

    def record_decks(self) -> int:
        """A deck_import event for every deck that has none (decks imported before this
        device first synced, the bundled ones among them), holding its cards as they
        are: what another device imports to have the deck. Returns how many."""
        with write_transaction(self.conn):
            decks = [
                str(r[0])
                for r in self.conn.execute(
                    "SELECT d.id FROM deck d WHERE d.retired_at IS NULL AND NOT EXISTS "
                    "(SELECT 1 FROM event e WHERE e.target = 'deck:' || d.id "
                    "AND e.kind = 'deck_import') ORDER BY d.position, d.id"
                )
            ]
            if not decks:
                return 0
            moment = self._moment_for_write()
            device, _ = ensure_device(self.conn)
            for deck_id in decks:
                value = deck_to_json(deck_spec_of(self.conn, deck_id))
                # Derived from what it records: a sync killed and run again records
                # the same event, not another one.
                digest = hashlib.sha256(f"{device}\0{deck_id}\0{value}".encode()).hexdigest()
                append_event(
                    self.conn,
                    moment,
                    "deck_import",
                    DECK_PREFIX + deck_id,
                    value,
                    uid=digest[:32],
                )
        return len(decks)

    def unsent_rows(self, marks: SyncMarks) -> tuple[list[list[Any]], list[list[Any]]]:
        with read_transaction(self.conn):
            return own_rows(self.conn, marks.tag, marks.sent_log, marks.sent_event)

    def pending(self, marks: SyncMarks) -> int:
        with read_transaction(self.conn):
            return pending_counts(self.conn, marks.tag, marks.sent_log, marks.sent_event)

    def mark_sent(
        self, number: int, sha256: str, rows: int, log_top: int, event_top: int, now: str
    ) -> None:
        """Segment ``number`` holds this device's rows up to these seqs (after its file
        was written and fsynced: a crash before this re-reads the file, never rewrites it)."""
        with write_transaction(self.conn):
            device, _ = ensure_device(self.conn)
            for key, value in (
                (SENT_LOG_KEY, log_top),
                (SENT_EVENT_KEY, event_top),
                (NEXT_SEGMENT_KEY, number + 1),
            ):
                self._set_meta(key, str(value))
            self.conn.execute(
                "INSERT OR IGNORE INTO sync_segment (device, number, sha256, rows, applied_at, "
                "top_event_seq) VALUES (?, ?, ?, ?, ?, ?)",
                (device, number, sha256, rows, now, event_top),
            )

    def knowledge(self) -> dict[str, int]:
        """The newest segment of each other device applied here (a segment's header
        carries it: who had seen what when it was written)."""
        rows = self.conn.execute(
            "SELECT device, max(number) FROM sync_segment WHERE device != ? GROUP BY device",
            (device_id(self.conn),),
        ).fetchall()
        return {str(d): int(n) for d, n in rows}

    def applied_segments(self, device: str) -> dict[int, int]:
        """The segments of ``device`` applied here, each with its file's size then."""
        rows = self.conn.execute(
            "SELECT number, bytes FROM sync_segment WHERE device = ?", (device,)
        ).fetchall()
        return {int(n): int(size) for n, size in rows}

    def apply_segment(
        self,
        device: str,
        tag: int,
        name: str,
        number: int,
        sha256: str,
        log: Sequence[dict[str, Any]],
        events: Sequence[dict[str, Any]],
        knew: dict[str, int] | None = None,
        size: int = 0,
    ) -> Applied:
        """Apply another device's segment and remember it, in one unit of work.
        ``knew``: the segments the other device had applied when it wrote this one.
        A value no studykb writes (a scheduler, a state) refuses it, rolled back."""
        try:
            now = self._now_utc()
            with write_transaction(self.conn):
                unseen_after = None
                if knew is not None:
                    me = device_id(self.conn)
                    unseen_after = int(
                        self.conn.execute(
                            "SELECT COALESCE(max(top_event_seq), 0) FROM sync_segment "
                            "WHERE device = ? AND number <= ?",
                            (me, knew.get(me, 0)),
                        ).fetchone()[0]
                    )
                applied = apply_rows(
                    self.conn,
                    log,
                    events,
                    day_starts=self.day_starts(),
                    now=now,
                    link_paper=self._link_deck_paper,
                    unseen_after=unseen_after,
                )
                self.conn.execute(
                    "INSERT INTO sync_segment (device, number, sha256, rows, bytes, applied_at) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (device, number, sha256, len(log) + len(events), size, now),
                )
                last = max(
                    [str(r["answered_at"]) for r in log] + [str(e["at"]) for e in events],
                    default=None,
                )
                self.conn.execute(
                    "INSERT INTO sync_device (device, tag, name, last_event_at, last_seen_at) "
                    "VALUES (?, ?, ?, ?, ?) ON CONFLICT (device) DO UPDATE SET tag = excluded.tag, "
                    "name = excluded.name, last_seen_at = excluded.last_seen_at, "
                    "last_event_at = max(COALESCE(last_event_at, ''), "
                    "COALESCE(excluded.last_event_at, ''))",
                    (device, tag, name, last, now),
                )
            return applied
        except ValueError as exc:
            raise SegmentRefused(f"cannot be replayed: {str(exc)[:200]}") from exc

    def _link_deck_paper(self, spec: DeckSpec) -> None:
        """The paper of a deck another device imported, linked as an import links it."""
        upsert = getattr(self, "_upsert_paper_for_deck", None)
        if upsert is None or spec.paper is None:
            return
        paper_id = upsert(spec.deck_id, spec.paper)
        self.conn.execute("UPDATE deck SET paper_id = ? WHERE id = ?", (paper_id, spec.deck_id))

    def synced(self) -> None:
        with write_transaction(self.conn):
            self._set_meta(LAST_SYNC_KEY, self._now_utc())

    def sync_devices(self) -> list[dict[str, Any]]:
        return [
            {
                "device": str(r["device"]),
                "name": str(r["name"]),
                "last_event_at": r["last_event_at"],
                "last_seen_at": r["last_seen_at"],
                "segments": int(r["segments"]),
            }
            for r in named(self.conn).execute(
                "SELECT d.device AS device, d.name AS name, d.last_event_at AS last_event_at, "
                "d.last_seen_at AS last_seen_at, (SELECT count(*) FROM sync_segment s "
                "WHERE s.device = d.device) AS segments FROM sync_device d ORDER BY d.name"
            )
        ]


def deck_spec_of(conn: sqlite3.Connection, deck_id: str) -> DeckSpec:
    """A deck as its cards are now (the live ones), as an import would bring it."""
    deck = (
        named(conn)
        .execute(
            f"SELECT d.title, d.description, d.source, {DECK_PAPER_COLUMNS} "
            "FROM deck d LEFT JOIN paper p ON p.id = d.paper_id WHERE d.id = ?",
            (deck_id,),
        )
        .fetchone()
    )
    # What its file gave each card: the version kept before the first change here
    # (card_base), else the card as it is; cards added here, and cards the file
    # dropped, are not the file's. Changes made here travel as their own events.
    added: set[str] = set()
    base: dict[str, CardContent] = {}
    dropped: dict[str, bool] = {}
    for r in named(conn).execute(
        "SELECT target, kind, value FROM event WHERE target >= ? AND target < ? "
        "AND kind IN ('card_add', 'card_base', 'card_retire', 'card_restore') ORDER BY seq",
        (deck_id + "/", deck_id + "0"),
    ):
        key = str(r["target"]).partition("/")[2]
        if r["kind"] == "card_add":
            added.add(key)
        elif r["kind"] == "card_base":
            base.setdefault(key, CardContent.from_json(str(r["value"])))
        else:
            dropped[key] = r["kind"] == "card_retire" and r["value"] == BY_FILE
    cards = []
    for c in named(conn).execute(
        "SELECT key, note_key, kind, front, back, tags, source, cloze_number, guid, retired_at "
        "FROM card WHERE deck_id = ? ORDER BY position, id",
        (deck_id,),
    ):
        key = str(c["key"])
        if key in added or dropped.get(key, c["retired_at"] is not None):
            continue
        content = base.get(key) or CardContent.of_row(c)
        cards.append(card_spec(c, content, guid=str(c["guid"] or "")))
    return DeckSpec(
        deck_id=deck_id,
        title=str(deck["title"]),
        source=str(deck["source"]),
        description=str(deck["description"]),
        paper=paper_spec_of(deck),
        cards=tuple(cards),
    )
