"""Reviewing: the day's queue, answers, undo, suspending and burying."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta

from studykb.app.schedulers import waits
from studykb.app.store import UseCases
from studykb.app.views import (
    FSRS_GRADES,
    SM2_GRADES,
    Answer,
    CardView,
    DayQueue,
    DueCounts,
    Overview,
    ReviewStep,
)
from studykb.core.scheduler import QUALITIES, drilled_again_today
from studykb.core.scheduling.replay import answer_kind
from studykb.core.studyday import Moment
from studykb.errors import StudykbError
from studykb.storage.events import ActionGroup


class Review(UseCases):
    """Each method is one unit of work: a consistent read, or one atomic write."""

    def today(self) -> date:
        return self._repo.today()

    def moment(self) -> Moment:
        """Now, with its UTC offset and study day."""
        return self._repo.day_starts().moment_of(self._repo.clock.now())

    def deck_exists(self, deck_id: str) -> bool:
        with self._reading():
            return self._repo.deck_exists(deck_id)

    def node_exists(self, node: str) -> bool:
        """A deck, or a parent of decks in the tree (``a`` of ``a.b``)."""
        with self._reading():
            return self._repo.node_exists(node)

    def overview(self) -> Overview:
        """Today's counts, tomorrow's, streak, decks and the reading suggestion."""
        repo = self._repo
        with self._reading():
            due = repo.due_counts()
            return Overview(
                due=due,
                tomorrow=(repo.due_counts(due.day + timedelta(days=1)) if due.total == 0 else None),
                stats=repo.stats(with_states=False),
                decks={s.id: s for s in repo.deck_summaries()},
                papers=tuple(repo.papers()),
                suggestion=repo.suggested_paper(),
            )

    def due_counts(self, day: date | None = None, deck_id: str | None = None) -> DueCounts:
        repo = self._repo
        with self._reading():
            if day is not None and day < repo.today():
                raise StudykbError(
                    f"--on {day.isoformat()} is in the past (today is {repo.today()})"
                )
            return repo.due_counts(day, deck_id)

    def queue(self, deck_id: str | None = None, tag: str | None = None) -> DayQueue:
        with self._reading():
            return self._day_queue(deck_id, tag)

    def _day_queue(self, deck_id: str | None, tag: str | None) -> DayQueue:
        """Today's queue; with a tag, the part of it whose cards carry the tag (review by
        tag keeps the day's limits: it picks from what the day holds, in the same order)."""
        queue = self._repo.day_queue(deck_id)
        if tag is None:
            return queue
        tagged = self._repo.cards_with_tag(tag)
        return DayQueue(
            reviews=tuple(c for c in queue.reviews if c in tagged),
            new=tuple(c for c in queue.new if c in tagged),
            drills=tuple(c for c in queue.drills if c in tagged),
        )

    def tag_decks(self) -> dict[str, frozenset[str]]:
        """Each tag of a live card, with the decks holding such cards; sorted by tag."""
        with self._reading():
            return self._repo.tag_decks()

    def next_card(self, deck_id: str | None = None) -> CardView | None:
        repo = self._repo
        with self._reading():
            card_id = repo.next_card(deck_id)
            return None if card_id is None else repo.card(card_id)

    def next_step(self, deck_id: str | None = None, tag: str | None = None) -> ReviewStep | None:
        """The next card of the session with its queue and grade previews, in one read:
        the queue is built once and its first card is the one shown."""
        with self._reading():
            queue = self._day_queue(deck_id, tag)
            entries = queue.entries
            return self._step(entries[0].card_id, queue) if entries else None

    def step(self, card_id: int, deck_id: str | None = None, tag: str | None = None) -> ReviewStep:
        """A named card as a step of the session (say, the card an undo brought back)."""
        with self._reading():
            return self._step(card_id, self._day_queue(deck_id, tag))

    def _step(self, card_id: int, queue: DayQueue) -> ReviewStep:
        repo = self._repo
        card = repo.card(card_id)
        scheduler = repo.scheduler_of(card.id, card.scheduler)
        moment = repo.day_starts().moment_of(repo.clock.now())
        if scheduler.drills_same_day:
            drill = self._is_drill(card.id, moment.study_day)
            return ReviewStep(
                card=card,
                queue=queue,
                drill=drill,
                waits=None if drill else waits(scheduler, card.state, moment),
                today=moment.study_day,
                again_today=frozenset(q for q in QUALITIES if drilled_again_today(q)),
                grades=SM2_GRADES,
            )
        # FSRS: every answer is a review; a short wait is a step within the session.
        return ReviewStep(
            card=card,
            queue=queue,
            drill=False,
            waits=waits(scheduler, card.state, moment),
            today=moment.study_day,
            grades=FSRS_GRADES,
        )

    def next_step_at(self, deck_id: str | None = None) -> datetime | None:
        """When a card in a step within today (FSRS) comes due, if one is waiting."""
        with self._reading():
            return self._repo.next_step_at(deck_id)

    def _is_drill(self, card_id: int, today: date) -> bool:
        return answer_kind(self._repo.last_answer_day_from(card_id, today), today) == "drill"

    def card(self, ref: str) -> CardView:
        """A card by its reference, ``deck-id/card-id``."""
        repo = self._repo
        with self._reading():
            return repo.card(repo.find_card(ref))

    def card_by_id(self, card_id: int) -> CardView:
        with self._reading():
            return self._repo.card(card_id)

    def history(self, card_id: int) -> list[Answer]:
        with self._reading():
            return self._repo.log_for_card(card_id)

    def answer(self, card: int | str, grade: int, answer_ms: int = 0) -> Answer:
        """Grade a card (by id, or by reference); durable when this returns."""
        repo = self._repo
        settings = self._store.settings
        with self._writing():
            card_id = repo.find_card(card) if isinstance(card, str) else card
            answer = repo.answer(card_id, grade, answer_ms)
            # A leech is tagged (and maybe suspended) in the same unit of work.
            if answer.after.lapses > answer.before.lapses:
                message = repo.mark_leech(
                    card_id, answer.uid, settings.leech_lapses, settings.leech_suspend
                )
                if message is not None:
                    return replace(answer, message=message)
            return answer

    def practice(self, card: int | str, grade: int, answer_ms: int = 0) -> Answer:
        """Grade a card outside the schedule (practice mode: any browser selection, a
        deck, a tag, flagged cards, leeches, today's failures): logged as a practice
        answer, changing no schedule and no day's counts; undoable."""
        repo = self._repo
        with self._writing():
            card_id = repo.find_card(card) if isinstance(card, str) else card
            return repo.practice(card_id, grade, answer_ms)

    def undo(self, uid: str | None = None) -> Answer | None:
        """Take back the newest answer (or the one named); None if there is none."""
        with self._writing():
            return self._repo.undo(uid)

    def suspend(self, cards: Sequence[int | str]) -> list[CardView]:
        """Suspend cards (ids or references), all or none; returns them."""
        repo = self._repo
        with self._writing():
            ids = [repo.find_card(c) if isinstance(c, str) else c for c in cards]
            group = ActionGroup()  # one action: undo takes them all back
            for card_id in ids:
                repo.set_suspended(card_id, True, group)
            return [repo.card(i) for i in ids]

    def unsuspend(
        self, cards: Sequence[int | str] = (), deck_id: str | None = None
    ) -> list[CardView]:
        """Bring suspended cards back (those named, and every one of ``deck_id``)."""
        repo = self._repo
        with self._writing():
            ids = [repo.find_card(c) if isinstance(c, str) else c for c in cards]
            if deck_id is not None:
                ids += repo.suspended_cards(deck_id)
            group = ActionGroup()
            for card_id in ids:
                repo.set_suspended(card_id, False, group)
            return [repo.card(i) for i in ids]

    def bury(self, card_id: int) -> date:
        """Hide a card until the next study day; returns the day it comes back."""
        with self._writing():
            return self._repo.bury(card_id)
