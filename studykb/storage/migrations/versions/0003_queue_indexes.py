"""Indexes that let the day's queue walk cards in order instead of sorting them all,
and let statistics read the review log's index alone; a hash of each deck's file,
so that re-importing an unchanged file needs no parsing.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("deck") as batch:
        batch.add_column(sa.Column("file_hash", sa.String(), nullable=False, server_default=""))
    op.drop_index("ix_card_state_due", table_name="card_state")
    op.create_index("ix_card_state_due", "card_state", ["due", "card_id"])
    op.create_index(
        "ix_card_state_new", "card_state", ["card_id"], sqlite_where=sa.text("due IS NULL")
    )
    op.drop_index("ix_review_log_day", table_name="review_log")
    op.create_index(
        "ix_review_log_day",
        "review_log",
        ["study_day", "card_id", "kind", "quality", "before_interval"],
    )


def downgrade() -> None:
    with op.batch_alter_table("deck") as batch:
        batch.drop_column("file_hash")
    op.drop_index("ix_review_log_day", table_name="review_log")
    op.create_index("ix_review_log_day", "review_log", ["study_day", "card_id"])
    op.drop_index("ix_card_state_new", table_name="card_state")
    op.drop_index("ix_card_state_due", table_name="card_state")
    op.create_index("ix_card_state_due", "card_state", ["due"])
