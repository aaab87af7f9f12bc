"""The rules of per-deck limits and the deck tree (core.deck_limits), pure."""

from __future__ import annotations

import random
from datetime import date

import pytest

from studykb.core.deck_limits import (
    ROOT,
    DeckOptions,
    Rooms,
    StudyMore,
    ancestors,
    capped_counts,
    chain,
    random_key,
    take,
    tree_nodes,
)
from studykb.core.queue import DoneToday, Limits


def test_the_tree_has_a_node_for_every_parent_in_the_order_decks_come() -> None:
    assert ancestors("a.b.c") == ["a", "a.b"]
    assert tree_nodes(["flow", "diffusion.ddpm", "diffusion.ddim", "flow.rect"]) == [
        "flow",
        "flow.rect",
        "diffusion",
        "diffusion.ddpm",
        "diffusion.ddim",
    ]
    assert chain("a.b.c", ROOT) == [ROOT, "a", "a.b", "a.b.c"]
    assert chain("a.b.c", "a.b") == ["a.b", "a.b.c"]
    assert chain("a", "a") == ["a"]


def test_rooms_count_what_was_done_below_each_node_and_study_more() -> None:
    rooms = Rooms.compute(
        [ROOT, "a", "a.x", "b"],
        {"a.x": Limits(new_per_day=3, reviews_per_day=10)},
        Limits(new_per_day=5, reviews_per_day=100),
        {"a.x": DoneToday(reviews=4, new=2), "b": DoneToday(reviews=1, new=1)},
        {"a.x": StudyMore(new=1)},
    )
    assert rooms.new == {ROOT: 2, "a": 3, "a.x": 2, "b": 4}
    assert rooms.reviews == {ROOT: 95, "a": 96, "a.x": 6, "b": 99}


def test_the_counts_equal_what_the_queue_takes_whatever_the_order() -> None:
    """The limits are nested caps: taking greedily in any order takes as many as
    the nested minimum that the counts show (a laminar matroid)."""
    rng = random.Random(7)
    decks = ["a", "a.x", "a.y", "b", "b.z.w"]
    nodes = [ROOT, *tree_nodes(decks)]
    for _ in range(200):
        room = {n: rng.randint(0, 6) for n in nodes}
        cards = [(i, rng.choice(decks)) for i in range(rng.randint(0, 25))]
        available = {d: sum(1 for _, deck in cards if deck == d) for d in decks}
        counts = capped_counts(available, room, nodes)
        for scope in nodes:
            within = [
                c for c in cards if scope == ROOT or c[1] == scope or c[1].startswith(scope + ".")
            ]
            rng.shuffle(within)
            assert len(take(within, dict(room), scope)) == counts[scope]


def test_random_key_is_fixed_for_deck_and_day_and_differs_between_days() -> None:
    day = date(2026, 1, 5)
    order = sorted(range(20), key=lambda c: random_key("d", day, c))
    assert order == sorted(range(20), key=lambda c: random_key("d", day, c))
    assert order != list(range(20))
    assert order != sorted(range(20), key=lambda c: random_key("d", date(2026, 1, 6), c))
    assert order != sorted(range(20), key=lambda c: random_key("e", day, c))


def test_options_round_trip_and_refuse_bad_values() -> None:
    options = DeckOptions(new_per_day=3, new_order="random")
    assert DeckOptions.from_json(options.to_json()) == options
    assert options.limits(Limits(20, 200)) == Limits(new_per_day=3, reviews_per_day=200)
    for bad in ('{"new_per_day": -1}', '{"new_order": "shuffled"}', '{"x": 1}', "[]", "nope"):
        with pytest.raises(ValueError):
            DeckOptions.from_json(bad)
    with pytest.raises(ValueError):
        StudyMore.from_json('{"new": true}')
    assert StudyMore(2, 0) + StudyMore(1, 3) == StudyMore(3, 3)
