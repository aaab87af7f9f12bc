"""A paper's LaTeX source, as arXiv gives it, read into what draft cards are made of.

Reading (`read_source`): a ``.tar.gz``/``.tar`` archive, a single gzipped ``.tex`` file
or a directory is read into memory, never extracted: a member whose name is absolute
or climbs out (``..``), a link leading out of the archive, a device or FIFO, more than
`MAX_MEMBERS` members or `MAX_TOTAL_BYTES` bytes of content (a decompression bomb), or a
file that is not an archive is one clear line (BadInputError) and nothing is written.

Extracting (`extract`): the main file is the one with ``\\documentclass`` and
``\\begin{document}``; ``\\input``/``\\include`` are followed; ``\\newcommand``,
``\\renewcommand``, ``\\providecommand``, ``\\DeclareMathOperator`` and ``\\def`` macros
are expanded (with and without arguments, an optional first argument's default
too). Each file is parsed once by pylatexenc's LatexWalker and the node tree is walked
in document order, counting as LaTeX does: sections (starred ones unnumbered, letters
after ``\\appendix``), numbered display equations (``equation``, ``align``/``eqnarray``/
``gather`` line by line with ``\\nonumber``/``\\notag``/``\\tag``, ``multline``; per
section under ``\\numberwithin{equation}{section}``) and ``\\newtheorem`` environments
(a shared counter, per section, starred ones unnumbered). ``\\ref``/``\\eqref`` are
resolved to the numbers as printed once the whole document has been counted.
"""

from __future__ import annotations

import gzip
import os
import posixpath
import stat
import tarfile
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pylatexenc import macrospec
from pylatexenc.latexwalker import (
    LatexCharsNode,
    LatexCommentNode,
    LatexEnvironmentNode,
    LatexGroupNode,
    LatexMacroNode,
    LatexMathNode,
    LatexSpecialsNode,
    LatexToken,
    LatexWalker,
    get_default_latex_context_db,
)

from studykb.decks.files import read_capped
from studykb.errors import BadInputError

MAX_MEMBERS = 2000
MAX_TOTAL_BYTES = 64 * 2**20  # all members' content together, decompressed
MAX_TEX_BYTES = 8 * 2**20  # one .tex file
_MAX_DEPTH = 20  # \input nesting and macro expansion depth
_MAX_EXPANSION = 2 * 2**20  # characters one expansion may produce
_MAX_EXPANSIONS = 200_000  # macro expansions in one paper (\def\a{\a\a} never ends)
_MAIN_NAMES = ("main.tex", "ms.tex", "paper.tex", "article.tex", "arxiv.tex")
_TEXT_SUFFIXES = (".tex", ".ltx", ".sty", ".cls", ".def", ".bbl")


# --- Reading the source -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SourceFiles:
    """The text files of a source, by their path inside it ('sec/intro.tex')."""

    origin: str
    files: Mapping[str, str]


def _refuse(origin: str, what: str) -> BadInputError:
    return BadInputError([f"{origin}: {what}; nothing was read"])


def _member_name(origin: str, name: str) -> str:
    """A member's path made relative and checked: no absolute path, no '..'."""
    if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        raise _refuse(origin, f"member {name!r} has an absolute path")
    parts = [p for p in name.replace("\\", "/").split("/") if p not in ("", ".")]
    if ".." in parts:
        raise _refuse(origin, f"member {name!r} is a path escaping the archive")
    return "/".join(parts)


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _is_text(name: str) -> bool:
    return name.lower().endswith(_TEXT_SUFFIXES)


def _read_tar(origin: str, archive: tarfile.TarFile) -> dict[str, str]:
    files: dict[str, str] = {}
    links: dict[str, str] = {}
    total = 0
    count = 0
    for member in archive:
        count += 1
        if count > MAX_MEMBERS:
            raise _refuse(origin, f"more than {MAX_MEMBERS} members (a decompression bomb?)")
        name = _member_name(origin, member.name)
        if member.isdir():
            continue
        if member.issym() or member.islnk():
            target = member.linkname
            base = posixpath.dirname(name) if member.issym() else ""
            joined = posixpath.normpath(posixpath.join(base, target))
            if target.startswith("/") or joined == ".." or joined.startswith("../"):
                raise _refuse(origin, f"member {name!r} is a link escaping the archive")
            links[name] = joined
            continue
        if not member.isfile():
            raise _refuse(origin, f"member {name!r} is a device or FIFO, not a file")
        total += member.size
        if total > MAX_TOTAL_BYTES:
            raise _refuse(
                origin, f"more than {MAX_TOTAL_BYTES // 2**20} MiB unpacked (a decompression bomb?)"
            )
        if not _is_text(name):
            continue  # figures and the like: counted, never read
        if member.size > MAX_TEX_BYTES:
            raise _refuse(origin, f"member {name!r} is larger than {MAX_TEX_BYTES // 2**20} MiB")
        handle = archive.extractfile(member)
        if handle is None:
            continue
        raw = handle.read(MAX_TEX_BYTES + 1)
        if len(raw) > MAX_TEX_BYTES:
            raise _refuse(origin, f"member {name!r} is larger than {MAX_TEX_BYTES // 2**20} MiB")
        files[name] = _decode(raw)
    for name, target in links.items():
        if target in files and _is_text(name):
            files[name] = files[target]
    return files


def _read_directory(origin: str, root: Path) -> dict[str, str]:
    files: dict[str, str] = {}
    total = 0
    count = 0
    real_root = root.resolve()
    for directory, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for filename in sorted(filenames) + [
            d for d in dirnames if Path(directory, d).is_symlink()
        ]:
            count += 1
            if count > MAX_MEMBERS:
                raise _refuse(origin, f"more than {MAX_MEMBERS} files")
            path = Path(directory, filename)
            name = path.relative_to(root).as_posix()
            real = path.resolve()
            if real != real_root and real_root not in real.parents:
                raise _refuse(origin, f"{name!r} is a link escaping the directory")
            mode = os.stat(path).st_mode
            if stat.S_ISDIR(mode):
                continue
            if not stat.S_ISREG(mode):
                raise _refuse(origin, f"{name!r} is a device or FIFO, not a file")
            size = os.stat(path).st_size
            total += size
            if total > MAX_TOTAL_BYTES:
                raise _refuse(origin, f"more than {MAX_TOTAL_BYTES // 2**20} MiB of files")
            if not _is_text(name):
                continue
            if size > MAX_TEX_BYTES:
                raise _refuse(origin, f"{name!r} is larger than {MAX_TEX_BYTES // 2**20} MiB")
            with open(path, "rb") as handle:
                raw = handle.read(MAX_TEX_BYTES + 1)
            if len(raw) > MAX_TEX_BYTES:
                raise _refuse(origin, f"{name!r} is larger than {MAX_TEX_BYTES // 2**20} MiB")
            files[name] = _decode(raw)
    return files


def read_source(path: Path) -> SourceFiles:
    """The text files of an arXiv source (an archive, a gzipped .tex file or a
    directory), read into memory with the checks described above."""
    origin = str(path)
    if path.is_dir():
        return SourceFiles(origin, _read_directory(origin, path))
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        raise BadInputError([f"{origin}: cannot read: {exc.strerror or exc}"]) from exc
    if not stat.S_ISREG(mode):
        raise _refuse(origin, "not a regular file")
    with open(path, "rb") as handle:
        head = handle.read(512)
    try:
        if tarfile.is_tarfile(path):
            with tarfile.open(path, mode="r:*") as archive:
                return SourceFiles(origin, _read_tar(origin, archive))
    except (tarfile.TarError, EOFError, OSError, gzip.BadGzipFile) as exc:
        raise _refuse(origin, f"a damaged archive ({exc})") from exc
    if head[:2] == b"\x1f\x8b":
        try:
            with gzip.open(path, "rb") as stream:
                raw = stream.read(MAX_TEX_BYTES + 1)
        except (OSError, EOFError) as exc:
            raise _refuse(origin, f"a damaged gzip file ({exc})") from exc
        if len(raw) > MAX_TEX_BYTES:
            raise _refuse(origin, f"unpacks to more than {MAX_TEX_BYTES // 2**20} MiB (a bomb?)")
        name = path.name[:-3] if path.name.endswith(".gz") else path.name
        return SourceFiles(origin, {_tex_name(name): _decode(raw)})
    if path.suffix.lower() in (".tex", ".ltx") and b"\x00" not in head:
        return SourceFiles(origin, {path.name: _decode(read_capped(path, MAX_TEX_BYTES))})
    raise _refuse(origin, "not a LaTeX source (a .tar.gz, .tar, .gz, .tex or a directory)")


def _tex_name(name: str) -> str:
    return name if name.lower().endswith(".tex") else name + ".tex"


def _uncommented(text: str) -> Iterator[str]:
    for line in text.splitlines():
        cut = 0
        while True:
            cut = line.find("%", cut)
            if cut == -1 or cut == 0 or line[cut - 1] != "\\":
                break
            cut += 1
        yield line if cut == -1 else line[:cut]


def find_main(source: SourceFiles) -> str:
    """The main file's name: it has \\documentclass and \\begin{document}; among several,
    a conventional name (main.tex, ms.tex, ...) wins, then the largest."""
    candidates = []
    for name, text in source.files.items():
        if not name.lower().endswith((".tex", ".ltx")):
            continue
        body = "\n".join(_uncommented(text))
        if "\\documentclass" in body and "\\begin{document}" in body:
            candidates.append(name)
    if not candidates:
        raise BadInputError(
            [f"{source.origin}: no main file (none has \\documentclass and \\begin{{document}})"]
        )

    def rank(name: str) -> tuple[int, int, str]:
        base = posixpath.basename(name).lower()
        conventional = _MAIN_NAMES.index(base) if base in _MAIN_NAMES else len(_MAIN_NAMES)
        return (conventional, -len(source.files[name]), name)

    return min(candidates, key=rank)


# --- What is extracted --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Section:
    number: str | None  # as printed: "3", "3.1", "A", "A.2"; None when starred
    title: str
    level: int  # 1 section, 2 subsection, 3 subsubsection

    @property
    def heading(self) -> str:
        """'§3.1 The generative step' (no number for an unnumbered one)."""
        return f"§{self.number} {self.title}" if self.number else self.title


@dataclass(frozen=True, slots=True)
class Equation:
    number: str  # as printed, without parentheses
    latex: str  # the equation's LaTeX, macros expanded, labels dropped, refs resolved
    label: str | None
    section: Section | None


@dataclass(frozen=True, slots=True)
class Statement:
    """A theorem-like environment: Theorem, Definition, Lemma, Proposition, ..."""

    kind: str  # as printed: "Theorem"
    number: str | None
    name: str  # the optional [title], '' without
    text: str  # Markdown with $math$
    label: str | None
    section: Section | None


@dataclass(frozen=True, slots=True)
class LatexPaper:
    main: str
    title: str
    abstract: str
    sections: tuple[Section, ...]
    equations: tuple[Equation, ...]
    statements: tuple[Statement, ...]
    labels: Mapping[str, str] = field(default_factory=dict)


# --- Parsing ----------------------------------------------------------------------------------


class _ContextDb(macrospec.LatexContextDb):  # type: ignore[misc]
    """The default macros and environments without LaTeX "specials" (~, &, ``): they
    stay characters, which is what an extracted equation needs, and the walker skips a
    per-character lookup that costs a third of its time."""

    def test_for_specials(self, s: str, pos: int, parsing_state: Any = None) -> None:
        return None


_THEOREM_NAMES = {
    "theorem": "Theorem",
    "thm": "Theorem",
    "lemma": "Lemma",
    "lem": "Lemma",
    "proposition": "Proposition",
    "prop": "Proposition",
    "corollary": "Corollary",
    "cor": "Corollary",
    "definition": "Definition",
    "defn": "Definition",
    "dfn": "Definition",
    "def": "Definition",
    "assumption": "Assumption",
    "conjecture": "Conjecture",
    "claim": "Claim",
    "remark": "Remark",
    "example": "Example",
}


def _context_db() -> _ContextDb:
    base = get_default_latex_context_db()
    db = _ContextDb()
    spec = macrospec.MacroSpec
    db.add_context_category(
        "studykb",
        macros=[
            spec("newtheorem", "*{[{["),
            spec("numberwithin", "[{{"),
            spec("counterwithin", "*{{"),
            spec("tag", "*{"),
            spec("DeclareMathOperator", "*{{"),
            spec("providecommand", "*{[[{"),
            spec("cref", "*{"),
            spec("Cref", "*{"),
            spec("autoref", "*{"),
            spec("thanks", "{"),
            spec("caption", "[{"),
            spec("subfile", "{"),
        ],
        environments=[macrospec.EnvironmentSpec(name, "[") for name in (*_THEOREM_NAMES, "proof")],
    )
    for category in base.category_list:
        cat = base.d[category]
        db.add_context_category(
            category, macros=cat["macros"].values(), environments=cat["environments"].values()
        )
    db.set_unknown_macro_spec(base.unknown_macro_spec)
    db.set_unknown_environment_spec(base.unknown_environment_spec)
    return db


# Characters that are never special to the walker, in text or in math: a run of them
# is one token (see _Walker). Not '*' (a starred macro), brackets (optional
# arguments), '$', '%', '\\', braces, '&', '#', '^', '_', '~' or a line break.
_ORDINARY = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ,.;:!?'\"()-+=/<>|@"
)


class _Walker(LatexWalker):  # type: ignore[misc]
    """LatexWalker reading a run of ordinary characters as one token, as it already
    does for a paragraph break: it reads one character per token otherwise, and that
    was most of the time of a paper. Only the node stream's own reads (default
    arguments) take the shortcut: an argument's read (``environments=False``) still
    sees one character, as TeX does (``\\frac12``)."""

    def get_token(
        self,
        pos: int,
        include_brace_chars: Any = None,
        environments: bool = True,
        keep_inline_math: Any = None,
        parsing_state: Any = None,
        **kwargs: Any,
    ) -> Any:
        s = self.s
        if environments and not kwargs and pos < len(s) and s[pos] in _ORDINARY and s[pos] != " ":
            end = pos + 1
            n = len(s)
            while end < n and s[end] in _ORDINARY:
                end += 1
            return LatexToken(tok="char", arg=s[pos:end], pos=pos, len=end - pos, pre_space="")
        return super().get_token(
            pos, include_brace_chars, environments, keep_inline_math, parsing_state, **kwargs
        )


def _parse(text: str, db: _ContextDb) -> list[Any]:
    walker = _Walker(text, latex_context=db, tolerant_parsing=True)
    nodes, _pos, _len = walker.get_latex_nodes()
    return list(nodes)


def _verbatim(node: Any) -> str:
    return str(node.latex_verbatim()) if node is not None else ""


def _inner(node: Any) -> str:
    """A group's or argument's text without its delimiters."""
    if node is None:
        return ""
    if isinstance(node, LatexGroupNode):
        return "".join(_verbatim(n) for n in node.nodelist)
    return _verbatim(node)


def _args(node: Any) -> list[Any]:
    argd = getattr(node, "nodeargd", None)
    if argd is None or argd.argnlist is None:
        return []
    return list(argd.argnlist)


def _macro_name(arg: Any) -> str | None:
    """The macro an argument names: `{\\foo}` or `\\foo`."""
    if isinstance(arg, LatexMacroNode):
        return str(arg.macroname)
    if isinstance(arg, LatexGroupNode):
        for n in arg.nodelist:
            if isinstance(n, LatexMacroNode):
                return str(n.macroname)
    return None


@dataclass(frozen=True, slots=True)
class _Macro:
    nargs: int
    default: str | None  # the optional first argument's default
    body: str


@dataclass(slots=True)
class _Theorem:
    printed: str
    counter: str
    within: str | None
    numbered: bool


_EQ_ONE = {"equation", "multline", "displaymath"}
_EQ_LINES = {"align", "eqnarray", "gather", "flalign", "alignat"}
_EQ_STARRED = {f"{name}*" for name in _EQ_ONE | _EQ_LINES} | {"math"}
_SECTION_LEVELS = {"section": 1, "subsection": 2, "subsubsection": 3}
_DROP_IN_MATH = {"label", "nonumber", "notag", "tag"}
_TEXT_STYLE = {"textbf": "**", "textit": "*", "emph": "*"}
# Accents in running text, as combining characters (\\"a -> ä).
_ACCENTS = {
    '"': "\u0308",
    "'": "\u0301",
    "`": "\u0300",
    "^": "\u0302",
    "~": "\u0303",
    "c": "\u0327",
    "=": "\u0304",
    "v": "\u030c",
    "u": "\u0306",
    ".": "\u0307",
}
_DROP_IN_TEXT = {
    "label",
    "cite",
    "citep",
    "citet",
    "footnote",
    "thanks",
    "index",
    "vspace",
    "hspace",
}
_REF_MACROS = {"ref", "eqref", "cref", "Cref", "autoref", "pageref"}
_LINE_BREAK = "\\"


def _letters(n: int) -> str:
    out = ""
    while n > 0:
        n, rem = divmod(n - 1, 26)
        out = chr(ord("A") + rem) + out
    return out


@dataclass(slots=True)
class _RawEquation:
    number: str
    nodes: list[Any]
    label: str | None
    section: Section | None


@dataclass(slots=True)
class _RawStatement:
    kind: str
    number: str | None
    name: list[Any]
    nodes: list[Any]
    label: str | None
    section: Section | None


class _Walk:
    """One walk over the document in order: counting, labelling, collecting."""

    def __init__(self, source: SourceFiles, db: _ContextDb) -> None:
        self.source = source
        self.db = db
        self.parsed: dict[str, list[Any]] = {}
        self.snippets: dict[str, list[Any]] = {}
        self.macros: dict[str, _Macro] = {}
        self.theorems: dict[str, _Theorem] = {}
        self.counters: dict[str, int] = {}
        self.within: dict[str, str] = {}
        self.sections: list[Section] = []
        self.section_numbers = [0, 0, 0]
        self.appendix = False
        self.current: Section | None = None
        self.top_number: str = "0"
        self.last_ref = ""
        self.labels: dict[str, str] = {}
        self.label_kinds: dict[str, str] = {}
        self.title_nodes: list[Any] = []
        self.abstract_nodes: list[Any] = []
        self.equations: list[_RawEquation] = []
        self.statements: list[_RawStatement] = []
        self.depth = 0
        self.figure: str | None = None
        self.sub_equations: list[Any] | None = None  # [parent number, lines so far]
        self.expansions = 0

    # files
    def file_nodes(self, name: str, origin_dir: str) -> list[Any] | None:
        candidates = []
        for base in (origin_dir, ""):
            path = posixpath.normpath(posixpath.join(base, name.strip()))
            candidates += [path, path + ".tex"]
        for path in candidates:
            if path in self.source.files:
                if path not in self.parsed:
                    self.parsed[path] = _parse(self.source.files[path], self.db)
                return self.parsed[path]
        return None

    def parse(self, text: str) -> list[Any]:
        """A macro's expansion parsed, once per distinct text (the same few expansions
        come back hundreds of times in a paper)."""
        nodes = self.snippets.get(text)
        if nodes is None:
            nodes = self.snippets[text] = _parse(text, self.db)
        return nodes

    # counters
    def step(self, counter: str) -> str:
        self.counters[counter] = self.counters.get(counter, 0) + 1
        n = self.counters[counter]
        within = self.within.get(counter)
        if within == "section":
            return f"{self.top_number}.{n}"
        return str(n)

    def set_label(self, label: str, kind: str = "") -> None:
        self.labels[label] = self.last_ref
        self.label_kinds[label] = kind

    # the walk
    def walk(self, nodes: Sequence[Any], directory: str) -> None:
        i = 0
        while i < len(nodes):
            node = nodes[i]
            i += 1
            if isinstance(node, LatexMacroNode):
                i = self.macro(node, nodes, i, directory)
            elif isinstance(node, LatexEnvironmentNode):
                self.environment(node, directory)
            elif isinstance(node, LatexGroupNode):
                self.walk(node.nodelist, directory)

    def macro(self, node: Any, siblings: Sequence[Any], i: int, directory: str) -> int:
        name = str(node.macroname)
        args = _args(node)
        if name in ("input", "include", "subfile") and args:
            target = _input_name(args[-1])
            if self.depth < _MAX_DEPTH:
                nodes = self.file_nodes(target, directory)
                if nodes is not None:
                    self.depth += 1
                    self.walk(nodes, posixpath.dirname(posixpath.join(directory, target)))
                    self.depth -= 1
        elif name in ("newcommand", "renewcommand", "providecommand") and len(args) >= 5:
            macro = _macro_name(args[1])
            if macro is not None:
                nargs = (
                    int(_inner(args[2]).strip() or 0) if _inner(args[2]).strip().isdigit() else 0
                )
                default = _inner(args[3]) if args[3] is not None else None
                if name != "providecommand" or macro not in self.macros:
                    self.macros[macro] = _Macro(nargs, default, _inner(args[4]))
        elif name == "DeclareMathOperator" and len(args) >= 3:
            macro = _macro_name(args[1])
            if macro is not None:
                self.macros[macro] = _Macro(0, None, f"\\operatorname{{{_inner(args[2])}}}")
        elif name == "def":
            return self.define(siblings, i)
        elif name == "newtheorem" and len(args) >= 5:
            env = _inner(args[1]).strip()
            shared = _inner(args[2]).strip() if args[2] is not None else ""
            within = _inner(args[4]).strip() if args[4] is not None else None
            numbered = args[0] is None
            counter = shared if shared and shared in self.theorems else env
            if counter != env:
                within = self.theorems[counter].within
            self.theorems[env] = _Theorem(_inner(args[3]).strip(), counter, within, numbered)
            if within:
                self.within[counter] = within
        elif name in ("numberwithin", "counterwithin") and len(args) >= 3:
            self.within[_inner(args[1]).strip()] = _inner(args[2]).strip()
        elif name == "title" and args:
            self.title_nodes = [args[-1]]
        elif name == "appendix":
            self.appendix = True
            self.section_numbers = [0, 0, 0]
        elif name in _SECTION_LEVELS and len(args) >= 3:
            self.section(node, _SECTION_LEVELS[name], args)
        elif name == "caption" and self.figure is not None:
            self.last_ref = self.step(self.figure)
        elif name == "label" and args:
            self.set_label(_inner(args[-1]).strip())
        elif name in self.macros:
            return self.expand_and_walk(name, siblings, i, directory)
        return i

    def define(self, siblings: Sequence[Any], i: int) -> int:
        """\\def\\name#1#2{body}: the nodes after \\def."""
        if i >= len(siblings) or not isinstance(siblings[i], LatexMacroNode):
            return i
        name = str(siblings[i].macroname)
        i += 1
        nargs = 0
        if i < len(siblings) and isinstance(siblings[i], LatexCharsNode):
            params = siblings[i].chars.strip()
            if params.startswith("#"):
                nargs = params.count("#")
                i += 1
        if i < len(siblings) and isinstance(siblings[i], LatexGroupNode):
            self.macros[name] = _Macro(nargs, None, _inner(siblings[i]))
            i += 1
        return i

    def expand_and_walk(self, name: str, siblings: Sequence[Any], i: int, directory: str) -> int:
        text, i = self.expansion(name, siblings[i - 1], siblings, i)
        if self.depth < _MAX_DEPTH and ("\\" in text or "{" in text):
            self.depth += 1
            self.walk(self.parse(text), directory)
            self.depth -= 1
        return i

    def take_args(
        self, node: Any, siblings: Sequence[Any], i: int, macro: _Macro
    ) -> tuple[list[str], int, str]:
        """The arguments of a user macro: those the walker parsed, else the next
        groups (or single characters) after it, as TeX reads them. Returns them, the
        index after them and the characters left over of a node only partly taken."""
        parsed = [a for a in _args(node) if a is not None]
        if parsed:
            given = [
                self.math_latex(a.nodelist if isinstance(a, LatexGroupNode) else [a])
                for a in parsed
            ]
            return given, i, ""
        values: list[str] = []
        rest = ""
        if macro.default is not None:
            value, i, rest = self.optional_arg(siblings, i, macro.default)
            values.append(value)
        while len(values) < macro.nargs and (rest.strip() or i < len(siblings)):
            if rest.strip():
                rest = rest.lstrip()
                values.append(rest[0])
                rest = rest[1:]
                continue
            arg = siblings[i]
            i += 1
            if isinstance(arg, LatexGroupNode):
                values.append(self.math_latex(arg.nodelist))
            elif isinstance(arg, LatexCharsNode):
                rest = arg.chars
            elif isinstance(arg, LatexMacroNode):
                values.append(self.math_latex([arg]))
        while len(values) < macro.nargs:
            values.append("")
        return values, i, rest

    def optional_arg(self, siblings: Sequence[Any], i: int, default: str) -> tuple[str, int, str]:
        """An optional [argument] read from the nodes after a macro (the walker did not
        know the macro when it parsed them): its text, the index after it, and what
        follows the ] in the node that holds it."""
        if not (
            i < len(siblings)
            and isinstance(siblings[i], LatexCharsNode)
            and siblings[i].chars.startswith("[")
        ):
            return default, i, ""
        pieces: list[str] = []
        first = True
        for j in range(i, len(siblings)):
            node = siblings[j]
            if isinstance(node, LatexCharsNode):
                chars = node.chars[1:] if first else node.chars
                inside, bracket, after = chars.partition("]")
                pieces.append(inside)
                if bracket:
                    return "".join(pieces), j + 1, after
            else:
                pieces.append(self.math_latex([node]))
            first = False
        return default, i, ""

    def expansion(self, name: str, node: Any, siblings: Sequence[Any], i: int) -> tuple[str, int]:
        self.expansions += 1
        if self.expansions > _MAX_EXPANSIONS:
            raise BadInputError(
                [
                    f"{self.source.origin}: macro \\{name} expands without end (more than "
                    f"{_MAX_EXPANSIONS:,} expansions); nothing was read"
                ]
            )
        macro = self.macros[name]
        values, i, rest = self.take_args(node, siblings, i, macro) if macro.nargs else ([], i, "")
        body = macro.body
        for k in range(macro.nargs, 0, -1):
            body = body.replace(f"#{k}", values[k - 1])
        return (body + rest)[:_MAX_EXPANSION], i

    def section(self, node: Any, level: int, args: list[Any]) -> None:
        starred = args[0] is not None
        title = self.text(args[2].nodelist if isinstance(args[2], LatexGroupNode) else [args[2]])
        if starred:
            number = None
        else:
            self.section_numbers[level - 1] += 1
            for k in range(level, 3):
                self.section_numbers[k] = 0
            top = self.section_numbers[0]
            head = _letters(top) if self.appendix else str(top)
            number = ".".join([head, *(str(n) for n in self.section_numbers[1:level])])
            if level == 1:
                self.top_number = head
                for counter, within in self.within.items():
                    if within == "section":
                        self.counters[counter] = 0
            self.last_ref = number
        section = Section(number, title, level)
        self.sections.append(section)
        self.current = section

    def environment(self, node: Any, directory: str) -> None:
        name = str(node.environmentname)
        if name == "document":
            self.walk(node.nodelist, directory)
        elif name == "abstract":
            self.abstract_nodes = list(node.nodelist)
        elif name in _EQ_ONE:  # multline's line breaks do not show on a card
            self.equation_lines(node, [[n for line in _split_lines(node.nodelist) for n in line]])
        elif name in _EQ_LINES:
            self.equation_lines(node, _split_lines(node.nodelist))
        elif name in _EQ_STARRED:
            pass
        elif name in self.theorems or (name in _THEOREM_NAMES and name not in self.macros):
            self.theorem(node, name, directory)
        elif name == "subequations":  # (3a), (3b): one number, lettered lines
            parent = self.step("equation")
            self.last_ref = parent
            outer = self.sub_equations
            self.sub_equations = [parent, 0]
            self.walk(node.nodelist, directory)
            self.sub_equations = outer
        elif name in ("figure", "figure*", "table", "table*"):
            before = self.figure
            self.figure = name.rstrip("*")
            self.walk(node.nodelist, directory)
            self.figure = before
        else:
            self.walk(node.nodelist, directory)

    def equation_lines(self, node: Any, lines: list[list[Any]]) -> None:
        for line in lines:
            flags = _line_flags(line)
            if flags.tag is not None:
                number = self.text(flags.tag)
            elif flags.unnumbered or not any(_has_content(n) for n in line):
                if flags.label:
                    self.set_label(flags.label)
                continue
            elif self.sub_equations is not None:
                self.sub_equations[1] += 1
                number = f"{self.sub_equations[0]}{_letters(self.sub_equations[1]).lower()}"
            else:
                number = self.step("equation")
            self.last_ref = number
            if flags.label:
                self.set_label(flags.label, "equation")
            self.equations.append(_RawEquation(number, line, flags.label, self.current))

    def theorem(self, node: Any, name: str, directory: str) -> None:
        spec = self.theorems.get(name) or _Theorem(_THEOREM_NAMES[name], name, None, True)
        if spec.within:
            self.within.setdefault(spec.counter, spec.within)
        number = self.step(spec.counter) if spec.numbered else None
        if number is not None:
            self.last_ref = number
        args = _args(node)
        title_nodes: list[Any] = []
        if args and args[0] is not None:
            title_nodes = (
                list(args[0].nodelist) if isinstance(args[0], LatexGroupNode) else [args[0]]
            )
        label = _first_label(node.nodelist)
        if label:
            self.set_label(label, spec.printed)
        self.statements.append(
            _RawStatement(
                spec.printed, number, title_nodes, list(node.nodelist), label, self.current
            )
        )
        self.walk([n for n in node.nodelist if not _is_label(n)], directory)

    # emitting text (after the walk, when every label is known)
    def ref(self, node: Any) -> str:
        name = str(node.macroname)
        args = [a for a in _args(node) if a is not None]
        keys = [k.strip() for k in _inner(args[-1]).split(",")] if args else []
        numbers = [self.labels.get(k, "??") for k in keys]
        if name == "eqref":
            return ", ".join(f"({n})" for n in numbers)
        if name in ("cref", "Cref", "autoref"):
            words = []
            for key, number in zip(keys, numbers, strict=True):
                kind = self.label_kinds.get(key, "")
                words.append(
                    f"Eq. ({number})" if kind == "equation" else f"{kind} {number}".strip()
                )
            return ", ".join(words)
        return ", ".join(numbers)

    def math_latex(self, nodes: Sequence[Any]) -> str:
        """Math as LaTeX: user macros expanded, labels and numbering commands dropped,
        references resolved."""
        out: list[str] = []
        i = 0
        while i < len(nodes):
            node = nodes[i]
            i += 1
            if isinstance(node, LatexCommentNode):
                continue
            if isinstance(node, LatexMacroNode):
                name = str(node.macroname)
                if name in _DROP_IN_MATH:
                    continue
                if name in _REF_MACROS:
                    out.append(self.ref(node))
                    continue
                if name in self.macros and self.depth < _MAX_DEPTH:
                    text, i = self.expansion(name, node, nodes, i)
                    self.depth += 1
                    expanded = self.math_latex(self.parse(text)) if "\\" in text else text
                    self.depth -= 1
                    out.append(expanded)
                    if node.macro_post_space and _ends_in_macro(expanded):
                        out.append(" ")  # \eps x must not become \epsilonx
                    continue
                args = _args(node)
                if args:
                    out.append("\\" + name + "".join(self.arg_latex(a) for a in args))
                    out.append(node.macro_post_space or "")
                    continue
                out.append(_verbatim(node))
            elif isinstance(node, LatexGroupNode):
                opening, closing = node.delimiters
                out.append(opening + self.math_latex(node.nodelist) + closing)
            elif isinstance(node, LatexEnvironmentNode):
                env_args = "".join(self.arg_latex(a) for a in _args(node))
                env = node.environmentname
                body = self.math_latex(node.nodelist)
                out.append(f"\\begin{{{env}}}{env_args}{body}\\end{{{env}}}")
            elif isinstance(node, LatexMathNode):
                out.append(self.math_latex(node.nodelist))
            else:
                out.append(_verbatim(node))
        return "".join(out)

    def arg_latex(self, arg: Any) -> str:
        if arg is None:
            return ""
        if isinstance(arg, LatexGroupNode):
            return self.math_latex([arg])
        if isinstance(arg, LatexCharsNode) and arg.chars == "*":
            return "*"
        return self.math_latex([arg])

    def text(self, nodes: Sequence[Any]) -> str:
        """Running text as Markdown with $math$: macros expanded, formatting kept as
        Markdown emphasis, citations and footnotes dropped, references resolved."""
        out: list[str] = []
        i = 0
        while i < len(nodes):
            node = nodes[i]
            i += 1
            if isinstance(node, LatexCharsNode):
                out.append(node.chars.replace("~", " ").replace("``", "“").replace("''", "”"))
            elif isinstance(node, LatexMathNode):
                out.append("$" + self.math_latex(node.nodelist).strip() + "$")
            elif isinstance(node, LatexGroupNode):
                out.append(self.text(node.nodelist))
            elif isinstance(node, LatexEnvironmentNode):
                name = str(node.environmentname)
                if name in ("itemize", "enumerate", "description"):
                    out.append("\n\n" + self.text(node.nodelist) + "\n\n")
                elif name in _EQ_ONE | _EQ_LINES | _EQ_STARRED:
                    lines = [
                        self.math_latex(line).replace("&", "").strip()
                        for line in _split_lines(node.nodelist)
                    ]
                    out.append(" $" + " \\quad ".join(x for x in lines if x) + "$ ")
                else:
                    out.append(self.text(node.nodelist))
            elif isinstance(node, LatexMacroNode):
                name = str(node.macroname)
                args = [a for a in _args(node) if a is not None]
                if name in _DROP_IN_TEXT:
                    continue
                if name in _REF_MACROS:
                    out.append(self.ref(node))
                elif name in self.macros and self.depth < _MAX_DEPTH:
                    text, i = self.expansion(name, node, nodes, i)
                    self.depth += 1
                    out.append(self.text(self.parse(text)))
                    self.depth -= 1
                elif name == "item":
                    out.append("\n\n- ")
                elif name == _LINE_BREAK or name == "newline":
                    out.append(" ")
                elif name in _ACCENTS and args:
                    letter = self.text([args[-1]])
                    out.append(
                        unicodedata.normalize("NFC", letter[:1] + _ACCENTS[name] + letter[1:])
                    )
                elif name in _TEXT_STYLE and args:
                    mark = _TEXT_STYLE[name]
                    out.append(mark + self.text([args[-1]]).strip() + mark)
                elif args:
                    out.append(self.text([args[-1]]))
                elif name in ("%", "&", "_", "#", "$", "{", "}"):
                    out.append(name)
                elif name in (",", ";", " ", "quad"):
                    out.append(" ")
            elif isinstance(node, LatexSpecialsNode):
                out.append(_verbatim(node))
        return "".join(out)


@dataclass(slots=True)
class _Flags:
    unnumbered: bool = False
    label: str | None = None
    tag: list[Any] | None = None


def _walk_nodes(nodes: Sequence[Any]) -> Iterator[Any]:
    for node in nodes:
        yield node
        if isinstance(node, LatexGroupNode | LatexEnvironmentNode | LatexMathNode):
            yield from _walk_nodes(node.nodelist)


def _line_flags(line: Sequence[Any]) -> _Flags:
    flags = _Flags()
    for node in _walk_nodes(line):
        if not isinstance(node, LatexMacroNode):
            continue
        if node.macroname in ("nonumber", "notag"):
            flags.unnumbered = True
        elif node.macroname == "label" and _args(node):
            flags.label = _inner(_args(node)[-1]).strip()
        elif node.macroname == "tag" and _args(node):
            arg = _args(node)[-1]
            flags.tag = list(arg.nodelist) if isinstance(arg, LatexGroupNode) else [arg]
    return flags


def _input_name(arg: Any) -> str:
    """The file an \\input names: {sections/intro}, or, without braces (\\input
    sections/intro), the characters up to the next space as TeX reads them (the
    walker took only the first one as the argument)."""
    if isinstance(arg, LatexGroupNode) or arg is None:
        return _inner(arg)
    rest = str(arg.parsing_state.s[arg.pos : arg.pos + 300])
    name = rest.split(maxsplit=1)[0] if rest.strip() else ""
    return name.split("%", 1)[0].split("}", 1)[0]


def _is_label(node: Any) -> bool:
    return isinstance(node, LatexMacroNode) and node.macroname == "label"


def _first_label(nodes: Sequence[Any]) -> str | None:
    """The label of a theorem: a \\label at its top level (one inside an equation
    belongs to the equation)."""
    for node in nodes:
        if _is_label(node) and _args(node):
            return _inner(_args(node)[-1]).strip()
    return None


def _has_content(node: Any) -> bool:
    if isinstance(node, LatexCommentNode):
        return False
    if isinstance(node, LatexCharsNode):
        return bool(node.chars.strip())
    return not (isinstance(node, LatexMacroNode) and node.macroname in _DROP_IN_MATH)


def _split_lines(nodes: Sequence[Any]) -> list[list[Any]]:
    """An align-like body cut at its top-level \\\\ into lines."""
    lines: list[list[Any]] = [[]]
    for node in nodes:
        if isinstance(node, LatexMacroNode) and node.macroname == _LINE_BREAK:
            lines.append([])
        else:
            lines[-1].append(node)
    return lines


def _ends_in_macro(text: str) -> bool:
    """Whether ``text`` ends in a control word (\\epsilon), which a letter after it
    would lengthen."""
    stripped = text.rstrip("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
    return stripped != text and stripped.endswith("\\")


def _clean(text: str) -> str:
    """Whitespace as LaTeX reads it: one line break is a space, a blank line ends a
    paragraph."""
    paragraphs = [" ".join(p.split()) for p in text.replace("\r", "").split("\n\n")]
    return "\n\n".join(p for p in paragraphs if p)


def extract(source: SourceFiles, main: str | None = None) -> LatexPaper:
    """The paper in ``source``: its main file found, then walked once (see above).
    A source nested too deeply for the parser is one line, like any bad input."""
    try:
        return _extract(source, main)
    except RecursionError as exc:
        raise BadInputError(
            [f"{source.origin}: braces or environments nested too deeply; nothing was read"]
        ) from exc


def _extract(source: SourceFiles, main: str | None) -> LatexPaper:
    main = main or find_main(source)
    walk = _Walk(source, _context_db())
    nodes = walk.file_nodes(main, "")
    assert nodes is not None
    walk.walk(nodes, posixpath.dirname(main))
    equations = tuple(
        Equation(
            raw.number,
            " ".join(walk.math_latex(raw.nodes).replace("&", " ").split()),
            raw.label,
            raw.section,
        )
        for raw in walk.equations
    )
    statements = tuple(
        Statement(
            raw.kind,
            raw.number,
            _clean(walk.text(raw.name)),
            _clean(walk.text([n for n in raw.nodes if not _is_label(n)])),
            raw.label,
            raw.section,
        )
        for raw in walk.statements
    )
    return LatexPaper(
        main=main,
        title=_clean(walk.text(walk.title_nodes)).replace("\n", " "),
        abstract=_clean(walk.text(walk.abstract_nodes)),
        sections=tuple(walk.sections),
        equations=equations,
        statements=statements,
        labels=dict(walk.labels),
    )


def load_paper(path: Path) -> LatexPaper:
    """`read_source` then `extract`: one clear line for any problem."""
    return extract(read_source(path))


__all__ = [
    "MAX_MEMBERS",
    "MAX_TOTAL_BYTES",
    "Equation",
    "LatexPaper",
    "Section",
    "SourceFiles",
    "Statement",
    "extract",
    "find_main",
    "load_paper",
    "read_source",
]
