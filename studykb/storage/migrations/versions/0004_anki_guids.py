"""The GUID a card's note has in the Anki collection it was imported from, so that
exporting it back updates that note instead of adding a copy.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("card") as batch:
        batch.add_column(sa.Column("guid", sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("card") as batch:
        batch.drop_column("guid")
