"""LaTeX math to readable Unicode, on top of pylatexenc.

pylatexenc parses the LaTeX and knows the symbols (``\\alpha`` -> α,
``\\mathcal{N}`` -> 𝒩, ``\\nabla`` -> ∇); it renders structure flatly, though:
``x_{t-1}`` becomes ``x_t-1`` and ``\\frac{1-a}{1-b}`` becomes ``1-a/1-b``. This
module walks pylatexenc's node tree itself for the structure a reader needs:
sub- and superscripts (Unicode where every character has a form, which is
digits and signs; braces otherwise), fractions and roots with parentheses
where they are needed, accents as combining marks on the right letter, and
function names followed by a space.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from pylatexenc import latexwalker as lw
from pylatexenc.latex2text import LatexNodes2Text

# Digits and signs have sub/superscript forms in every terminal font worth the
# name; letters mostly do not (ₜ, ᵢ render as boxes in many), so they keep `_t`.
_SUB = str.maketrans("0123456789+-−=()", "₀₁₂₃₄₅₆₇₈₉₊₋₋₌₍₎")
_SUP = str.maketrans("0123456789+-−=()nT", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁻⁼⁽⁾ⁿᵀ")
_SUB_CHARS = set("0123456789+-−=()")
_SUP_CHARS = set("0123456789+-−=()nT")

_ACCENTS = {
    "bar": "\u0304",
    "overline": "\u0305",
    "hat": "\u0302",
    "widehat": "\u0302",
    "tilde": "\u0303",
    "widetilde": "\u0303",
    "dot": "\u0307",
    "ddot": "\u0308",
    "vec": "\u20d7",
    "check": "\u030c",
    "breve": "\u0306",
}
_PLAIN_STYLES = {
    "mathbf",
    "boldsymbol",
    "bm",
    "mathrm",
    "mathit",
    "text",
    "textrm",
    "textit",
    "textbf",
    "operatorname",
    "mathsf",
    "mathtt",
    "texttt",
    "emph",
    "textnormal",
}
_FUNCTIONS = {
    "log",
    "exp",
    "sin",
    "cos",
    "tan",
    "max",
    "min",
    "arg",
    "argmax",
    "argmin",
    "det",
    "lim",
    "sup",
    "inf",
    "ln",
    "tr",
    "Pr",
    "sgn",
}
_SPACES = {",": " ", ";": " ", ":": " ", "!": "", "quad": "  ", "qquad": "   ", " ": " "}
_DROP = {
    "left",
    "right",
    "big",
    "Big",
    "bigg",
    "Bigg",
    "bigl",
    "bigr",
    "Bigl",
    "Bigr",
    "displaystyle",
    "textstyle",
    "limits",
    "nolimits",
}
_SYMBOLS = {
    "|": "‖",
    "{": "{",
    "}": "}",
    "_": "_",
    "%": "%",
    "$": "$",
    "#": "#",
    "&": "&",
    "lVert": "‖",
    "rVert": "‖",
    "Vert": "‖",
    "lvert": "|",
    "rvert": "|",
    "vert": "|",
    "mid": " | ",
    "top": "ᵀ",
    "intercal": "ᵀ",
    "ldots": "…",
    "cdots": "⋯",
    "dots": "…",
    "coloneqq": "≔",
    "triangleq": "≜",
    "eqqcolon": "≕",
}
_BINARY = set("×·≤≥≈∼∝→←↦⇒⇔≠≡∈∉⊂⊆∪∩±∓⊙⊗∘") | {"≃", "≅"}
_ATOM = re.compile(r"^[^\s+\-−=/,<>≤≥≈·×]+$")


@lru_cache(maxsize=1)
def _symbols() -> LatexNodes2Text:
    return LatexNodes2Text(math_mode="text", strict_latex_spaces=False)


def _group_or_node_text(node: lw.LatexNode | None) -> str:
    if node is None:
        return ""
    if isinstance(node, lw.LatexGroupNode):
        return _render(node.nodelist)
    return _render([node])


def _args(node: lw.LatexMacroNode) -> list[lw.LatexNode | None]:
    return list(node.nodeargd.argnlist) if node.nodeargd is not None else []


def _wrap(text: str) -> str:
    text = text.strip()
    return (
        text
        if _ATOM.match(text)
        or (text.startswith("(") and text.endswith(")") and text.count("(") == 1)
        else f"({text})"
    )


def _accent(text: str, mark: str) -> str:
    """Put a combining mark on the base letter: ᾱ_t, not α_t̄."""
    if not text:
        return mark
    base = re.match(r"^(.)(.*)$", text, re.S)
    assert base is not None
    head, rest = base.groups()
    if len(text) > 1 and not rest.startswith("_") and not rest.startswith("^"):
        return "".join(ch + mark for ch in text)  # a word: mark every letter
    return head + mark + rest


def _script(kind: str, text: str) -> str:
    text = text.strip()
    table, allowed = (_SUB, _SUB_CHARS) if kind == "_" else (_SUP, _SUP_CHARS)
    if text and all(ch in allowed for ch in text):
        return text.translate(table)
    if kind == "^" and text in ("*", "′", "'", "†"):
        return text
    if len(text) == 1:
        return kind + text
    return f"{kind}{{{text}}}"


def _macro(node: lw.LatexMacroNode) -> str:
    name = node.macroname
    args = _args(node)
    if name in _DROP:
        return ""
    if name in _SPACES:
        return _SPACES[name]
    if name in _SYMBOLS:
        return _SYMBOLS[name]
    if name == "frac" or name == "dfrac" or name == "tfrac":
        padded = [a for a in args if a is not None] + [None, None]
        num, den = _group_or_node_text(padded[0]), _group_or_node_text(padded[1])
        return f"{_wrap(num)}/{_wrap(den)}"
    if name == "sqrt":
        radicand = _group_or_node_text(args[-1] if args else None)
        index = _group_or_node_text(args[0]) if len(args) > 1 and args[0] is not None else ""
        root = {"3": "∛", "4": "∜"}.get(index.strip(), "√")
        return root + _wrap(radicand)
    if name in _ACCENTS:
        return _accent(_group_or_node_text(args[-1] if args else None), _ACCENTS[name])
    if name in _PLAIN_STYLES:
        return _group_or_node_text(args[-1] if args else None)
    if name in _FUNCTIONS:
        return f"{name} "
    symbol = str(_symbols().node_to_text(node))
    return f" {symbol.strip()} " if symbol.strip() in _BINARY else symbol


def _render(nodes: list[lw.LatexNode] | None) -> str:
    if not nodes:
        return ""
    out: list[str] = []
    pending: str | None = None  # '_' or '^' waiting for its argument
    gap = False  # the last piece was a root or fraction: a following letter needs a space

    def emit(piece: str, *, operator_like: bool = False) -> None:
        nonlocal gap
        if gap and piece[:1].isalnum():
            # `\sqrt{a}x` reads as √a x, not √ax: juxtaposition needs a gap.
            out.append(" ")
        out.append(piece)
        gap = operator_like

    for node in nodes:
        if pending is not None and not (
            isinstance(node, lw.LatexCharsNode) and node.chars.strip() == ""
        ):
            if isinstance(node, lw.LatexCharsNode):
                chars = node.chars.lstrip()
                out.append(_script(pending, chars[0]))
                text, pending = _chars(chars[1:])
                out.append(text)
                continue
            out.append(_script(pending, _group_or_node_text(node)))
            pending = None
            continue
        if isinstance(node, lw.LatexCharsNode):
            text, pending = _chars(node.chars)
            emit(text)
        elif isinstance(node, lw.LatexGroupNode):
            emit(_render(node.nodelist))
        elif isinstance(node, lw.LatexMacroNode):
            text = _macro(node)
            if getattr(node, "macro_post_space", "") and not any(_args(node)):
                text += " "  # the space the parser took after `\epsilon ` is the reader's
            emit(text, operator_like=node.macroname in _OPERATOR_LIKE)
        elif isinstance(node, lw.LatexSpecialsNode):
            emit(str(node.specials_chars))
        elif isinstance(node, lw.LatexMathNode):
            emit(_render(node.nodelist))
        elif isinstance(node, lw.LatexCommentNode):
            continue
        else:
            emit(str(_symbols().node_to_text(node)))
    if pending is not None:
        out.append(pending)
    return "".join(out)


_OPERATOR_LIKE = {"sqrt", "frac", "dfrac", "tfrac"}


def _chars(text: str) -> tuple[str, str | None]:
    """Plain characters, with their own `_x` / `^2` scripts. A script sign at the
    very end is returned apart: its argument is the next node (``x_{...}``)."""
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch in "_^":
            j = i + 1
            while j < len(text) and text[j] == " ":
                j += 1
            if j >= len(text):
                return "".join(out), ch
            out.append(_script(ch, text[j]))
            i = j + 1
            continue
        out.append("−" if ch == "-" else ch)
        i += 1
    return "".join(out), None


def latex_to_unicode(latex: str) -> str:
    """Readable Unicode for one LaTeX math expression (the inside of ``$...$``)."""
    try:
        walker = lw.LatexWalker(latex, tolerant_parsing=True)
        nodes, _, _ = walker.get_latex_nodes()
        text = _render(nodes)
    except Exception:  # pylatexenc is tolerant, but a card must never fail to show
        return latex
    # Precomposed letters (ᾱ as one code point) line up better in terminals than
    # a letter followed by a combining mark.
    return unicodedata.normalize("NFC", re.sub(r"[ \t]{2,}", " ", text).strip())


_MATH = re.compile(r"(?<![\\$])\$(?!\$)(.+?)(?<![\\$])\$", re.S)
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~])")


def math_to_unicode(text: str, *, markdown: bool = True) -> str:
    """Replace every ``$...$`` in card text with its Unicode rendering; with
    ``markdown`` escape what Markdown would otherwise read as emphasis or links."""

    def replace(match: re.Match[str]) -> str:
        rendered = latex_to_unicode(match.group(1))
        return _MD_SPECIAL.sub(r"\\\1", rendered) if markdown else rendered

    return _MATH.sub(replace, text)
