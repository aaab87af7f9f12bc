"""Drafts and decks you own (issue 12 items 3-5): table ``draft`` holds cards drafted
from a paper's LaTeX source until the user accepts or drops them (they never enter
the review queue), and ``deck.retired_at`` marks a deck retired by `studykb
retire-deck` (its cards retired with it, history kept; the deck_* events say why).

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE deck ADD COLUMN retired_at VARCHAR")
    op.create_table(
        "draft",
        sa.Column("id", sa.Integer(), primary_key=True, nullable=False),
        sa.Column(
            "paper_id", sa.Integer(), sa.ForeignKey("paper.id", ondelete="SET NULL"), nullable=True
        ),
        sa.Column(
            "deck_id", sa.String(), sa.ForeignKey("deck.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("front", sa.Text(), nullable=False),
        sa.Column("back", sa.Text(), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("origin", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("card_ref", sa.String(), nullable=False),
        sa.Column("created_at", sa.String(), nullable=False),
        sa.Column("decided_at", sa.String(), nullable=True),
    )
    op.create_index("ix_draft_status", "draft", ["status", "id"])


def downgrade() -> None:
    op.drop_index("ix_draft_status", table_name="draft")
    op.drop_table("draft")
    op.execute("ALTER TABLE deck DROP COLUMN retired_at")
