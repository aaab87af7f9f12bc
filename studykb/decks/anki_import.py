"""Anki packages (.apkg, .colpkg) as studykb decks.

Reads the modern format (``collection.anki21b``, zstd-compressed) and the legacy
ones (``collection.anki21``, ``collection.anki2``; in modern packages the latter
is only a stub telling old clients to upgrade). Archives are hostile until
proven otherwise: nothing is extracted to a path taken from the archive, the
collection is decompressed with a size cap into a private temporary file, and a
damaged archive, a zip bomb or a zip without a collection is one clear error.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from studykb.core import cloze
from studykb.core.scheduler import Sm2State
from studykb.core.specs import CardSpec, DeckSpec
from studykb.decks.files import open_regular
from studykb.decks.html_text import html_to_text
from studykb.decks.text_cards import card_key, slug
from studykb.errors import BadInputError

MAX_COLLECTION_BYTES = 512 * 1024 * 1024
MAX_ARCHIVE_MEMBERS = 100_000
COLLECTIONS = ("collection.anki21b", "collection.anki21", "collection.anki2")
_STUB_TEXT = "please update to the latest anki version"
_STUDYKB_GUID = re.compile(
    r"^studykb:([a-z0-9][a-z0-9_.\-]{0,79})/([A-Za-z0-9][A-Za-z0-9_.\-]{0,79})$"
)


@dataclass(frozen=True)
class AnkiSchedule:
    """An Anki card's review state, as SM-2 sees it."""

    state: Sm2State
    suspended: bool
    learning: bool = False  # in Anki's (re)learning steps: due on the day it is imported


@dataclass(frozen=True)
class _NoteType:
    name: str
    is_cloze: bool
    fields: list[str]


def _protobuf_varint_field(blob: bytes, wanted: int) -> int | None:
    """The value of a top-level varint field in a protobuf message (notetype kind)."""
    i = 0
    while i < len(blob):
        key, i = _varint(blob, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, i = _varint(blob, i)
            if number == wanted:
                return value
        elif wire == 2:
            length, i = _varint(blob, i)
            i += length
        elif wire == 1:
            i += 8
        elif wire == 5:
            i += 4
        else:
            return None
    return None


def _varint(blob: bytes, i: int) -> tuple[int, int]:
    shift = value = 0
    while i < len(blob):
        byte = blob[i]
        i += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, i
        shift += 7
    raise ValueError("truncated varint")


@contextmanager
def _collection(path: Path) -> Iterator[sqlite3.Connection]:
    name = str(path)
    handle = open_regular(path)  # a FIFO or a device is refused, never waited on
    try:
        archive = zipfile.ZipFile(handle)
    except (zipfile.BadZipFile, OSError) as exc:
        handle.close()
        raise BadInputError([f"{name}: not an Anki package (damaged or not a zip file)"]) from exc
    with handle, archive:
        infos = archive.infolist()
        if len(infos) > MAX_ARCHIVE_MEMBERS:
            raise BadInputError([f"{name}: too many files in the archive"])
        members = {i.filename: i for i in infos}
        chosen = next((m for m in COLLECTIONS if m in members), None)
        if chosen is None:
            raise BadInputError([f"{name}: not an Anki package (no collection inside)"])
        info = members[chosen]
        if info.file_size > MAX_COLLECTION_BYTES:
            raise BadInputError(
                [
                    f"{name}: the collection would unpack to more than "
                    f"{MAX_COLLECTION_BYTES // 2**20} MiB; refused"
                ]
            )
        try:
            with archive.open(info) as member:
                data = member.read(MAX_COLLECTION_BYTES + 1)
        except (zipfile.BadZipFile, OSError, EOFError, zipfile.LargeZipFile) as exc:
            raise BadInputError([f"{name}: damaged archive ({exc})"]) from exc
        if len(data) > MAX_COLLECTION_BYTES:
            raise BadInputError(
                [
                    f"{name}: the collection unpacks to more than "
                    f"{MAX_COLLECTION_BYTES // 2**20} MiB; refused"
                ]
            )
    if chosen.endswith("21b"):
        import zstandard

        try:
            reader = zstandard.ZstdDecompressor().stream_reader(data)
            data = reader.read(MAX_COLLECTION_BYTES + 1)
        except zstandard.ZstdError as exc:
            raise BadInputError([f"{name}: damaged collection ({exc})"]) from exc
        if len(data) > MAX_COLLECTION_BYTES:
            raise BadInputError(
                [
                    f"{name}: the collection unpacks to more than "
                    f"{MAX_COLLECTION_BYTES // 2**20} MiB; refused"
                ]
            )
    if not data.startswith(b"SQLite format 3\x00"):
        raise BadInputError([f"{name}: the collection inside is not an SQLite database"])
    fd, tmp = tempfile.mkstemp(prefix="studykb-anki-", suffix=".db")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        conn = sqlite3.connect(f"file:{tmp}?mode=ro", uri=True)
        try:
            yield conn
        finally:
            conn.close()
    finally:
        Path(tmp).unlink(missing_ok=True)


def _note_types(conn: sqlite3.Connection) -> dict[int, _NoteType]:
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    types: dict[int, _NoteType] = {}
    if "notetypes" in tables:
        for ntid, name, config in conn.execute("SELECT id, name, config FROM notetypes"):
            fields = [
                r[0]
                for r in conn.execute(
                    "SELECT name FROM fields WHERE ntid = ? ORDER BY ord", (ntid,)
                )
            ]
            kind = _protobuf_varint_field(bytes(config or b""), 1)
            types[int(ntid)] = _NoteType(str(name), kind == 1, fields)
        return types
    row = conn.execute("SELECT models FROM col").fetchone()
    for ntid, model in json.loads(row[0]).items():
        fields = [f["name"] for f in sorted(model.get("flds", []), key=lambda f: f.get("ord", 0))]
        types[int(ntid)] = _NoteType(str(model.get("name", "")), model.get("type") == 1, fields)
    return types


def _deck_names(conn: sqlite3.Connection) -> dict[int, str]:
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if "decks" in tables:
        return {
            int(i): str(n).replace("\x1f", "::")
            for i, n in conn.execute("SELECT id, name FROM decks")
        }
    row = conn.execute("SELECT decks FROM col").fetchone()
    return {int(i): str(d.get("name", "Default")) for i, d in json.loads(row[0]).items()}


def read_anki_package(
    path: Path, schedules: dict[tuple[str, str], AnkiSchedule] | None = None
) -> tuple[list[DeckSpec], list[str]]:
    """Decks from a package, and warnings (notes skipped and why). With ``schedules``,
    each reviewed card's Anki state is added to it, keyed by (deck id, card id)."""
    name = str(path)
    warnings: list[str] = []
    with _collection(path) as conn:
        try:
            types = _note_types(conn)
            decks = _deck_names(conn)
            notes = conn.execute(
                "SELECT n.id, n.guid, n.mid, n.tags, n.flds, "
                "(SELECT did FROM cards c WHERE c.nid = n.id ORDER BY ord LIMIT 1) "
                "FROM notes n ORDER BY n.id"
            ).fetchall()
            anki_cards: dict[int, list[tuple[int, ...]]] = {}
            if schedules is not None:
                for row in conn.execute(
                    "SELECT nid, ord, type, queue, due, ivl, factor, reps, lapses FROM cards"
                ):
                    anki_cards.setdefault(int(row[0]), []).append(tuple(int(x) for x in row[1:]))
                crt = int(conn.execute("SELECT crt FROM col").fetchone()[0])
        except (sqlite3.Error, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise BadInputError([f"{name}: not a readable Anki collection ({exc})"]) from exc
    by_deck: dict[str, list[CardSpec]] = {}
    titles: dict[str, str] = {}
    for nid, guid, mid, tags, flds, did in notes:
        fields = str(flds).split("\x1f")
        if len(notes) == 1 and _STUB_TEXT in str(flds).casefold():
            raise BadInputError([f"{name}: only a stub for old Anki versions inside"])
        nt = types.get(int(mid))
        if nt is None:
            warnings.append(f"{name}: note {guid}: unknown note type; skipped")
            continue
        deck_name = decks.get(int(did or 0), "Default")
        deck_id = slug(deck_name)
        key = card_key(str(guid))
        ours = _STUDYKB_GUID.match(str(guid))
        if ours:  # exported by studykb: its own deck and card identity come back
            deck_id, key = ours.group(1), ours.group(2)
        titles.setdefault(deck_id, deck_name.replace("::", " › "))
        tag_list = tuple(t for t in str(tags).split() if t)
        specs = _cards(nt, fields, key, tag_list, from_studykb=bool(ours))
        if not specs:
            warnings.append(f"{name}: note {guid}: empty front; skipped")
            continue
        by_deck.setdefault(deck_id, []).extend(specs)
        if schedules is not None:
            for ord_, ctype, queue, due, ivl, factor, reps, lapses in anki_cards.get(int(nid), []):
                spec_key = _key_for_ord(specs, ord_, nt.is_cloze)
                state = _sm2_state(ctype, due, ivl, factor, reps, lapses, crt)
                if spec_key is not None and (state is not None or queue == -1):
                    schedules[(deck_id, spec_key)] = AnkiSchedule(
                        state or Sm2State(), queue == -1, learning=ctype in (1, 3)
                    )
    return [
        DeckSpec(deck_id=d, title=titles[d], source=name, cards=tuple(c))
        for d, c in by_deck.items()
    ], warnings


def _key_for_ord(specs: list[CardSpec], ord_: int, is_cloze: bool) -> str | None:
    """The studykb card an Anki card (by its template or cloze ordinal) became."""
    for spec in specs:
        if is_cloze and spec.cloze_number == ord_ + 1:
            return spec.key
        if not is_cloze and (
            (ord_ == 0 and not spec.key.endswith("-rev"))
            or (ord_ == 1 and spec.key.endswith("-rev"))
        ):
            return spec.key
    return None


def _sm2_state(
    ctype: int, due: int, ivl: int, factor: int, reps: int, lapses: int, crt: int
) -> Sm2State | None:
    """Anki's state as SM-2's: interval in days, ease as EF, the due day, lapses.
    New cards stay new (None); cards in (re)learning are due today, from I(1)."""
    if ctype == 0:
        return None
    ef = max(130, round(factor / 10)) if factor else 250
    if ctype == 2 and ivl > 0:
        start = datetime.fromtimestamp(crt).date()
        # SM-2's n only decides the next interval: 1 -> 6 days next, 2 -> I x EF.
        return Sm2State(
            repetitions=2 if ivl >= 6 and reps >= 2 else 1,
            easiness_x100=ef,
            interval=ivl,
            due=start + timedelta(days=due),
            lapses=lapses,
        )
    return Sm2State(repetitions=0, easiness_x100=ef, interval=1, due=None, lapses=lapses)


def _cards(
    nt: _NoteType, fields: list[str], key: str, tags: tuple[str, ...], *, from_studykb: bool
) -> list[CardSpec]:
    texts = [html_to_text(f) for f in fields]
    first = texts[0] if texts else ""
    second = texts[1] if len(texts) > 1 else ""
    names = [n.casefold() for n in nt.fields]
    source = texts[names.index("source")] if "source" in names else ""
    if nt.is_cloze:
        if from_studykb:
            first = first.replace("} }", "}}")  # undo the spacing the export added
        try:
            numbers = cloze.numbers(first)
        except cloze.ClozeError:
            numbers = []
        return [
            CardSpec(f"{key}:c{n}", key, "cloze", first, second, tags, source, n) for n in numbers
        ]
    if not first.strip() or not second.strip():
        return []
    cards = [CardSpec(key, key, "basic", first, second, tags, source)]
    lowered = nt.name.casefold()
    reverse = "reversed card" in lowered and (
        "optional" not in lowered or (len(texts) > 2 and texts[2].strip())
    )
    if reverse:
        cards.append(CardSpec(f"{key}-rev", key, "basic", second, first, tags, ""))
    return cards
