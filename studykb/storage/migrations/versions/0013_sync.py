"""Sync (issue 14): every database is a device (an id and a tag in ``meta``), every
log row and event gets a seq that is the same on every machine (storage.uids: a
hybrid logical clock with the device tag in its low bits), and two tables remember
the segment files applied or written (``sync_segment``) and the devices seen
(``sync_device``).

The rows already written keep their order: their old seq becomes the clock part.

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import secrets
import socket

from alembic import op
from sqlalchemy import text

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

TAG_BITS = 21  # written here, not imported: a migration keeps the schema of its own time


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE sync_segment (
          device VARCHAR NOT NULL,
          number INTEGER NOT NULL,
          sha256 VARCHAR NOT NULL,
          rows INTEGER NOT NULL,
          bytes INTEGER NOT NULL DEFAULT 0,
          applied_at VARCHAR NOT NULL,
          top_event_seq INTEGER NOT NULL DEFAULT 0,
          PRIMARY KEY (device, number)
        )
        """
    )
    op.execute(
        """
        CREATE TABLE sync_device (
          device VARCHAR NOT NULL,
          tag INTEGER NOT NULL,
          name VARCHAR NOT NULL,
          last_event_at VARCHAR,
          last_seen_at VARCHAR,
          PRIMARY KEY (device)
        )
        """
    )
    bind = op.get_bind()
    rows = bind.execute(
        text("SELECT EXISTS (SELECT 1 FROM review_log) OR EXISTS (SELECT 1 FROM event)")
    ).scalar()
    if not rows:
        return  # nothing to number: the device is made with the first row (storage.uids)
    found = {
        r[0]: r[1]
        for r in bind.execute(
            text("SELECT key, value FROM meta WHERE key IN ('device_id', 'device_tag')")
        )
    }
    tag = int(found.get("device_tag") or 1 + secrets.randbelow((1 << TAG_BITS) - 1))
    ident = found.get("device_id") or secrets.token_hex(16)
    for key, value in (
        ("device_id", ident),
        ("device_tag", str(tag)),
        ("device_name", socket.gethostname() or "this machine"),
    ):
        bind.execute(
            text(
                "INSERT INTO meta (key, value) VALUES (:k, :v) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value"
            ),
            {"k": key, "v": value},
        )
    for table in ("review_log", "event"):
        # Two steps so that no new seq meets an old one on the way.
        op.execute(f"UPDATE {table} SET seq = -seq WHERE seq > 0")
        op.execute(f"UPDATE {table} SET seq = ((-seq) << {TAG_BITS}) | {tag} WHERE seq < 0")


def downgrade() -> None:
    op.execute("DROP TABLE sync_device")
    op.execute("DROP TABLE sync_segment")
