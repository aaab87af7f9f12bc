"""Images in a card's text, as Markdown: ``![caption](name)``. Finding and rewriting
them is text work shared by the readers of decks (which store the files) and the
renderers (which show the caption), so it lives here, below both."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

# ![caption](target) or ![caption](<target with spaces>); the caption holds no brackets.
IMAGE = re.compile(r"!\[(?P<caption>[^\[\]\n]*)\]\((?:<(?P<angled>[^<>\n]+)>|(?P<bare>[^()\s]+))\)")


@dataclass(frozen=True, slots=True)
class Figure:
    """One image reference in a card's text."""

    caption: str
    name: str  # the target as written (after import: a stored name)


def figures(text: str) -> list[Figure]:
    """The images a card's text references, in order."""
    return [
        Figure(m.group("caption").strip(), m.group("angled") or m.group("bare") or "")
        for m in IMAGE.finditer(text)
    ]


def rewrite_images(text: str, rename: Callable[[Figure], str]) -> str:
    """``text`` with each image's target replaced by ``rename(figure)``."""

    def one(match: re.Match[str]) -> str:
        figure = Figure(
            match.group("caption").strip(), match.group("angled") or match.group("bare") or ""
        )
        return f"![{figure.caption}]({rename(figure)})"

    return IMAGE.sub(one, text)


def markdown_image(caption: str, name: str) -> str:
    """``![caption](name)``, the caption made safe for the brackets (no newlines)."""
    caption = " ".join(re.sub(r"[\[\]]", "", caption).split())
    target = f"<{name}>" if re.search(r"[()\s]", name) else name
    return f"![{caption}]({target})"


__all__ = ["IMAGE", "Figure", "figures", "markdown_image", "rewrite_images"]
