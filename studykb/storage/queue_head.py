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
taken or left exactly as before. When only the day's drills are left (SM-2's cards
answered below 4 today, in the order of those answers), a drill answered changes
no state and no room: it leaves them (4 or better) or goes to their end. Any
answer that does not fit that (a step of a day, a card not first) drops the head.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from studykb.core.queue import Limits

Token = tuple[int, int]  # (PRAGMA data_version, total_changes)
Counted = Literal["review", "new"]
Entry = Literal["review", "new", "drill"]


@dataclass(frozen=True, slots=True)
class AnswerEffect:
    """What an answer did to the day's queue."""

    counted: Counted | None  # the limit it counted against (as day_done counts it)
    gone: bool  # the card left today's reviews and new cards
    drill: bool  # a same-day drill (SM-2): no state, no limit changed
    again: bool  # below 4: the card is (still) one of the day's drills


@dataclass(slots=True)
class QueueHead:
    """The first cards of one queue (node, day, limits), read at ``token`` and at
    the moment ``since``; good until ``until`` (a card's step within the day comes
    due then; None: no such card). Reviews and new cards, or else the drills."""

    node: str | None
    day: date
    limits: Limits
    token: Token
    since: datetime
    until: datetime | None
    cards: list[tuple[int, Entry]]
    # What an answer reads of each card (storage.log.answerable_rows), read with them.
    rows: dict[int, Any] = field(default_factory=dict)

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

    def fits(self, card_id: int, effect: AnswerEffect) -> bool:
        """Whether an answer of ``card_id`` leaves the head current once taken off
        (:meth:`take`): the card was first, and the answer did to it what the queue's
        rules would see (see the module's docstring)."""
        if not self.cards or self.cards[0][0] != card_id:
            return False
        entry = self.cards[0][1]
        if entry == "drill":
            return effect.drill
        return effect.gone and effect.counted == entry

    def take(self, effect: AnswerEffect) -> None:
        """The head after the answer of its first card, which :meth:`fits`."""
        card_id, entry = self.cards.pop(0)
        if entry == "drill" and effect.again:
            self.cards.append((card_id, entry))  # its state and its row are unchanged
        else:
            self.rows.pop(card_id, None)
