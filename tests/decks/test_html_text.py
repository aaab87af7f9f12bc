"""Anki HTML as card text: scripts and line breaks survive Markdown."""

from __future__ import annotations

import pytest
from markdown_it import MarkdownIt

from studykb.decks.anki_export import to_anki_html
from studykb.decks.html_text import html_to_text
from studykb.render.latex import math_to_unicode


def shown(text: str) -> str:
    """What a reader sees: math rendered, then Markdown as the TUI reads it."""
    return MarkdownIt("commonmark").render(math_to_unicode(text))


def test_scripts_outside_math_become_unicode_or_math() -> None:
    text = html_to_text("&nabla;<sub>x</sub> log p<sub>t</sub>(x)")
    assert text == "∇ₓ log pₜ(x)"
    assert "_" not in shown(text)
    assert html_to_text("x<sup>T</sup>A<sup>-1</sup>y<sub>i+1</sub>") == "xᵀA⁻¹yᵢ₊₁"
    # No Unicode subscript K or L: math, with the symbol it belongs to.
    text = html_to_text("the D<sub>KL</sub> term and e<sup>&#8722;x/2</sup>")
    assert text == "the $D_{KL}$ term and $e^{−x/2}$"
    assert "D_" in shown(text)  # the underscore reaches the screen
    assert "<em>" not in shown(html_to_text("q<sub>KL</sub>(x) and p<sub>KL</sub>(y)"))


@pytest.mark.parametrize(
    "html",
    ["line one<br>line two", "<div>line one</div><div>line two</div>", "line one<br/>line two"],
)
def test_line_breaks_are_kept(html: str) -> None:
    text = html_to_text(html)
    assert "line one<br />\nline two" in MarkdownIt("commonmark").render(text)


def test_paragraphs_and_studykb_newlines_round_trip() -> None:
    assert html_to_text("a<br><br>b") == "a\n\nb"
    for text in ("one\ntwo", "one  \ntwo", "one\n\ntwo", "- a\n- b"):
        assert html_to_text(to_anki_html(text), soft_breaks=True) == text
    assert to_anki_html("one\ntwo  \nthree") == "one<br>\ntwo<br>three"
