"""Initial schema: papers, decks, cards, SM-2 state and the review log.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "meta",
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("value", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "paper",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(), nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("authors", sa.String(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("url", sa.String(), nullable=False),
        sa.Column("url_key", sa.String(), nullable=False),
        sa.Column("worth_reading", sa.Integer(), nullable=True),
        sa.Column("section", sa.String(), nullable=False),
        sa.Column("description", sa.String(), nullable=False),
        sa.Column("after", sa.String(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("status_changed_at", sa.String(), nullable=True),
        sa.Column("started_on", sa.Date(), nullable=True),
        sa.Column("read_on", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("slug"),
    )
    op.create_index("ix_paper_url_key", "paper", ["url_key"])
    op.create_table(
        "deck",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("description", sa.String(), nullable=False),
        sa.Column("paper_id", sa.Integer(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("content_hash", sa.String(), nullable=False),
        sa.Column("imported_at", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(["paper_id"], ["paper.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "card",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("deck_id", sa.String(), nullable=False),
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("note_key", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("cloze_number", sa.Integer(), nullable=True),
        sa.Column("front", sa.Text(), nullable=False),
        sa.Column("back", sa.Text(), nullable=False),
        sa.Column("tags", sa.String(), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(), nullable=False),
        sa.Column("suspended", sa.Boolean(), nullable=False),
        sa.Column("retired_at", sa.String(), nullable=True),
        sa.Column("created_at", sa.String(), nullable=False),
        sa.Column("updated_at", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(["deck_id"], ["deck.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("deck_id", "key", name="uq_card_deck_key"),
    )
    op.create_table(
        "card_state",
        sa.Column("card_id", sa.Integer(), nullable=False),
        sa.Column("repetitions", sa.Integer(), nullable=False),
        sa.Column("easiness_x100", sa.Integer(), nullable=False),
        sa.Column("interval", sa.Integer(), nullable=False),
        sa.Column("due", sa.Date(), nullable=True),
        sa.Column("lapses", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["card_id"], ["card.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("card_id"),
    )
    op.create_index("ix_card_state_due", "card_state", ["due"])
    op.create_table(
        "review_log",
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(), nullable=False),
        sa.Column("card_id", sa.Integer(), nullable=False),
        sa.Column("answered_at", sa.String(), nullable=False),
        sa.Column("utc_offset_minutes", sa.Integer(), nullable=False),
        sa.Column("study_day", sa.Date(), nullable=False),
        sa.Column("quality", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("answer_ms", sa.Integer(), nullable=False),
        sa.Column("before_repetitions", sa.Integer(), nullable=False),
        sa.Column("before_easiness_x100", sa.Integer(), nullable=False),
        sa.Column("before_interval", sa.Integer(), nullable=False),
        sa.Column("before_due", sa.Date(), nullable=True),
        sa.Column("before_lapses", sa.Integer(), nullable=False),
        sa.Column("after_repetitions", sa.Integer(), nullable=False),
        sa.Column("after_easiness_x100", sa.Integer(), nullable=False),
        sa.Column("after_interval", sa.Integer(), nullable=False),
        sa.Column("after_due", sa.Date(), nullable=True),
        sa.Column("after_lapses", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["card_id"], ["card.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("seq"),
        sa.UniqueConstraint("uid"),
    )
    op.create_index("ix_review_log_card", "review_log", ["card_id", "seq"])
    op.create_index("ix_review_log_day", "review_log", ["study_day", "card_id"])


def downgrade() -> None:
    for table in ("review_log", "card_state", "card", "deck", "paper", "meta"):
        op.drop_table(table)
