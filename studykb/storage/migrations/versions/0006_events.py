"""Events: suspend, unsuspend, bury and a paper's status or note are recorded in a
log that only grows (table ``event``), seeded with the state found, so that the
state is the replay of the events from the start.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# Written here, not imported: a migration keeps the schema of its own time.
_SEEDS = (
    ("suspend", "deck_id || '/' || key", "''", "card WHERE suspended = 1"),
    ("bury", "deck_id || '/' || key", "buried_until", "card WHERE buried_until IS NOT NULL"),
    ("paper_status", "'paper:' || slug", "status", "paper WHERE status != 'unread'"),
    ("paper_note", "'paper:' || slug", "note", "paper WHERE note != ''"),
)


def upgrade() -> None:
    op.create_table(
        "event",
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(), nullable=False),
        sa.Column("at", sa.String(), nullable=False),
        sa.Column("utc_offset_minutes", sa.Integer(), nullable=False),
        sa.Column("study_day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("target", sa.String(), nullable=False),
        sa.Column("value", sa.String(), nullable=False, server_default=""),
        sa.PrimaryKeyConstraint("seq"),
        sa.UniqueConstraint("uid"),
    )
    op.create_index("ix_event_target", "event", ["target", "seq"])
    # One event per piece of state found, dated now (UTC): the state as of the upgrade.
    for kind, target, value, source in _SEEDS:
        op.execute(
            "INSERT INTO event (uid, at, utc_offset_minutes, study_day, kind, target, value) "
            "SELECT lower(hex(randomblob(16))), "
            "strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now'), 0, date('now'), "
            f"'{kind}', {target}, {value} FROM {source} ORDER BY id"
        )


def downgrade() -> None:
    op.drop_index("ix_event_target", "event")
    op.drop_table("event")
