"""Global ids and global order for log rows and events.

Every row of ``review_log`` and ``event`` has a uid (which row it is, on every
machine) and a ``seq`` (where it stands in the log). For sync (issue 14) the seq is
the same on every machine too: a hybrid logical clock with the writing device in
its low bits::

    seq = milliseconds << TAG_BITS | device tag

A device's next row takes the later of its own clock and one past the newest row
it knows, so its rows keep their order of writing (a clock set back changes
nothing), an undo always follows what it takes back, and rows of different
devices never share a seq. Every replay in studykb reads rows ``ORDER BY seq``:
two databases that hold the same rows therefore replay them in the same order,
whichever machine wrote them and whenever they arrived.

Rows written before this scheme (migration 0013 renumbers them) keep their old
order in the milliseconds part: they all come before any row written since.
"""

from __future__ import annotations

import os
import sqlite3

from studykb.core.studyday import Moment

TAG_BITS = 21
TAG_MASK = (1 << TAG_BITS) - 1
DEVICE_ID_KEY = "device_id"
DEVICE_TAG_KEY = "device_tag"
DEVICE_NAME_KEY = "device_name"
# Set by the first sync (storage.sync): from then on imports are recorded as events.
NEXT_SEGMENT_KEY = "sync_next_segment"

# The next seq of a table, for a row written at :ms by the device whose tag meta
# holds (NULL when this database has no device yet: ensure_device first).
_NEXT_SEQ = """
SELECT CASE WHEN (:ms << {bits} | t.tag) > m.top THEN (:ms << {bits} | t.tag)
            ELSE (((m.top >> {bits}) + 1) << {bits} | t.tag) END AS seq
FROM (SELECT CAST(value AS INTEGER) AS tag FROM meta WHERE key = '{key}') t,
     (SELECT COALESCE(max(seq), 0) AS top FROM {table}) m
"""
_NEXT = {
    table: _NEXT_SEQ.format(bits=TAG_BITS, key=DEVICE_TAG_KEY, table=table)
    for table in ("review_log", "event")
}


def _new_uid(ms: int) -> str:
    """A globally unique id for a log row or event (logs of two databases can be
    merged): 32 hex digits, the row's UTC milliseconds then 80 random bits. Led by
    the time, a new uid lands at the end of the unique index (one page written per
    row, as for the log itself) where a random one landed on any of its pages."""
    return f"{ms & 0xFFFFFFFFFFFF:012x}{os.urandom(10).hex()}"


def next_seq(conn: sqlite3.Connection, table: str, ms: int) -> int:
    """The seq of a row of ``table`` ('review_log' or 'event') written now (``ms``:
    its UTC time in milliseconds), inside the caller's write transaction."""
    row = conn.execute(_NEXT[table], {"ms": ms}).fetchone()
    if row is None:
        ensure_device(conn)
        row = conn.execute(_NEXT[table], {"ms": ms}).fetchone()
    return int(row[0])


def seqs_after(top: int, tag: int, count: int) -> list[int]:
    """``count`` seqs of one device following ``top`` (bulk writes: a backup's log)."""
    first = ((top >> TAG_BITS) + 1) << TAG_BITS | tag
    return [first + (i << TAG_BITS) for i in range(count)]


def device_tag(conn: sqlite3.Connection) -> int:
    """This database's device tag (made on first use)."""
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (DEVICE_TAG_KEY,)).fetchone()
    if row is None:
        return ensure_device(conn)[1]
    return int(row[0])


def device_id(conn: sqlite3.Connection) -> str:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (DEVICE_ID_KEY,)).fetchone()
    if row is None:
        return ensure_device(conn)[0]
    return str(row[0])


def ensure_device(conn: sqlite3.Connection) -> tuple[str, int]:
    """This database's device id and tag, made (random) the first time, inside the
    caller's write transaction. A database is one device: a copy of the file is a
    copy of the device (the README says not to sync the live file)."""
    import secrets
    import socket

    found = dict(
        conn.execute(
            "SELECT key, value FROM meta WHERE key IN (?, ?)", (DEVICE_ID_KEY, DEVICE_TAG_KEY)
        ).fetchall()
    )
    if DEVICE_ID_KEY in found and DEVICE_TAG_KEY in found:
        return str(found[DEVICE_ID_KEY]), int(found[DEVICE_TAG_KEY])
    ident = secrets.token_hex(16)
    tag = 1 + secrets.randbelow(TAG_MASK)  # never 0: no row of a device has tag 0
    for key, value in (
        (DEVICE_ID_KEY, ident),
        (DEVICE_TAG_KEY, str(tag)),
        (DEVICE_NAME_KEY, socket.gethostname() or "this machine"),
    ):
        conn.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )
    return ident, tag


def renumber(conn: sqlite3.Connection, table: str, tag: int) -> None:
    """Give rows written before global seqs one (their order kept): the old seq
    becomes the milliseconds part, so they come before every later row."""
    # Two steps so that no new seq meets an old one on the way.
    conn.execute(f"UPDATE {table} SET seq = -seq WHERE seq > 0")
    conn.execute(f"UPDATE {table} SET seq = ((-seq) << {TAG_BITS}) | ? WHERE seq < 0", (tag,))


def moment_ms(moment: Moment) -> int:
    """A moment's UTC time in whole milliseconds (the clock part of a seq)."""
    return int(moment.utc.timestamp() * 1000)


def has_synced(conn: sqlite3.Connection) -> bool:
    return (
        conn.execute("SELECT 1 FROM meta WHERE key = ?", (NEXT_SEGMENT_KEY,)).fetchone() is not None
    )
