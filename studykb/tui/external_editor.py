"""`E`: a card edited in $VISUAL or $EDITOR as a small TOML document (issue 12 item 2).

The TUI gives the terminal to the editor (App.suspend), reads the file back and
checks it (Authoring.from_toml); a bad edit reopens the editor with the error as
comment lines on top, and nothing is saved until the whole card is good: the
save is one use case (Authoring.edit), all or nothing.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from studykb.errors import BadInputError

if TYPE_CHECKING:
    from studykb.app.authoring import Authoring, Saved

# The lines studykb puts on top of a file it reopens (as `studykb edit` does); taken off
# again before the next round.
ERROR_MARK = "# error: "
ERROR_LEAD = "not saved. Fix the card below and save, or quit without saving to give up:"
FALLBACK_EDITOR = "vi"


class NoEditorError(Exception):
    """Neither $VISUAL nor $EDITOR is set, and there is no vi."""


def editor_command(environ: Mapping[str, str] | None = None) -> list[str]:
    """The editor to run, as an argument list: $VISUAL, else $EDITOR (each may carry
    options, ``code --wait``), else vi."""
    env = os.environ if environ is None else environ
    for name in ("VISUAL", "EDITOR"):
        raw = env.get(name, "").strip()
        if raw:
            return shlex.split(raw)
    found = shutil.which(FALLBACK_EDITOR)
    if found is None:
        raise NoEditorError("set $VISUAL or $EDITOR to the editor to use")
    return [found]


def without_errors(text: str) -> str:
    """The document without the error lines studykb put on top of it."""
    lines = text.splitlines(keepends=True)
    start = 0
    while start < len(lines) and lines[start].startswith(ERROR_MARK.rstrip()):
        start += 1
    return "".join(lines[start:])


def with_errors(text: str, problems: list[str]) -> str:
    """The document with the problems on top, as TOML comments (so it still parses)."""
    header = [ERROR_LEAD, *problems]
    comment = "".join(f"{ERROR_MARK}{_one_line(line)}\n" for line in header)
    return comment + without_errors(text)


def is_empty(text: str) -> bool:
    """Nothing but blank lines and comments: the user emptied the file to cancel."""
    return all(not line.strip() or line.lstrip().startswith("#") for line in text.splitlines())


def _one_line(line: str) -> str:
    return re.sub(r"[\r\n]+", " ", line)


def file_name(ref: str) -> str:
    """A file name for the card's document (the editor shows it): ``ddim-eta-role.toml``."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", ref).strip("-") + ".toml"


@dataclass(frozen=True, slots=True)
class Outcome:
    """How an external edit ended: ``saved`` when the card was written, else a sentence."""

    saved: Saved | None
    message: str


def edit_externally(
    authoring: Authoring, ref: str, run: Callable[[list[str]], int], command: list[str]
) -> Outcome:
    """Edit card ``ref`` with ``command`` run by ``run`` (which suspends the TUI and
    returns the editor's exit status) until the document is good or the user gives
    up (quits without changing it). Nothing is saved on the way."""
    current = authoring.fields(ref)
    document = authoring.to_toml(ref)
    with tempfile.TemporaryDirectory(prefix="studykb-edit-") as folder:
        path = Path(folder) / file_name(ref)
        problems: list[str] = []
        while True:
            path.write_text(document, encoding="utf-8")
            status = run([*command, str(path)])
            if status == 127:
                editor = command[0] if command else "?"
                return Outcome(None, f"Could not run the editor {editor!r}; nothing saved.")
            if status != 0:
                return Outcome(None, f"The editor exited with status {status}; nothing saved.")
            try:
                edited = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                return Outcome(None, f"Cannot read the edited card back ({exc}); nothing saved.")
            if is_empty(edited):
                return Outcome(None, f"Emptied: edit of {ref} cancelled; nothing saved.")
            if without_errors(edited) == without_errors(document):
                if problems:
                    return Outcome(None, f"Edit of {ref} given up; nothing saved.")
                return Outcome(None, f"No change to {ref}.")
            try:
                fields = authoring.from_toml(edited, ref)
                if fields == current:
                    return Outcome(None, f"No change to {ref}.")
                saved = authoring.edit(ref, fields)
            except BadInputError as exc:
                problems = list(exc.problems)
                document = with_errors(edited, problems)
                continue
            return Outcome(saved, saved.sentence)


def run_suspended(app: object, argv: list[str]) -> int:
    """Run ``argv`` with the terminal handed over (``app.suspend()``); its exit status.
    A program that cannot be started gives 127, as a shell would."""
    from textual.app import App

    assert isinstance(app, App)
    with app.suspend():
        try:
            return subprocess.call(argv)
        except OSError:
            return 127
