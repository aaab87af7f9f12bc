"""next_card reads little (what was done today only in the subtrees of the decks it
looks at, the pending drills only when a card answered today is looked at): it must
still give the first card of the day's queue, and the queue must still hold what the
counts, which read every deck, say, whatever was answered, set or changed."""

from __future__ import annotations

import random
from datetime import timedelta
from pathlib import Path

import pytest

from studykb.app.store import Store
from studykb.core.clock import FixedClock
from studykb.core.deck_limits import DeckOptions, StudyMore
from studykb.core.queue import Limits
from studykb.decks.toml_deck import read_decks
from studykb.storage.repository import Repository
from tests.tree_decks import deck_file

# ``a-b`` and ``ab`` sort between ``a`` and ``a/``: the range read for the subtree of
# ``a`` also holds their rows, which must change no room of ``a``'s tree.
DECKS = {"a": 4, "a.b": 5, "a.b.c": 3, "a-b": 3, "ab": 3, "z": 4, "y.x": 3}
NODES = [None, "a", "a.b", "a.b.c", "a-b", "ab", "z", "y", "y.x"]


def agree(repo: Repository, *, counts_too: bool = True) -> None:
    for node in NODES:
        queue = repo.day_queue(node)
        first = queue.entries[0].card_id if queue.entries else None
        assert repo.next_card(node) == first, node
        if not counts_too:
            continue
        counts = repo.due_counts(deck_id=node)
        assert (len(queue.reviews), len(queue.new)) == (counts.reviews, counts.new), node
        assert len(queue.drills) == counts.drills, node


# Settings' limits below the decks' own, and above (then the root's room is wide and
# only the decks with options can stop a card).
@pytest.mark.parametrize("limits", [Limits(7, 6), Limits(40, 40)])
def test_next_card_is_the_first_of_the_queue_whatever_happens(
    store: Store, tmp_path: Path, clock: FixedClock, limits: Limits
) -> None:
    repo = store.repo
    repo.limits = limits
    repo.import_decks(read_decks([deck_file(tmp_path / "decks", d, n) for d, n in DECKS.items()]))
    repo.set_deck_options("a.b", DeckOptions(new_per_day=2, reviews_per_day=2))
    repo.set_deck_options("z", DeckOptions(new_per_day=3, new_order="random"))
    rng = random.Random(5)
    poked = False  # the counts do not know of a drill due again (a check finds it)
    agree(repo)
    for _ in range(160):
        roll = rng.random()
        node = rng.choice(NODES)
        card = repo.next_card(node)
        if roll < 0.05:
            clock.advance(timedelta(days=rng.choice((1, 2, 5))))
            poked = False
        elif roll < 0.08:
            repo.study_more(rng.choice(list(DECKS)), StudyMore(new=1, reviews=1))
        elif roll < 0.11:
            repo.set_deck_options(
                rng.choice(list(DECKS)), DeckOptions(new_per_day=rng.randint(0, 4))
            )
        elif roll < 0.14 and repo.undo() is not None:
            pass
        elif roll < 0.18:
            # A card answered today that is due again today (written by another tool):
            # a pending drill is kept out of the reviews, next_card included.
            row = repo.conn.execute(
                "SELECT card_id FROM review_log WHERE study_day = ? ORDER BY seq DESC LIMIT 1",
                (repo.today().isoformat(),),
            ).fetchone()
            if row is not None:
                poked = True
                repo.conn.execute(
                    "UPDATE card_state SET due = ? WHERE card_id = ?",
                    (repo.today().isoformat(), row[0]),
                )
        elif card is not None:
            repo.answer(card, rng.choice((5, 4, 3, 2, 1)))
        agree(repo, counts_too=not poked)
    assert repo.conn.execute("SELECT COUNT(*) FROM deck_day_done").fetchone()[0] > 5
