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
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, get_args

from studykb.core.reading import READING_STATUSES
from studykb.core.scheduling.options import build_scheduler
from studykb.core.scheduling.protocol import Scheduler
from studykb.core.scheduling.replay import replay_card, same_settings
from studykb.core.specs import CardSpec, DeckSpec, deck_from_json
from studykb.core.studyday import DayStarts
from studykb.errors import StudykbError
from studykb.storage.card_events import CardContent, rebuild_card_columns
from studykb.storage.counts import LIVE_ANSWER
from studykb.storage.db import named
from studykb.storage.events import EXPECTED_NOTE, EventKind
from studykb.storage.owned_events import DECK_PREFIX, rebuild_deck
from studykb.storage.schedulers import _event, deck_options_and_since, write_state
from studykb.storage.states import decode, encode, state_columns
from studykb.storage.uids import (
    TAG_MASK,
    device_tag,
)

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
# The facts of a row: equal on every machine that holds it (its kind and the states
# before and after are the replay's record, re-derived: see _rederive).
_LOG_FACTS = tuple(f for f in LOG_FIELDS if f != "kind" and not f.startswith(("before_", "after_")))
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
    link_paper: Callable[[DeckSpec], None] | None = None,
    unseen_after: int | None = None,
) -> Applied:
    """Apply another device's rows inside the caller's transaction (all or nothing:
    SegmentRefused leaves the caller to roll back)."""
    done = Applied()
    for event in events:
        if event["kind"] not in _EVENT_KINDS:
            raise SegmentRefused(f"event {event['uid']}: kind {str(event['kind'])[:40]!r} unknown")
        if event["kind"] == "paper_status" and event["value"] not in READING_STATUSES:
            raise SegmentRefused(f"event {event['uid']}: paper status {str(event['value'])[:40]!r}")
    held_events = _held(conn, "event", events)
    held_log = _held(conn, "review_log", log)
    new_events = [
        e
        for e in events
        if (e["uid"], e["seq"]) not in held_events
        or not _known(conn, "event", e, EVENT_FIELDS, done)
    ]
    new_log = [
        r
        for r in log
        if (r["uid"], r["seq"]) not in held_log
        or not _known(conn, "review_log", r, _LOG_FACTS, done)
    ]
    conn.executemany(
        f"INSERT INTO event ({', '.join(EVENT_FIELDS)}) "
        f"VALUES ({', '.join('?' for _ in EVENT_FIELDS)})",
        ([row[f] for f in EVENT_FIELDS] for row in new_events),
    )
    done.events = len(new_events)
    decks_changed = _apply_event_targets(
        conn, new_events, day_starts, now, done, link_paper, unseen_after
    )
    # card -> the seq after which its replay must run again (None: from the start)
    cards: dict[int, int | None] = {}
    days: set[str] = set()
    ids = _card_ids(conn, {str(r["card_ref"]) for r in new_log})
    ordered = sorted(new_log, key=lambda r: int(r["seq"]))
    # Each card's newest row before this apply (one statement for all of them).
    tops: dict[int, int | None] = {
        int(card): top
        for card, top in conn.execute(
            "SELECT j.value, (SELECT max(r.seq) FROM review_log r WHERE r.card_id = j.value) "
            "FROM json_each(?) j",
            (json.dumps(sorted(set(ids.values()))),),
        )
    }
    for row in ordered:
        card_id = ids.get(str(row["card_ref"]))
        if card_id is None:
            raise SegmentRefused(f"answer {row['uid']}: card {row['card_ref']} is not here")
        if card_id not in cards:
            top = tops.get(card_id)
            # Rows that all come after the card's own continue its replay; one that
            # lands between them, or an undo (it may name any row), replays it all.
            cards[card_id] = int(top or 0) if top is None or top < int(row["seq"]) else None
        if row["kind"] == "void":
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
    conn.executemany(
        f"INSERT INTO review_log (card_id, {', '.join(LOG_FIELDS)}) "
        f"VALUES (?, {', '.join('?' for _ in LOG_FIELDS)})",
        ([ids[str(r["card_ref"])], *(r[f] for f in LOG_FIELDS)] for r in ordered),
    )
    done.answers = len(new_log)
    for deck_id in decks_changed:
        for r in conn.execute("SELECT id FROM card WHERE deck_id = ?", (deck_id,)):
            cards[int(r[0])] = None
    decks: dict[str, tuple[Scheduler[Any], str | None]] = {}
    ahead = _read_ahead(conn, cards)
    for card_id, after in cards.items():
        days |= _rederive(
            conn, card_id, day_starts, done, after=after, decks=decks, ahead=ahead.get(card_id)
        )
    done.cards = len(cards)
    if days:
        _recount_days(conn, sorted(days))
    return done


def _held(
    conn: sqlite3.Connection, table: str, rows: Sequence[dict[str, Any]]
) -> set[tuple[object, object]]:
    """The (uid, seq) of each row whose uid or seq this database holds already, in
    two indexed queries however many rows (the others are new: nothing to compare)."""
    if not rows:
        return set()
    uids = json.dumps([r["uid"] for r in rows])
    seqs = json.dumps([r["seq"] for r in rows])
    found_uids = {
        str(u)
        for (u,) in conn.execute(
            f"SELECT uid FROM {table} WHERE uid IN (SELECT value FROM json_each(?))", (uids,)
        )
    }
    found_seqs = {
        int(q)
        for (q,) in conn.execute(
            f"SELECT seq FROM {table} WHERE seq IN (SELECT value FROM json_each(?))", (seqs,)
        )
    }
    return {(r["uid"], r["seq"]) for r in rows if r["uid"] in found_uids or r["seq"] in found_seqs}


def _card_ids(conn: sqlite3.Connection, refs: set[str]) -> dict[str, int]:
    """Each reference's card id (one query; references to no card are left out)."""
    pairs = json.dumps([ref.partition("/")[::2] for ref in refs])
    return {
        f"{deck}/{key}": int(card_id)
        for deck, key, card_id in conn.execute(
            "SELECT c.deck_id, c.key, c.id FROM json_each(?) j "
            "JOIN card c ON c.deck_id = j.value ->> 0 AND c.key = j.value ->> 1",
            (pairs,),
        )
    }


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
    link_paper: Callable[[DeckSpec], None] | None,
    unseen_after: int | None = None,
) -> list[str]:
    """Make what the new events describe (decks and cards first made elsewhere),
    then rebuild every target they touch from its events. Returns the decks whose
    scheduler changed (their cards are replayed)."""
    targets: dict[str, None] = dict.fromkeys(str(e["target"]) for e in events)
    # Decks first (made or imported), then the cards added to them: a device records
    # its decks at its first sync, after cards it had already added to them.
    first = ("deck_create", "deck_import")
    for event in sorted(events, key=lambda e: (e["kind"] not in first, int(e["seq"]))):
        target, kind = str(event["target"]), str(event["kind"])
        if kind == "deck_create" and target.startswith(DECK_PREFIX):
            _create_deck(conn, target.removeprefix(DECK_PREFIX), str(event["value"]), now)
        elif kind == "deck_import" and target.startswith(DECK_PREFIX):
            try:
                spec = deck_from_json(str(event["value"]))
            except ValueError as exc:
                raise SegmentRefused(f"deck import {event['uid']}: {exc}") from exc
            if spec.deck_id != target.removeprefix(DECK_PREFIX):
                raise SegmentRefused(f"deck import {event['uid']}: names deck {spec.deck_id!r}")
            _apply_deck_import(conn, spec, int(event["seq"]), day_starts, now, link_paper)
        elif kind == "paper_add" and target.startswith("paper:"):
            _create_paper(conn, target.removeprefix("paper:"), str(event["value"]))
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
            rebuild_card_columns(conn, target, now)
            theirs = [e for e in events if e["target"] == target and e["kind"] == "card_edit"]
            if theirs and _edited_here_unseen(conn, target, theirs, unseen_after):
                done.edits_lost.append(target)
    return rescheduled


def _apply_deck_import(
    conn: sqlite3.Connection,
    spec: DeckSpec,
    seq: int,
    day_starts: DayStarts,
    now: str,
    link_paper: Callable[[DeckSpec], None] | None,
) -> None:
    """Another device's deck import, applied without writing anything of this
    device's own (so that every device ends the same whatever it held): the deck and
    the cards this database lacks are made; a card with no content event of its own
    takes the content of the deck's newest import (by seq), as its file's. What was
    changed, retired or restored is not touched: those changes travel as events."""
    deck_id = spec.deck_id
    if conn.execute("SELECT 1 FROM deck WHERE id = ?", (deck_id,)).fetchone() is None:
        position = conn.execute("SELECT COALESCE(MAX(position) + 1, 0) FROM deck").fetchone()[0]
        conn.execute(
            "INSERT INTO deck (id, title, description, paper_id, position, source, "
            "content_hash, file_hash, imported_at) VALUES (?, ?, ?, NULL, ?, ?, '', '', ?)",
            (deck_id, spec.title, spec.description, position, spec.source, now),
        )
        if spec.paper is not None and link_paper is not None:
            link_paper(spec)
    newest = conn.execute(
        "SELECT max(seq) FROM event WHERE target = ? AND kind = 'deck_import'",
        (DECK_PREFIX + deck_id,),
    ).fetchone()[0]
    evented = {
        str(r[0]).partition("/")[2]
        for r in conn.execute(
            "SELECT DISTINCT target FROM event WHERE target >= ? AND target < ? "
            "AND kind IN ('card_add', 'card_edit', 'card_base')",
            (deck_id + "/", deck_id + "0"),
        )
    }
    have = {
        str(r["key"]): r
        for r in named(conn).execute(
            "SELECT id, key, front, back, tags, source FROM card WHERE deck_id = ?", (deck_id,)
        )
    }
    options, _ = deck_options_and_since(conn, deck_id)
    scheduler = build_scheduler(options, day_starts)
    position = _next_position(conn, deck_id)
    for card in spec.cards:
        found = have.get(card.key)
        if found is None:
            _insert_card(conn, deck_id, card, position, scheduler, now)
            position += 1
        elif card.key not in evented and seq == newest:
            content = CardContent(card.front, card.back, tuple(card.tags), card.source)
            if CardContent.of_row(found) != content:
                conn.execute(
                    "UPDATE card SET front = ?, back = ?, tags = ?, source = ?, "
                    "content_hash = ?, updated_at = ? WHERE id = ?",
                    (
                        card.front,
                        card.back,
                        json.dumps(list(card.tags), ensure_ascii=False),
                        card.source,
                        card.content_hash,
                        now,
                        found["id"],
                    ),
                )


def _edited_here_unseen(
    conn: sqlite3.Connection,
    target: str,
    theirs: Sequence[dict[str, Any]],
    unseen_after: int | None,
) -> bool:
    """Whether this device edited the card to other content than the incoming edits
    without the other device having seen it (its segment says which of ours it had
    applied: ``unseen_after``, the newest of our event seqs it knew; None: unknown)."""
    if unseen_after is None:
        return False
    incoming = {str(e["uid"]) for e in theirs}
    values = {CardContent.from_json(str(e["value"])) for e in theirs}
    tag = device_tag(conn)
    for uid, value in conn.execute(
        f"SELECT uid, value FROM event WHERE target = ? AND kind = 'card_edit' AND seq > ? "
        f"AND (seq & {TAG_MASK}) = ?",
        (target, unseen_after, tag),
    ):
        if str(uid) not in incoming and CardContent.from_json(str(value)) not in values:
            return True
    return False


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
    cloze = data.get("cloze_number")
    spec = CardSpec(
        key=key,
        note_key=str(data.get("note_key") or key),
        kind="cloze" if data.get("kind") == "cloze" else "basic",
        front=content.front,
        back=content.back,
        tags=content.tags,
        source=content.source,
        cloze_number=cloze if isinstance(cloze, int) and not isinstance(cloze, bool) else None,
    )
    options, _ = deck_options_and_since(conn, deck_id)
    scheduler = build_scheduler(options, day_starts)
    _insert_card(conn, deck_id, spec, _next_position(conn, deck_id), scheduler, now)


def _next_position(conn: sqlite3.Connection, deck_id: str) -> int:
    return int(
        conn.execute(
            "SELECT COALESCE(MAX(position) + 1, 0) FROM card WHERE deck_id = ?", (deck_id,)
        ).fetchone()[0]
    )


def _insert_card(
    conn: sqlite3.Connection,
    deck_id: str,
    card: CardSpec,
    position: int,
    scheduler: Scheduler[Any],
    now: str,
) -> None:
    """A card another device made (added by hand, or brought by a deck import), new
    to its scheduler."""
    cursor = conn.execute(
        "INSERT INTO card (deck_id, key, note_key, kind, cloze_number, front, back, "
        "tags, source, position, content_hash, suspended, created_at, updated_at, guid) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?)",
        (
            deck_id,
            card.key,
            card.note_key,
            card.kind,
            card.cloze_number,
            card.front,
            card.back,
            json.dumps(list(card.tags), ensure_ascii=False),
            card.source,
            position,
            card.content_hash,
            now,
            now,
            card.guid or None,
        ),
    )
    initial = encode(scheduler, scheduler.initial_state())
    conn.execute(
        "INSERT INTO card_state (card_id, scheduler, repetitions, interval, due, lapses, "
        "state, due_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (cursor.lastrowid, scheduler.name, *initial.values(), initial.due_at),
    )


def _create_paper(conn: sqlite3.Connection, slug: str, value: str) -> None:
    """A paper added by hand on another device (its paper_add)."""
    from studykb.core.urls import paper_key

    if conn.execute("SELECT 1 FROM paper WHERE slug = ?", (slug,)).fetchone() is not None:
        return
    try:
        data = json.loads(value)
        title, url = str(data["title"]), str(data["url"])
        worth = data.get("worth_reading")
    except (ValueError, KeyError, TypeError) as exc:
        raise SegmentRefused(f"paper {slug}: its fields cannot be read") from exc
    position = conn.execute("SELECT COALESCE(MAX(position) + 1, 0) FROM paper").fetchone()[0]
    conn.execute(
        "INSERT INTO paper (slug, title, authors, url, url_key, worth_reading, section, "
        "description, after, position, status, note) "
        "VALUES (?, ?, '[]', ?, ?, ?, '', '', '[]', ?, 'unread', '')",
        (slug, title, url, paper_key(url), worth if isinstance(worth, int) else None, position),
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
    conn: sqlite3.Connection,
    card_id: int,
    day_starts: DayStarts,
    done: Applied,
    *,
    after: int | None = None,
    decks: dict[str, tuple[Scheduler[Any], str | None]] | None = None,
    ahead: _ReadAhead | None = None,
) -> set[str]:
    """Replay a card's log in seq order; store the state, and give each row written
    under the card's present settings the kind and states the replay gives it.
    ``after``: the rows up to this seq are replayed already (the stored state and
    the day of the last answer are theirs): only the later ones are. Returns the
    study days of rows it changed."""
    card = (
        ahead.card
        if ahead is not None
        else named(conn).execute(f"{_CARD_STATE} WHERE c.id = ?", (card_id,)).fetchone()
    )
    deck_id = str(card["deck_id"])
    cached = None if decks is None else decks.get(deck_id)
    if cached is None:
        options, since = deck_options_and_since(conn, deck_id)
        cached = (build_scheduler(options, day_starts), since)
        if decks is not None:
            decks[deck_id] = cached
    scheduler, since = cached
    start = None
    if ahead is not None and after is not None and card["stored"] == scheduler.name:
        start = (decode(scheduler, card), ahead.last_day)
        rows = ahead.rows
    else:
        rows = (
            named(conn)
            .execute(
                f"SELECT {_ROW_COLUMNS} FROM review_log WHERE card_id = ? ORDER BY seq",
                (card_id,),
            )
            .fetchall()
        )
    result = replay_card(scheduler, (_event(r) for r in rows), presorted=True, start=start)
    days: set[str] = set()
    for r in rows:
        step = result.steps.get(str(r["uid"]))
        if step is None or r["kind"] in ("import", "reset"):
            continue
        if not same_settings(str(r["scheduler"]), scheduler.name, str(r["answered_at"]), since):
            continue
        before, after_state = encode(scheduler, step.before), encode(scheduler, step.after)
        stored_before = tuple(r[f"before_{c}"] for c in _STATE_COLUMNS)
        stored_after = tuple(r[f"after_{c}"] for c in _STATE_COLUMNS)
        if (
            r["kind"] == step.kind
            and stored_before == before.values()
            and stored_after == after_state.values()
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
            (step.kind, *before.values(), *after_state.values(), r["seq"]),
        )
    write_state(conn, scheduler, card_id, result.state)
    return days


_CARD_STATE = (
    "SELECT c.id AS id, c.deck_id AS deck_id, c.deck_id || '/' || c.key AS ref, "
    f"s.scheduler AS stored, {state_columns('s')} "
    "FROM card c JOIN card_state s ON s.card_id = c.id"
)
_ROW_COLUMNS = (
    "seq, card_id, uid, answered_at, utc_offset_minutes, study_day, quality, kind, voids, "
    "scheduler, before_repetitions, before_interval, before_due, before_lapses, before_state, "
    "after_repetitions, after_interval, after_due, after_lapses, after_state"
)
# A replay's memory at a row: the study day of the card's latest standing answer up to
# it, since its last standing reset (one statement for every card: :pairs [card, upto]).
_LAST_DAYS = f"""
SELECT j.value ->> 0 AS card, (
  SELECT max(r.study_day) FROM review_log r
  WHERE r.card_id = j.value ->> 0 AND r.seq <= j.value ->> 1 AND {LIVE_ANSWER}
    AND r.seq > COALESCE((SELECT max(x.seq) FROM review_log x WHERE x.card_id = j.value ->> 0
                          AND x.kind = 'reset' AND x.seq <= j.value ->> 1 AND x.uid NOT IN
                          (SELECT v.voids FROM review_log v WHERE v.voids = x.uid)), 0)
) AS last_day
FROM json_each(:pairs) j
"""


@dataclass
class _ReadAhead:
    """What _rederive reads of one card, read for every card of an apply at once."""

    card: sqlite3.Row
    rows: list[sqlite3.Row]
    last_day: date | None


def _read_ahead(conn: sqlite3.Connection, cards: dict[int, int | None]) -> dict[int, _ReadAhead]:
    """For the cards whose replay continues (``after`` known): their state, their
    rows after it and the day of their last answer, in three statements."""
    going_on = {card: after for card, after in cards.items() if after is not None}
    if not going_on:
        return {}
    pairs = json.dumps([[card, after] for card, after in going_on.items()])
    ids = json.dumps(list(going_on))
    states = {
        int(r["id"]): r
        for r in named(conn).execute(
            f"{_CARD_STATE} WHERE c.id IN (SELECT value FROM json_each(?))", (ids,)
        )
    }
    rows: dict[int, list[sqlite3.Row]] = {card: [] for card in going_on}
    for r in named(conn).execute(
        f"SELECT {', '.join('r.' + c.strip() for c in _ROW_COLUMNS.split(','))} "
        "FROM json_each(:pairs) j CROSS JOIN review_log r "
        "ON r.card_id = j.value ->> 0 AND r.seq > j.value ->> 1 ORDER BY r.card_id, r.seq",
        {"pairs": pairs},
    ):
        rows[int(r["card_id"])].append(r)
    days = {
        int(r["card"]): None if r["last_day"] is None else date.fromisoformat(str(r["last_day"]))
        for r in named(conn).execute(_LAST_DAYS, {"pairs": pairs})
    }
    return {
        card: _ReadAhead(states[card], rows[card], days.get(card))
        for card in going_on
        if card in states
    }


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
