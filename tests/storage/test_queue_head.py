"""next_card keeps the head of the day's queue in memory between answers
(storage.queue_head): whatever is answered, written elsewhere, undone, rolled back
or waited for, its card must be the first of the queue read afresh, and the head
must actually be used (no query but PRAGMA data_version) on the plain path."""

from __future__ import annotations

import random
from datetime import timedelta
from pathlib import Path

import pytest

from studykb.app.maintenance import restore_database
from studykb.app.store import Store, open_store
from studykb.core.clock import FixedClock
from studykb.core.deck_limits import DeckOptions, StudyMore
from studykb.core.queue import Limits
from studykb.core.scheduling.options import SchedulerOptions
from studykb.core.scheduling.replay import answer_kind
from studykb.decks.toml_deck import read_decks
from studykb.settings import Settings
from studykb.storage.backup import copy_database
from studykb.storage.db import write_transaction
from studykb.storage.repository import Repository
from tests.tree_decks import deck_file

DECKS = {"a": 12, "a.b": 10, "z": 10, "f": 8}
NODES = [None, "a", "a.b", "z", "f"]


def first_afresh(repo: Repository, node: str | None) -> int | None:
    entries = repo.day_queue(node).entries
    return entries[0].card_id if entries else None


class Reads:
    """The statements next_card runs (a trace callback), to tell a served head."""

    def __init__(self, repo: Repository) -> None:
        self.statements: list[str] = []
        repo.conn.set_trace_callback(self.statements.append)

    def next_card(self, repo: Repository, node: str | None) -> tuple[int | None, bool]:
        self.statements.clear()
        card = repo.next_card(node)
        served = [s.strip() for s in self.statements] == ["PRAGMA data_version"]
        return card, served


def grade(repo: Repository, card: int, rng: random.Random) -> int:
    if repo.card(card).scheduler == "fsrs":
        return rng.choice((1, 2, 3, 3, 4))
    return rng.choice((5, 4, 4, 3, 2, 1))


@pytest.mark.parametrize(("limits", "seed"), [(Limits(9, 8), 1), (Limits(60, 60), 2)])
def test_the_kept_head_is_always_the_first_of_the_queue(
    store: Store, db_path: Path, tmp_path: Path, clock: FixedClock, limits: Limits, seed: int
) -> None:
    repo = store.repo
    repo.limits = limits
    repo.import_decks(read_decks([deck_file(tmp_path / "decks", d, n) for d, n in DECKS.items()]))
    repo.set_deck_options("a.b", DeckOptions(new_per_day=3, reviews_per_day=4))
    repo.set_deck_options("z", DeckOptions(new_per_day=5, new_order="random"))
    assert repo.set_scheduler("f", SchedulerOptions("fsrs")) == 8  # steps within a day
    other = open_store(db_path, clock=clock, settings=Settings(), seed_bundled=False)
    rng = random.Random(seed)
    reads = Reads(repo)
    node: str | None = None
    served = 0
    try:
        for step in range(600):
            if step % 25 == 0:
                node = rng.choice([*NODES, "f", "f"])
            card, was_served = reads.next_card(repo, node)
            served += was_served
            assert card == first_afresh(repo, node), (step, node)
            roll = rng.random()
            entries = repo.day_queue(node).entries
            # The card after it: the one a stale head would give next.
            second = entries[1].card_id if len(entries) > 1 else card
            if card is None or roll < 0.03:
                clock.advance(timedelta(days=rng.choice((1, 2))))
            elif roll < 0.10:
                clock.advance(timedelta(minutes=rng.choice((1, 5, 11))))  # FSRS steps come due
            elif roll < 0.13:  # another connection writes
                other.repo.set_suspended(second, rng.random() < 0.8)
            elif roll < 0.15:
                repo.study_more(rng.choice(list(DECKS)), StudyMore(new=1, reviews=1))
            elif roll < 0.17:
                repo.undo()
            elif roll < 0.20:  # an answer rolled back with its unit of work
                with pytest.raises(RuntimeError), write_transaction(repo.conn):
                    repo.answer(card, grade(repo, card, rng))
                    raise RuntimeError("taken back")
            elif roll < 0.24:  # an answer and another write in one unit of work
                with write_transaction(repo.conn):
                    repo.answer(card, grade(repo, card, rng))
                    repo.bury(second)
            elif roll < 0.27:  # a card that is not the head's first
                repo.answer(second, grade(repo, second, rng))
            else:
                repo.answer(card, grade(repo, card, rng))
        # The plain path (next card, its answer) is served from memory most of the time.
        assert served > 100
        assert repo.check().ok
    finally:
        repo.conn.set_trace_callback(None)
        other.close()


def test_a_change_of_limits_or_of_the_node_reads_the_queue_again(
    store: Store, tmp_path: Path
) -> None:
    repo = store.repo
    repo.import_decks(read_decks([deck_file(tmp_path / "decks", d, n) for d, n in DECKS.items()]))
    reads = Reads(repo)
    try:
        first, _ = reads.next_card(repo, None)
        assert reads.next_card(repo, None) == (first, True)
        repo.answer(first, 5)
        second, served = reads.next_card(repo, None)
        assert served and second != first
        assert reads.next_card(repo, "z")[1] is False
        repo.limits = Limits(new_per_day=0, reviews_per_day=0)
        assert reads.next_card(repo, "z") == (None, False)
    finally:
        repo.conn.set_trace_callback(None)


def test_the_quick_drill_check_agrees_with_the_last_answer_day(
    store: Store, tmp_path: Path, clock: FixedClock
) -> None:
    """answer() asks last_answer_day_from (two index seeks) rather than last_answer_day:
    the kind of answer (SM-2's rule 7) must be the same on every day, a clock set back,
    undone answers and resets to new included."""
    repo = store.repo
    repo.import_decks(read_decks([deck_file(tmp_path / "decks", "a", 6)]))
    cards = [c for (c,) in repo.conn.execute("SELECT id FROM card ORDER BY id")]
    rng = random.Random(3)
    for _ in range(120):
        roll = rng.random()
        if roll < 0.15:
            clock.advance(timedelta(days=rng.choice((1, 1, 2, -1, -3))))  # set back too
        elif roll < 0.25:
            repo.undo()
        elif roll < 0.30:
            repo.reset_cards([rng.choice(cards)])
        else:
            repo.answer(rng.choice(cards), rng.choice((5, 4, 3, 2)))
        today = repo.today()
        for card in cards:
            for day in (today - timedelta(days=1), today, today + timedelta(days=1)):
                slow = answer_kind(repo.last_answer_day(card), day)
                assert answer_kind(repo.last_answer_day_from(card, day), day) == slow
    assert repo.check().ok


def test_a_restore_into_the_open_database_is_seen(
    store: Store, tmp_path: Path, clock: FixedClock
) -> None:
    """A restore writes through SQLite's backup API into the live connection: neither
    total_changes nor PRAGMA data_version move, so the head must be dropped by hand."""
    repo = store.repo
    repo.import_decks(read_decks([deck_file(tmp_path / "decks", "a", 8)]))
    saved = tmp_path / "saved.db"
    copy_database(repo.conn, saved)
    first = repo.next_card()
    assert first is not None
    for _ in range(3):
        card = repo.next_card()
        assert card is not None
        repo.answer(card, 5)
    assert repo.next_card() != first
    restore_database(store, saved)
    assert repo.next_card() == first == first_afresh(repo, None)


def test_an_answer_reads_its_card_again_once_anything_was_written(
    store: Store, db_path: Path, tmp_path: Path, clock: FixedClock
) -> None:
    """The head keeps what an answer reads of its cards; an answer made after another
    write (here or in another connection), with no next_card between, reads afresh."""
    repo = store.repo
    repo.import_decks(read_decks([deck_file(tmp_path / "decks", "a", 6)]))
    other = open_store(db_path, clock=clock, settings=Settings(), seed_bundled=False)
    try:
        first = repo.next_card()
        assert first is not None
        other.repo.answer(first, 5)  # another connection answers the head's first card
        assert repo.answer(first, 3).kind == "drill"  # so this is its second answer today
        second = repo.next_card()
        assert second is not None
        third = repo.day_queue().entries[1].card_id
        repo.answer(second, 5)
        clock.advance(timedelta(days=1))
        repo.answer(third, 2)  # on another day than the head's: read afresh
        assert [a.kind for a in repo.log_for_card(third)] == ["review"]
        assert repo.check().ok
    finally:
        other.close()


def test_an_answer_with_the_clock_set_back_reads_its_card_again(
    store: Store, tmp_path: Path, clock: FixedClock
) -> None:
    """What the head keeps is for its study day: with the clock set back a day after
    next_card, a card answered that earlier day is a drill (SM-2's rule 7)."""
    repo = store.repo
    repo.import_decks(read_decks([deck_file(tmp_path / "decks", "a", 3)]))
    card = repo.next_card()
    assert card is not None
    assert repo.answer(card, 4).after.due == repo.today() + timedelta(days=1)
    clock.advance(timedelta(days=1))
    assert repo.next_card() == card  # due again: the head's first
    clock.advance(timedelta(days=-1))
    assert repo.answer(card, 5).kind == "drill"
    assert repo.check().ok
