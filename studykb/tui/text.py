"""Turning untrusted card and paper text into something safe to show."""

from __future__ import annotations

from rich.text import Text

from studykb.render.card import card_markdown
from studykb.render.safe_text import neutralise

__all__ = ["card_markdown", "plain"]


def plain(text: str) -> Text:
    """A Rich Text that is never parsed as markup."""
    return Text(neutralise(text))
