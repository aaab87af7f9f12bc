"""studykb's own JSON backup: everything, in a documented and versioned format.

Rows are written column by column as stored, with local row ids replaced by
stable references (a paper by its slug, a deck by its id, a card by
``deck-id/card-id``), so the file can be read without knowing studykb's ids and
restored into any empty database. See README.md ("JSON backup").
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from typing import Any

from studykb.errors import BadInputError
from studykb.storage.backup_check import ValidatedBackup, validate_backup
from studykb.storage.db import SCHEMA_HEAD, named, read_transaction, unit_of_work
from studykb.storage.events import seed_events
from studykb.storage.uids import (
    DEVICE_ID_KEY,
    DEVICE_NAME_KEY,
    DEVICE_TAG_KEY,
    device_tag,
    seqs_after,
)

FORMAT = "studykb-backup"
VERSION = 1

_DEVICE_KEYS = (DEVICE_ID_KEY, DEVICE_TAG_KEY, DEVICE_NAME_KEY)

# table -> columns left out of the rows (ids local to one database)
_LOCAL = {
    "paper": {"id"},
    "deck": {"paper_id"},
    "card": {"id", "deck_id"},
    "card_state": {"card_id"},
    "review_log": {"card_id"},
    "event": set(),
}


def _columns(conn: sqlite3.Connection, table: str) -> list[str]:
    info = named(conn).execute(f"PRAGMA table_info({table})")
    return [r["name"] for r in info if r["name"] not in _LOCAL[table]]


def export_backup(
    conn: sqlite3.Connection, settings: dict[str, Any], now: datetime
) -> dict[str, Any]:
    with read_transaction(conn):
        papers = _rows(conn, "paper", "SELECT {cols} FROM paper p ORDER BY p.id")
        decks = _rows(
            conn,
            "deck",
            "SELECT {cols}, (SELECT slug FROM paper WHERE id = deck.paper_id) AS paper "
            "FROM deck ORDER BY position, id",
        )
        state_cols = _columns(conn, "card_state")
        cards = _rows(
            conn,
            "card",
            "SELECT {cols}, c.deck_id AS deck, "
            + ", ".join(f"s.{c} AS state_{c}" for c in state_cols)
            + " FROM card c JOIN card_state s ON s.card_id = c.id ORDER BY c.id",
            prefix="c.",
        )
        for card in cards:
            card["state"] = {c: card.pop(f"state_{c}") for c in state_cols}
        log = _rows(
            conn,
            "review_log",
            "SELECT {cols}, c.deck_id || '/' || c.key AS card FROM review_log r "
            "JOIN card c ON c.id = r.card_id ORDER BY r.seq",
            prefix="r.",
        )
        events = _rows(conn, "event", "SELECT {cols} FROM event ORDER BY seq")
        meta = {k: v for k, v in conn.execute("SELECT key, value FROM meta ORDER BY key")}
    return {
        "format": FORMAT,
        "version": VERSION,
        "schema": SCHEMA_HEAD,
        "exported_at": now.isoformat(timespec="seconds"),
        "settings": settings,
        "meta": meta,
        "papers": papers,
        "decks": decks,
        "cards": cards,
        "review_log": log,
        "events": events,
    }


def _rows(conn: sqlite3.Connection, table: str, sql: str, prefix: str = "") -> list[dict[str, Any]]:
    cols = _columns(conn, table)
    cursor = conn.execute(sql.format(cols=", ".join(prefix + c for c in cols)))
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor]


def check_backup(data: Any) -> ValidatedBackup:
    """The backup, validated as strictly as a deck file (see backup_check)."""
    return validate_backup(data)


def import_backup(conn: sqlite3.Connection, raw: Any, *, dry_run: bool = False) -> dict[str, int]:
    """Restore a backup into a database with no decks and no history (all or nothing)."""
    data = raw if isinstance(raw, ValidatedBackup) else validate_backup(raw)
    if (
        conn.execute("SELECT 1 FROM deck LIMIT 1").fetchone()
        or conn.execute("SELECT 1 FROM review_log LIMIT 1").fetchone()
    ):
        raise BadInputError(
            [
                "a JSON backup is restored into an empty database: use --db NEW.db "
                "(or `studykb restore` for a database file)"
            ]
        )
    counts = {"papers": 0, "decks": 0, "cards": 0, "answers": 0, "events": 0}
    # Every column, the local ids included: validation already refused those in the rows.
    columns = {
        t: {r["name"] for r in named(conn).execute(f"PRAGMA table_info({t})")} for t in _LOCAL
    }
    try:
        with unit_of_work(conn, dry_run=dry_run):
            slug_to_id: dict[str, int] = {}
            for row in data["papers"]:
                slug_to_id[row["slug"]] = _insert(conn, columns, "paper", row)
                counts["papers"] += 1
            for row in data["decks"]:
                values = {k: v for k, v in row.items() if k != "paper"}
                paper = row.get("paper")
                values["paper_id"] = None if paper is None else slug_to_id[paper]
                _insert(conn, columns, "deck", values)
                counts["decks"] += 1
            ref_to_id: dict[str, int] = {}
            for row in data["cards"]:
                values = {k: v for k, v in row.items() if k not in ("deck", "state")}
                values["deck_id"] = row["deck"]
                cid = _insert(conn, columns, "card", values)
                _insert(conn, columns, "card_state", {**row["state"], "card_id": cid})
                ref_to_id[f"{row['deck']}/{row['key']}"] = cid
                counts["cards"] += 1
            _number(conn, data["review_log"])
            for row in data["review_log"]:
                values = {k: v for k, v in row.items() if k != "card"}
                values["card_id"] = ref_to_id[row["card"]]
                values["card_ref"] = row["card"]  # backups from before 0005 have none
                _insert(conn, columns, "review_log", values)
                counts["answers"] += 1
            if data.get("events") is None:
                # A backup from before events: they are made from the state, as 0006 does.
                counts["events"] = seed_events(conn, *_seed_moment(data.get("exported_at")))
            _number(conn, data.get("events") or [])
            for row in data.get("events") or ():
                _insert(conn, columns, "event", row)
                counts["events"] += 1
            for key, value in data.get("meta", {}).items():
                if key in _DEVICE_KEYS or key.startswith("sync_"):
                    continue  # the restored database is this machine's, not the backup's
                conn.execute(
                    "INSERT INTO meta(key, value) VALUES (?, ?) "
                    "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    (key, value),
                )
    except sqlite3.IntegrityError as exc:
        raise BadInputError([f"backup: inconsistent data ({exc})"]) from exc
    return counts


def _number(conn: sqlite3.Connection, rows: list[dict[str, Any]]) -> None:
    """Rows from a backup made before global seqs (schema 0013) get this device's
    next ones, in the backup's order; rows with theirs keep them."""
    missing = [row for row in rows if row.get("seq") is None]
    if not missing:
        return
    top = max((int(row["seq"]) for row in rows if row.get("seq") is not None), default=0)
    for row, seq in zip(missing, seqs_after(top, device_tag(conn), len(missing)), strict=True):
        row["seq"] = seq


def _seed_moment(exported_at: Any) -> tuple[str, int, str]:
    """When events made for an old backup happened: when it was exported, else now."""
    moment = datetime.now(UTC)
    if isinstance(exported_at, str) and exported_at:
        stamped = datetime.fromisoformat(exported_at)  # validated: ISO-8601
        if stamped.tzinfo is not None:
            moment = stamped
    offset = moment.utcoffset() or timedelta(0)
    try:
        utc = moment.astimezone(UTC)
    except OverflowError:  # a made-up date at the edge of the calendar (year 1 or 9999)
        moment, offset, utc = datetime.now(UTC), timedelta(0), datetime.now(UTC)
    return (
        utc.isoformat(timespec="milliseconds"),
        int(offset.total_seconds() // 60),
        moment.date().isoformat(),
    )


def _insert(
    conn: sqlite3.Connection, columns: dict[str, set[str]], table: str, row: dict[str, Any]
) -> int:
    """Insert one validated row; a field that is no column of this database is refused."""
    unknown = set(row) - columns[table]
    if unknown:
        raise BadInputError([f"{table}: unknown field(s) {', '.join(sorted(unknown))}"])
    names = list(row)
    cursor = conn.execute(
        f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)})",
        [int(v) if isinstance(v, bool) else v for v in row.values()],
    )
    assert cursor.lastrowid is not None
    return int(cursor.lastrowid)
