"""Counted words, in one place: ``1 card``, ``2 cards`` (never ``1 cards``)."""

from __future__ import annotations


def plural(n: int, word: str, many: str | None = None) -> str:
    """``n`` and the word, in the plural unless ``n`` is one: plural(1, "card") -> "1 card"."""
    return f"{n} {word if n == 1 else (many or word + 's')}"
