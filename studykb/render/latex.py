"""LaTeX math to readable Unicode, on top of pylatexenc.

pylatexenc parses the LaTeX and knows the symbols (``\\alpha`` -> α,
``\\mathcal{N}`` -> 𝒩, ``\\nabla`` -> ∇); it renders structure flatly, though:
``x_{t-1}`` becomes ``x_t-1`` and ``\\frac{1-a}{1-b}`` becomes ``1-a/1-b``. This
module walks pylatexenc's node tree itself and builds a list of pieces (a
symbol, a number, an operator, a bracket, a fraction...) that are then joined
with the spacing a reader needs. The rules:

- every control sequence pylatexenc knows becomes its symbol; one it does not
  know stays visible as written (``\\foo{x}``), so nothing is silently lost;
- a sub/superscript uses Unicode characters when every character has one
  (``x_{t-1}`` -> xₜ₋₁), else ``_`` or ``^`` with a single symbol or word
  (``D_KL``) or a parenthesised expression (``𝔼_(x₀,ϵ)``), never braces;
- a root or fraction part of more than one symbol is parenthesised, and a
  fraction standing next to a factor is too: ``(1/√αₜ)(xₜ − …)``;
- relations get spaces around them, and a scripted symbol is kept apart from
  the letter after it (``𝐳_λ = α_λ 𝐱``, ``∇ₓ log p``);
- ``\\mathbf`` letters are Unicode mathematical bold (𝐱).
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from pylatexenc import latexwalker as lw
from pylatexenc.latex2text import LatexNodes2Text, fmt_math_text_style
from pylatexenc.latex2text import get_default_latex_context_db as _text_db
from pylatexenc.macrospec import MacroSpec

# pylatexenc logs warnings about odd input (a bad `\frac`, tolerant-parse errors); with no
# handler Python would print them on stderr, over the TUI. The card shows what went wrong.
logging.getLogger("pylatexenc").addHandler(logging.NullHandler())


def _names(text: str) -> frozenset[str]:
    return frozenset(text.split())


def _table(plain: str, scripted: str) -> dict[str, str]:
    assert len(plain) == len(scripted), (plain, scripted)
    return dict(zip(plain, scripted, strict=True))


# Every character that has a Unicode subscript or superscript form.
_SUB = _table(
    "0123456789+-−=()aehijklmnoprstuvxβγρφϕχ",
    "₀₁₂₃₄₅₆₇₈₉₊₋₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓᵦᵧᵨᵩᵩᵪ",
)
_SUP = _table(
    "0123456789+-−=()abcdefghijklmnoprstuvwxyzABDEGHIJKLMNOPRTUVWαβγδεθφϕχ⊤",
    "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁻⁼⁽⁾ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻᴬᴮᴰᴱᴳᴴᴵᴶᴷᴸᴹᴺᴼᴾᴿᵀᵁⱽᵂᵅᵝᵞᵟᵋᶿᵠᵠᵡᵀ",
)
_SCRIPT_CHARS = set(_SUB.values()) | set(_SUP.values())
# Superscripts that read well inline: ϵ*, f′, A†.
_INLINE_SUP = {"*", "∗", "⋆", "′", "″", "†", "‡"}
_VULGAR = {
    ("1", "2"): "½",
    ("1", "3"): "⅓",
    ("2", "3"): "⅔",
    ("1", "4"): "¼",
    ("3", "4"): "¾",
    ("1", "5"): "⅕",
    ("1", "6"): "⅙",
    ("1", "8"): "⅛",
}

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
_BOLD_STYLES = {"mathbf", "boldsymbol", "bm", "textbf", "mathbold"}
# Upright text: a word or a name, shown as its letters.
_PLAIN_STYLES = _names("mathrm text textrm textit textsf texttt textnormal emph mbox hbox")
_FONT_STYLES = {
    "mathbb": "doublestruck",
    "mathcal": "script",
    "mathscr": "script",
    "mathfrak": "fraktur",
    "mathsf": "sans",
    "mathtt": "monospace",
    "mathit": "italic",
}
_FUNCTIONS = _names(
    "log exp sin cos tan tanh sinh cosh max min arg argmax argmin det dim lim liminf "
    "limsup sup inf ln lg tr Tr Pr sgn softmax diag Var Cov"
)
_SPACES = {",", ";", ":", ">", " ", "quad", "qquad", "enspace", "thinspace", "medspace"}
_NO_SPACE = {"!", "negthinspace"}
# Sizing and delimiter hints with no symbol of their own; `\left.` is an empty delimiter.
_DROP = _names(
    "left right middle big Big bigg Bigg bigl bigr Bigl Bigr biggl biggr Biggl Biggr "
    "bigm Bigm displaystyle textstyle scriptstyle limits nolimits"
)
_DELIMITER_HINTS = _DROP - {"displaystyle", "textstyle", "scriptstyle", "limits", "nolimits"}
# Symbols pylatexenc lacks or renders for prose rather than math.
_SYMBOLS = {
    "|": "‖",
    "{": "{",
    "}": "}",
    "lbrace": "{",
    "rbrace": "}",
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
    "mid": "|",
    "top": "⊤",
    "intercal": "⊤",
    "ldots": "…",
    "cdots": "⋯",
    "dots": "…",
    "dotsc": "…",
    "dotsb": "⋯",
    "gets": "←",
    "coloneqq": "≔",
    "eqqcolon": "≕",
    "triangleq": "≜",
    "ne": "≠",
    "implies": "⟹",
    "impliedby": "⟸",
    "iff": "⟺",
    "land": "∧",
    "lor": "∨",
    "neg": "¬",
    "colon": ":",
    "Re": "ℜ",
    "Im": "ℑ",
    "prime": "′",
}
_RELATIONS = set("=<>≤≥≦≧≈∼∝→←↦⇒⇐⇔↔≠≡∈∉∋⊂⊆⊃⊇≃≅≻≺⪰⪯≪≫⊥∥≔≕≜⟶⟵⟹⟸⟺")
_BINARY = set("×·±∓∘⊙⊗⊕∪∩∖÷∧∨⋅")
_BIG_OPERATORS = set("∑∏∫∮∬∭∐⋃⋂")
_OPEN = {"(": ")", "[": "]", "{": "}", "⟨": "⟩", "⌊": "⌋", "⌈": "⌉"}
_CLOSE = set(_OPEN.values())

_BOLD_GREEK = {chr(0x03B1 + i): chr(0x1D6C2 + i) for i in range(25)} | {
    chr(0x0391 + i): chr(0x1D6A8 + i) for i in range(25) if i != 0x11
}
_BOLD_GREEK |= {"ϵ": "𝛜", "ϑ": "𝛝", "ϰ": "𝛞", "ϕ": "𝛟", "ϱ": "𝛠", "ϖ": "𝛡", "∇": "𝛁", "∂": "𝛛"}


def _bold(text: str) -> str:
    """Mathematical bold letters and digits (𝐱, 𝐈, 𝟎, 𝛜); other characters unchanged."""
    out = []
    for ch in text:
        if "A" <= ch <= "Z":
            out.append(chr(0x1D400 + ord(ch) - ord("A")))
        elif "a" <= ch <= "z":
            out.append(chr(0x1D41A + ord(ch) - ord("a")))
        elif "0" <= ch <= "9":
            out.append(chr(0x1D7CE + ord(ch) - ord("0")))
        else:
            out.append(_BOLD_GREEK.get(ch, ch))
    return "".join(out)


# Piece kinds.
SYM, NUM, WORD, FUNC, BIGOP = "sym", "num", "word", "func", "bigop"
REL, BINOP, OP = "rel", "binop", "op"
OPEN, CLOSE, PUNCT, BAR, SPACE = "open", "close", "punct", "bar", "space"
FRAC, ROOT, RAW, GROUP = "frac", "root", "raw", "group"
# What stands for one symbol inside a root or a fraction part.
_UNIT_KINDS = {SYM, NUM, WORD, ROOT, RAW, GROUP}
# Pieces that multiply a fraction standing next to them (a/b c is ambiguous).
_FACTOR_BEFORE = {SYM, NUM, WORD, CLOSE, ROOT, RAW, GROUP, FRAC, FUNC}
_FACTOR_AFTER = {SYM, NUM, WORD, OPEN, ROOT, RAW, GROUP, FRAC, FUNC, BIGOP}


@dataclass(slots=True)
class _Piece:
    text: str
    kind: str
    scripted: bool = False


@lru_cache(maxsize=1)
def _symbols() -> LatexNodes2Text:
    return LatexNodes2Text(math_mode="text", strict_latex_spaces=False)


@lru_cache(maxsize=1)
def _known() -> object:
    return _text_db()


@lru_cache(maxsize=1)
def _parse_db() -> object:
    """pylatexenc's parser database plus the arguments of macros it does not
    know but this module renders (``\\boldsymbol{x}``, ``\\operatorname{tr}``)."""
    db = lw.get_default_latex_context_db()
    one_arg = ["boldsymbol", "bm", "operatorname", "widehat", "widetilde", "mathbold", "mbox"]
    db.add_context_category(
        "studykb-math",
        macros=[MacroSpec(name, "{") for name in one_arg]
        + [MacroSpec(name, "{{") for name in ("dfrac", "tfrac")],
        prepend=True,
    )
    return db


def _pylatexenc_text(node: lw.LatexNode) -> str:
    """pylatexenc's text for a node; as written when pylatexenc fails on it
    (an empty ``\\begin{pmatrix}`` raises inside pylatexenc)."""
    try:
        return str(_symbols().node_to_text(node)).strip()
    except Exception:
        return str(node.latex_verbatim()).strip()


def _is_known(name: str) -> bool:
    return _known().get_macro_spec(name) is not None  # type: ignore[attr-defined]


def _classify(text: str) -> str:
    if text in _RELATIONS or text in ("≔", ":="):
        return REL
    if text in _BINARY:
        return BINOP
    if text in _BIG_OPERATORS:
        return BIGOP
    if text in _OPEN:
        return OPEN
    if text in _CLOSE:
        return CLOSE
    if text in ("‖", "|"):
        return BAR
    if len(text) > 1 and text.isalpha():
        return WORD
    return SYM


def _is_plain_symbol(text: str) -> bool:
    """One character (with its combining marks), or a word of letters and digits."""
    bases = [ch for ch in text if not unicodedata.category(ch).startswith("M")]
    if len(bases) == 1:
        return True
    return bool(bases) and all(ch.isalnum() and ch not in _SCRIPT_CHARS for ch in bases)


def _script(kind: str, text: str) -> str:
    text = text.strip()
    if not text:
        return ""
    table = _SUB if kind == "_" else _SUP
    if all(ch in table for ch in text):
        return "".join(table[ch] for ch in text)
    if kind == "^" and all(ch in _INLINE_SUP for ch in text):
        return text
    if _is_plain_symbol(text):
        return kind + text
    return f"{kind}({text})"


def _accent(text: str, mark: str) -> str:
    """Put a combining mark on the base letter: ᾱₜ, not αₜ̄; a word gets it on every letter."""
    if not text:
        return mark
    head, rest = text[0], text[1:]
    if not rest or rest[0] in "_^" or all(ch in _SCRIPT_CHARS for ch in rest):
        return head + mark + rest
    return "".join(ch + mark if ch.isalnum() else ch for ch in text)


def _args(node: lw.LatexMacroNode) -> list[lw.LatexNode | None]:
    return list(node.nodeargd.argnlist) if node.nodeargd is not None else []


def _arg_nodes(node: lw.LatexNode | None) -> list[lw.LatexNode]:
    if node is None:
        return []
    if isinstance(node, lw.LatexGroupNode):
        return list(node.nodelist)
    return [node]


def _strip_spaces(pieces: list[_Piece]) -> list[_Piece]:
    return [p for p in pieces if p.kind != SPACE]


def _is_unit(pieces: list[_Piece]) -> bool:
    """Does this stand for one symbol: αₜ, 10⁻⁴, √x, (1−αₜ)? Not 2ϵ, β(t), a+b."""
    items = _strip_spaces(pieces)
    if not items:
        return True
    if len(items) == 1:
        return items[0].kind in _UNIT_KINDS
    if items[0].kind != OPEN or items[-1].kind != CLOSE:
        return False
    depth = 0
    for i, piece in enumerate(items):
        depth += piece.kind == OPEN
        depth -= piece.kind == CLOSE
        if depth == 0 and i < len(items) - 1:
            return False
    return True


def _wrapped(pieces: list[_Piece], script: bool) -> str:
    text = _join(pieces, script)
    return text if _is_unit(pieces) else f"({text})"


class _Builder:
    """Turns pylatexenc nodes into pieces, attaching sub/superscripts to the piece before."""

    def __init__(self, script: bool) -> None:
        self.script = script
        self.out: list[_Piece] = []
        self.pending: str | None = None  # '_' or '^' waiting for the next node
        self.after_unknown = False  # braces after an unknown macro are its arguments: keep them
        self.drop_dot = False  # `\left.` and `\right.` are empty delimiters

    def add(self, text: str, kind: str) -> None:
        if text:
            self.out.append(_Piece(text, kind))

    def space(self) -> None:
        self.out.append(_Piece(" ", SPACE))

    def attach(self, kind: str, text: str) -> None:
        while self.out and self.out[-1].kind == SPACE:
            self.out.pop()  # `x _t` is x with a subscript
        if not self.out:
            self.out.append(_Piece("", SYM))
        base = self.out[-1]
        if base.kind == FRAC:
            base.text, base.kind = f"({base.text})", GROUP
        base.text += _script(kind, text)
        base.scripted = True

    def nodes(self, nodes: list[lw.LatexNode]) -> list[_Piece]:
        for node in nodes:
            self.node(node)
        if self.pending is not None:
            self.add(self.pending, SYM)  # a script sign with nothing after it stays visible
            self.pending = None
        return self.out

    def node(self, node: lw.LatexNode) -> None:
        if isinstance(node, lw.LatexCommentNode):
            return
        if self.pending is not None:
            if isinstance(node, lw.LatexCharsNode):
                chars = node.chars.lstrip()
                if not chars:
                    return
                kind, self.pending = self.pending, None
                self.attach(kind, _script_arg_char(chars[0]))
                self.chars(chars[1:])
                return
            kind, self.pending = self.pending, None
            arg = _pieces([node], script=True)
            self.attach(kind, _join(arg, script=True))
            if (
                isinstance(node, lw.LatexMacroNode)
                and node.macro_post_space
                and not any(_args(node))
            ):
                self.space()  # `z_\lambda = ` keeps the space the parser gave `\lambda`
            return
        unknown_args, self.after_unknown = self.after_unknown, False
        empty_delimiter, self.drop_dot = self.drop_dot, False  # only the node right after
        if isinstance(node, lw.LatexCharsNode):
            text = node.chars
            if empty_delimiter and text.lstrip().startswith("."):
                text = text.lstrip()[1:]
            self.chars(text)
        elif isinstance(node, lw.LatexGroupNode):
            if unknown_args:
                self.add(node.latex_verbatim(), RAW)
                self.after_unknown = True
            else:
                self.out.extend(_pieces(node.nodelist, self.script))
        elif isinstance(node, lw.LatexMacroNode):
            self.macro(node)
        elif isinstance(node, lw.LatexSpecialsNode):
            chars = str(node.specials_chars)
            if chars in ("~", "&"):
                self.space()
            else:
                self.chars(chars)
        elif isinstance(node, lw.LatexMathNode):
            self.out.extend(_pieces(node.nodelist, self.script))
        else:
            self.add(_pylatexenc_text(node), SYM)

    def chars(self, text: str) -> None:
        i = 0
        while i < len(text):
            ch = text[i]
            if ch.isspace():
                while i < len(text) and text[i].isspace():
                    i += 1
                self.space()
                continue
            if ch in "_^":
                j = i + 1
                while j < len(text) and text[j].isspace():
                    j += 1
                if j >= len(text):
                    self.pending = ch
                    return
                self.attach(ch, _script_arg_char(text[j]))
                i = j + 1
                continue
            if ch.isdigit():
                number = re.match(r"\d+(?:\.\d+)?", text[i:])
                assert number is not None
                self.add(number.group(), NUM)
                i += len(number.group())
                continue
            if text.startswith(":=", i):
                self.add(":=", REL)
                i += 2
                continue
            if ch == "'":
                if self.out and self.out[-1].kind != SPACE:
                    self.out[-1].text += "′"
                else:
                    self.add("′", SYM)
                i += 1
                continue
            if unicodedata.category(ch).startswith("M") and self.out:
                self.out[-1].text += ch
            elif ch in "+-−/*":
                self.add("−" if ch == "-" else ch, OP)
            elif ch in ",;.:":
                self.add(ch, PUNCT)
            else:
                self.add(ch, _classify(ch))
            i += 1

    def macro(self, node: lw.LatexMacroNode) -> None:
        name = node.macroname
        args = _args(node)
        post_space = bool(node.macro_post_space) and not any(args)
        if name in _DROP:
            self.drop_dot = name in _DELIMITER_HINTS
            return
        if name in _NO_SPACE:
            return
        if name in _SPACES:
            self.space()
            return
        if name in ("frac", "dfrac", "tfrac"):
            self.fraction(args)
        elif name == "sqrt":
            self.root(args)
        elif name in _ACCENTS:
            text = _join(_pieces(_arg_nodes(args[-1] if args else None), self.script), True)
            self.add(_accent(text, _ACCENTS[name]), SYM if len(text) <= 1 else WORD)
        elif name in _BOLD_STYLES | _PLAIN_STYLES | set(_FONT_STYLES) or name == "operatorname":
            self.styled(name, args[-1] if args else None)
        elif name in _FUNCTIONS:
            self.add(name, FUNC)
        elif name in _SYMBOLS:
            text = _SYMBOLS[name]
            # `\mid` is a relation (spaced); a bare `|` keeps the spacing it was written with.
            self.add(text, REL if name == "mid" else _classify(text))
        elif _is_known(name):
            text = _pylatexenc_text(node)
            self.add(text, _classify(text))
        else:
            # Unknown to pylatexenc: shown as written, so a reader (and `lint`) sees it.
            self.add(node.latex_verbatim().strip(), RAW)
            self.after_unknown = True
        if post_space:
            self.space()  # the space the parser took after `\epsilon ` is the reader's

    def fraction(self, args: list[lw.LatexNode | None]) -> None:
        parts = [a for a in args if a is not None] + [None, None]
        num = _pieces(_arg_nodes(parts[0]), self.script)
        den = _pieces(_arg_nodes(parts[1]), self.script)
        num_text, den_text = _join(num, self.script), _join(den, self.script)
        vulgar = _VULGAR.get((num_text, den_text))
        if vulgar:
            self.add(vulgar, NUM)
            return
        self.add(f"{_wrapped(num, self.script)}/{_wrapped(den, self.script)}", FRAC)

    def root(self, args: list[lw.LatexNode | None]) -> None:
        radicand = _pieces(_arg_nodes(args[-1] if args else None), self.script)
        index = ""
        if len(args) > 1 and args[0] is not None:
            index = _join(_pieces(_arg_nodes(args[0]), True), True)
        sign = {"": "√", "2": "√", "3": "∛", "4": "∜"}.get(index)
        if sign is None:
            sign = _script("^", index) + "√"
        self.add(sign + _wrapped(radicand, self.script), ROOT)

    def styled(self, name: str, arg: lw.LatexNode | None) -> None:
        pieces = _pieces(_arg_nodes(arg), self.script)
        if name in _BOLD_STYLES:
            for piece in pieces:
                piece.text = _bold(piece.text)
            self.out.extend(pieces)
            return
        if name in _FONT_STYLES:
            for piece in pieces:
                piece.text = fmt_math_text_style(piece.text, _FONT_STYLES[name])
            self.out.extend(pieces)
            return
        # Upright text: one piece, a name (SNR, GroupNorm) or a phrase with its spaces.
        text = _join(pieces, script=True) if name != "text" else "".join(p.text for p in pieces)
        if name == "operatorname":
            self.add(text.strip(), FUNC)
        elif len(pieces) == 1 and not pieces[0].scripted:
            self.out.append(pieces[0])
        else:
            self.add(text, WORD)


def _script_arg_char(ch: str) -> str:
    return "−" if ch == "-" else ch


def _pieces(nodes: list[lw.LatexNode], script: bool) -> list[_Piece]:
    return _Builder(script).nodes(nodes)


def _letter_like(piece: _Piece) -> bool:
    if piece.kind in (FUNC, BIGOP, ROOT, RAW, WORD):
        return True
    return piece.kind == SYM and (piece.text[:1].isalpha() or piece.text[:1] in "∇∂")


def _join(pieces: list[_Piece], script: bool) -> str:
    """Pieces to text with a reader's spacing (see the module docstring)."""
    items = list(pieces)
    solid = [i for i, p in enumerate(items) if p.kind != SPACE]
    for n, i in enumerate(solid):
        piece = items[i]
        if piece.kind != FRAC:
            continue
        before = items[solid[n - 1]] if n > 0 else None
        after = items[solid[n + 1]] if n + 1 < len(solid) else None
        if (before is not None and before.kind in _FACTOR_BEFORE) or (
            after is not None and (after.kind in _FACTOR_AFTER or after.text == "‖")
        ):
            piece.text, piece.kind = f"({piece.text})", GROUP

    # The next non-space piece after each position, found in one pass (linear time).
    following: list[_Piece | None] = [None] * len(items)
    upcoming: _Piece | None = None
    for i in range(len(items) - 1, -1, -1):
        following[i] = upcoming
        if items[i].kind != SPACE:
            upcoming = items[i]

    out: list[str] = []
    prev: _Piece | None = None
    spaced = False  # a space was just written
    for i, piece in enumerate(items):
        if piece.kind == SPACE:
            nxt = following[i]
            # A script is set tight: `_{2\cdots T}` reads 2⋯T, but `_{t \in [0, T]}` keeps its gaps.
            tight = (SYM, NUM)
            if script and prev is not None and prev.kind in tight and nxt and nxt.kind in tight:
                continue
            inside_brackets = (prev is not None and prev.kind == OPEN) or (
                nxt is not None and nxt.kind in (PUNCT, CLOSE)
            )
            if prev is not None and nxt is not None and not inside_brackets:
                if not spaced:
                    out.append(" ")
                spaced = True
            continue
        if prev is not None and not spaced and _needs_space(prev, piece, script):
            out.append(" ")
        out.append(piece.text)
        spaced = False
        prev = piece
    return "".join(out)


def _needs_space(prev: _Piece, piece: _Piece, script: bool) -> bool:
    if not script:
        padded = (REL, BINOP)
        if piece.kind in padded and prev.kind not in (OPEN, PUNCT, *padded):
            return True
        if prev.kind in padded and piece.kind not in (CLOSE, PUNCT, *padded):
            return True
    if piece.kind == FUNC:
        return prev.kind not in (OPEN, OP, REL, BINOP, PUNCT)
    if prev.kind == FUNC:
        return piece.kind not in (OPEN, CLOSE, PUNCT, GROUP, OP, BAR) or piece.text == "‖"
    if prev.scripted and _letter_like(piece):
        return True  # σ_λ ϵ, not σ_λϵ
    return prev.kind == ROOT and (_letter_like(piece) or piece.kind == NUM)


def render_unguarded(latex: str) -> str:
    """The rendering itself, exceptions not caught (tests use it to find them)."""
    walker = lw.LatexWalker(latex, latex_context=_parse_db(), tolerant_parsing=True)
    nodes, _, _ = walker.get_latex_nodes()
    return _join(_pieces(list(nodes), script=False), script=False)


def latex_to_unicode(latex: str) -> str:
    """Readable Unicode for one LaTeX math expression (the inside of ``$...$``)."""
    try:
        text = render_unguarded(latex)
    except Exception:  # pylatexenc is tolerant, but a card must never fail to show
        return latex
    # Precomposed letters (ᾱ as one code point) line up better in terminals than
    # a letter followed by a combining mark.
    return unicodedata.normalize("NFC", re.sub(r"[ \t\n]{2,}", " ", text).strip())


_MATH = re.compile(r"(?<![\\$])\$(?!\$)(.+?)(?<![\\$])\$", re.S)
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~])")


def math_spans(text: str) -> list[str]:
    """The LaTeX inside every ``$...$`` of a card text, in order."""
    return [match.group(1) for match in _MATH.finditer(text)]


_COMMAND = re.compile(r"\\(?:[A-Za-z]+|[^\sA-Za-z])")
_SET_BRACES = re.compile(r"\\(?:\{|\}|lbrace\b|rbrace\b)")


def leftover_markup(latex: str) -> list[str]:
    """What of the LaTeX survives rendering: commands it does not know, braces it
    did not consume (set braces written ``\\{...\\}`` are meant and not counted)."""
    rendered = latex_to_unicode(latex)
    leftovers = list(dict.fromkeys(_COMMAND.findall(rendered)))
    meant = _SET_BRACES.findall(latex)
    opening = sum(m in ("\\{", "\\lbrace") for m in meant)
    closing = len(meant) - opening
    if rendered.count("{") > opening or rendered.count("}") > closing:
        leftovers.append("braces")
    return leftovers


def math_to_unicode(text: str, *, markdown: bool = True) -> str:
    """Replace every ``$...$`` in card text with its Unicode rendering; with
    ``markdown`` escape what Markdown would otherwise read as emphasis or links."""

    def replace(match: re.Match[str]) -> str:
        rendered = latex_to_unicode(match.group(1))
        return _MD_SPECIAL.sub(r"\\\1", rendered) if markdown else rendered

    return _MATH.sub(replace, text)
