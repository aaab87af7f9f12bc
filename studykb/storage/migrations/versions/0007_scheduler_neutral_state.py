"""A card's scheduling state no longer assumes SM-2: each state is its scheduler's
name plus the fields every scheduler shares (due day, interval, repetitions,
lapses) in columns, and the scheduler's own fields as JSON (``state``; for SM-2
the easiness). ``due_at`` holds a moment within the due day, for schedulers with
steps shorter than a day (FSRS). The log keeps the same split for the states
before and after each row, and names the scheduler its rating belongs to.

Every existing state is kept: SM-2's easiness moves into the JSON unchanged.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ALTER TABLE (SQLite 3.35+): a batch rebuild would re-create the log's
    # partial indexes from reflection, and the easiness columns are in no index.
    op.execute("ALTER TABLE card_state ADD COLUMN scheduler VARCHAR NOT NULL DEFAULT 'sm2'")
    op.execute("ALTER TABLE card_state ADD COLUMN state VARCHAR NOT NULL DEFAULT '{}'")
    op.execute("ALTER TABLE card_state ADD COLUMN due_at VARCHAR")
    op.execute("UPDATE card_state SET state = json_object('easiness_x100', easiness_x100)")
    op.execute("ALTER TABLE card_state DROP COLUMN easiness_x100")
    op.create_index(
        "ix_card_state_due_at",
        "card_state",
        ["due_at"],
        sqlite_where=sa.text("due_at IS NOT NULL"),
    )
    op.execute("ALTER TABLE review_log ADD COLUMN scheduler VARCHAR NOT NULL DEFAULT 'sm2'")
    op.execute("ALTER TABLE review_log ADD COLUMN before_state VARCHAR NOT NULL DEFAULT '{}'")
    op.execute("ALTER TABLE review_log ADD COLUMN after_state VARCHAR NOT NULL DEFAULT '{}'")
    op.execute(
        "UPDATE review_log SET "
        "before_state = json_object('easiness_x100', before_easiness_x100), "
        "after_state = json_object('easiness_x100', after_easiness_x100)"
    )
    op.execute("ALTER TABLE review_log DROP COLUMN before_easiness_x100")
    op.execute("ALTER TABLE review_log DROP COLUMN after_easiness_x100")


def downgrade() -> None:
    # Only SM-2 states can go back to SM-2 columns; anything else would be lost.
    other = op.get_bind().execute(
        sa.text("SELECT 1 FROM card_state WHERE scheduler != 'sm2' LIMIT 1")
    )
    if other.first() is not None:
        raise RuntimeError("cannot downgrade: some cards are scheduled by another scheduler")
    op.drop_index("ix_card_state_due_at", "card_state")
    op.execute("ALTER TABLE card_state ADD COLUMN easiness_x100 INTEGER NOT NULL DEFAULT 250")
    op.execute("UPDATE card_state SET easiness_x100 = json_extract(state, '$.easiness_x100')")
    for column in ("scheduler", "state", "due_at"):
        op.execute(f"ALTER TABLE card_state DROP COLUMN {column}")
    for side in ("before", "after"):
        op.execute(
            f"ALTER TABLE review_log ADD COLUMN {side}_easiness_x100 INTEGER NOT NULL DEFAULT 250"
        )
        op.execute(
            f"UPDATE review_log SET {side}_easiness_x100 = "
            f"json_extract({side}_state, '$.easiness_x100')"
        )
    for column in ("scheduler", "before_state", "after_state"):
        op.execute(f"ALTER TABLE review_log DROP COLUMN {column}")
