"""Counts that cost nothing: ``due_histogram`` holds, per deck and due study day,
how many cards that are neither suspended nor retired are due then ('' for new
cards). Triggers keep it in step with every change of a card's due day, flags or
deck, in the same transaction as the change; `studykb due`, the home screen and
the review header then add up a few rows instead of visiting every due card.
`studykb check` compares it with a full recount, and `--repair` rebuilds it.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# Written here, not imported: a migration keeps the schema of its own time.
_ACTIVE = "c.retired_at IS NULL AND c.suspended = 0"


def _bump(deck: str, due: str, delta: int) -> str:
    return (
        "INSERT INTO due_histogram (deck_id, due, n) "
        f"VALUES ({deck}, COALESCE({due}, ''), {delta}) "
        f"ON CONFLICT (deck_id, due) DO UPDATE SET n = n + ({delta});"
    )


TRIGGERS = (
    # A card's state row arrives with the card (imports): count it if the card is shown.
    f"""
    CREATE TRIGGER due_histogram_state_insert AFTER INSERT ON card_state
    WHEN EXISTS (SELECT 1 FROM card c WHERE c.id = NEW.card_id AND {_ACTIVE})
    BEGIN
      {_bump("(SELECT deck_id FROM card WHERE id = NEW.card_id)", "NEW.due", 1)}
    END
    """,
    # An answer, undo, switch or repair moves the card from one due day to another.
    f"""
    CREATE TRIGGER due_histogram_state_due AFTER UPDATE OF due ON card_state
    WHEN OLD.due IS NOT NEW.due
     AND EXISTS (SELECT 1 FROM card c WHERE c.id = NEW.card_id AND {_ACTIVE})
    BEGIN
      {_bump("(SELECT deck_id FROM card WHERE id = OLD.card_id)", "OLD.due", -1)}
      {_bump("(SELECT deck_id FROM card WHERE id = NEW.card_id)", "NEW.due", 1)}
    END
    """,
    f"""
    CREATE TRIGGER due_histogram_state_delete AFTER DELETE ON card_state
    WHEN EXISTS (SELECT 1 FROM card c WHERE c.id = OLD.card_id AND {_ACTIVE})
    BEGIN
      {_bump("(SELECT deck_id FROM card WHERE id = OLD.card_id)", "OLD.due", -1)}
    END
    """,
    # Suspending, retiring or moving a card takes it out of one count, into another.
    """
    CREATE TRIGGER due_histogram_card_update
    AFTER UPDATE OF suspended, retired_at, deck_id ON card
    WHEN (OLD.retired_at IS NULL AND OLD.suspended = 0)
      OR (NEW.retired_at IS NULL AND NEW.suspended = 0)
    BEGIN
      INSERT INTO due_histogram (deck_id, due, n)
      SELECT OLD.deck_id, COALESCE(s.due, ''), -1 FROM card_state s
      WHERE s.card_id = OLD.id AND OLD.retired_at IS NULL AND OLD.suspended = 0
      ON CONFLICT (deck_id, due) DO UPDATE SET n = n - 1;
      INSERT INTO due_histogram (deck_id, due, n)
      SELECT NEW.deck_id, COALESCE(s.due, ''), 1 FROM card_state s
      WHERE s.card_id = NEW.id AND NEW.retired_at IS NULL AND NEW.suspended = 0
      ON CONFLICT (deck_id, due) DO UPDATE SET n = n + 1;
    END
    """,
    # A card deleted (its state goes with it, by cascade, after the card is gone).
    """
    CREATE TRIGGER due_histogram_card_delete BEFORE DELETE ON card
    WHEN OLD.retired_at IS NULL AND OLD.suspended = 0
    BEGIN
      INSERT INTO due_histogram (deck_id, due, n)
      SELECT OLD.deck_id, COALESCE(s.due, ''), -1 FROM card_state s WHERE s.card_id = OLD.id
      ON CONFLICT (deck_id, due) DO UPDATE SET n = n - 1;
    END
    """,
)

FILL = f"""
INSERT INTO due_histogram (deck_id, due, n)
SELECT c.deck_id, COALESCE(s.due, ''), COUNT(*) FROM card c JOIN card_state s ON s.card_id = c.id
WHERE {_ACTIVE} GROUP BY c.deck_id, COALESCE(s.due, '')
"""


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE due_histogram (
          deck_id VARCHAR NOT NULL,
          due VARCHAR NOT NULL,
          n INTEGER NOT NULL,
          PRIMARY KEY (deck_id, due)
        ) WITHOUT ROWID
        """
    )
    op.execute(FILL)
    for trigger in TRIGGERS:
        op.execute(trigger)
    # The few buried cards, found at once: the counts take them back out.
    op.execute("CREATE INDEX ix_card_buried ON card (buried_until) WHERE buried_until IS NOT NULL")


def downgrade() -> None:
    op.execute("DROP INDEX ix_card_buried")
    for name in (
        "due_histogram_state_insert",
        "due_histogram_state_due",
        "due_histogram_state_delete",
        "due_histogram_card_update",
        "due_histogram_card_delete",
    ):
        op.execute(f"DROP TRIGGER {name}")
    op.execute("DROP TABLE due_histogram")
