"""A personal note per paper, the title a reading list gives it; cards buried until a later day.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("paper") as batch:
        batch.add_column(sa.Column("note", sa.String(), nullable=False, server_default=""))
        batch.add_column(sa.Column("list_title", sa.String(), nullable=True))
    with op.batch_alter_table("card") as batch:
        batch.add_column(sa.Column("buried_until", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("card") as batch:
        batch.drop_column("buried_until")
    with op.batch_alter_table("paper") as batch:
        batch.drop_column("list_title")
        batch.drop_column("note")
