"""Decks made, renamed and retired, drafts decided (storage.drafts): each an event, and
`check` proves the columns are the replay of those events."""

from __future__ import annotations

from pathlib import Path

from studykb.app.collection import Collection
from studykb.app.store import Store
from studykb.decks.toml_deck import read_decks
from studykb.storage.drafts import NewDraft


def _toy(store: Store, small_deck: Path) -> Collection:
    store.repo.import_decks(read_decks([small_deck]))
    return Collection(store)


def test_undoing_a_retirement_brings_back_only_the_cards_it_retired(
    store: Store, small_deck: Path
) -> None:
    collection = _toy(store, small_deck)
    conn = store.repo.conn
    conn.execute("UPDATE card SET retired_at = 'earlier' WHERE key = 'one'")  # retired before
    collection.decks.retire("toy")
    live = "SELECT COUNT(*) FROM card WHERE deck_id = 'toy' AND retired_at IS NULL"
    assert conn.execute(live).fetchone()[0] == 0
    assert [d.id for d in collection.library.decks()] == []
    collection.decks.unretire("toy")
    assert conn.execute(live).fetchone()[0] == 3  # not "one", retired before
    assert conn.execute("SELECT retired_at FROM card WHERE key = 'one'").fetchone()[0] == "earlier"
    kinds = [r[0] for r in conn.execute("SELECT kind FROM event WHERE target = 'deck:toy'")]
    assert kinds == ["deck_retire", "deck_unretire"]
    assert store.repo.check().ok


def test_check_proves_decks_and_drafts_against_their_events(store: Store, small_deck: Path) -> None:
    collection = _toy(store, small_deck)
    repo, conn = store.repo, store.repo.conn
    collection.decks.rename("toy", "Toy, renamed")
    collection.decks.retire("toy")
    collection.decks.unretire("toy")
    repo.add_drafts("toy", None, [NewDraft("equation", "f", "b", "Eq. (1)")], "x.tex")
    [draft] = repo.drafts()
    collection.drafts.drop([draft.id])
    assert repo.check().ok
    conn.execute("UPDATE deck SET title = 'Toy deck', retired_at = 'now' WHERE id = 'toy'")
    conn.execute("UPDATE draft SET status = 'pending'")
    report = repo.check()
    assert sorted(report.problems) == [
        "deck toy: retired_at is 'now' but its events say None",
        "deck toy: title is 'Toy deck' but its events say 'Toy, renamed'",
        f"draft {draft.id}: status is 'pending' but its events say 'dropped'",
    ]
    assert repo.check(repair=True).repaired == 3
    assert repo.check().ok
    assert repo.draft(draft.id).status == "dropped"


def test_a_paper_added_by_hand_gets_a_free_slug(store: Store, small_deck: Path) -> None:
    collection = _toy(store, small_deck)
    first = collection.decks.add_paper("Flow Matching", "https://arxiv.org/abs/2210.02747", 3)
    second = collection.decks.add_paper("Flow  matching", "https://example.org/fm", None)
    assert (first, second) == ("flow-matching", "flow-matching-2")
    made = collection.decks.new_deck(second)
    assert (made.deck_id, made.title) == ("flow-matching-2", "Flow matching")


def test_importing_a_retired_deck_again_does_not_bring_it_back(
    store: Store, small_deck: Path
) -> None:
    collection = _toy(store, small_deck)
    collection.decks.retire("toy")
    [report] = store.repo.import_decks(read_decks([small_deck]))
    assert "the deck is retired here, nothing imported" in report.summary()
    live = "SELECT COUNT(*) FROM card WHERE deck_id = 'toy' AND retired_at IS NULL"
    assert store.repo.conn.execute(live).fetchone()[0] == 0
    assert store.repo.check().ok
