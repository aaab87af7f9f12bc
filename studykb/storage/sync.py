"""Sync (issue 14): the rows this device wrote since its last segment, and the rows
of another device's segment applied in one unit of work.

Every log row and event carries a seq that is the same on every machine
(storage.uids), and every replay reads rows in seq order. Applying another
device's rows is therefore inserting them as they are, then rebuilding what they
touch by replay: a card's state (and which of its answers was the day's review
and which a same-day drill: the replay decides, as if one device had done both),
its suspension, flag, content and retirement, a deck's title, options and
scheduler, a paper's status and note. A row's facts (uid, seq, card, time, grade,
what an undo names) are never changed; ``kind`` review/drill and the states before
and after are the replay's record, re-derived when an earlier answer arrives.

Nothing is applied in part: a row naming a card, deck or paper this database does
not have, a uid this database holds with other content, or a seq it holds under
another uid, refuses the whole segment (SegmentRefused, one line); the segment is
tried again at the next sync.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, get_args

from studykb.core.reading import READING_STATUSES
from studykb.core.scheduling.options import build_scheduler
from studykb.core.scheduling.replay import replay_card, same_settings
from studykb.core.studyday import DayStarts
from studykb.errors import StudykbError
from studykb.storage.base import RepositoryBase
from studykb.storage.card_events import CardContent, content_hash, rebuild_card_columns
from studykb.storage.counts import LIVE_ANSWER
from studykb.storage.db import named, read_transaction, write_transaction
from studykb.storage.events import EXPECTED_NOTE, EventKind
from studykb.storage.owned_events import DECK_PREFIX, rebuild_deck
from studykb.storage.schedulers import _event, deck_options_and_since, write_state
from studykb.storage.states import encode
from studykb.storage.uids import DEVICE_NAME_KEY, TAG_MASK, ensure_device

# The columns a segment carries, in this order (a segment names them: a later
# version may add some). card_id is local: a row names its card by card_ref.
LOG_FIELDS = (
    "seq",
    "uid",
    "card_ref",
    "answered_at",
    "utc_offset_minutes",
    "study_day",
    "quality",
    "kind",
    "answer_ms",
    "scheduler",
    "voids",
    "before_repetitions",
    "before_interval",
    "before_due",
    "before_lapses",
    "before_state",
    "after_repetitions",
    "after_interval",
    "after_due",
    "after_lapses",
    "after_state",
)
EVENT_FIELDS = (
    "seq",
    "uid",
    "at",
    "utc_offset_minutes",
    "study_day",
    "kind",
    "target",
    "value",
    "action",
    "after_answer",
)
# The facts of a row: equal on every machine that holds it (the rest is re-derived).
_LOG_FACTS = (
    "seq",
    "uid",
    "card_ref",
    "answered_at",
    "utc_offset_minutes",
    "study_day",
    "quality",
    "answer_ms",
    "scheduler",
    "voids",
)
# A state's log columns, in the order of StoredState.values().
_STATE_COLUMNS = ("repetitions", "interval", "due", "lapses", "state")
# Drafts are this machine's work in progress (their ids are local): their events
# stay here; the card an accepted draft became travels as its card_add.
_LOCAL_TARGETS = "target NOT LIKE 'draft:%'"
_EVENT_KINDS = frozenset(get_args(EventKind))
# Events that change a card's content or presence: its deck no longer matches its file.
_CONTENT_KINDS = ("card_add", "card_edit", "card_retire", "card_restore")


class SegmentRefused(StudykbError):
    """A segment this database will not apply (one line: why)."""


@dataclass
class Applied:
    """What applying a segment did."""

    answers: int = 0
    events: int = 0
    known: int = 0  # rows this database had already
    cards: int = 0  # cards rebuilt by replay
    drills: list[str] = field(default_factory=list)  # answers the merge made drills
    edits_lost: list[str] = field(default_factory=list)  # cards whose edit a later one won


def own_rows(
    conn: sqlite3.Connection, tag: int, log_after: int, event_after: int
) -> tuple[list[list[Any]], list[list[Any]]]:
    """This device's log rows and events with seqs after the ones given, oldest first."""
    log = [
        list(r)
        for r in conn.execute(
            f"SELECT {', '.join(LOG_FIELDS)} FROM review_log "
            f"WHERE seq > ? AND (seq & {TAG_MASK}) = ? ORDER BY seq",
            (log_after, tag),
        )
    ]
    events = [
        list(r)
        for r in conn.execute(
            f"SELECT {', '.join(EVENT_FIELDS)} FROM event "
            f"WHERE seq > ? AND (seq & {TAG_MASK}) = ? AND {_LOCAL_TARGETS} ORDER BY seq",
            (event_after, tag),
        )
    ]
    return log, events


def pending_counts(conn: sqlite3.Connection, tag: int, log_after: int, event_after: int) -> int:
    """How many rows of this device wait for the next segment."""
    log = conn.execute(
        f"SELECT count(*) FROM review_log WHERE seq > ? AND (seq & {TAG_MASK}) = ?",
        (log_after, tag),
    ).fetchone()[0]
    events = conn.execute(
        f"SELECT count(*) FROM event WHERE seq > ? AND (seq & {TAG_MASK}) = ? AND {_LOCAL_TARGETS}",
        (event_after, tag),
    ).fetchone()[0]
    return int(log) + int(events)


def apply_rows(
    conn: sqlite3.Connection,
    log: Sequence[dict[str, Any]],
    events: Sequence[dict[str, Any]],
    *,
    day_starts: DayStarts,
    now: str,
) -> Applied:
    """Apply another device's rows inside the caller's transaction (all or nothing:
    SegmentRefused leaves the caller to roll back)."""
    done = Applied()
    for event in events:
        if event["kind"] not in _EVENT_KINDS:
            raise SegmentRefused(f"event {event['uid']}: kind {str(event['kind'])[:40]!r} unknown")
        if event["kind"] == "paper_status" and event["value"] not in READING_STATUSES:
            raise SegmentRefused(f"event {event['uid']}: paper status {str(event['value'])[:40]!r}")
    new_events = [e for e in events if not _known(conn, "event", e, EVENT_FIELDS, done)]
    new_log = [r for r in log if not _known(conn, "review_log", r, _LOG_FACTS, done)]
    for row in new_events:
        conn.execute(
            f"INSERT INTO event ({', '.join(EVENT_FIELDS)}) "
            f"VALUES ({', '.join('?' for _ in EVENT_FIELDS)})",
            [row[f] for f in EVENT_FIELDS],
        )
    done.events = len(new_events)
    decks_changed = _apply_event_targets(conn, new_events, day_starts, now, done)
    cards: dict[int, None] = {}
    days: set[str] = set()
    for row in new_log:
        card_id = _card_id(conn, str(row["card_ref"]))
        if card_id is None:
            raise SegmentRefused(f"answer {row['uid']}: card {row['card_ref']} is not here")
        conn.execute(
            f"INSERT INTO review_log (card_id, {', '.join(LOG_FIELDS)}) "
            f"VALUES (?, {', '.join('?' for _ in LOG_FIELDS)})",
            [card_id, *(row[f] for f in LOG_FIELDS)],
        )
        cards[card_id] = None
        days.add(str(row["study_day"]))
        if row["voids"] is not None:
            # The void's trigger took the answer off its own day's counts, once more
            # if another device had voided it too: that day is counted again.
            voided = conn.execute(
                "SELECT study_day FROM review_log WHERE uid = ?", (row["voids"],)
            ).fetchone()
            if voided is not None:
                days.add(str(voided[0]))
    done.answers = len(new_log)
    for deck_id in decks_changed:
        for r in conn.execute("SELECT id FROM card WHERE deck_id = ?", (deck_id,)):
            cards[int(r[0])] = None
    for card_id in cards:
        days |= _rederive(conn, card_id, day_starts, done)
    done.cards = len(cards)
    if days:
        _recount_days(conn, sorted(days))
    return done


def _known(
    conn: sqlite3.Connection,
    table: str,
    row: dict[str, Any],
    facts: Sequence[str],
    done: Applied,
) -> bool:
    """Whether this database holds the row already (then its facts must be the
    same); SegmentRefused for a uid with other content or a seq taken by another row."""
    columns = ", ".join(facts)
    have = (
        named(conn)
        .execute(
            f"SELECT {columns} FROM {table} WHERE uid = ? OR seq = ?", (row["uid"], row["seq"])
        )
        .fetchall()
    )
    if not have:
        return False
    mine = have[0]
    what = "answer" if table == "review_log" else "event"
    if len(have) > 1 or mine["uid"] != row["uid"]:
        raise SegmentRefused(f"{what} {row['uid']}: its seq {row['seq']} is another row's here")
    for name in facts:
        if mine[name] != row[name]:
            raise SegmentRefused(
                f"{what} {row['uid']}: this database holds it with another {name} "
                "(the same uid with different content)"
            )
    done.known += 1
    return True


def _card_id(conn: sqlite3.Connection, ref: str) -> int | None:
    deck_id, _, key = ref.partition("/")
    row = conn.execute(
        "SELECT id FROM card WHERE deck_id = ? AND key = ?", (deck_id, key)
    ).fetchone()
    return None if row is None else int(row[0])


def _apply_event_targets(
    conn: sqlite3.Connection,
    events: Sequence[dict[str, Any]],
    day_starts: DayStarts,
    now: str,
    done: Applied,
) -> list[str]:
    """Make what the new events describe (decks and cards first made elsewhere),
    then rebuild every target they touch from its events. Returns the decks whose
    scheduler changed (their cards are replayed)."""
    targets: dict[str, None] = dict.fromkeys(str(e["target"]) for e in events)
    for event in sorted(events, key=lambda e: int(e["seq"])):
        target, kind = str(event["target"]), str(event["kind"])
        if kind == "deck_create" and target.startswith(DECK_PREFIX):
            _create_deck(conn, target.removeprefix(DECK_PREFIX), str(event["value"]), now)
        elif kind == "card_add":
            _create_card(conn, target, str(event["value"]), day_starts, now)
    rescheduled: list[str] = []
    for target in targets:
        if target.startswith(DECK_PREFIX):
            deck_id = target.removeprefix(DECK_PREFIX)
            if conn.execute("SELECT 1 FROM deck WHERE id = ?", (deck_id,)).fetchone() is None:
                raise SegmentRefused(f"event on deck {deck_id}: no such deck here")
            rebuild_deck(conn, deck_id)
            if any(e["target"] == target and e["kind"] == "deck_scheduler" for e in events):
                rescheduled.append(deck_id)
        elif target.startswith("paper:"):
            _rebuild_paper(conn, target.removeprefix("paper:"))
        elif "/" in target:
            if _card_id(conn, target) is None:
                raise SegmentRefused(f"event on card {target}: no such card here")
            if any(e["target"] == target and e["kind"] in _CONTENT_KINDS for e in events):
                # As on the device that wrote it: the deck no longer matches its file,
                # the next import compares card by card (storage.authoring._forget_file).
                conn.execute(
                    "UPDATE deck SET content_hash = '', file_hash = '' WHERE id = ?",
                    (target.partition("/")[0],),
                )
            before = _content(conn, target)
            rebuild_card_columns(conn, target, now)
            after = _content(conn, target)
            mine = [e for e in events if e["target"] == target and e["kind"] == "card_edit"]
            if (
                mine
                and before is not None
                and after != CardContent.from_json(str(mine[-1]["value"]))
            ):
                done.edits_lost.append(target)
    return rescheduled


def _content(conn: sqlite3.Connection, ref: str) -> CardContent | None:
    deck_id, _, key = ref.partition("/")
    row = (
        named(conn)
        .execute(
            "SELECT front, back, tags, source FROM card WHERE deck_id = ? AND key = ?",
            (deck_id, key),
        )
        .fetchone()
    )
    return None if row is None else CardContent.of_row(row)


def _create_deck(conn: sqlite3.Connection, deck_id: str, value: str, now: str) -> None:
    if conn.execute("SELECT 1 FROM deck WHERE id = ?", (deck_id,)).fetchone() is not None:
        return
    try:
        title = str(json.loads(value).get("title") or deck_id)
    except (ValueError, AttributeError):
        title = deck_id
    position = conn.execute("SELECT COALESCE(MAX(position) + 1, 0) FROM deck").fetchone()[0]
    conn.execute(
        "INSERT INTO deck (id, title, description, paper_id, position, source, content_hash, "
        "file_hash, imported_at) VALUES (?, ?, '', NULL, ?, '', '', '', ?)",
        (deck_id, title, position, now),
    )


def _create_card(
    conn: sqlite3.Connection, ref: str, value: str, day_starts: DayStarts, now: str
) -> None:
    """A card added on another device, with the content of its card_add (its
    columns are then set from all its events)."""
    deck_id, _, key = ref.partition("/")
    if _card_id(conn, ref) is not None:
        return
    if conn.execute("SELECT 1 FROM deck WHERE id = ?", (deck_id,)).fetchone() is None:
        raise SegmentRefused(f"card {ref}: its deck {deck_id} is not here")
    try:
        content = CardContent.from_json(value)
        data = json.loads(value)
    except ValueError as exc:
        raise SegmentRefused(f"card {ref}: its fields cannot be read ({exc})") from exc
    note_key = str(data.get("note_key") or key)
    kind = str(data.get("kind") or "basic")
    cloze = data.get("cloze_number")
    cloze_number = cloze if isinstance(cloze, int) and not isinstance(cloze, bool) else None
    position = conn.execute(
        "SELECT COALESCE(MAX(position) + 1, 0) FROM card WHERE deck_id = ?", (deck_id,)
    ).fetchone()[0]
    row = {"key": key, "note_key": note_key, "kind": kind, "cloze_number": cloze_number}
    cursor = conn.execute(
        "INSERT INTO card (deck_id, key, note_key, kind, cloze_number, front, back, tags, "
        "source, position, content_hash, suspended, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)",
        (
            deck_id,
            key,
            note_key,
            kind,
            cloze_number,
            content.front,
            content.back,
            json.dumps(list(content.tags), ensure_ascii=False),
            content.source,
            position,
            content_hash(row, content),  # type: ignore[arg-type]
            now,
            now,
        ),
    )
    options, _ = deck_options_and_since(conn, deck_id)
    scheduler = build_scheduler(options, day_starts)
    initial = encode(scheduler, scheduler.initial_state())
    conn.execute(
        "INSERT INTO card_state (card_id, scheduler, repetitions, interval, due, lapses, state, "
        "due_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (cursor.lastrowid, scheduler.name, *initial.values(), initial.due_at),
    )


def _rebuild_paper(conn: sqlite3.Connection, slug: str) -> None:
    """A paper's status and note, and the dates its status changes set (started,
    read, changed at), as the replay of its events in seq order gives them: the
    same on every device, and what storage.papers.set_paper_status wrote on the
    device that made each change."""
    row = (
        named(conn)
        .execute(
            f"SELECT p.id AS id, {EXPECTED_NOTE} AS note FROM paper p WHERE p.slug = ?",
            (slug,),
        )
        .fetchone()
    )
    if row is None:
        raise SegmentRefused(f"event on paper {slug}: no such paper here")
    status, started, read_on, changed_at = "unread", None, None, None
    for event in named(conn).execute(
        "SELECT value, at, study_day FROM event WHERE target = ? AND kind = 'paper_status' "
        "ORDER BY seq",
        (f"paper:{slug}",),
    ):
        value = str(event["value"])
        if value == status:
            continue  # no change: set_paper_status writes nothing then
        if value == "unread":
            started = None
        elif started is None:
            started = str(event["study_day"])
        read_on = str(event["study_day"]) if value == "read" else None
        status = value
        changed_at = datetime.fromisoformat(str(event["at"])).isoformat(timespec="seconds")
    conn.execute(
        "UPDATE paper SET status = ?, note = ?, started_on = ?, read_on = ?, "
        "status_changed_at = COALESCE(?, status_changed_at) WHERE id = ?",
        (status, row["note"], started, read_on, changed_at, row["id"]),
    )


def _rederive(
    conn: sqlite3.Connection, card_id: int, day_starts: DayStarts, done: Applied
) -> set[str]:
    """Replay a card's whole log in seq order; store the state, and give each row
    written under the card's present settings the kind and states the replay gives
    it. Returns the study days of rows it changed."""
    card = (
        named(conn)
        .execute(
            "SELECT c.deck_id AS deck_id, c.deck_id || '/' || c.key AS ref FROM card c "
            "WHERE c.id = ?",
            (card_id,),
        )
        .fetchone()
    )
    options, since = deck_options_and_since(conn, str(card["deck_id"]))
    scheduler = build_scheduler(options, day_starts)
    rows = (
        named(conn)
        .execute(
            "SELECT seq, card_id, uid, answered_at, utc_offset_minutes, study_day, quality, "
            "kind, voids, scheduler, before_repetitions, before_interval, before_due, "
            "before_lapses, before_state, after_repetitions, after_interval, after_due, "
            "after_lapses, after_state FROM review_log WHERE card_id = ? ORDER BY seq",
            (card_id,),
        )
        .fetchall()
    )
    result = replay_card(scheduler, (_event(r) for r in rows), presorted=True)
    days: set[str] = set()
    for r in rows:
        step = result.steps.get(str(r["uid"]))
        if step is None or r["kind"] in ("import", "reset"):
            continue
        if not same_settings(str(r["scheduler"]), scheduler.name, str(r["answered_at"]), since):
            continue
        before, after = encode(scheduler, step.before), encode(scheduler, step.after)
        stored_before = tuple(r[f"before_{c}"] for c in _STATE_COLUMNS)
        stored_after = tuple(r[f"after_{c}"] for c in _STATE_COLUMNS)
        if (
            r["kind"] == step.kind
            and stored_before == tuple(before.values())
            and stored_after == tuple(after.values())
        ):
            continue
        # The day's done counts depend on the kind and on the state before (a new
        # card or a review): recount the day whichever changed.
        days.add(str(r["study_day"]))
        if r["kind"] != step.kind and step.kind == "drill":
            done.drills.append(f"{card['ref']} on {r['study_day']}")
        sets = ", ".join(
            [f"before_{c} = ?" for c in _STATE_COLUMNS] + [f"after_{c} = ?" for c in _STATE_COLUMNS]
        )
        conn.execute(
            f"UPDATE review_log SET kind = ?, {sets} WHERE seq = ?",
            (step.kind, *before.values(), *after.values(), r["seq"]),
        )
    write_state(conn, scheduler, card_id, result.state)
    return days


def _recount_days(conn: sqlite3.Connection, days: Iterable[str]) -> None:
    """The done counts of these study days counted again from the log (the triggers
    counted rows as they arrived; the replay may since have renamed some)."""
    wanted = json.dumps(list(days))
    in_days = "r.study_day IN (SELECT value FROM json_each(:days))"
    conn.execute(
        "DELETE FROM day_done WHERE study_day IN (SELECT value FROM json_each(:days))",
        {"days": wanted},
    )
    conn.execute(
        f"""
        INSERT INTO day_done (study_day, answers, reviews, new)
        SELECT r.study_day, COUNT(*),
          SUM(r.kind = 'review' AND r.before_due IS NOT NULL AND r.before_interval > 0),
          SUM(r.kind = 'review' AND r.before_due IS NULL)
        FROM review_log r WHERE {in_days} AND {LIVE_ANSWER} GROUP BY r.study_day
        """,
        {"days": wanted},
    )
    conn.execute(
        "DELETE FROM deck_day_done WHERE study_day IN (SELECT value FROM json_each(:days))",
        {"days": wanted},
    )
    conn.execute(
        f"""
        INSERT INTO deck_day_done (study_day, deck_id, reviews, new)
        SELECT r.study_day, c.deck_id,
          SUM(r.before_due IS NOT NULL AND r.before_interval > 0), SUM(r.before_due IS NULL)
        FROM review_log r JOIN card c ON c.id = r.card_id
        WHERE {in_days} AND r.kind = 'review' AND {LIVE_ANSWER}
          AND (r.before_due IS NULL OR r.before_interval > 0)
        GROUP BY r.study_day, c.deck_id
        """,
        {"days": wanted},
    )


# meta keys: the newest own rows already in a segment, and the next segment's number
SENT_LOG_KEY = "sync_sent_log_seq"
SENT_EVENT_KEY = "sync_sent_event_seq"
NEXT_SEGMENT_KEY = "sync_next_segment"
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
        with write_transaction(self.conn):
            ident, tag = ensure_device(self.conn)
            meta = dict(
                self.conn.execute(
                    "SELECT key, value FROM meta WHERE key IN (?, ?, ?, ?, ?)",
                    (
                        SENT_LOG_KEY,
                        SENT_EVENT_KEY,
                        NEXT_SEGMENT_KEY,
                        LAST_SYNC_KEY,
                        DEVICE_NAME_KEY,
                    ),
                ).fetchall()
            )
        return SyncMarks(
            ident,
            tag,
            str(meta.get(DEVICE_NAME_KEY) or "this machine"),
            int(meta.get(SENT_LOG_KEY) or 0),
            int(meta.get(SENT_EVENT_KEY) or 0),
            int(meta.get(NEXT_SEGMENT_KEY) or 1),
            None if meta.get(LAST_SYNC_KEY) is None else str(meta[LAST_SYNC_KEY]),
        )

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
                "INSERT OR IGNORE INTO sync_segment (device, number, sha256, rows, applied_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (device, number, sha256, rows, now),
            )

    def applied_segments(self, device: str) -> dict[int, str]:
        rows = self.conn.execute(
            "SELECT number, sha256 FROM sync_segment WHERE device = ?", (device,)
        ).fetchall()
        return {int(n): str(sha) for n, sha in rows}

    def apply_segment(
        self,
        device: str,
        tag: int,
        name: str,
        number: int,
        sha256: str,
        log: Sequence[dict[str, Any]],
        events: Sequence[dict[str, Any]],
    ) -> Applied:
        """Apply another device's segment and remember it, in one unit of work."""
        now = self._now_utc()
        try:
            return self._apply_segment(device, tag, name, number, sha256, log, events, now)
        except ValueError as exc:  # a value no studykb writes (a scheduler, a state)
            raise SegmentRefused(f"cannot be replayed: {str(exc)[:200]}") from exc

    def _apply_segment(
        self,
        device: str,
        tag: int,
        name: str,
        number: int,
        sha256: str,
        log: Sequence[dict[str, Any]],
        events: Sequence[dict[str, Any]],
        now: str,
    ) -> Applied:
        with write_transaction(self.conn):
            applied = apply_rows(self.conn, log, events, day_starts=self.day_starts(), now=now)
            self.conn.execute(
                "INSERT INTO sync_segment (device, number, sha256, rows, applied_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (device, number, sha256, len(log) + len(events), now),
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

    def note_device(self, device: str, tag: int, name: str) -> None:
        with write_transaction(self.conn):
            self.conn.execute(
                "INSERT INTO sync_device (device, tag, name, last_seen_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (device) DO UPDATE SET name = excluded.name, "
                "last_seen_at = excluded.last_seen_at",
                (device, tag, name, self._now_utc()),
            )

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
