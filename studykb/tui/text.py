"""Turning untrusted card and paper text into something safe to show."""

from __future__ import annotations

from rich.text import Text

from studykb.render.latex import math_to_unicode
from studykb.render.safe_text import neutralise


def card_markdown(text: str) -> str:
    """Markdown for a card face: math as Unicode, controls neutralised."""
    return math_to_unicode(neutralise(text))


def plain(text: str) -> Text:
    """A Rich Text that is never parsed as markup."""
    return Text(neutralise(text))
