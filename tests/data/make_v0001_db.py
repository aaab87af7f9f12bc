"""Build tests/data/studykb-v0001.db: a database as the first schema (revision 0001)
left it, with a deck, cards, states and a review log. Kept in the repository so
that the upgrade test runs against a real older file; rerun only to rebuild it.

    .venv/bin/python tests/data/make_v0001_db.py
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from alembic import command
from sqlalchemy import create_engine

from studykb.storage.db import alembic_config

OUT = Path(__file__).with_name("studykb-v0001.db")


def main() -> None:
    OUT.unlink(missing_ok=True)
    engine = create_engine(f"sqlite:///{OUT}")
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "0001")
    engine.dispose()
    conn = sqlite3.connect(OUT)
    conn.executescript(
        """
        INSERT INTO paper (id, slug, title, authors, year, url, url_key, worth_reading, section,
                           description, after, position, status, status_changed_at, started_on,
                           read_on)
        VALUES (1, 'old', 'An Old Paper', '["A. Author"]', 2019,
                'https://arxiv.org/abs/1907.05600', 'arxiv:1907.05600', 2, 'Papers', '', '[]',
                0, 'reading', '2025-06-01T10:00:00+00:00', '2025-06-01', NULL);
        INSERT INTO deck (id, title, description, paper_id, position, source, content_hash,
                          imported_at)
        VALUES ('old', 'Old deck', '', 1, 0, 'old.toml', 'x', '2025-06-01T10:00:00+00:00');
        INSERT INTO card (id, deck_id, key, note_key, kind, cloze_number, front, back, tags,
                          source, position, content_hash, suspended, retired_at, created_at,
                          updated_at)
        VALUES (1, 'old', 'a', 'a', 'basic', NULL, 'Front A?', 'Back A.', '[]', '§1', 0, 'h1', 0,
                NULL, '2025-06-01T10:00:00+00:00', '2025-06-01T10:00:00+00:00'),
               (2, 'old', 'b', 'b', 'basic', NULL, 'Front B?', 'Back B.', '[]', '§2', 1, 'h2', 0,
                NULL, '2025-06-01T10:00:00+00:00', '2025-06-01T10:00:00+00:00');
        -- card a: graded 5 on 2025-06-01, 4 on 2025-06-02; card b is new.
        INSERT INTO card_state VALUES (1, 2, 260, 6, '2025-06-08', 0), (2, 0, 250, 0, NULL, 0);
        INSERT INTO review_log (uid, card_id, answered_at, utc_offset_minutes, study_day, quality,
          kind, answer_ms, before_repetitions, before_easiness_x100, before_interval, before_due,
          before_lapses, after_repetitions, after_easiness_x100, after_interval, after_due,
          after_lapses)
        VALUES ('00000000000000000000000000000001', 1, '2025-06-01T08:00:00.000+00:00', 120,
                '2025-06-01', 5, 'review', 2000, 0, 250, 0, NULL, 0, 1, 260, 1, '2025-06-02', 0),
               ('00000000000000000000000000000002', 1, '2025-06-02T08:00:00.000+00:00', 120,
                '2025-06-02', 4, 'review', 1500, 1, 260, 1, '2025-06-02', 0, 2, 260, 6,
                '2025-06-08', 0);
        """
    )
    conn.commit()
    conn.execute("VACUUM")
    conn.close()
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
