"""Cards: one card as shown, references, suspending and burying."""

from __future__ import annotations

import json
from datetime import date, timedelta

from studykb.core import cloze
from studykb.errors import NotFoundError
from studykb.storage.base import RepositoryBase
from studykb.storage.db import named, write_transaction
from studykb.storage.events import ActionGroup, card_target, change_suspended
from studykb.storage.records import CardView
from studykb.storage.states import decode_named, state_columns


class CardStore(RepositoryBase):
    """The repository's part for cards."""

    # ------------------------------------------------------------------ cards
    def card(self, card_id: int) -> CardView:
        row = (
            named(self.conn)
            .execute(
                f"""
            SELECT c.id AS id, c.deck_id AS deck_id, d.title AS deck_title, c.key AS key,
                   c.kind AS kind, c.cloze_number AS cloze_number, c.front AS front,
                   c.back AS back, c.tags AS tags, c.source AS source,
                   p.title AS paper_title, p.url AS paper_url, c.suspended AS suspended,
                   c.flagged AS flagged,
                   c.retired_at AS retired_at,
                   s.scheduler AS scheduler, {state_columns("s")}
            FROM card c JOIN deck d ON d.id = c.deck_id
            JOIN card_state s ON s.card_id = c.id
            LEFT JOIN paper p ON p.id = d.paper_id
            WHERE c.id = ?
            """,
                (card_id,),
            )
            .fetchone()
        )
        if row is None:
            raise NotFoundError(f"no card with id {card_id}")
        kind, number = row["kind"], row["cloze_number"]
        front, back = row["front"], row["back"]
        if kind == "cloze" and number is not None:
            question = cloze.front(front, number)
            answer = cloze.back(front, number) + (f"\n\n{back}" if back else "")
        else:
            question, answer = front, back
        return CardView(
            id=row["id"],
            deck_id=row["deck_id"],
            deck_title=row["deck_title"],
            key=row["key"],
            kind=kind,
            cloze_number=number,
            question=question,
            answer=answer,
            raw_front=front,
            raw_back=back,
            tags=tuple(json.loads(row["tags"])),
            source=row["source"],
            paper_title=row["paper_title"],
            paper_url=row["paper_url"],
            suspended=bool(row["suspended"]),
            flagged=bool(row["flagged"]),
            retired=row["retired_at"] is not None,
            state=decode_named(row),
            scheduler=str(row["scheduler"]),
        )

    def find_card(self, ref: str) -> int:
        """The card id for ``deck-id/card-id`` (or a numeric id)."""
        if ref.isdigit():
            row = (
                named(self.conn).execute("SELECT id FROM card WHERE id = ?", (int(ref),)).fetchone()
            )
        else:
            deck_id, _, key = ref.partition("/")
            row = (
                named(self.conn)
                .execute("SELECT id FROM card WHERE deck_id = ? AND key = ?", (deck_id, key))
                .fetchone()
            )
        if row is None:
            raise NotFoundError(f"no card {ref!r}")
        return int(row["id"])

    def set_suspended(
        self, card_id: int, suspended: bool = True, group: ActionGroup | None = None
    ) -> None:
        """Suspend or bring back a card; a change is recorded as an event with it
        (``group``: of an action that changes several cards, undone together)."""
        with write_transaction(self.conn):
            moment = self._moment_for_write()
            if change_suspended(self.conn, card_id, suspended, moment, group) is None:
                raise NotFoundError(f"no card with id {card_id}")

    def suspended_cards(self, deck_id: str) -> list[int]:
        self._require_deck(deck_id)
        rows = (
            named(self.conn)
            .execute(
                "SELECT id FROM card WHERE deck_id = ? AND suspended = 1 AND retired_at IS NULL "
                "ORDER BY position",
                (deck_id,),
            )
            .fetchall()
        )
        return [int(r["id"]) for r in rows]

    def bury(self, card_id: int, group: ActionGroup | None = None) -> date:
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
            (group or ActionGroup()).append(self.conn, moment, "bury", target, until.isoformat())
        return until
