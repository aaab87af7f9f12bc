"""Anki's HTML as clean card text: line breaks, Markdown emphasis, Unicode or
LaTeX scripts, visible markers for media, MathJax as the deck format's $...$."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from studykb.render.figures import markdown_image

# Every character Unicode has a sub/superscript form for; a script with any other
# character becomes LaTeX math instead (read by the same renderer as $...$).
_SUB_MAP = dict(
    zip(
        "0123456789+-−=()aehijklmnoprstuvxβγρφχ",
        "₀₁₂₃₄₅₆₇₈₉₊₋₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓᵦᵧᵨᵩᵪ",
        strict=True,
    )
)
_SUP_MAP = dict(
    zip(
        "0123456789+-−=()abcdefghijklmnoprstuvwxyzABDEGHIJKLMNOPRTUVWβγδθφχ",
        "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁻⁼⁽⁾ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻᴬᴮᴰᴱᴳᴴᴵᴶᴷᴸᴹᴺᴼᴾᴿᵀᵁⱽᵂᵝᵞᵟᶿᵠᵡ",
        strict=True,
    )
)
# A line break as Anki shows it (<br>, a block's end). Markdown reads a lone newline
# as a space, so it becomes a hard break ("  " + newline). Marked with a Unicode
# noncharacter while converting, which never occurs in text (removed from input).
_BREAK = "\ufdd0"
# What a sub/superscript outside math attaches to: the word before it.
_SCRIPT_BASE = re.compile(r"[\w∇∂′']+$")
_BLOCK = {"div", "p", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre"}
_SKIP = {"script", "style", "head", "title"}


class _Converter(HTMLParser):
    def __init__(self, images: frozenset[str] = frozenset()) -> None:
        super().__init__(convert_charrefs=True)
        self.images = images  # the package's media files: shown as images, not named
        self.out: list[str] = []
        self.stack: list[tuple[str, int]] = []  # (tag, index in out where it began)
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skip += 1
            return
        if tag == "br":
            self.out.append(_BREAK)
        elif tag in _BLOCK:
            self._newline()
            if tag == "li":
                self.out.append("- ")
        elif tag == "img":
            values = dict(attrs)
            src = values.get("src") or "image"
            if src in self.images:
                self.out.append(markdown_image(values.get("alt") or src, src))
            else:
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
                if inner and tag in ("sub", "sup"):
                    self.out.append(self._script(tag, inner))
                elif inner:
                    self.out.append(_wrap(tag, inner))
                return

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.out.append(data)

    def _newline(self) -> None:
        if self.out and not self.out[-1].endswith(("\n", _BREAK)):
            self.out.append(_BREAK)

    def _script(self, tag: str, inner: str) -> str:
        """x<sub>t</sub> as xₜ when every character has a Unicode form, else as
        math ($x_{KL}$) taking the word before along: never a bare `_{...}`, which
        Markdown would read as emphasis."""
        table = _SUB_MAP if tag == "sub" else _SUP_MAP
        plain = inner.replace("*", "")
        if all(c in table for c in plain):
            return "".join(table[c] for c in plain)
        if "$" in plain or "\\" in plain or _BREAK in plain:
            return inner  # already math, or several lines: left as written
        base = ""
        while self.out and (match := _SCRIPT_BASE.search(self.out[-1])):
            base = match.group() + base
            self.out[-1] = self.out[-1][: match.start()]
            if self.out[-1]:
                break
            self.out.pop()
        mark = "_" if tag == "sub" else "^"
        return f"${base}{mark}{{{plain}}}$"


def _wrap(tag: str, inner: str) -> str:
    if tag in ("b", "strong"):
        return f"**{inner}**"
    if tag in ("i", "em"):
        return f"*{inner}*"
    return inner


def html_to_text(
    html: str, *, soft_breaks: bool = False, images: frozenset[str] = frozenset()
) -> str:
    """Card text from Anki's HTML field content. Line breaks Anki shows become
    Markdown hard breaks. With ``soft_breaks`` (studykb's own export), a ``<br>``
    followed by a newline is the plain newline it was exported from. An ``<img>`` of
    a file in ``images`` (the package's media) becomes ``![alt or name](name)``, any
    other one the text ``[image: name]``."""
    text = re.sub(r"\[sound:([^\]]+)\]", r"[sound: \1]", html.replace(_BREAK, ""))
    converter = _Converter(images)
    converter.feed(text)
    converter.close()
    text = "".join(converter.out).replace("\xa0", " ")
    if soft_breaks:
        text = text.replace(_BREAK + "\n", "\n")
    text = mathjax_to_dollars(text)
    text = re.sub(r"[ \t]+(?=[\n\ufdd0])", "", text)
    # Two or more breaks in a row are a paragraph; one is a (hard) line break.
    text = re.sub(r"[\n\ufdd0]{2,}", "\n\n", text)
    return text.replace(_BREAK, "  \n").strip()


def mathjax_to_dollars(text: str) -> str:
    r"""Anki's MathJax ``\(...\)`` and ``\[...\]`` become ``$...$``."""
    text = re.sub(r"\\\((.+?)\\\)", lambda m: f"${m.group(1).strip()}$", text, flags=re.S)
    return re.sub(r"\\\[(.+?)\\\]", lambda m: f"${m.group(1).strip()}$", text, flags=re.S)


def dollars_to_mathjax(text: str) -> str:
    r"""The deck format's ``$...$`` as Anki's MathJax ``\(...\)``."""
    return re.sub(r"(?<![\\$])\$(?!\$)(.+?)(?<![\\$])\$", r"\\(\1\\)", text, flags=re.S)
