"""CSV and TSV card files, following Anki's text-file conventions.

Header lines (all optional): ``#separator:`` (tab, comma, semicolon, pipe, colon,
space, or the character), ``#html:true|false``, ``#columns:`` (names),
``#guid column:N``, ``#tags column:N``, ``#deck:NAME``, ``#deck column:N``.
Without them the first two columns are front and back and a third is tags. The
GUID column keeps card identity across imports (studykb writes one on export);
without it a card is identified by a hash of its front. A deck name that already
is a deck id is kept as is, so studykb's own export comes back to the same decks.
A file holds some cards of a deck, not the whole deck: importing it adds and
updates cards and never retires one or renames the deck.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from studykb.core import cloze
from studykb.core.specs import CardSpec, DeckSpec, ExportDeck
from studykb.decks.files import decode_text, read_capped
from studykb.decks.html_text import html_to_text
from studykb.decks.schema import ID_PATTERN, MAX_CARDS_PER_FILE, MAX_FIELD_CHARS
from studykb.errors import BadInputError

MAX_TEXT_BYTES = 20 * 1024 * 1024
SEPARATORS = {"tab": "\t", "comma": ",", "semicolon": ";", "pipe": "|", "colon": ":", "space": " "}
_KEY_OK = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,79}$")
_DECK_ID_OK = re.compile(ID_PATTERN)
_COLUMN_KEYS = ("guid column", "tags column", "deck column")


@dataclass
class _Header:
    separator: str | None = None
    html: bool = False
    columns: list[str] = field(default_factory=list)
    guid_column: int | None = None
    tags_column: int | None = None
    deck: str | None = None
    deck_column: int | None = None
    lines: dict[str, int] = field(default_factory=dict)  # header key -> its line number


def deck_id_for(name: str) -> str:
    """A deck id from a CSV deck name. A name that already is a deck id (studykb's
    own export writes ids, like ``diffusion.score-sde``) is kept exactly; any other
    is spelled as the Anki importer spells it, so names in other scripts stay
    distinct (a stable hash suffix) instead of all becoming ``imported``."""
    from studykb.decks.deck_names import deck_id_for as id_from_name

    return name if _DECK_ID_OK.fullmatch(name) else id_from_name(name)


def card_key(guid: str) -> str:
    """A card id from an external identifier (an Anki GUID may hold any character)."""
    if _KEY_OK.match(guid):
        return guid
    return "g" + hashlib.sha1(guid.encode("utf-8")).hexdigest()[:20]


def _parse_header(lines: list[str], name: str) -> tuple[_Header, int]:
    header = _Header()
    used = 0
    for line in lines:
        if not line.startswith("#") or ":" not in line:
            break
        key, _, value = line[1:].partition(":")
        key, value = key.strip().casefold(), value.strip()
        used += 1
        header.lines[key] = used
        if key == "separator":
            header.separator = SEPARATORS.get(value.casefold(), value[:1] or None)
        elif key == "html":
            header.html = value.casefold() == "true"
        elif key == "columns":
            header.columns = [c.strip() for c in re.split(r"[\t,;|]", value)]
        elif key in _COLUMN_KEYS:
            # ASCII digits only: int() refuses some Unicode digits and numbers of
            # thousands of digits.
            digits = value.lstrip("0")
            if not re.fullmatch(r"[0-9]+", digits):
                raise BadInputError([f"{name}:{used}: {key}: must be a column number from 1"])
            if len(digits) > 9:
                shown = digits[:12] + ("…" if len(digits) > 12 else "")
                raise BadInputError([f"{name}:{used}: {key}: column {shown} is beyond any row"])
            setattr(header, key.replace(" ", "_"), int(digits) - 1)
        elif key == "deck":
            header.deck = value
    return header, used


def _check_columns(header: _Header, columns: int, name: str) -> None:
    """Every column the header names exists in rows of ``columns`` columns, and one
    is left for the front; else one line naming the header."""
    for key in _COLUMN_KEYS:
        index = getattr(header, key.replace(" ", "_"))
        if index is not None and index >= columns:
            raise BadInputError(
                [
                    f"{name}:{header.lines[key]}: {key}: column {index + 1}, "
                    f"but the rows have {columns} column{'s' if columns != 1 else ''}"
                ]
            )
    names = [c.casefold() for c in header.columns]
    named = ("front" in names and "back" in names) or "text" in names
    if not named and not _content_columns(header, columns):
        line = header.lines.get("columns") or max(header.lines.values(), default=1)
        raise BadInputError([f"{name}:{line}: no column is left for the front"])


def _content_columns(header: _Header, columns: int) -> list[int]:
    """Where front and back are when the header does not name them: the columns
    that are not GUID, tags, deck or source, in order."""
    names = [c.casefold() for c in header.columns]
    special = {header.guid_column, header.tags_column, header.deck_column}
    if "source" in names:
        special.add(names.index("source"))
    return [i for i in range(columns) if i not in special]


def parse_text_cards(raw: bytes, name: str, default_deck: str) -> list[DeckSpec]:
    text = decode_text(raw, name, MAX_TEXT_BYTES, "CSV/TSV file")
    lines = text.splitlines()
    header, skip = _parse_header(lines, name)
    body = "\n".join(lines[skip:])
    separator = header.separator or ("\t" if name.endswith(".tsv") or "\t" in body[:2000] else ",")
    reader = csv.reader(io.StringIO(body), delimiter=separator, strict=True)
    problems: list[str] = []
    decks: dict[str, list[CardSpec]] = {}
    titles: dict[str, str] = {}
    expected: int | None = len(header.columns) or None
    seen: set[tuple[str, str]] = set()
    if expected is not None:
        _check_columns(header, expected, name)
    try:
        for row in reader:
            number = skip + reader.line_num
            if not row or all(not c.strip() for c in row):
                continue
            if expected is None:
                expected = len(row)
                _check_columns(header, expected, name)
            if len(row) != expected:
                problems.append(f"{name}:{number}: expected {expected} columns, got {len(row)}")
                continue
            if len(decks) == 0 and sum(len(v) for v in decks.values()) >= MAX_CARDS_PER_FILE:
                break
            spec = _row_card(row, header, name, number, problems)
            if spec is None:
                continue
            deck_name = (
                row[header.deck_column] if header.deck_column is not None else header.deck
            ) or default_deck
            deck_id = deck_id_for(deck_name)
            titles.setdefault(deck_id, deck_name.replace("::", " › "))
            for card in spec:
                if (deck_id, card.key) in seen:
                    problems.append(f"{name}:{number}: duplicate card {card.note_key!r}")
                    break
                seen.add((deck_id, card.key))
            else:
                decks.setdefault(deck_id, []).extend(spec)
    except csv.Error as exc:
        problems.append(f"{name}:{skip + reader.line_num}: {exc}")
    if sum(len(v) for v in decks.values()) > MAX_CARDS_PER_FILE:
        problems.append(f"{name}: more than {MAX_CARDS_PER_FILE} cards")
    if problems:
        raise BadInputError(problems)
    if not decks:
        raise BadInputError([f"{name}: no cards"])
    return [
        # A CSV/TSV file holds some cards of a deck, not the whole deck: it never retires.
        DeckSpec(
            deck_id=d,
            title=titles[d],
            source=name,
            cards=tuple(cards),
            keep_title=True,
            complete=False,
        )
        for d, cards in decks.items()
    ]


def _row_card(
    row: list[str], header: _Header, name: str, number: int, problems: list[str]
) -> list[CardSpec] | None:
    names = [c.casefold() for c in header.columns]
    if "front" in names and "back" in names:
        front_i, back_i = names.index("front"), names.index("back")
    elif "text" in names:
        front_i = names.index("text")
        back_i = names.index("back extra") if "back extra" in names else -1
    else:
        content = _content_columns(header, len(row))  # never empty: see _check_columns
        front_i = content[0]
        back_i = content[1] if len(content) > 1 else -1
    tags_i = header.tags_column
    if tags_i is None and not header.columns and len(row) >= 3 and header.guid_column is None:
        tags_i = 2  # headerless files: a third column is tags
    convert = html_to_text if header.html else (lambda s: s)
    front = convert(row[front_i]).strip()
    back = convert(row[back_i]).strip() if back_i >= 0 else ""
    tags = tuple(t for t in row[tags_i].split() if t) if tags_i is not None else ()
    # studykb's own export adds where in the paper a card comes from.
    source = row[names.index("source")].strip() if "source" in names else ""
    if not front:
        problems.append(f"{name}:{number}: front: empty")
        return None
    if len(front) > MAX_FIELD_CHARS or len(back) > MAX_FIELD_CHARS:
        problems.append(f"{name}:{number}: a field is longer than {MAX_FIELD_CHARS} characters")
        return None
    guid = row[header.guid_column].strip() if header.guid_column is not None else ""
    if "/" in guid and _KEY_OK.match(guid.rsplit("/", 1)[1]):
        guid = guid.rsplit("/", 1)[1]  # studykb's own export: deck-id/card-id
    key = card_key(guid) if guid else "h" + hashlib.sha1(front.encode()).hexdigest()[:16]
    try:
        numbers = cloze.numbers(front)
    except cloze.ClozeError as exc:
        problems.append(f"{name}:{number}: front: {exc}")
        return None
    if numbers:
        return [
            CardSpec(f"{key}:c{n}", key, "cloze", front, back, tags, source, n) for n in numbers
        ]
    if not back:
        problems.append(f"{name}:{number}: back: empty")
        return None
    return [CardSpec(key, key, "basic", front, back, tags, source)]


def read_text_cards(path: Path) -> list[DeckSpec]:
    return parse_text_cards(read_capped(path, MAX_TEXT_BYTES), str(path), default_deck=path.stem)


def export_text_cards(decks: Sequence[ExportDeck], separator: str) -> str:
    """Anki-style text: one row per note (front or cloze text, back, tags, GUID, deck,
    source), with the headers this module reads back."""
    out = io.StringIO()
    name = "tab" if separator == "\t" else "comma"
    out.write(f"#separator:{name}\n#html:false\n")
    columns = ("Front", "Back", "Tags", "GUID", "Deck", "Source")
    out.write(f"#columns:{separator.join(columns)}\n")
    out.write("#tags column:3\n#guid column:4\n#deck column:5\n")
    writer = csv.writer(out, delimiter=separator, lineterminator="\n")
    for deck in decks:
        for note in deck.notes:
            writer.writerow(
                [
                    note.front,
                    note.back,
                    " ".join(note.tags),
                    f"{deck.deck_id}/{note.key}",
                    deck.deck_id,
                    note.source,
                ]
            )
    return out.getvalue()
