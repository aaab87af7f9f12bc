"""Decks whose ids make a tree (``diffusion.ddpm`` under ``diffusion``), for the tests
of deck limits and the home tree (issue 16 item 13): the bundled decks have no dots."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import write


def deck_file(folder: Path, deck_id: str, cards: int, title: str | None = None) -> Path:
    body = [f'[deck]\nid = "{deck_id}"\ntitle = "{title or deck_id.title()}"\n']
    for i in range(1, cards + 1):
        body.append(
            f'[[cards]]\nid = "c{i}"\nfront = "{deck_id} question {i}?"\n'
            f'back = "Answer {i}."\nsource = "§{i}"\n'
        )
    return write(folder / f"{deck_id}.toml", "\n".join(body))


def tree_decks(folder: Path) -> list[Path]:
    """``diffusion`` (a parent with no deck of its own) over ``diffusion.ddpm`` (6 new
    cards) and ``diffusion.ddim`` (5), and a deck ``flow`` (4) beside it."""
    return [
        deck_file(folder, "diffusion.ddpm", 6, "DDPM"),
        deck_file(folder, "diffusion.ddim", 5, "DDIM"),
        deck_file(folder, "flow", 4, "Flow matching"),
    ]
