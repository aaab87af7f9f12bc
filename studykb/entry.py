"""The `studykb` console script.

`studykb due` is meant for shell prompts and status bars, run every second or
on every prompt: it takes a lean path straight to SQLite (no click, no
SQLAlchemy, no pydantic, no Textual) whenever the database exists at the current
schema. Anything else, including every error case, goes to the full CLI.
"""

from __future__ import annotations

import sys


def main() -> None:
    from studykb.app.lean_due import lean_due

    code = lean_due(sys.argv[1:])
    if code is not None:
        sys.exit(code)
    from studykb.cli import main as full_main

    full_main()
