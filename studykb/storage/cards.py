"""Cards: one card as shown, references, suspending and burying."""

from __future__ import annotations

import json
from datetime import date, timedelta

from studykb.core import cloze
from studykb.errors import NotFoundError
from studykb.storage.base import RepositoryBase
from studykb.storage.db import write_transaction
from studykb.storage.events import append_event, card_target, change_suspended
from studykb.storage.records import CardView, _state


class CardStore(RepositoryBase):
    """The repository's part for cards."""

    # ------------------------------------------------------------------ cards
    def card(self, card_id: int) -> CardView:
        row = self.conn.execute(
            """
            SELECT c.id, c.deck_id, d.title, c.key, c.kind, c.cloze_number, c.front, c.back,
                   c.tags, c.source, p.title, p.url, c.suspended, c.retired_at,
                   s.repetitions, s.easiness_x100, s.interval, s.due, s.lapses
            FROM card c JOIN deck d ON d.id = c.deck_id
            JOIN card_state s ON s.card_id = c.id
            LEFT JOIN paper p ON p.id = d.paper_id
            WHERE c.id = ?
            """,
            (card_id,),
        ).fetchone()
        if row is None:
            raise NotFoundError(f"no card with id {card_id}")
        kind, number, front, back = row[4], row[5], row[6], row[7]
        if kind == "cloze" and number is not None:
            question = cloze.front(front, number)
            answer = cloze.back(front, number) + (f"\n\n{back}" if back else "")
        else:
            question, answer = front, back
        return CardView(
            id=row[0],
            deck_id=row[1],
            deck_title=row[2],
            key=row[3],
            kind=kind,
            cloze_number=number,
            question=question,
            answer=answer,
            raw_front=front,
            raw_back=back,
            tags=tuple(json.loads(row[8])),
            source=row[9],
            paper_title=row[10],
            paper_url=row[11],
            suspended=bool(row[12]),
            retired=row[13] is not None,
            state=_state(row, 14),
        )

    def find_card(self, ref: str) -> int:
        """The card id for ``deck-id/card-id`` (or a numeric id)."""
        if ref.isdigit():
            row = self.conn.execute("SELECT id FROM card WHERE id = ?", (int(ref),)).fetchone()
        else:
            deck_id, _, key = ref.partition("/")
            row = self.conn.execute(
                "SELECT id FROM card WHERE deck_id = ? AND key = ?", (deck_id, key)
            ).fetchone()
        if row is None:
            raise NotFoundError(f"no card {ref!r}")
        return int(row[0])

    def set_suspended(self, card_id: int, suspended: bool = True) -> None:
        """Suspend or bring back a card; a change is recorded as an event with it."""
        with write_transaction(self.conn):
            if change_suspended(self.conn, card_id, suspended, self._moment_for_write()) is None:
                raise NotFoundError(f"no card with id {card_id}")

    def suspended_cards(self, deck_id: str) -> list[int]:
        self._require_deck(deck_id)
        rows = self.conn.execute(
            "SELECT id FROM card WHERE deck_id = ? AND suspended = 1 AND retired_at IS NULL "
            "ORDER BY position",
            (deck_id,),
        ).fetchall()
        return [int(r[0]) for r in rows]

    def bury(self, card_id: int) -> date:
        """Hide a card until the next study day; returns the day it comes back."""
        with write_transaction(self.conn):
            moment = self._moment_for_write()
            until = moment.study_day + timedelta(days=1)
            target = card_target(self.conn, card_id)
            if target is None:
                raise NotFoundError(f"no card with id {card_id}")
            self.conn.execute(
                "UPDATE card SET buried_until = ? WHERE id = ?", (until.isoformat(), card_id)
            )
            append_event(self.conn, moment, "bury", target, until.isoformat())
        return until
