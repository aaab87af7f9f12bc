"""Anki packages (.apkg) from studykb decks, built with genanki.

Note types are fixed (stable model ids), so exporting twice and importing both
packages into Anki updates notes instead of duplicating them: a note's GUID is
its studykb identity, ``studykb:deck-id/note-id``.
"""

from __future__ import annotations

import dataclasses
import html
import json
import os
import re
import sqlite3
import tempfile
import zlib
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from studykb.core import cloze
from studykb.core.specs import ExportAnswer, ExportCard, ExportDeck, ExportNote
from studykb.decks.html_text import dollars_to_mathjax
from studykb.decks.media import is_stored_name
from studykb.render.figures import IMAGE, figures

BASIC_MODEL_ID = 1_742_310_001
CLOZE_MODEL_ID = 1_742_310_002
CSS = """.card { font-family: -apple-system, "Segoe UI", Roboto, sans-serif; font-size: 20px;
  text-align: left; color: #222; background: #fdfdfd; max-width: 40em; margin: 1em auto; }
.source { margin-top: 1.2em; font-size: 14px; color: #888; }
.cloze { font-weight: bold; color: #1565c0; }
.nightMode .card { color: #e6e6e6; background: #1e1e1e; }"""


def to_anki_html(text: str, *, cloze: bool = False) -> str:
    """Card Markdown as Anki HTML: escaped, **bold**, *italic*, line breaks, $...$ as
    MathJax. In clozes `}}` inside an answer is spaced out, as Anki's docs advise.
    A hard break ("  " + newline) is `<br>`; a plain newline `<br>` + newline, so
    that importing the package back gives each its own form."""
    if cloze:
        text = _space_cloze_braces(text)
    # Images become <img> last, so that no other rule reads inside their names.
    shown: list[str] = []

    def hold(match: re.Match[str]) -> str:
        caption = match.group("caption").strip()
        target = match.group("angled") or match.group("bare") or ""
        shown.append(f'<img src="{html.escape(target)}" alt="{html.escape(caption)}">')
        return f"\ufdd1{len(shown) - 1}\ufdd1"

    text = IMAGE.sub(hold, text.replace("\ufdd1", ""))
    out = html.escape(text, quote=False)
    out = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", out, flags=re.S)
    out = re.sub(r"(?<![*\w])\*(?!\s)(.+?)(?<!\s)\*(?![*\w])", r"<i>\1</i>", out, flags=re.S)
    out = dollars_to_mathjax(out)
    out = re.sub(r" {2,}\n", "<br>", out)
    out = out.replace("\n", "<br>\n")
    return re.sub("\ufdd1(\\d+)\ufdd1", lambda m: shown[int(m.group(1))], out)


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


DECK_MARK = "studykb-deck"
# The package's collection was created on this day; a review card's `due` counts days
# from it. At noon UTC it is the same date in every time zone from UTC-11 to UTC+11.
CREATED_DAY = date(2014, 9, 19)
CREATED_AT = int(datetime(2014, 9, 19, 12, tzinfo=UTC).timestamp())
MAX_ANSWER_MS = 60_000  # Anki's own cap on a recorded answer time


def anki_deck_description(deck: ExportDeck) -> str:
    """The deck's description and paper as Anki shows them, followed by the same as
    JSON in an HTML comment (invisible in Anki) that studykb's import reads back."""
    shown = []
    if deck.description:
        shown.append(f"<p>{html.escape(deck.description)}</p>")
    if deck.paper is not None:
        url, title = html.escape(deck.paper.url), html.escape(deck.paper.title)
        shown.append(f'<p>Paper: <a href="{url}">{title}</a></p>')
    data = {
        "deck": deck.deck_id,
        "description": deck.description,
        "paper": None if deck.paper is None else dataclasses.asdict(deck.paper),
    }
    # ASCII JSON with <, > and & escaped: nothing in it can end the comment.
    payload = json.dumps(data, ensure_ascii=True)
    payload = payload.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return "".join(shown) + f"<!-- {DECK_MARK} {payload} -->"


def _anki_ease(quality: int) -> int:
    """SM-2's quality 0-5 as Anki's answer button: Again, Hard, Good, Easy."""
    return 1 if quality < 3 else min(4, quality - 1)


def _revlog_type(answer: ExportAnswer) -> int:
    """Anki's review kinds: 0 learning, 1 review, 2 relearning, 3 filtered (a drill,
    which changes no schedule), 4 manual (a schedule carried over by an import)."""
    if answer.kind == "import":
        return 4
    if answer.kind == "drill":
        return 3
    if answer.before_due is None:
        return 0
    return 2 if answer.before_repetitions == 0 else 1


def _card_values(card: ExportCard, new_position: int) -> dict[str, Any]:
    reps = sum(a.kind != "import" for a in card.answers)
    if card.due is None:  # new: Anki's `due` is its place in the new queue
        return {
            "type": 0,
            "queue": -1 if card.suspended else 0,
            "due": new_position,
            "ivl": 0,
            "factor": 0,
            "reps": reps,
            "lapses": card.lapses,
        }
    return {
        "type": 2,
        "queue": -1 if card.suspended else 2,
        "due": (date.fromisoformat(card.due) - CREATED_DAY).days,
        "ivl": max(1, card.interval),
        "factor": card.easiness_x100 * 10,
        "reps": reps,
        "lapses": card.lapses,
    }


def _write_schedules(db: sqlite3.Cursor, notes: dict[str, ExportNote]) -> None:
    """Give the package's cards their studykb review state and history: Anki's card
    columns (interval, due day, ease factor, repetitions, lapses, suspension) and
    one revlog row per answer."""
    db.execute("UPDATE col SET crt = ?", (CREATED_AT,))
    conf = json.loads(db.execute("SELECT conf FROM col").fetchone()[0])
    conf["schedVer"] = 2  # days count by date from `crt`, not by 24 h periods
    db.execute("UPDATE col SET conf = ?", (json.dumps(conf),))
    guid_of = dict(db.execute("SELECT id, guid FROM notes").fetchall())
    revlog_ids: set[int] = set()
    revlog = []
    cards = db.execute("SELECT id, nid, ord FROM cards ORDER BY id").fetchall()
    for position, (card_id, nid, ord_) in enumerate(cards):
        note = notes[guid_of[nid]]
        card = next(
            (
                c
                for c in note.cards
                if (c.cloze_number == ord_ + 1 if note.kind == "cloze" else c.key == note.key)
            ),
            None,
        )
        if card is None:
            continue
        values = _card_values(card, position)
        sets = ", ".join(f"{k} = :{k}" for k in values)
        db.execute(f"UPDATE cards SET {sets} WHERE id = :id", {**values, "id": card_id})
        for answer in card.answers:
            moment = datetime.fromisoformat(answer.answered_at.replace("Z", "+00:00"))
            revlog_id = int(moment.timestamp() * 1000)
            while revlog_id in revlog_ids:  # Anki's revlog id is the answer's time, unique
                revlog_id += 1
            revlog_ids.add(revlog_id)
            kind = _revlog_type(answer)
            revlog.append(
                (
                    revlog_id,
                    card_id,
                    -1,
                    0 if kind == 4 else _anki_ease(answer.quality),
                    answer.after_interval,
                    answer.before_interval,
                    answer.after_easiness_x100 * 10,
                    max(0, min(MAX_ANSWER_MS, answer.answer_ms)),
                    kind,
                )
            )
    db.executemany("INSERT INTO revlog VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", revlog)


def package_images(decks: Sequence[ExportDeck]) -> list[str]:
    """The stored images the decks' cards show, each once, in order."""
    names: dict[str, None] = {}
    for deck in decks:
        for note in deck.notes:
            for text in (note.front, note.back):
                names.update((f.name, None) for f in figures(text) if is_stored_name(f.name))
    return list(names)


def write_apkg(
    decks: Sequence[ExportDeck], out: Path, media_files: Sequence[Path] = ()
) -> tuple[int, int]:
    """Write a package; returns (notes, cards). Temporary file, fsync, then rename.
    ``media_files`` (the images the cards show) go into the package's media."""
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
    by_guid: dict[str, ExportNote] = {}
    for deck in decks:
        anki_deck = genanki.Deck(
            zlib.crc32(f"studykb:{deck.deck_id}".encode()) + 1_000_000_000,
            anki_deck_name(deck.title),
            description=anki_deck_description(deck),
        )
        for note in deck.notes:
            is_cloze = note.kind == "cloze"
            # A note that came from Anki keeps its GUID, so that the collection it came
            # from updates it; studykb's own notes get a readable, reversible one that
            # restores deck and card identity when the package is imported back.
            guid = note.guid or f"studykb:{deck.deck_id}/{note.key}"
            by_guid[guid] = note
            anki_deck.add_note(
                genanki.Note(
                    model=cloze_model if is_cloze else basic,
                    fields=[
                        to_anki_html(note.front, cloze=is_cloze),
                        to_anki_html(note.back),
                        html.escape(note.source),
                    ],
                    tags=list(note.tags),
                    guid=guid,
                )
            )
            notes += 1
            cards += len(cloze.numbers(note.front)) if is_cloze else 1
        package_decks.append(anki_deck)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.{os.getpid()}.", suffix=".tmp", dir=out.parent)
    os.close(fd)

    class _Package(genanki.Package):  # type: ignore[misc]
        def write_to_db(self, cursor: sqlite3.Cursor, timestamp: float, id_gen: Any) -> None:
            super().write_to_db(cursor, timestamp, id_gen)
            _write_schedules(cursor, by_guid)

    try:
        _Package(package_decks, media_files=[str(p) for p in media_files]).write_to_file(tmp)
        with open(tmp, "rb") as written:
            os.fsync(written.fileno())
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return notes, cards
