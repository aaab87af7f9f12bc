"""Full-text search over cards (SQLite FTS5), for the card browser and `studykb cards`.

``card_fts`` indexes each card's front, back, tags and source. It is an
external-content table over ``card`` (the text is stored once, in ``card``),
kept in step by triggers and filled here from the cards already stored. LaTeX is
indexed as written, so ``\\bar\\alpha`` is found by "alpha" (the tokenizer splits
on backslashes and braces).

``card_rendered`` holds each card's text as the TUI shows it (math as Unicode:
"ᾱ"), which only Python can compute: studykb.storage.search writes it for the
cards that lack it before each search, and ``card_rendered_fts`` indexes it,
kept in step with it by triggers. Changing a card's text drops its rendered copy
(a trigger), so a stale one is never searched.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# remove_diacritics 2: "naive" finds "naïve"; the rest of unicode61 splits LaTeX
# into its words. Prefixes of one and two characters are indexed too: the first keys
# typed in the browser match a large part of a collection, and are answered from
# these at once instead of merging every word they start.
_TOKENIZE = "unicode61 remove_diacritics 2"
_PREFIX = "1 2"

UPGRADE = [
    """CREATE TABLE card_rendered (
        card_id INTEGER NOT NULL,
        text TEXT NOT NULL,
        PRIMARY KEY (card_id),
        FOREIGN KEY(card_id) REFERENCES card (id) ON DELETE CASCADE
    )""",
    f"""CREATE VIRTUAL TABLE card_fts USING fts5(
        front, back, tags, source,
        content='card', content_rowid='id', tokenize='{_TOKENIZE}', prefix='{_PREFIX}')""",
    """CREATE TRIGGER card_fts_insert AFTER INSERT ON card BEGIN
        INSERT INTO card_fts(rowid, front, back, tags, source)
        VALUES (new.id, new.front, new.back, new.tags, new.source);
    END""",
    """CREATE TRIGGER card_fts_delete AFTER DELETE ON card BEGIN
        INSERT INTO card_fts(card_fts, rowid, front, back, tags, source)
        VALUES ('delete', old.id, old.front, old.back, old.tags, old.source);
        DELETE FROM card_rendered WHERE card_id = old.id;
    END""",
    """CREATE TRIGGER card_fts_update AFTER UPDATE OF front, back, tags, source ON card BEGIN
        INSERT INTO card_fts(card_fts, rowid, front, back, tags, source)
        VALUES ('delete', old.id, old.front, old.back, old.tags, old.source);
        INSERT INTO card_fts(rowid, front, back, tags, source)
        VALUES (new.id, new.front, new.back, new.tags, new.source);
        DELETE FROM card_rendered WHERE card_id = new.id
            AND (old.front IS NOT new.front OR old.back IS NOT new.back
                 OR old.source IS NOT new.source);
    END""",
    f"""CREATE VIRTUAL TABLE card_rendered_fts USING fts5(
        text, content='card_rendered', content_rowid='card_id', tokenize='{_TOKENIZE}',
        prefix='{_PREFIX}')""",
    """CREATE TRIGGER card_rendered_fts_insert AFTER INSERT ON card_rendered BEGIN
        INSERT INTO card_rendered_fts(rowid, text) VALUES (new.card_id, new.text);
    END""",
    """CREATE TRIGGER card_rendered_fts_delete AFTER DELETE ON card_rendered BEGIN
        INSERT INTO card_rendered_fts(card_rendered_fts, rowid, text)
        VALUES ('delete', old.card_id, old.text);
    END""",
    """CREATE TRIGGER card_rendered_fts_update AFTER UPDATE ON card_rendered BEGIN
        INSERT INTO card_rendered_fts(card_rendered_fts, rowid, text)
        VALUES ('delete', old.card_id, old.text);
        INSERT INTO card_rendered_fts(rowid, text) VALUES (new.card_id, new.text);
    END""",
]


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(statement)
    # The cards already stored: their index, at once (rendered copies follow on first use).
    # Not on an empty database: a rebuild leaves the index's bytes unlike a new one's,
    # and a new database (schema.sql) must be exactly a migrated one.
    if op.get_bind().execute(sa.text("SELECT 1 FROM card LIMIT 1")).first() is not None:
        op.execute("INSERT INTO card_fts(card_fts) VALUES ('rebuild')")


def downgrade() -> None:
    for trigger in (
        "card_fts_insert",
        "card_fts_delete",
        "card_fts_update",
        "card_rendered_fts_insert",
        "card_rendered_fts_delete",
        "card_rendered_fts_update",
    ):
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute("DROP TABLE IF EXISTS card_rendered_fts")
    op.execute("DROP TABLE IF EXISTS card_rendered")
    op.execute("DROP TABLE IF EXISTS card_fts")
