"""Card and paper text as the TUI shows it, for every interface (the TUI, `studykb next`)."""

from __future__ import annotations

import re

from studykb.decks.media import IMAGE, Figure, figures
from studykb.render.latex import math_to_unicode
from studykb.render.safe_text import neutralise


def card_markdown(text: str) -> str:
    """Markdown for a card face (or a paper's description): math as Unicode,
    controls neutralised, each image as its caption in words (``[image: caption]``)."""
    if "![" in text:
        text = IMAGE.sub(lambda m: f"[image: {caption_of(_figure(m))}]", text)
    return math_to_unicode(neutralise(text))


def card_face(text: str) -> tuple[str, list[Figure]]:
    """A face as review shows it: its Markdown without the images, and the images
    (shown below the text, each with its caption)."""
    if "![" not in text:
        return math_to_unicode(neutralise(text)), []
    shown = figures(text)
    return math_to_unicode(neutralise(IMAGE.sub("", text).strip())), shown


def caption_of(figure: Figure) -> str:
    """The words shown with an image: its caption, or its name when it has none."""
    return neutralise(figure.caption or figure.name)


def _figure(match: re.Match[str]) -> Figure:
    return Figure(match.group("caption").strip(), match.group("angled") or match.group("bare"))
