"""Per-deck "done today": ``deck_day_done`` holds, per study day and deck, the
reviews and new cards answered (undos taken off), kept by triggers in the same
transaction as the answer or undo, like ``day_done`` (0008). Each deck's daily
limits (issue 16 item 13: deck options, "study more") then read a few rows.
`studykb check` compares it with a recount from the log, `--repair` rebuilds it.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


# Written here, not imported: a migration keeps the schema of its own time.
def _review(row: str) -> str:
    return f"({row}.before_due IS NOT NULL AND {row}.before_interval > 0)"


def _new(row: str) -> str:
    return f"({row}.before_due IS NULL)"


TRIGGERS = (
    # A review (not a drill) counts against its deck's limits, as against the day's.
    f"""
    CREATE TRIGGER deck_day_done_answer AFTER INSERT ON review_log
    WHEN NEW.kind = 'review' AND ({_review("NEW")} OR {_new("NEW")})
    BEGIN
      INSERT INTO deck_day_done (study_day, deck_id, reviews, new)
      VALUES (
        NEW.study_day, (SELECT deck_id FROM card WHERE id = NEW.card_id),
        {_review("NEW")}, {_new("NEW")}
      )
      ON CONFLICT (study_day, deck_id) DO UPDATE
      SET reviews = reviews + excluded.reviews, new = new + excluded.new;
    END
    """,
    # An undo takes its answer off the deck and day it was counted on.
    f"""
    CREATE TRIGGER deck_day_done_void AFTER INSERT ON review_log
    WHEN NEW.kind = 'void' AND EXISTS (
      SELECT 1 FROM review_log a WHERE a.uid = NEW.voids AND a.kind = 'review'
        AND ({_review("a")} OR {_new("a")}))
    BEGIN
      UPDATE deck_day_done SET
        reviews = reviews - (SELECT {_review("a")} FROM review_log a WHERE a.uid = NEW.voids),
        new = new - (SELECT {_new("a")} FROM review_log a WHERE a.uid = NEW.voids)
      WHERE study_day = (SELECT a.study_day FROM review_log a WHERE a.uid = NEW.voids)
        AND deck_id = (SELECT c.deck_id FROM review_log a JOIN card c ON c.id = a.card_id
                       WHERE a.uid = NEW.voids);
    END
    """,
)

FILL = f"""
INSERT INTO deck_day_done (study_day, deck_id, reviews, new)
SELECT r.study_day, c.deck_id, SUM({_review("r")}), SUM({_new("r")})
FROM review_log r JOIN card c ON c.id = r.card_id
WHERE r.kind = 'review' AND ({_review("r")} OR {_new("r")})
  AND r.uid NOT IN (SELECT voids FROM review_log WHERE voids IS NOT NULL)
GROUP BY r.study_day, c.deck_id
"""


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE deck_day_done (
          study_day DATE NOT NULL,
          deck_id VARCHAR NOT NULL,
          reviews INTEGER NOT NULL,
          new INTEGER NOT NULL,
          PRIMARY KEY (study_day, deck_id)
        ) WITHOUT ROWID
        """
    )
    op.execute(FILL)
    for trigger in TRIGGERS:
        op.execute(trigger)


def downgrade() -> None:
    for name in ("deck_day_done_answer", "deck_day_done_void"):
        op.execute(f"DROP TRIGGER {name}")
    op.execute("DROP TABLE deck_day_done")
