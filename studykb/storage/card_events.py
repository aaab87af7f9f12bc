"""A card's columns as the replay of its events: suspended, buried, flagged, retired
and its content (front, back, tags, source).

Content events carry the card's fields as JSON: ``card_add`` (a card written
here), ``card_edit`` (a change you made, or one taken from a file with
``--theirs``: ``"by": "file"``) and ``card_base`` (the version a file gave, kept
before the first local change or when a file updates a card that has events; not
an action of yours, never undone). A card without content events has the content
its deck file gave: the events say nothing about it.

Any action can be taken back by ``undo`` events naming the events it wrote (the
log only grows); the replay leaves those out, so undoing is appending the undo
events and rebuilding the card from the replay (:func:`rebuild_card_columns`).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from studykb.core.specs import CardSpec
from studykb.core.studyday import Moment
from studykb.storage.db import named
from studykb.storage.events import ActionGroup, append_event
from studykb.storage.owned_events import rebuild_owned

CONTENT_KINDS = ("card_add", "card_edit", "card_base")
RETIRE_KINDS = ("card_add", "card_retire", "card_restore")
# What undo takes back (an answer too: a void row in review_log).
UNDOABLE_KINDS = (
    "suspend",
    "unsuspend",
    "bury",
    "flag",
    "unflag",
    "card_add",
    "card_edit",
    "card_retire",
    "card_restore",
    # decks and drafts (storage.owned_events); a purge is found to say it cannot be
    # undone (storage.authoring.undo_last)
    "deck_create",
    "deck_title",
    "deck_retire",
    "deck_unretire",
    "deck_purge",
    "draft_accept",
    "draft_drop",
)
# The value of a retire/restore event a file caused (an import), not you.
BY_FILE = "file"


@dataclass(frozen=True, slots=True)
class CardContent:
    front: str
    back: str
    tags: tuple[str, ...]
    source: str

    def to_json(self, by: str | None = None) -> str:
        data: dict[str, object] = {
            "front": self.front,
            "back": self.back,
            "tags": list(self.tags),
            "source": self.source,
        }
        if by is not None:
            data["by"] = by
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, value: str) -> CardContent:
        data = json.loads(value)
        if not isinstance(data, dict):
            raise ValueError("a card's fields are a JSON object")
        tags = data.get("tags", [])
        if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
            raise ValueError("tags: a list of strings")
        for name in ("front", "back", "source"):
            if not isinstance(data.get(name, ""), str):
                raise ValueError(f"{name}: text")
        return cls(
            str(data.get("front", "")),
            str(data.get("back", "")),
            tuple(tags),
            str(data.get("source", "")),
        )

    @classmethod
    def of_row(cls, row: sqlite3.Row) -> CardContent:
        return cls(
            str(row["front"]),
            str(row["back"]),
            tuple(json.loads(row["tags"])),
            str(row["source"]),
        )

    @classmethod
    def of_spec(cls, spec: CardSpec) -> CardContent:
        return cls(spec.front, spec.back, tuple(spec.tags), spec.source)


def content_by(value: str) -> str:
    """Who wrote a content event's fields: "you", "file" or "leech"."""
    try:
        data = json.loads(value)
    except ValueError:
        return "you"
    return str(data.get("by", "you")) if isinstance(data, dict) else "you"


@dataclass(frozen=True, slots=True)
class CardReplay:
    """What a card's events say its columns are; None where they say nothing."""

    suspended: bool
    buried_until: str | None
    flagged: bool
    retired: bool | None
    content: CardContent | None
    local: bool  # the content is a version of yours (added or edited here)
    retired_here: bool  # retired by you (an import does not bring it back)


@dataclass(frozen=True, slots=True)
class EventRow:
    uid: str
    kind: str
    value: str


def replay(events: Sequence[EventRow]) -> CardReplay:
    """The replay of one card's events (oldest first), undone ones left out."""
    undone = {e.value for e in events if e.kind == "undo"}
    live = [e for e in events if e.kind != "undo" and e.uid not in undone]
    suspended = buried = flagged = None
    content: EventRow | None = None
    retire: EventRow | None = None
    for e in live:
        if e.kind in ("suspend", "unsuspend"):
            suspended = e
        elif e.kind == "bury":
            buried = e
        elif e.kind in ("flag", "unflag"):
            flagged = e
        if e.kind in CONTENT_KINDS:
            content = e
        if e.kind in RETIRE_KINDS:
            retire = e
    retired: bool | None
    if retire is not None:
        retired = retire.kind == "card_retire"
    else:
        # Every one undone: the card is as it was before the first (a card added here
        # whose adding was undone is hidden, its history kept).
        first = next((e for e in events if e.kind in RETIRE_KINDS), None)
        retired = None if first is None else first.kind != "card_retire"
    fields = None
    if content is not None:
        try:
            fields = CardContent.from_json(content.value)
        except ValueError:
            fields = None
    return CardReplay(
        suspended=suspended is not None and suspended.kind == "suspend",
        buried_until=None if buried is None else buried.value,
        flagged=flagged is not None and flagged.kind == "flag",
        retired=retired,
        content=fields,
        local=content is not None
        and (
            content.kind == "card_add"
            or (content.kind == "card_edit" and content_by(content.value) != BY_FILE)
        ),
        retired_here=retire is not None
        and retire.kind == "card_retire"
        and retire.value != BY_FILE,
    )


# A deck retirement (or return) recorded before its cards got their own events: a
# deck_retire / deck_unretire with no event of its action. Its keys' cards read it as a
# card_retire / card_restore of theirs (and an undo of it as theirs), so that such a
# database replays and checks as it did.
_LEGACY_DECK_EVENTS = """
SELECT d.seq AS seq, d.uid AS uid,
       CASE d.kind WHEN 'deck_retire' THEN 'card_retire' ELSE 'card_restore' END AS kind,
       '' AS value, substr(d.target, 6) || '/' || j.value AS target
FROM event d, json_each(CASE WHEN json_valid(d.value) THEN d.value ELSE '[]' END) j
WHERE d.kind IN ('deck_retire', 'deck_unretire') AND d.target LIKE 'deck:%' {deck}
  AND NOT EXISTS (SELECT 1 FROM event c WHERE c.action = d.uid)
UNION ALL
SELECT u.seq, u.uid, 'undo', u.value, substr(d.target, 6) || '/' || j.value
FROM event d JOIN event u ON u.target = d.target AND u.kind = 'undo' AND u.value = d.uid,
     json_each(CASE WHEN json_valid(d.value) THEN d.value ELSE '[]' END) j
WHERE d.kind IN ('deck_retire', 'deck_unretire') AND d.target LIKE 'deck:%' {deck}
  AND NOT EXISTS (SELECT 1 FROM event c WHERE c.action = d.uid)
"""


def card_events(conn: sqlite3.Connection, target: str) -> list[EventRow]:
    deck_id = target.partition("/")[0]
    legacy = _LEGACY_DECK_EVENTS.format(deck="AND d.target = :deck")
    rows = named(conn).execute(
        "SELECT seq, uid, kind, value FROM ("
        "SELECT seq, uid, kind, value, target FROM event WHERE target = :target "
        f"UNION ALL SELECT * FROM ({legacy})) WHERE target = :target ORDER BY seq",
        {"target": target, "deck": "deck:" + deck_id},
    )
    return [EventRow(str(r["uid"]), str(r["kind"]), str(r["value"])) for r in rows]


def events_by_target(conn: sqlite3.Connection) -> dict[str, list[EventRow]]:
    """Every card's events, oldest first (for the check)."""
    found: dict[str, list[EventRow]] = {}
    legacy = _LEGACY_DECK_EVENTS.format(deck="")
    for r in named(conn).execute(
        "SELECT seq, uid, kind, value, target FROM event "
        "WHERE target NOT LIKE 'paper:%' AND target NOT LIKE 'deck:%' "
        f"AND target NOT LIKE 'draft:%' UNION ALL SELECT * FROM ({legacy}) ORDER BY seq"
    ):
        found.setdefault(str(r["target"]), []).append(
            EventRow(str(r["uid"]), str(r["kind"]), str(r["value"]))
        )
    return found


def has_content_events(conn: sqlite3.Connection, target: str) -> bool:
    return (
        conn.execute(
            "SELECT 1 FROM event WHERE target = ? AND kind IN ('card_add', 'card_edit', "
            "'card_base') LIMIT 1",
            (target,),
        ).fetchone()
        is not None
    )


def card_spec(row: sqlite3.Row, content: CardContent, *, guid: str = "") -> CardSpec:
    """A card (its row's key, note key, kind and cloze number) with this content, as
    an import would bring it."""
    return CardSpec(
        key=str(row["key"]),
        note_key=str(row["note_key"]),
        kind="cloze" if row["kind"] == "cloze" else "basic",
        front=content.front,
        back=content.back,
        tags=content.tags,
        source=content.source,
        cloze_number=row["cloze_number"],
        guid=guid,
    )


def content_hash(row: sqlite3.Row, content: CardContent) -> str:
    """The hash an import compares (core.specs.CardSpec), of a card with this content."""
    return card_spec(row, content).content_hash


def set_content(conn: sqlite3.Connection, card_id: int, content: CardContent, now: str) -> None:
    row = (
        named(conn)
        .execute("SELECT key, note_key, kind, cloze_number FROM card WHERE id = ?", (card_id,))
        .fetchone()
    )
    conn.execute(
        "UPDATE card SET front = ?, back = ?, tags = ?, source = ?, content_hash = ?, "
        "updated_at = ? WHERE id = ?",
        (
            content.front,
            content.back,
            json.dumps(list(content.tags), ensure_ascii=False),
            content.source,
            content_hash(row, content),
            now,
            card_id,
        ),
    )


def rebuild_card_columns(conn: sqlite3.Connection, target: str, now: str) -> None:
    """Set a card's columns to the replay of its events (after an undo)."""
    deck_id, _, key = target.partition("/")
    row = (
        named(conn)
        .execute(
            "SELECT id, front, back, tags, source, retired_at FROM card "
            "WHERE deck_id = ? AND key = ?",
            (deck_id, key),
        )
        .fetchone()
    )
    if row is None:
        return
    card_id = int(row["id"])
    state = replay(card_events(conn, target))
    conn.execute(
        "UPDATE card SET suspended = ?, buried_until = ?, flagged = ? WHERE id = ?",
        (int(state.suspended), state.buried_until, int(state.flagged), card_id),
    )
    if state.retired is not None and state.retired != (row["retired_at"] is not None):
        conn.execute(
            "UPDATE card SET retired_at = ?, updated_at = ? WHERE id = ?",
            (now if state.retired else None, now, card_id),
        )
    if state.content is not None and state.content != CardContent.of_row(row):
        set_content(conn, card_id, state.content, now)


def undo_events(
    conn: sqlite3.Connection, moment: Moment, events: Iterable[tuple[str, str]], now: str
) -> list[str]:
    """Take back events (uid, target), one undo event each, written as one action,
    and rebuild their cards; returns the targets touched."""
    group = ActionGroup()
    targets: dict[str, None] = {}  # in order, each once (a deck's retirement: thousands)
    for uid, target in events:
        group.append(conn, moment, "undo", target, uid)
        targets.setdefault(target)
    for target in targets:
        if not rebuild_owned(conn, target):
            rebuild_card_columns(conn, target, now)
    return list(targets)


def undo_answer_events(conn: sqlite3.Connection, moment: Moment, answer_uid: str, now: str) -> None:
    """Take back the events an answer wrote with it (a leech tag, its suspension)."""
    rows = named(conn).execute(
        "SELECT e.uid AS uid, e.target AS target FROM event e WHERE e.action = ? "
        "AND NOT EXISTS (SELECT 1 FROM event u WHERE u.target = e.target AND u.kind = 'undo' "
        "AND u.value = e.uid) ORDER BY e.seq",
        (answer_uid,),
    )
    found = [(str(r["uid"]), str(r["target"])) for r in rows]
    if found:
        undo_events(conn, moment, found, now)


def append_content(
    conn: sqlite3.Connection,
    moment: Moment,
    group: ActionGroup,
    kind: str,
    target: str,
    content: CardContent,
    by: str | None = None,
    *,
    spec: CardSpec | None = None,
) -> None:
    if kind == "card_add":
        value = content.to_json()
        if spec is not None:
            # What else another device needs to make the card (storage.sync).
            shape: dict[str, object] = {"note_key": spec.note_key, "kind": spec.kind}
            if spec.cloze_number is not None:
                shape["cloze_number"] = spec.cloze_number
            value = json.dumps(
                {**json.loads(value), **shape}, ensure_ascii=False, separators=(",", ":")
            )
        group.append(conn, moment, "card_add", target, value)
    else:
        group.append(conn, moment, "card_edit", target, content.to_json(by))


def keep_base(conn: sqlite3.Connection, moment: Moment, target: str, current: CardContent) -> None:
    """Before a card's first content event: the version its file gave, so that
    undoing the change brings it back (not an action; never undone)."""
    if not has_content_events(conn, target):
        append_event(conn, moment, "card_base", target, current.to_json(BY_FILE))
