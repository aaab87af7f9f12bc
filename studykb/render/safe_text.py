"""Untrusted text (card, paper, file and error text) made safe for a terminal.

One function for the TUI and the CLI: control characters (ESC starts ANSI and
OSC sequences; C1 has a one-byte CSI, U+009B) and the bidi controls that make
text read differently from what it is (U+202E and friends) are shown as
visible ``\\uXXXX`` escapes, never obeyed. Kept free of TUI imports so the CLI
can use it without loading Textual.
"""

from __future__ import annotations

import re

# C0 controls except tab and newline, DEL, C1 controls, and the bidi embeddings,
# overrides, isolates and marks (the "Trojan Source" set).
_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
MAX_SHOWN_CHARS = 20_000


def _escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def neutralise(text: str) -> str:
    """Control and bidi characters shown as visible escapes, never obeyed."""
    if len(text) > MAX_SHOWN_CHARS:
        text = text[:MAX_SHOWN_CHARS] + " …"
    return _UNSAFE.sub(_escape, text)


def safe_json(dumped: str) -> str:
    """JSON text (from ``json.dumps``) with every unsafe code point written as a
    ``\\uXXXX`` escape. Such characters can only stand inside JSON strings, where
    the escape is valid and decodes to the same character: still valid JSON, the
    same data, and nothing a terminal would obey."""
    return _UNSAFE.sub(_escape, dumped)
