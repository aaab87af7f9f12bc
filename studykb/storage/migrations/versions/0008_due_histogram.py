"""Counts that cost nothing: ``due_histogram`` holds, per due study day and deck,
how many cards that are neither suspended nor retired are due then ('' for new
cards); ``day_done`` holds, per study day, the answers given (the heatmap) and the
reviews and new cards among them (the daily limits' "done so far"), undos taken
off. Triggers keep both in step with every change of a card's due day, flags or
deck and every answer and undo, in the same transaction as the change; `studykb
due`, the home screen, the review header and the statistics then add up a few rows
instead of visiting every due card or answer.
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
        "INSERT INTO due_histogram (due, deck_id, n) "
        f"VALUES (COALESCE({due}, ''), {deck}, {delta}) "
        f"ON CONFLICT (due, deck_id) DO UPDATE SET n = n + ({delta});"
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
      ON CONFLICT (due, deck_id) DO UPDATE SET n = n - 1;
      INSERT INTO due_histogram (deck_id, due, n)
      SELECT NEW.deck_id, COALESCE(s.due, ''), 1 FROM card_state s
      WHERE s.card_id = NEW.id AND NEW.retired_at IS NULL AND NEW.suspended = 0
      ON CONFLICT (due, deck_id) DO UPDATE SET n = n + 1;
    END
    """,
    # A card deleted (its state goes with it, by cascade, after the card is gone).
    """
    CREATE TRIGGER due_histogram_card_delete BEFORE DELETE ON card
    WHEN OLD.retired_at IS NULL AND OLD.suspended = 0
    BEGIN
      INSERT INTO due_histogram (deck_id, due, n)
      SELECT OLD.deck_id, COALESCE(s.due, ''), -1 FROM card_state s WHERE s.card_id = OLD.id
      ON CONFLICT (due, deck_id) DO UPDATE SET n = n - 1;
    END
    """,
)


# A review counts against the day's limits as a review (the card was due: interval
# above 0 before it; FSRS's steps within a day have 0) or as a new card (never due).
def _review(row: str) -> str:
    return f"({row}.before_due IS NOT NULL AND {row}.before_interval > 0)"


def _new(row: str) -> str:
    return f"({row}.before_due IS NULL)"


DAY_TRIGGERS = (
    # Every answer (a review or a same-day drill) counts for the heatmap; a review
    # counts against the day's limits too.
    f"""
    CREATE TRIGGER day_done_answer AFTER INSERT ON review_log
    WHEN NEW.kind IN ('review', 'drill')
    BEGIN
      INSERT INTO day_done (study_day, answers, reviews, new)
      VALUES (
        NEW.study_day, 1,
        NEW.kind = 'review' AND {_review("NEW")},
        NEW.kind = 'review' AND {_new("NEW")}
      )
      ON CONFLICT (study_day) DO UPDATE
      SET answers = answers + 1, reviews = reviews + excluded.reviews, new = new + excluded.new;
    END
    """,
    # An undo takes its answer off the day that answer was counted on.
    f"""
    CREATE TRIGGER day_done_void AFTER INSERT ON review_log
    WHEN NEW.kind = 'void'
    BEGIN
      UPDATE day_done SET
        answers = answers - 1,
        reviews = reviews - (SELECT a.kind = 'review' AND {_review("a")} FROM review_log a
                             WHERE a.uid = NEW.voids),
        new = new - (SELECT a.kind = 'review' AND {_new("a")} FROM review_log a
                     WHERE a.uid = NEW.voids)
      WHERE study_day = (SELECT a.study_day FROM review_log a
                         WHERE a.uid = NEW.voids AND a.kind IN ('review', 'drill'));
    END
    """,
)

DAY_FILL = f"""
INSERT INTO day_done (study_day, answers, reviews, new)
SELECT r.study_day, COUNT(*),
       COALESCE(SUM(r.kind = 'review' AND {_review("r")}), 0),
       COALESCE(SUM(r.kind = 'review' AND {_new("r")}), 0)
FROM review_log r
WHERE r.kind IN ('review', 'drill')
  AND r.uid NOT IN (SELECT voids FROM review_log WHERE voids IS NOT NULL)
GROUP BY r.study_day
"""

FILL = f"""
INSERT INTO day_done (study_day, reviews, new)
SELECT r.study_day, COALESCE(SUM({_review("r")}), 0), COALESCE(SUM({_new("r")}), 0)
FROM review_log r
WHERE r.kind = 'review' AND r.uid NOT IN (SELECT voids FROM review_log WHERE voids IS NOT NULL)
GROUP BY r.study_day
"""

FILL = f"""
INSERT INTO due_histogram (deck_id, due, n)
SELECT c.deck_id, COALESCE(s.due, ''), COUNT(*) FROM card c JOIN card_state s ON s.card_id = c.id
WHERE {_ACTIVE} GROUP BY c.deck_id, COALESCE(s.due, '')
"""


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE due_histogram (
          due VARCHAR NOT NULL,
          deck_id VARCHAR NOT NULL,
          n INTEGER NOT NULL,
          PRIMARY KEY (due, deck_id)
        ) WITHOUT ROWID
        """
    )
    op.execute(
        """
        CREATE TABLE day_done (
          study_day DATE NOT NULL,
          answers INTEGER NOT NULL,
          reviews INTEGER NOT NULL,
          new INTEGER NOT NULL,
          PRIMARY KEY (study_day)
        ) WITHOUT ROWID
        """
    )
    op.execute(DAY_FILL)
    for trigger in DAY_TRIGGERS:
        op.execute(trigger)
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
        "day_done_answer",
        "day_done_void",
    ):
        op.execute(f"DROP TRIGGER {name}")
    op.execute("DROP TABLE due_histogram")
    op.execute("DROP TABLE day_done")
