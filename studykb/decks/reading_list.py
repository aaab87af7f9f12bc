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
from studykb.errors import BadInputError

MAX_LIST_BYTES = 5 * 1024 * 1024
MAX_ENTRIES = 20_000

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_ITEM = re.compile(r"^(\s*)(?:[-*+]|\d{1,3}[.)])\s+(.*)$")
_LINK = re.compile(
    r"""\[ ( (?:[^\[\]] | \[[^\[\]]*\])* ) \]       # [title], one level of nested brackets
        \( \s* <? ( [^()\s<>]+ (?:\([^()\s]*\)[^()\s<>]*)* ) >?   # (url), balanced parentheses
        (?:\s+"[^"]*")? \s* \)                        # optional "link title"
    """,
    re.VERBOSE,
)
_WR = re.compile(r"\*{0,2}\s*WR\s*[=:]\s*(\d+)\s*\*{0,2}", re.IGNORECASE)
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


def parse_reading_list(text: str, source: str) -> ReadingList:
    result = ReadingList(source)
    sections: dict[int, str] = {}
    year: int | None = None
    in_fence = False
    in_comment = False
    current: _Pending | None = None
    description: list[str] = []
    seen_urls: dict[str, tuple[int, str]] = {}

    def warn(line: int, message: str) -> None:
        result.warnings.append(f"{source}:{line}: {message}")

    def finish() -> None:
        nonlocal current
        if current is None:
            return
        if len(result.entries) >= MAX_ENTRIES:
            warn(current.line, f"more than {MAX_ENTRIES} entries; the rest is skipped")
            current = None
            return
        result.entries.append(
            ReadingListEntry(
                line=current.line,
                title=current.title,
                url=current.url,
                worth_reading=current.worth_reading,
                section=current.section,
                year=current.year,
                description="\n".join(description).strip(),
                duplicate_of=current.duplicate_of,
            )
        )
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
            level, title = len(heading.group(1)), _clean_title(heading.group(2))
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
            links = list(_LINK.finditer(body))
            if not links:
                if current is not None and item.group(1):
                    description.append(line.strip())  # an indented sub-item: part of the text
                    continue
                finish()
                if "](" in body or body.startswith("["):
                    warn(number, "skipped: cannot read the link in this list item")
                else:
                    warn(number, "skipped: list item without a [title](url) link")
                continue
            finish()
            link = links[0]
            title = _clean_title(link.group(1))
            if _GENERIC_LINK_TEXT.match(title):
                bold = _BOLD.search(body)
                if bold:
                    title = _clean_title(bold.group(1))
            url = link.group(2).strip()
            if not title:
                warn(number, "skipped: the link has no title")
                continue
            if not is_web_url(url):
                warn(number, f"skipped: {title!r} links to {url!r}, not an http(s) URL")
                continue
            wr: int | None = None
            wr_match = _WR.search(body[link.end() :])
            if wr_match:
                value = int(wr_match.group(1))
                if 1 <= value <= 3:
                    wr = value
                else:
                    warn(number, f"WR={value} is outside 1-3; ignored")
            rest = _WR.sub("", body[link.end() :]).strip(" -–—:|")
            key = paper_key(url)
            dup: int | None = None
            if key in seen_urls:
                first_line, first_title = seen_urls[key]
                dup = first_line
                warn(
                    number,
                    f"{title!r} links to the same URL as {first_title!r} (line {first_line}); "
                    "almost certainly a mistake",
                )
            else:
                seen_urls[key] = (number, title)
            current = _Pending(
                line=number,
                title=title[:500],
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
    return result


def read_reading_list(path: Path) -> ReadingList:
    raw = read_capped(path, MAX_LIST_BYTES)
    text = decode_text(raw, str(path), MAX_LIST_BYTES, "Markdown reading list")
    parsed = parse_reading_list(text, str(path))
    if not parsed.entries:
        raise BadInputError([f"{path}: no reading-list entries (- [Title](url)) found"])
    return parsed
