"""Anki's HTML as clean card text: line breaks, Markdown emphasis, Unicode or
LaTeX scripts, visible markers for media, MathJax as the deck format's $...$."""

from __future__ import annotations

import re
from html.parser import HTMLParser

_SUP = str.maketrans("0123456789+-=()n", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿ")
_SUB = str.maketrans("0123456789+-=()", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎")
_BLOCK = {"div", "p", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre"}
_SKIP = {"script", "style", "head", "title"}


class _Converter(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.stack: list[tuple[str, int]] = []  # (tag, index in out where it began)
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skip += 1
            return
        if tag == "br":
            self.out.append("\n")
        elif tag in _BLOCK:
            self._newline()
            if tag == "li":
                self.out.append("- ")
        elif tag == "img":
            src = dict(attrs).get("src") or "image"
            self.out.append(f"[image: {src.rsplit('/', 1)[-1]}]")
        elif tag in ("b", "strong", "i", "em", "sub", "sup", "u"):
            self.stack.append((tag, len(self.out)))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)
            return
        if tag in _BLOCK:
            self._newline()
            return
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                _, start = self.stack.pop(i)
                inner = "".join(self.out[start:]).strip()
                del self.out[start:]
                if inner:
                    self.out.append(_wrap(tag, inner))
                return

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.out.append(data)

    def _newline(self) -> None:
        if self.out and not "".join(self.out[-1:]).endswith("\n"):
            self.out.append("\n")


def _wrap(tag: str, inner: str) -> str:
    if tag in ("b", "strong"):
        return f"**{inner}**"
    if tag in ("i", "em"):
        return f"*{inner}*"
    if tag == "sup":
        return (
            inner.translate(_SUP)
            if all(c in "0123456789+-=()n" for c in inner)
            else f"^{{{inner}}}"
        )
    if tag == "sub":
        return (
            inner.translate(_SUB) if all(c in "0123456789+-=()" for c in inner) else f"_{{{inner}}}"
        )
    return inner


def html_to_text(html: str) -> str:
    """Card text from Anki's HTML field content."""
    text = re.sub(r"\[sound:([^\]]+)\]", r"[sound: \1]", html)
    converter = _Converter()
    converter.feed(text)
    converter.close()
    text = "".join(converter.out).replace("\xa0", " ")
    text = mathjax_to_dollars(text)
    text = re.sub(r"[ \t]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def mathjax_to_dollars(text: str) -> str:
    r"""Anki's MathJax ``\(...\)`` and ``\[...\]`` become ``$...$``."""
    text = re.sub(r"\\\((.+?)\\\)", lambda m: f"${m.group(1).strip()}$", text, flags=re.S)
    return re.sub(r"\\\[(.+?)\\\]", lambda m: f"${m.group(1).strip()}$", text, flags=re.S)


def dollars_to_mathjax(text: str) -> str:
    r"""The deck format's ``$...$`` as Anki's MathJax ``\(...\)``."""
    return re.sub(r"(?<![\\$])\$(?!\$)(.+?)(?<![\\$])\$", r"\\(\1\\)", text, flags=re.S)
