"""Authoring: cards written, fixed, flagged and retired where you study, every change
an event, and undo of any action.

- ``card.flagged``: the replay of the card's flag/unflag events (a partial index
  finds the few flagged cards).
- ``event.action``: the events written together as one action (an edit of a cloze
  note touches each of its cards; a leech tag belongs to the answer that made it)
  share the uid of the first, or of the answer; NULL: the event is its own action.
- ``event.after_answer``: the uid of the newest review_log row when the event was
  written (NULL: none yet), so that answers and events have one order and undo
  finds the last action of any kind even when their clocks agree to the millisecond.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN: the card table keeps its triggers (0008, 0009).
    op.add_column(
        "card", sa.Column("flagged", sa.Boolean(), nullable=False, server_default=sa.text("0"))
    )
    op.create_index("ix_card_flagged", "card", ["id"], sqlite_where=sa.text("flagged = 1"))
    op.add_column("event", sa.Column("action", sa.String(), nullable=True))
    op.add_column("event", sa.Column("after_answer", sa.String(), nullable=True))
    op.create_index(
        "ix_event_action", "event", ["action"], sqlite_where=sa.text("action IS NOT NULL")
    )


def downgrade() -> None:
    op.drop_index("ix_event_action", "event")
    op.drop_index("ix_card_flagged", "card")
    op.drop_column("event", "after_answer")
    op.drop_column("event", "action")
    op.drop_column("card", "flagged")
