"""Parse and validate TOML deck files into DeckSpecs; every problem is one line."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import rtoml

from studykb.core import cloze
from studykb.core.specs import CardSpec, DeckSpec, ExportDeck, PaperSpec
from studykb.decks.files import decode_text, read_capped
from studykb.errors import BadInputError

REVERSED_SUFFIX = "-rev"  # the back-to-front card of a reversed note

# The schema (pydantic) loads when a deck is parsed: listing deck files, which every
# start does for the bundled decks, needs none of it.
if TYPE_CHECKING:
    from studykb.decks.schema import CardEntry


def _location(data: dict[str, Any], loc: tuple[int | str, ...]) -> str:
    """'card ID: field' for an error inside [[cards]], else the dotted key."""
    if len(loc) >= 2 and loc[0] == "cards" and isinstance(loc[1], int):
        index = loc[1]
        cards = data.get("cards")
        card_id = None
        if isinstance(cards, list) and index < len(cards) and isinstance(cards[index], dict):
            raw = cards[index].get("id")
            card_id = raw if isinstance(raw, str) and raw else None
        where = f"card {card_id}" if card_id else f"card #{index + 1}"
        rest = ".".join(str(p) for p in loc[2:])
        return f"{where}: {rest}" if rest else where
    return ".".join(str(p) for p in loc) or "(file)"


def _message(error: Any) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "missing":
        return "missing"
    if kind == "string_pattern_mismatch" and error["loc"][-1] == "id":
        return "must be letters, digits, '-', '_' or '.' (deck ids lowercase), at most 80"
    return str(error["msg"])


def _card_specs(entry: CardEntry, where: str, problems: list[str]) -> list[CardSpec]:
    tags = tuple(entry.tags)
    if entry.text is not None:
        if entry.reversed:
            problems.append(f"{where}: reversed: a cloze card cannot be reversed")
            return []
        if entry.front is not None:
            problems.append(f"{where}: front: a cloze card has `text`, not `front`")
            return []
        try:
            numbers = cloze.numbers(entry.text)
        except cloze.ClozeError as exc:
            problems.append(f"{where}: text: {exc}")
            return []
        if not numbers:
            problems.append(f"{where}: text: no cloze deletion ({{{{c1::...}}}}) in a cloze card")
            return []
        return [
            CardSpec(
                key=f"{entry.id}:c{n}",
                note_key=entry.id,
                kind="cloze",
                front=entry.text,
                back=entry.back or "",
                tags=tags,
                source=entry.source,
                cloze_number=n,
            )
            for n in numbers
        ]
    if entry.front is None or not entry.front.strip():
        problems.append(
            f"{where}: front: missing or empty (a card needs `front` and `back`, or a cloze `text`)"
        )
        return []
    if entry.back is None or not entry.back.strip():
        problems.append(f"{where}: back: missing or empty")
        return []
    try:
        if cloze.parse(entry.front) or cloze.parse(entry.back):
            problems.append(f"{where}: front: cloze markers belong in `text`, not `front`/`back`")
            return []
    except cloze.ClozeError as exc:
        problems.append(f"{where}: front: {exc}")
        return []
    specs = [
        CardSpec(
            key=entry.id,
            note_key=entry.id,
            kind="basic",
            front=entry.front,
            back=entry.back,
            tags=tags,
            source=entry.source,
        )
    ]
    if entry.reversed:
        # Asked back to front too: a second card, ID-rev (as a reversed Anki note).
        specs.append(
            CardSpec(
                key=entry.id + REVERSED_SUFFIX,
                note_key=entry.id,
                kind="basic",
                front=entry.back,
                back=entry.front,
                tags=tags,
                source=entry.source,
            )
        )
    return specs


def parse_deck_bytes(raw: bytes, name: str) -> DeckSpec:
    """A validated deck from a file's bytes; BadInputError lists every problem."""
    from pydantic import ValidationError

    from studykb.decks.schema import MAX_CARDS_PER_FILE, MAX_FILE_BYTES, DeckFile

    text = decode_text(raw, name, MAX_FILE_BYTES, "TOML deck")
    try:
        # rtoml (Rust) parses a 10,000-card deck about six times faster than tomllib.
        data = rtoml.loads(text)
    except rtoml.TomlParsingError as exc:
        message = " ".join(str(exc).split())
        raise BadInputError([f"{name}: TOML syntax error: {message}"]) from exc
    try:
        deck = DeckFile.model_validate(data)
    except ValidationError as exc:
        raise BadInputError(
            [f"{name}: {_location(data, tuple(e['loc']))}: {_message(e)}" for e in exc.errors()]
        ) from exc
    problems: list[str] = []
    seen: dict[str, int] = {}
    specs: list[CardSpec] = []
    for index, entry in enumerate(deck.cards):
        where = f"{name}: card {entry.id}"
        if entry.id in seen:
            problems.append(f"{where}: id: duplicate card id (also card #{seen[entry.id] + 1})")
            continue
        seen[entry.id] = index
        specs.extend(_card_specs(entry, where, problems))
    reversed_keys = {e.id + REVERSED_SUFFIX: e.id for e in deck.cards if e.reversed}
    for key, note in reversed_keys.items():
        if key in seen:
            problems.append(
                f"{name}: card {key}: id: also the reversed card of card {note} (reversed = true)"
            )
    if len(specs) > MAX_CARDS_PER_FILE:  # the schema counts entries; a cloze entry is many
        problems.append(
            f"{name}: more than {MAX_CARDS_PER_FILE} cards (each cloze deletion is a card)"
        )
    if problems:
        raise BadInputError(problems)
    paper = None
    if deck.paper is not None:
        p = deck.paper
        paper = PaperSpec(
            title=p.title,
            url=p.url,
            authors=tuple(p.authors),
            year=p.year,
            worth_reading=p.worth_reading,
            section=p.section,
            after=tuple(p.after),
            description=p.description,
        )
    return DeckSpec(
        deck_id=deck.deck.id,
        title=deck.deck.title,
        description=deck.deck.description,
        source=name,
        paper=paper,
        cards=tuple(specs),
        file_hash=file_hash(raw),
    )


def toml_string(text: str) -> str:
    """A TOML basic string holding exactly ``text`` (JSON's escapes are TOML's, and
    DEL, which JSON leaves as it is, is escaped too)."""
    import json

    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def toml_text(text: str) -> str:
    """A field's text: a multi-line literal string when it can be one (LaTeX's
    backslashes and the lines as written), else a basic string."""
    plain = all(ch in "\n\t" or (" " <= ch != "\x7f") for ch in text)
    if (
        plain
        and "\r" not in text
        and "'''" not in text
        and not text.endswith("'")
        and ("\n" in text or "\\" in text)
    ):
        return f"'''\n{text}'''"
    return toml_string(text)


def deck_toml(deck: ExportDeck) -> str:
    """A deck file (this module's format) holding the deck's live notes: importing it
    gives the same deck, cards and content (a reversed note as ``reversed = true``)."""
    lines = ["[deck]", f"id = {toml_string(deck.deck_id)}", f"title = {toml_string(deck.title)}"]
    if deck.description:
        lines.append(f"description = {toml_string(deck.description)}")
    paper = deck.paper
    if paper is not None:
        lines += ["", "[paper]", f"title = {toml_string(paper.title)}"]
        lines.append(f"url = {toml_string(paper.url)}")
        if paper.authors:
            lines.append(f"authors = [{', '.join(toml_string(a) for a in paper.authors)}]")
        if paper.year is not None:
            lines.append(f"year = {paper.year}")
        if paper.worth_reading is not None:
            lines.append(f"worth_reading = {paper.worth_reading}")
        if paper.section:
            lines.append(f"section = {toml_string(paper.section)}")
        if paper.after:
            lines.append(f"after = [{', '.join(toml_string(a) for a in paper.after)}]")
        if paper.description:
            lines.append(f"description = {toml_text(paper.description)}")
    for note in deck.notes:
        lines += ["", "[[cards]]", f"id = {toml_string(note.key)}"]
        if note.kind == "cloze":
            lines.append(f"text = {toml_text(note.front)}")
            if note.back:
                lines.append(f"back = {toml_text(note.back)}")
        else:
            lines.append(f"front = {toml_text(note.front)}")
            lines.append(f"back = {toml_text(note.back)}")
            if any(c.key == note.key + REVERSED_SUFFIX for c in note.cards):
                lines.append("reversed = true")
        if note.tags:
            lines.append(f"tags = [{', '.join(toml_string(t) for t in note.tags)}]")
        if note.source:
            lines.append(f"source = {toml_string(note.source)}")
    return "\n".join(lines) + "\n"


def file_hash(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def read_deck_file(path: Path) -> DeckSpec:
    from studykb.decks.schema import MAX_FILE_BYTES

    return parse_deck_bytes(read_capped(path, MAX_FILE_BYTES), str(path))


def deck_files_in(directory: Path) -> list[Path]:
    """The deck files of a directory: its *.toml files, sorted (not its subfolders)."""
    return sorted(p for p in directory.glob("*.toml") if p.is_file())


def deck_files(paths: Iterable[Path]) -> list[Path]:
    """The deck files named, directories expanded to their *.toml files (sorted)."""
    found: list[Path] = []
    problems: list[str] = []
    for path in paths:
        if path.is_dir():
            found.extend(deck_files_in(path))
        elif path.exists():
            found.append(path)  # a FIFO or a device: read_capped names it and refuses it
        else:
            problems.append(f"{path}: no such file or directory")
    if problems:
        raise BadInputError(problems)
    return found


def read_decks(paths: Iterable[Path]) -> list[DeckSpec]:
    """Parse every file; raise one BadInputError listing the problems of all of them."""
    specs: list[DeckSpec] = []
    problems: list[str] = []
    for path in paths:
        try:
            specs.append(read_deck_file(path))
        except BadInputError as exc:
            problems.extend(exc.problems)
    problems.extend(check_unique_decks(specs))
    if problems:
        raise BadInputError(problems)
    return specs


def check_unique_decks(specs: Iterable[DeckSpec]) -> list[str]:
    """One problem per deck id defined in more than one file."""
    problems = []
    by_id: dict[str, str] = {}
    for spec in specs:
        if spec.deck_id in by_id:
            problems.append(
                f"{spec.source}: deck.id: deck {spec.deck_id!r} "
                f"is also defined in {by_id[spec.deck_id]}"
            )
        by_id.setdefault(spec.deck_id, spec.source)
    return problems
