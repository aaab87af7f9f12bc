"""Daily limits per deck, and decks as a tree (issue 16 item 13).

A deck's options (new cards per day, reviews per day, the order of its new cards)
are an event; a deck without them, a parent that is no deck of its own, and the
whole collection use the limits of Settings. "Study more" raises one deck's
limits for one study day.

Decks whose ids have dots nest: ``diffusion.ddpm`` is a child of ``diffusion``
(a node of the tree even when no deck has that id). Reviewing a node takes at most
what its own limits leave today, and from each node below it at most what that
node's limits leave (what Anki's v3 scheduler does): the limits form nested caps,
so taking cards greedily in any order takes as many as the nested minimum (a
laminar matroid), and the counts shown always equal the queue's length.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from studykb.core.queue import DoneToday, Limits

NewOrder = Literal["deck", "random"]
NEW_ORDERS: tuple[NewOrder, ...] = ("deck", "random")
MAX_NEW_PER_DAY = 100_000  # the bounds of the settings file
MAX_REVIEWS_PER_DAY = 1_000_000
MAX_STUDY_MORE = 10_000
ROOT = ""  # the whole collection's node


def _check_count(name: str, value: object, most: int, *, optional: bool = True) -> None:
    if value is None and optional:
        return
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= most:
        raise ValueError(f"{name} must be a whole number from 0 to {most}, got {value!r}")


def _object(text: str, what: str) -> dict[str, Any]:
    try:
        data: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{what} are not JSON ({exc.msg})") from None
    if not isinstance(data, dict):
        raise ValueError(f"{what} must be a JSON object")
    return data


@dataclass(frozen=True, slots=True)
class DeckOptions:
    """A deck's daily limits and new-card order; None: the limit of Settings."""

    new_per_day: int | None = None
    reviews_per_day: int | None = None
    new_order: NewOrder = "deck"

    def __post_init__(self) -> None:
        _check_count("new_per_day", self.new_per_day, MAX_NEW_PER_DAY)
        _check_count("reviews_per_day", self.reviews_per_day, MAX_REVIEWS_PER_DAY)
        if self.new_order not in NEW_ORDERS:
            raise ValueError(f"new_order must be deck or random, got {self.new_order!r}")

    def limits(self, default: Limits) -> Limits:
        return Limits(
            new_per_day=default.new_per_day if self.new_per_day is None else self.new_per_day,
            reviews_per_day=(
                default.reviews_per_day if self.reviews_per_day is None else self.reviews_per_day
            ),
        )

    def to_json(self) -> str:
        data: dict[str, Any] = {"new_order": self.new_order}
        if self.new_per_day is not None:
            data["new_per_day"] = self.new_per_day
        if self.reviews_per_day is not None:
            data["reviews_per_day"] = self.reviews_per_day
        return json.dumps(data, separators=(",", ":"), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> DeckOptions:
        """Options :meth:`to_json` wrote; ValueError (one line) for anything else."""
        data = _object(text, "deck options")
        unknown = sorted(set(data) - {"new_per_day", "reviews_per_day", "new_order"})
        if unknown:
            raise ValueError(f"unknown deck option(s): {', '.join(unknown)}")
        return cls(**data)

    def describe(self, default: Limits) -> str:
        limits = self.limits(default)
        order = "random" if self.new_order == "random" else "deck order"
        return (
            f"{limits.new_per_day} new ({order}), {limits.reviews_per_day} reviews a day"
            + ("" if self.new_per_day is not None else " (new: Settings')")
            + ("" if self.reviews_per_day is not None else " (reviews: Settings')")
        )


@dataclass(frozen=True, slots=True)
class StudyMore:
    """How far one "study more" raised a deck's limits, for one study day only."""

    new: int = 0
    reviews: int = 0

    def __post_init__(self) -> None:
        _check_count("new", self.new, MAX_STUDY_MORE, optional=False)
        _check_count("reviews", self.reviews, MAX_STUDY_MORE, optional=False)

    def __add__(self, other: StudyMore) -> StudyMore:
        return StudyMore(
            min(self.new + other.new, MAX_STUDY_MORE),
            min(self.reviews + other.reviews, MAX_STUDY_MORE),
        )

    def to_json(self) -> str:
        return json.dumps({"new": self.new, "reviews": self.reviews}, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> StudyMore:
        data = _object(text, "study more")
        unknown = sorted(set(data) - {"new", "reviews"})
        if unknown:
            raise ValueError(f"unknown study-more field(s): {', '.join(unknown)}")
        return cls(**data)


# ---------------------------------------------------------------------- the tree
def ancestors(deck_id: str) -> list[str]:
    """The parents of a deck id, outermost first: ``a.b.c`` → ``a``, ``a.b``."""
    if "." not in deck_id:
        return []
    parts = deck_id.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def parent_of(node: str) -> str:
    return node.rpartition(".")[0]


def within(deck_id: str, node: str) -> bool:
    """Whether a deck is the node or below it (every deck is within the root)."""
    return node == ROOT or deck_id == node or deck_id.startswith(node + ".")


def tree_nodes(deck_ids: Iterable[str]) -> list[str]:
    """Every node of the tree the decks make, parents before children, siblings in
    the order their first deck comes (a parent row exists even without its deck)."""
    deck_ids = list(deck_ids)
    if not any("." in d for d in deck_ids):
        return list(dict.fromkeys(deck_ids))  # no tree: the decks as they come
    seen: dict[str, None] = {}
    for deck_id in deck_ids:
        for node in (*ancestors(deck_id), deck_id):
            seen.setdefault(node, None)
    order = list(seen)
    rank = {node: i for i, node in enumerate(order)}
    children: dict[str, list[str]] = {}
    for node in order:
        children.setdefault(parent_of(node), []).append(node)
    out: list[str] = []

    def walk(parent: str) -> None:
        for child in sorted(children.get(parent, ()), key=rank.__getitem__):
            out.append(child)
            walk(child)

    walk(ROOT)
    return out


def chain(deck_id: str, scope: str) -> list[str]:
    """The nodes whose limits a card of ``deck_id`` counts against when ``scope``
    is reviewed: the scope itself and every node from below it down to the deck."""
    below = [n for n in (*ancestors(deck_id), deck_id) if len(n) > len(scope)]
    return [scope, *below]


@dataclass
class Rooms:
    """What each node's limits still allow today: reviews and new cards. A node
    missing from the dicts has ``default_reviews`` and ``default_new``: the room of
    a node with no options of its own, no study-more and nothing done below it today
    (0 for rooms computed over a list of nodes, where no other node counts)."""

    reviews: dict[str, int]
    new: dict[str, int]
    default_reviews: int = 0
    default_new: int = 0

    def reviews_of(self, node: str) -> int:
        return self.reviews.get(node, self.default_reviews)

    def new_of(self, node: str) -> int:
        return self.new.get(node, self.default_new)

    @classmethod
    def compute(
        cls,
        nodes: Iterable[str],
        limits: Mapping[str, Limits],
        default: Limits,
        done: Mapping[str, DoneToday],
        more: Mapping[str, StudyMore] | None = None,
    ) -> Rooms:
        """Each node's room: its limits (``default`` unless it has its own), raised by
        any study-more today, less what was done today in its decks and below."""
        tree = cls.of_tree(limits, default, done, more)
        order = list(nodes)
        return cls({n: tree.reviews_of(n) for n in order}, {n: tree.new_of(n) for n in order})

    @classmethod
    def of_tree(
        cls,
        limits: Mapping[str, Limits],
        default: Limits,
        done: Mapping[str, DoneToday],
        more: Mapping[str, StudyMore] | None = None,
        total: DoneToday | None = None,
    ) -> Rooms:
        """The rooms of every node of any tree, as :meth:`compute` gives them, worked
        out only for the nodes whose room can differ from the default limits: the root,
        the nodes with options or study-more, and the decks done today with their
        parents. The queue asks a few nodes per card: with many decks and none of them
        set apart, this costs what the decks done today cost, not the whole tree.

        ``total``, when given, is what was done in all decks (the root's room);
        ``done`` may then hold only some subtrees' decks: the rooms of the nodes in
        those subtrees are exact, those of other nodes are not to be asked (see
        storage.queue, which reads the subtrees of the cards it looks at)."""
        more = more or {}
        done_reviews: dict[str, int] = {ROOT: 0}
        done_new: dict[str, int] = {ROOT: 0}
        for deck, d in done.items():  # what a deck did counts for it and every parent
            for node in (ROOT, *ancestors(deck), deck):
                done_reviews[node] = done_reviews.get(node, 0) + d.reviews
                done_new[node] = done_new.get(node, 0) + d.new
        if total is not None:
            done_reviews[ROOT], done_new[ROOT] = total.reviews, total.new
        reviews: dict[str, int] = {}
        new: dict[str, int] = {}
        for node in {**done_reviews, **dict.fromkeys(limits), **dict.fromkeys(more)}:
            own = limits.get(node, default)
            extra = more.get(node)
            more_reviews, more_new = (extra.reviews, extra.new) if extra else (0, 0)
            reviews[node] = max(0, own.reviews_per_day + more_reviews - done_reviews.get(node, 0))
            new[node] = max(0, own.new_per_day + more_new - done_new.get(node, 0))
        return cls(reviews, new, default.reviews_per_day, default.new_per_day)


def take(
    candidates: Iterable[tuple[int, str]],
    room: dict[str, int],
    scope: str,
    limit: int | None = None,
    default: int = 0,
) -> list[int]:
    """Cards (card id, deck id) taken in the order given while every node of their
    chain has room; ``room`` is used up as they are taken (pass a copy). A node not
    in ``room`` has ``default`` (see :class:`Rooms`)."""
    taken: list[int] = []
    chains: dict[str, list[str]] = {}  # a deck's chain, worked out once per call
    for card_id, deck_id in candidates:
        if limit is not None and len(taken) >= limit:
            break
        nodes = chains.get(deck_id)
        if nodes is None:
            nodes = chains[deck_id] = chain(deck_id, scope)
        for n in nodes:
            if room.get(n, default) <= 0:
                break
        else:
            for n in nodes:
                room[n] = room.get(n, default) - 1
            taken.append(card_id)
    return taken


def capped_counts(
    available: Mapping[str, int],
    room: Mapping[str, int],
    nodes: Iterable[str],
    default: int = 0,
) -> dict[str, int]:
    """For each node, how many cards reviewing it gives: its own cards (``available``
    by deck) and its children's counts, at most its room (``default`` for a node not
    in ``room``)."""
    order = list(nodes)
    children: dict[str, int] = {}
    counts: dict[str, int] = {}
    room_of, available_of, below = room.get, available.get, children.get  # once per call
    at_root = 0  # the counts of the root's children (most decks: kept apart, no dict)
    for node in reversed(order):  # children after parents in ``order``: walk backwards
        if node == ROOT:
            count = min(room_of(node, default), available_of(node, 0) + at_root)
        else:
            count = min(room_of(node, default), available_of(node, 0) + below(node, 0))
            if "." in node:
                parent = parent_of(node)
                children[parent] = below(parent, 0) + count
            else:
                at_root += count
        counts[node] = count
    return counts


def random_key(deck_id: str, day: date, card_id: int) -> bytes:
    """A new card's place in a deck with random order: fixed for the deck and study
    day (the queue stays the same all day, whatever is answered), another order the
    next day."""
    import hashlib  # only for a deck with random order: `studykb due` never needs it

    seed = f"{deck_id}\x1f{day.isoformat()}\x1f{card_id}".encode()
    return hashlib.blake2b(seed, digest_size=8).digest()
