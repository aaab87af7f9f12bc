"""Turning untrusted card and paper text into something safe to show."""

from __future__ import annotations

import re

from rich.text import Text

from studykb.render.latex import math_to_unicode

# C0/C1 controls (ESC starts ANSI and OSC sequences), DEL, and the bidi
# overrides/isolates that can make text read differently from what it is.
_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
MAX_SHOWN_CHARS = 20_000


def neutralise(text: str) -> str:
    """Control and bidi-override characters shown as visible escapes, never obeyed."""
    if len(text) > MAX_SHOWN_CHARS:
        text = text[:MAX_SHOWN_CHARS] + " …"
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def card_markdown(text: str) -> str:
    """Markdown for a card face: math as Unicode, controls neutralised."""
    return math_to_unicode(neutralise(text))


def plain(text: str) -> Text:
    """A Rich Text that is never parsed as markup."""
    return Text(neutralise(text))
