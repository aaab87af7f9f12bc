"""Markdown reading lists: ``- [Title](url) **WR=n**`` entries under section and year headings.

Written for lists like the diffusion knowledge base that ships with studykb,
and for "awesome"-style lists: list items whose first link is the paper, with
or without a worth-reading score, with or without year headings. A line that
cannot be read is reported with its number and skipped, never a crash.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from studykb.core.specs import ReadingListEntry
from studykb.core.urls import is_web_url, paper_key
from studykb.decks.files import decode_text, read_capped
from studykb.decks.schema import MAX_FIELD_CHARS
from studykb.errors import BadInputError

MAX_LIST_BYTES = 5 * 1024 * 1024
MAX_ENTRIES = 20_000
# The limits of a deck's [paper] table (schema.PaperTable), so that whatever a list
# puts in the papers table a deck could have put there too.
FIELD_LIMITS = {"title": 500, "url": 2000, "section": 1000, "description": MAX_FIELD_CHARS}
# Warnings of one kind past this many are counted in one closing line, not printed.
SHOWN_PER_KIND = 3
_MORE = {
    "no-link": "lines skipped (list item without a [title](url) link)",
    "bad-link": "lines skipped (cannot read the link)",
    "no-title": "lines skipped (link without a title)",
    "not-web": "lines skipped (not an http(s) URL)",
    "wr-range": "WR scores outside 1-3 ignored",
    "same-url": "entries with the URL of an earlier entry",
}
_SHOWN_PROBLEMS = 5

# No lazy group before optional trailing parts: "## a" + 10,000 spaces + "b" took
# cubic time with r"^(#{1,6})\s+(.*?)\s*#*\s*$". Closing #s are removed in Python.
_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
_ITEM = re.compile(r"^(\s*)(?:[-*+]|\d{1,3}[.)])\s+(.*)$")
_LINK = re.compile(
    r"""\[ ( (?:[^\[\]] | \[[^\[\]]*\])* ) \]       # [title], one level of nested brackets
        \( \s* <? ( [^()\s<>]+ (?:\([^()\s]*\)[^()\s<>]*)* ) >?   # (url), balanced parentheses
        (?:\s+"[^"]*")? \s* \)                        # optional "link title"
    """,
    re.VERBOSE,
)
# Anchored on "WR": a leading r"\*{0,2}\s*" made every search quadratic in a run of
# spaces; the bold markers before it are taken in by _wr_spans instead.
_WR = re.compile(r"WR\s*[=:]\s*(\d+)\s*\*{0,2}", re.IGNORECASE)
_YEAR = re.compile(r"^(?:19|20)\d\d$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_GENERIC_LINK_TEXT = re.compile(r"^(paper|pdf|arxiv|link|code|github|project|website|page)$", re.I)
_BOLD = re.compile(r"\*\*(.+?)\*\*")


@dataclass
class ReadingList:
    source: str
    entries: list[ReadingListEntry] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass
class _Pending:
    line: int
    title: str
    url: str
    worth_reading: int | None
    section: str
    year: int | None
    duplicate_of: int | None


def _clean_title(text: str) -> str:
    text = re.sub(r"[*_`]+", "", text)
    return re.sub(r"\s+", " ", text).strip()


def _heading_text(text: str) -> str:
    """A heading's text without an optional closing sequence of #s."""
    text = text.rstrip()
    bare = text.rstrip("#")
    if bare != text and (not bare or bare[-1].isspace()):
        text = bare.rstrip()
    return text


def _wr_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, digits) of every WR score, bold markers and spaces around it included."""
    spans: list[tuple[int, int, str]] = []
    floor = 0
    for match in _WR.finditer(text):
        start = match.start()
        while start > floor and text[start - 1].isspace():
            start -= 1
        stars = 0
        while stars < 2 and start > floor and text[start - 1] == "*":
            start, stars = start - 1, stars + 1
        spans.append((start, match.end(), match.group(1)))
        floor = match.end()
    return spans


def _without_spans(text: str, spans: list[tuple[int, int, str]]) -> str:
    pieces, last = [], 0
    for start, end, _ in spans:
        pieces.append(text[last:start])
        last = end
    pieces.append(text[last:])
    return "".join(pieces)


def parse_reading_list(text: str, source: str) -> ReadingList:
    """The entries of a Markdown reading list, with warnings for the lines skipped.

    Raises BadInputError (one line per problem, naming line and field) when an
    entry's field is over its limit or the list holds more than MAX_ENTRIES."""
    result = ReadingList(source)
    sections: dict[int, str] = {}
    year: int | None = None
    in_fence = False
    in_comment = False
    current: _Pending | None = None
    description: list[str] = []
    seen_urls: dict[str, tuple[int, str]] = {}
    warned: dict[str, int] = {}
    problems: list[str] = []

    def warn(line: int, kind: str, message: str) -> None:
        # A purpose-made list can hold tens of thousands of bad lines: a few of each
        # kind are shown, the rest counted in one line at the end.
        warned[kind] = warned.get(kind, 0) + 1
        if warned[kind] <= SHOWN_PER_KIND:
            result.warnings.append(f"{source}:{line}: {message}")

    def check_length(line: int, name: str, value: str) -> None:
        limit = FIELD_LIMITS[name]
        if len(value) > limit:
            problems.append(
                f"{source}:{line}: {name}: {len(value):,} characters; at most {limit:,} allowed"
            )

    def finish() -> None:
        nonlocal current
        if current is None:
            return
        if len(result.entries) >= MAX_ENTRIES:
            raise BadInputError(
                [
                    f"{source}:{current.line}: more than {MAX_ENTRIES:,} entries in one "
                    "reading list; refused (split it into several files)"
                ]
            )
        entry = ReadingListEntry(
            line=current.line,
            title=current.title,
            url=current.url,
            worth_reading=current.worth_reading,
            section=current.section,
            year=current.year,
            description="\n".join(description).strip(),
            duplicate_of=current.duplicate_of,
        )
        for name in FIELD_LIMITS:
            check_length(entry.line, name, getattr(entry, name))
        result.entries.append(entry)
        current = None
        description.clear()

    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip()
        if in_comment:
            if "-->" in line:
                in_comment = False
            continue
        if line.lstrip().startswith("<!--"):
            in_comment = "-->" not in line
            continue
        if _FENCE.match(line):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        heading = _HEADING.match(line)
        if heading:
            finish()
            level, title = len(heading.group(1)), _clean_title(_heading_text(heading.group(2)))
            if _YEAR.match(title):
                year = int(title)
                continue
            if level == 1:
                sections.clear()
                year = None
                continue
            sections = {k: v for k, v in sections.items() if k < level}
            sections[level] = title
            year = None
            continue
        item = _ITEM.match(line)
        if item:
            body = item.group(2)
            link = _LINK.search(body)
            if link is None:
                if current is not None and item.group(1):
                    description.append(line.strip())  # an indented sub-item: part of the text
                    continue
                finish()
                if "](" in body or body.startswith("["):
                    warn(number, "bad-link", "skipped: cannot read the link in this list item")
                else:
                    warn(number, "no-link", "skipped: list item without a [title](url) link")
                continue
            finish()
            title = _clean_title(link.group(1))
            if _GENERIC_LINK_TEXT.match(title):
                bold = _BOLD.search(body)
                if bold:
                    title = _clean_title(bold.group(1))
            url = link.group(2).strip()
            if not title:
                warn(number, "no-title", "skipped: the link has no title")
                continue
            if not is_web_url(url):
                warn(
                    number,
                    "not-web",
                    f"skipped: {title[:200]!r} links to {url[:200]!r}, not an http(s) URL",
                )
                continue
            after_link = body[link.end() :]
            wr_spans = _wr_spans(after_link)
            wr: int | None = None
            if wr_spans:
                digits = wr_spans[0][2].lstrip("0") or "0"
                if len(digits) == 1 and 1 <= int(digits) <= 3:
                    wr = int(digits)
                else:
                    shown = digits if len(digits) <= 10 else f"{digits[:10]}…"
                    warn(number, "wr-range", f"WR={shown} is outside 1-3; ignored")
            rest = _without_spans(after_link, wr_spans).strip(" -–—:|")
            key = paper_key(url)
            dup: int | None = None
            if key in seen_urls:
                first_line, first_title = seen_urls[key]
                dup = first_line
                warn(
                    number,
                    "same-url",
                    f"{title[:200]!r} links to the same URL as {first_title[:200]!r} "
                    f"(line {first_line}); almost certainly a mistake",
                )
            else:
                seen_urls[key] = (number, title)
            current = _Pending(
                line=number,
                title=title,
                url=url,
                worth_reading=wr,
                section=" / ".join(sections[k] for k in sorted(sections)),
                year=year,
                duplicate_of=dup,
            )
            if rest:
                description.append(rest)
            continue
        if current is not None:
            description.append(line.strip())
    finish()
    if problems:
        hidden = len(problems) - _SHOWN_PROBLEMS
        if hidden > 0:
            problems[_SHOWN_PROBLEMS:] = [f"{source}: {hidden:,} more fields over their limits"]
        raise BadInputError(problems)
    for kind, count in warned.items():
        if count > SHOWN_PER_KIND:
            result.warnings.append(f"{source}: {count - SHOWN_PER_KIND:,} more {_MORE[kind]}")
    return result


def read_reading_list(path: Path) -> ReadingList:
    raw = read_capped(path, MAX_LIST_BYTES)
    text = decode_text(raw, str(path), MAX_LIST_BYTES, "Markdown reading list")
    parsed = parse_reading_list(text, str(path))
    if not parsed.entries:
        raise BadInputError([f"{path}: no reading-list entries (- [Title](url)) found"])
    return parsed
