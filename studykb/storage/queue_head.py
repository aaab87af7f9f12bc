"""The head of the day's queue kept in memory between answers (issue 15: no queue
rebuilt per answer).

next_card reads the first few cards of the queue at once and keeps them with the
point the database stood at then: ``PRAGMA data_version`` (it changes when another
connection commits) and this connection's ``total_changes`` (every row it wrote,
committed or rolled back). While both are the same, nothing the queue reads has
changed, and the next card is the head's first. An answer of that very card moves
the point on, once its unit of work has committed, when the queue's own rules
would take the card off in the same way (see :meth:`QueueHead.answered`); any other
write, here or elsewhere, leaves a point the head does not match, and the queue is
read again.

Why taking the answered card off gives what reading the queue again would: the
queue takes candidates in a fixed order (due, then id; new cards by id, a random
deck's in its order of the day), each as long as every node of its deck's chain
has room. The answered card was first and had room; its answer leaves the
candidates (due after today, no step within the day) and counts once against the
same rooms it took (a review with an interval, or a new card), so the rest are
taken or left exactly as before. Any answer that does not fit that (a drill, a
step of a day, a card not first) drops the head.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from studykb.core.queue import Limits

Token = tuple[int, int]  # (PRAGMA data_version, total_changes)
Counted = Literal["review", "new"]


@dataclass(slots=True)
class QueueHead:
    """The first cards of one queue (node, day, limits), read at ``token`` and at
    the moment ``since``; good until ``until`` (a card's step within the day comes
    due then; None: no such card)."""

    node: str | None
    day: date
    limits: Limits
    token: Token
    since: datetime
    until: datetime | None
    cards: list[tuple[int, Counted]]

    def serves(
        self, node: str | None, day: date, limits: Limits, token: Token, now: datetime
    ) -> bool:
        return (
            bool(self.cards)
            and self.token == token
            and self.day == day
            and self.node == node
            and self.limits == limits
            and self.since <= now
            and (self.until is None or now < self.until)
        )

    def answered(self, card_id: int, counted: Counted | None, gone: bool) -> bool:
        """Whether an answer keeps the head current once it is taken off: the card
        was first, the answer counted against the list it came from, and the card
        left today's reviews and new cards (``gone``)."""
        return bool(self.cards) and gone and self.cards[0] == (card_id, counted)
