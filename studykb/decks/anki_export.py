"""Anki packages (.apkg) from studykb decks, built with genanki.

Note types are fixed (stable model ids), so exporting twice and importing both
packages into Anki updates notes instead of duplicating them: a note's GUID is
its studykb identity, ``studykb:deck-id/note-id``.
"""

from __future__ import annotations

import html
import os
import re
import tempfile
import zlib
from collections.abc import Sequence
from pathlib import Path

from studykb.core import cloze
from studykb.core.specs import ExportDeck
from studykb.decks.html_text import dollars_to_mathjax

BASIC_MODEL_ID = 1_742_310_001
CLOZE_MODEL_ID = 1_742_310_002
CSS = """.card { font-family: -apple-system, "Segoe UI", Roboto, sans-serif; font-size: 20px;
  text-align: left; color: #222; background: #fdfdfd; max-width: 40em; margin: 1em auto; }
.source { margin-top: 1.2em; font-size: 14px; color: #888; }
.cloze { font-weight: bold; color: #1565c0; }
.nightMode .card { color: #e6e6e6; background: #1e1e1e; }"""


def to_anki_html(text: str, *, cloze: bool = False) -> str:
    """Card Markdown as Anki HTML: escaped, **bold**, *italic*, line breaks, $...$ as
    MathJax. In clozes `}}` inside an answer is spaced out, as Anki's docs advise."""
    if cloze:
        text = _space_cloze_braces(text)
    out = html.escape(text, quote=False)
    out = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", out, flags=re.S)
    out = re.sub(r"(?<![*\w])\*(?!\s)(.+?)(?<!\s)\*(?![*\w])", r"<i>\1</i>", out, flags=re.S)
    out = dollars_to_mathjax(out)
    return out.replace("\n", "<br>")


def _space_cloze_braces(text: str) -> str:
    r"""Anki ends a cloze at the first `}}`; LaTeX like `\sqrt{b}}` inside one would cut
    it short. studykb's parser counts braces, so it finds the real end; inside, `}}`
    becomes `} }` (the same LaTeX)."""
    out, pos = [], 0
    for d in cloze.parse(text):
        inner = text[d.start + len(f"{{{{c{d.number}::") : d.end - 2]
        out.append(text[pos : d.start])
        out.append(f"{{{{c{d.number}::" + re.sub(r"\}(?=\})", "} ", inner) + "}}")
        pos = d.end
    out.append(text[pos:])
    return "".join(out)


def anki_deck_name(title: str) -> str:
    return title.replace(" › ", "::")


def write_apkg(decks: Sequence[ExportDeck], out: Path) -> tuple[int, int]:
    """Write a package; returns (notes, cards). Temporary file, then rename."""
    import genanki

    basic = genanki.Model(
        BASIC_MODEL_ID,
        "studykb Basic",
        fields=[{"name": "Front"}, {"name": "Back"}, {"name": "Source"}],
        templates=[
            {
                "name": "Card 1",
                "qfmt": "{{Front}}",
                "afmt": '{{FrontSide}}<hr id="answer">{{Back}}<div class="source">{{Source}}</div>',
            }
        ],
        css=CSS,
    )
    cloze_model = genanki.Model(
        CLOZE_MODEL_ID,
        "studykb Cloze",
        fields=[{"name": "Text"}, {"name": "Back Extra"}, {"name": "Source"}],
        templates=[
            {
                "name": "Cloze",
                "qfmt": "{{cloze:Text}}",
                "afmt": '{{cloze:Text}}<br>{{Back Extra}}<div class="source">{{Source}}</div>',
            }
        ],
        css=CSS,
        model_type=genanki.Model.CLOZE,
    )
    package_decks = []
    notes = cards = 0
    for deck in decks:
        anki_deck = genanki.Deck(
            zlib.crc32(f"studykb:{deck.deck_id}".encode()) + 1_000_000_000,
            anki_deck_name(deck.title),
        )
        for note in deck.notes:
            is_cloze = note.kind == "cloze"
            anki_deck.add_note(
                genanki.Note(
                    model=cloze_model if is_cloze else basic,
                    fields=[
                        to_anki_html(note.front, cloze=is_cloze),
                        to_anki_html(note.back),
                        html.escape(note.source),
                    ],
                    tags=list(note.tags),
                    # Readable and reversible: importing the package back into studykb
                    # restores deck and card identity.
                    guid=f"studykb:{deck.deck_id}/{note.key}",
                )
            )
            notes += 1
            cards += len(cloze.numbers(note.front)) if is_cloze else 1
        package_decks.append(anki_deck)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.{os.getpid()}.", suffix=".tmp", dir=out.parent)
    os.close(fd)
    try:
        genanki.Package(package_decks).write_to_file(tmp)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return notes, cards
