"""The log only grows: undo becomes a 'void' row naming the answer it takes back,
and every row names its card by a stable reference (deck-id/card-id).

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("review_log") as batch:
        batch.add_column(sa.Column("card_ref", sa.String(), nullable=False, server_default=""))
        batch.add_column(sa.Column("voids", sa.String(), nullable=True))
    op.execute(
        "UPDATE review_log SET card_ref = "
        "(SELECT c.deck_id || '/' || c.key FROM card c WHERE c.id = review_log.card_id)"
    )
    op.create_index(
        "ix_review_log_voids",
        "review_log",
        ["voids"],
        sqlite_where=sa.text("voids IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_review_log_voids", "review_log")
    with op.batch_alter_table("review_log") as batch:
        batch.drop_column("voids")
        batch.drop_column("card_ref")
