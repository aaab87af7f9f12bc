"""Card and paper text as the TUI shows it, for every interface (the TUI, `studykb next`)."""

from __future__ import annotations

from studykb.render.latex import math_to_unicode
from studykb.render.safe_text import neutralise


def card_markdown(text: str) -> str:
    """Markdown for a card face (or a paper's description): math as Unicode,
    controls neutralised."""
    return math_to_unicode(neutralise(text))
