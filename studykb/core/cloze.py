"""Cloze deletions: ``{{c1::answer}}`` or ``{{c1::answer::hint}}``, braces balanced inside.

Unlike a non-greedy regular expression, the parser counts braces, so LaTeX such
as ``{{c1::\\frac{a}{\\sqrt{b}}}}`` is one deletion with answer ``\\frac{a}{\\sqrt{b}}``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_OPEN = re.compile(r"\{\{c(\d+)::")
_ANY_OPEN = re.compile(r"\{\{\s*[A-Za-z]*\d*\s*::|\{\{c\d+:(?!:)")


class ClozeError(ValueError):
    """Malformed cloze syntax; the message says what and where."""


@dataclass(frozen=True, slots=True)
class Deletion:
    number: int
    answer: str
    hint: str | None
    start: int
    end: int


def _split_hint(body: str) -> tuple[str, str | None]:
    depth = 0
    i = 0
    while i < len(body):
        ch = body[i]
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif depth == 0 and body.startswith("::", i):
            return body[:i], body[i + 2 :]
        i += 1
    return body, None


def parse(text: str) -> list[Deletion]:
    """Every cloze deletion in ``text``, in order. Raises ClozeError on bad syntax."""
    deletions: list[Deletion] = []
    pos = 0
    while True:
        start = text.find("{{", pos)
        if start < 0:
            break
        match = _OPEN.match(text, start)
        if match is None:
            if _ANY_OPEN.match(text, start):
                snippet = text[start : start + 12]
                raise ClozeError(f"unknown cloze marker {snippet!r} (expected '{{{{c1::...}}}}')")
            pos = start + 2
            continue
        number = int(match.group(1))
        if number < 1:
            raise ClozeError("cloze numbers start at c1")
        depth = 0
        i = match.end()
        end = -1
        while i < len(text):
            ch = text[i]
            if ch == "{":
                depth += 1
            elif ch == "}":
                if depth == 0:
                    if text.startswith("}}", i):
                        end = i
                    break
                depth -= 1
            i += 1
        if end < 0:
            raise ClozeError(
                f"cloze c{number} is not closed with '}}}}' (or its braces do not balance)"
            )
        answer, hint = _split_hint(text[match.end() : end])
        if not answer.strip():
            raise ClozeError(f"cloze c{number} has an empty answer")
        deletions.append(Deletion(number, answer, hint, start, end + 2))
        pos = end + 2
    return deletions


def numbers(text: str) -> list[int]:
    """The distinct cloze numbers in ``text``, sorted; each becomes one card."""
    return sorted({d.number for d in parse(text)})


def _render(text: str, number: int, hidden: bool) -> str:
    out: list[str] = []
    pos = 0
    for d in parse(text):
        out.append(text[pos : d.start])
        if d.number == number:
            if hidden:
                out.append(f"[{d.hint}]" if d.hint else "[...]")
            else:
                out.append(f"[{d.answer}]")
        else:
            out.append(d.answer)
        pos = d.end
    out.append(text[pos:])
    return "".join(out)


def front(text: str, number: int) -> str:
    """The question side for cloze ``number``: that deletion hidden, the others shown."""
    return _render(text, number, hidden=True)


def back(text: str, number: int) -> str:
    """The answer side for cloze ``number``: that deletion shown in brackets."""
    return _render(text, number, hidden=False)


def answers(text: str, number: int) -> list[str]:
    return [d.answer for d in parse(text) if d.number == number]
