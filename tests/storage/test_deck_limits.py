"""Daily limits per deck, decks as a tree, random new-card order and "study more"
(issue 16 item 13), on a real database."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from studykb.app.store import Store
from studykb.core.clock import FixedClock
from studykb.core.deck_limits import DeckOptions, StudyMore
from studykb.decks.toml_deck import read_decks
from studykb.storage.counts import recount_deck_done
from tests.tree_decks import deck_file, tree_decks


def keys(store: Store, card_ids: tuple[int, ...] | list[int]) -> list[str]:
    return [store.repo.card(c).ref for c in card_ids]


def imported(store: Store, tmp_path: Path) -> Store:
    store.repo.import_decks(read_decks(tree_decks(tmp_path / "decks")))
    return store


def test_without_options_every_deck_uses_the_settings(store: Store, tmp_path: Path) -> None:
    repo = imported(store, tmp_path).repo
    counts = repo.due_counts()
    assert counts.new == 15
    assert {d.deck_id: d.new for d in counts.decks} == {
        "diffusion.ddpm": 6,
        "diffusion.ddim": 5,
        "flow": 4,
    }
    # The parent exists though no deck has its id, with its children's total.
    assert [(g.deck_id, g.new) for g in counts.groups] == [("diffusion", 11)]
    assert len(repo.day_queue().new) == 15


def test_a_decks_new_limit_caps_its_part_of_every_queue(store: Store, tmp_path: Path) -> None:
    repo = imported(store, tmp_path).repo
    assert repo.set_deck_options("diffusion.ddpm", DeckOptions(new_per_day=2))
    assert not repo.set_deck_options("diffusion.ddpm", DeckOptions(new_per_day=2))
    counts = repo.due_counts()
    assert {d.deck_id: d.new for d in counts.decks}["diffusion.ddpm"] == 2
    assert [(g.deck_id, g.new) for g in counts.groups] == [("diffusion", 7)]
    assert counts.new == 11 == len(repo.day_queue().new)
    assert keys(store, repo.day_queue("diffusion.ddpm").new) == [
        "diffusion.ddpm/c1",
        "diffusion.ddpm/c2",
    ]
    # Reviewing the parent reviews its children, each within its own limits.
    group = repo.day_queue("diffusion").new
    assert len(group) == 7 == repo.due_counts(deck_id="diffusion").new
    for card in repo.day_queue("diffusion.ddpm").new:
        repo.answer(card, 5)
    assert repo.day_queue("diffusion.ddpm").new == ()
    assert repo.next_card("diffusion.ddpm") is None
    assert repo.day_queue().new == repo.day_queue("diffusion.ddim").new + repo.day_queue("flow").new


def test_the_settings_cap_the_whole_collection(store: Store, tmp_path: Path) -> None:
    repo = imported(store, tmp_path).repo
    repo.limits = type(repo.limits)(new_per_day=5, reviews_per_day=200)
    repo.set_deck_options("flow", DeckOptions(new_per_day=10))
    assert len(repo.day_queue().new) == 5  # all decks: Settings' 5
    assert len(repo.day_queue("flow").new) == 4  # flow alone: its own 10 (4 cards)
    assert repo.due_counts(deck_id="flow").new == 4


def test_a_decks_review_limit(store: Store, tmp_path: Path, clock: FixedClock) -> None:
    repo = imported(store, tmp_path).repo
    for card in repo.day_queue().new:
        repo.answer(card, 5)
    clock.advance(timedelta(days=1))
    assert len(repo.day_queue().reviews) == 15
    repo.set_deck_options("diffusion.ddim", DeckOptions(reviews_per_day=2))
    queue = repo.day_queue()
    assert len(queue.reviews) == 12 == repo.due_counts().reviews
    assert sum(r.startswith("diffusion.ddim/") for r in keys(store, queue.reviews)) == 2
    first = repo.day_queue("diffusion.ddim").reviews[0]
    repo.answer(first, 4)
    assert len(repo.day_queue("diffusion.ddim").reviews) == 1
    # A deck's answers count against its limits, kept per deck and day by triggers.
    assert {k: v for k, v in recount_deck_done(repo.conn).items() if k[0] == "2026-01-06"} == {
        ("2026-01-06", "diffusion.ddim"): (1, 0)
    }


def test_random_order_is_fixed_for_the_deck_and_day(
    store: Store, tmp_path: Path, clock: FixedClock
) -> None:
    repo = store.repo
    repo.import_decks(read_decks([deck_file(tmp_path / "decks", "big", 12)]))
    in_order = keys(store, repo.day_queue().new)
    assert in_order == [f"big/c{i}" for i in range(1, 13)]
    repo.set_deck_options("big", DeckOptions(new_per_day=4, new_order="random"))
    today = keys(store, repo.day_queue().new)
    # Pinned: blake2b of deck, study day and card id orders them (core.deck_limits).
    assert today == ["big/c7", "big/c6", "big/c2", "big/c12"]
    assert keys(store, repo.day_queue().new) == today  # the same however often asked
    repo.answer(repo.day_queue().new[0], 5)
    # Answering one leaves the others in place; the next of the day's order comes in.
    assert keys(store, repo.day_queue().new)[:3] == today[1:]
    clock.advance(timedelta(days=1))
    tomorrow = keys(store, repo.day_queue().new)
    assert tomorrow != today[1:] and len(tomorrow) == 4


def test_study_more_raises_the_limits_for_today_only(
    store: Store, tmp_path: Path, clock: FixedClock
) -> None:
    repo = imported(store, tmp_path).repo
    repo.set_deck_options("diffusion.ddpm", DeckOptions(new_per_day=1))
    for card in repo.day_queue("diffusion.ddpm").new:
        repo.answer(card, 5)
    assert repo.due_counts(deck_id="diffusion.ddpm").new == 0
    assert repo.study_more("diffusion.ddpm", StudyMore(new=2)) == StudyMore(2, 0)
    assert repo.due_counts(deck_id="diffusion.ddpm").new == 2
    assert len(repo.day_queue("diffusion.ddpm").new) == 2
    assert repo.deck_limits("diffusion.ddpm")[1] == StudyMore(2, 0)
    clock.advance(timedelta(days=1))
    assert repo.due_counts(deck_id="diffusion.ddpm").new == 1  # tomorrow: its own 1 again
    assert repo.deck_limits("diffusion.ddpm")[1] == StudyMore()
    events = repo.conn.execute(
        "SELECT kind, target, value, study_day FROM event WHERE kind = 'study_more'"
    ).fetchall()
    assert events == [("study_more", "deck:diffusion.ddpm", '{"new":2,"reviews":0}', "2026-01-05")]
    assert repo.check().ok


def test_check_finds_and_repair_mends_a_per_deck_count(store: Store, tmp_path: Path) -> None:
    repo = imported(store, tmp_path).repo
    repo.answer(repo.day_queue("flow").new[0], 5)
    repo.undo()
    repo.answer(repo.day_queue("flow").new[0], 4)
    assert repo.check().ok
    repo.conn.execute("UPDATE deck_day_done SET new = 7 WHERE deck_id = 'flow'")
    report = repo.check()
    assert not report.ok
    assert "done counts: deck flow, 2026-01-05: (0, 7) kept (reviews, new), (0, 1) in the log" in (
        report.problems
    )
    assert repo.check(repair=True).repaired
    assert repo.check().ok
    assert repo.due_counts(deck_id="flow").new == 3


def test_check_names_an_unreadable_options_event(store: Store, tmp_path: Path) -> None:
    repo = imported(store, tmp_path).repo
    repo.set_deck_options("flow", DeckOptions(new_per_day=1))
    repo.conn.execute(
        "UPDATE event SET value = '{\"new_per_day\": -1}' WHERE kind = 'deck_options'"
    )
    problems = repo.check().problems
    assert any("deck_options" in p and "new_per_day" in p for p in problems), problems
