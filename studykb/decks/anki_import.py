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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path

from studykb.core import cloze
from studykb.core.scheduler import Sm2State
from studykb.core.specs import CardSpec, DeckSpec, PaperSpec
from studykb.decks.deck_names import deck_id_for, deck_ids_for
from studykb.decks.files import open_regular
from studykb.decks.html_text import html_to_text
from studykb.decks.schema import MAX_CARDS_PER_FILE, MAX_FIELD_CHARS, MAX_FILE_BYTES
from studykb.decks.text_cards import card_key
from studykb.errors import BadInputError, StudykbError

MAX_COLLECTION_BYTES = 512 * 1024 * 1024
MAX_ARCHIVE_MEMBERS = 100_000
# Caps on what is read from a collection (the tables are real, rows are streamed):
MAX_ROWS = 100_000  # notes, and cards
MAX_NOTE_BYTES = MAX_FILE_BYTES // 4  # a note's fields as HTML, measured inside SQLite
MAX_TOTAL_NOTE_BYTES = 128 * 1024 * 1024
MAX_JSON_BYTES = 8 * 1024 * 1024  # col.models, col.decks, a note type's config
MAX_NAME_BYTES = 4096  # a GUID, a deck's, note type's or field's name
MAX_TAGS_BYTES = 64 * 1024
MAX_NOTE_TYPES = 10_000
MAX_DECKS = 10_000
MAX_DECK_NAME_CHARS = 300
# Scheduling values beyond what Anki writes are refused:
MAX_TIMESTAMP = 7_258_118_400  # 2200-01-01, for col.crt
MAX_INTERVAL_DAYS = 36_500  # Anki's largest maximum interval
MAX_DUE_DAYS = 100_000  # a review card's due day, counted from col.crt
MAX_FACTOR = 20_000  # ease 2000%: SM-2's intervals stay within the calendar
MAX_COUNT = 1_000_000  # repetitions, lapses
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


def _protobuf_fields(blob: bytes) -> Iterator[tuple[int, int | bytes]]:
    """The top-level fields of a protobuf message: (number, value), a varint as an
    int and a length-delimited field as bytes. Stops at an unknown wire type;
    ValueError for a truncated varint."""
    i = 0
    while i < len(blob):
        key, i = _varint(blob, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, i = _varint(blob, i)
            yield number, value
        elif wire == 2:
            length, i = _varint(blob, i)
            yield number, blob[i : i + length]
            i += length
        elif wire == 1:
            i += 8
        elif wire == 5:
            i += 4
        else:
            return


def _protobuf_varint_field(blob: bytes, wanted: int) -> int | None:
    """The value of a top-level varint field in a protobuf message (notetype kind)."""
    return next((v for n, v in _protobuf_fields(blob) if n == wanted and isinstance(v, int)), None)


def _protobuf_bytes_field(blob: bytes, wanted: int) -> bytes:
    """The bytes of a top-level length-delimited field of a protobuf message (b"" when
    absent or unreadable: a deck description is optional)."""
    try:
        return next(
            (v for n, v in _protobuf_fields(blob) if n == wanted and isinstance(v, bytes)), b""
        )
    except ValueError:
        return b""


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
    try:
        fd, tmp = tempfile.mkstemp(prefix="studykb-anki-", suffix=".db")
    except OSError as exc:
        raise StudykbError(f"{name}: cannot unpack the collection: {exc.strerror}") from exc
    try:
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
        except OSError as exc:  # a full temporary directory is not the file's fault
            raise StudykbError(
                f"{name}: cannot unpack the collection into {tmp}: {exc.strerror}"
            ) from exc
        # By hand, not db.connect: a foreign Anki collection in a temporary file, whose
        # problems are the package's (bad input), never studykb database damage.
        conn = sqlite3.connect(f"file:{tmp}?mode=ro", uri=True)
        try:
            yield conn
        finally:
            conn.close()
    finally:
        Path(tmp).unlink(missing_ok=True)


def _unicase(a: str, b: str) -> int:
    a, b = a.casefold(), b.casefold()
    return (a > b) - (a < b)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _tables(conn: sqlite3.Connection, name: str) -> set[str]:
    """The collection's real tables. A view (which may recurse forever or return
    gigabytes) or a virtual table is never read: the tables studykb needs must be real."""
    tables = {
        str(n)
        for n, sql in conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'")
        if not str(sql or "").lstrip().upper().startswith("CREATE VIRTUAL")
    }
    for needed in ("notes", "cards", "col"):
        if needed not in tables:
            raise BadInputError([f"{name}: not an Anki collection ({needed} is not a table)"])
    for table in {"notes", "cards", "notetypes", "fields", "decks"} & tables:
        (rows,) = conn.execute(f"SELECT count(*) FROM {table}").fetchone()
        if rows > MAX_ROWS:
            raise BadInputError([f"{name}: more than {MAX_ROWS} rows in {table}; refused"])
    return tables


def _capped(column: str, limit: int) -> str:
    """SQL giving ``column``, or NULL when it is longer than ``limit`` bytes: a huge
    value is measured inside SQLite and never handed to Python."""
    return f"CASE WHEN length(CAST({column} AS BLOB)) > {limit} THEN NULL ELSE {column} END"


def _json_column(conn: sqlite3.Connection, column: str, name: str) -> dict[str, object]:
    row = conn.execute(f"SELECT {_capped(column, MAX_JSON_BYTES)} FROM col LIMIT 1").fetchone()
    if row is None or not isinstance(row[0], str):
        raise BadInputError([f"{name}: col.{column}: missing, not text, or too large"])
    try:
        value = json.loads(row[0])
    except (ValueError, RecursionError) as exc:
        detail = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        raise BadInputError([f"{name}: col.{column}: not JSON ({detail})"]) from exc
    if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
        raise BadInputError([f"{name}: col.{column}: not a JSON object of objects"])
    return value


def _note_types(conn: sqlite3.Connection, tables: set[str], name: str) -> dict[int, _NoteType]:
    types: dict[int, _NoteType] = {}
    if {"notetypes", "fields"} <= tables:  # the modern schema: a table each
        fields_of: dict[int, list[str]] = {}
        for ntid, field_name in conn.execute(
            f"SELECT ntid, {_capped('name', MAX_NAME_BYTES)} FROM fields ORDER BY ntid, ord"
        ):
            if not _is_int(ntid) or not isinstance(field_name, str):
                raise BadInputError([f"{name}: fields: a field's note type or name is not valid"])
            fields_of.setdefault(ntid, []).append(field_name)
        for count, (ntid, nt_name, config) in enumerate(
            conn.execute(
                f"SELECT id, {_capped('name', MAX_NAME_BYTES)}, "
                f"{_capped('config', MAX_JSON_BYTES)} FROM notetypes"
            ),
            start=1,
        ):
            if count > MAX_NOTE_TYPES:
                raise BadInputError([f"{name}: more than {MAX_NOTE_TYPES} note types; refused"])
            if not _is_int(ntid) or not isinstance(nt_name, str):
                raise BadInputError([f"{name}: notetypes: a note type id or name is not valid"])
            blob = config if isinstance(config, bytes) else b""
            kind = _protobuf_varint_field(blob, 1)
            types[ntid] = _NoteType(nt_name, kind == 1, fields_of.get(ntid, []))
        return types
    models = _json_column(conn, "models", name)
    if len(models) > MAX_NOTE_TYPES:
        raise BadInputError([f"{name}: more than {MAX_NOTE_TYPES} note types; refused"])
    for ntid, model in models.items():
        assert isinstance(model, dict)
        flds = model.get("flds", [])
        if (
            not ntid.lstrip("-").isdigit()
            or len(ntid) > 20
            or not isinstance(flds, list)
            or not all(isinstance(f, dict) and isinstance(f.get("name"), str) for f in flds)
            or not all(_is_int(f.get("ord", 0)) for f in flds)
        ):
            raise BadInputError([f"{name}: col.models: note type {ntid[:40]!r} is not valid"])
        fields = [f["name"] for f in sorted(flds, key=lambda f: f.get("ord", 0))]
        types[int(ntid)] = _NoteType(str(model.get("name", "")), model.get("type") == 1, fields)
    return types


def _deck_names(conn: sqlite3.Connection, tables: set[str], name: str) -> dict[int, str]:
    if "decks" in tables:
        rows = conn.execute(
            f"SELECT id, {_capped('name', MAX_NAME_BYTES)} FROM decks LIMIT {MAX_DECKS + 1}"
        ).fetchall()
        if len(rows) > MAX_DECKS:
            raise BadInputError([f"{name}: more than {MAX_DECKS} decks; refused"])
        if not all(_is_int(i) and isinstance(n, str) for i, n in rows):
            raise BadInputError([f"{name}: decks: a deck id or name is not valid"])
        names = {i: n.replace("\x1f", "::") for i, n in rows}
    else:
        decks = _json_column(conn, "decks", name)
        if len(decks) > MAX_DECKS:
            raise BadInputError([f"{name}: more than {MAX_DECKS} decks; refused"])
        names = {}
        for i, deck in decks.items():
            assert isinstance(deck, dict)
            deck_name = deck.get("name", "Default")
            if not i.lstrip("-").isdigit() or len(i) > 20 or not isinstance(deck_name, str):
                raise BadInputError([f"{name}: col.decks: deck {i[:40]!r} is not valid"])
            names[int(i)] = deck_name
    for deck_name in names.values():
        if len(deck_name) > MAX_DECK_NAME_CHARS:
            raise BadInputError(
                [f"{name}: deck {deck_name[:40]!r}...: name longer than {MAX_DECK_NAME_CHARS}"]
            )
    return names


# (ord, type, queue, due, ivl, factor, reps, lapses) of one Anki card
_CardRow = tuple[int, int, int, int, int, int, int, int]


def _card_rows(
    conn: sqlite3.Connection, name: str, *, scheduling: bool
) -> tuple[dict[int, int], dict[int, list[_CardRow]]]:
    """One pass over the cards: each note's deck (that of its first card) and, for
    ``scheduling``, every card's state. Values of the wrong type are refused."""
    names = ["nid", "ord", "did"]
    if scheduling:
        names += ["type", "queue", "due", "ivl", "factor", "reps", "lapses"]
    first: dict[int, tuple[int, int]] = {}  # nid -> (ord, did)
    states: dict[int, list[_CardRow]] = {}
    query = f"SELECT {', '.join(names)} FROM cards LIMIT {MAX_ROWS + 1}"
    for number, row in enumerate(conn.execute(query), start=1):
        for column, value in zip(names, row, strict=True):
            if not _is_int(value):
                raise BadInputError(
                    [
                        f"{name}: cards: row {number} (note id {str(row[0])[:40]}): "
                        f"{column} {str(value)[:40]!r} is not a whole number"
                    ]
                )
        nid, ord_, did = row[0], row[1], row[2]
        if nid not in first or ord_ < first[nid][0]:
            first[nid] = (ord_, did)
        if scheduling:
            t, q, due, ivl, f, r, lapses = row[3:]
            states.setdefault(nid, []).append((ord_, t, q, due, ivl, f, r, lapses))
    return {nid: did for nid, (_, did) in first.items()}, states


def _collection_start(conn: sqlite3.Connection, name: str) -> date:
    """The day Anki counts review cards' due days from (col.crt, seconds since 1970)."""
    row = conn.execute("SELECT crt FROM col LIMIT 1").fetchone()
    crt = row[0] if row is not None else None
    if not isinstance(crt, int) or isinstance(crt, bool) or not 0 <= crt <= MAX_TIMESTAMP:
        raise BadInputError(
            [f"{name}: col.crt: {str(crt)[:40]!r} is not a creation time Anki writes"]
        )
    return datetime.fromtimestamp(crt).date()


_DECK_MARK = re.compile(r"<!-- studykb-deck (\{.*?\}) -->", re.S)


def _deck_descriptions(conn: sqlite3.Connection) -> list[str]:
    """Every deck's description, each read with the same size cap as the JSON columns."""
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if "decks" in tables:  # DeckKind protobuf: normal (1) -> description (4)
        return [
            _protobuf_bytes_field(_protobuf_bytes_field(bytes(kind or b""), 1), 4).decode(
                "utf-8", "replace"
            )
            for (kind,) in conn.execute(f"SELECT {_capped('kind', MAX_JSON_BYTES)} FROM decks")
        ]
    decks = _json_column(conn, "decks", "collection")
    return [str(d.get("desc", "")) for d in decks.values() if isinstance(d, dict)]


def _studykb_deck_links(conn: sqlite3.Connection) -> dict[str, tuple[str, PaperSpec | None]]:
    """What studykb's export put in each deck's description (see anki_export): the
    deck's description and paper, by deck id, so an import keeps the deck's paper.
    A description that is not exactly that is ignored."""
    from pydantic import BaseModel, ConfigDict, ValidationError

    from studykb.decks.schema import DeckId, PaperTable, ShortText

    class Link(BaseModel):
        model_config = ConfigDict(strict=True)
        deck: DeckId
        description: ShortText = ""
        paper: PaperTable | None = None

    links: dict[str, tuple[str, PaperSpec | None]] = {}
    for description in _deck_descriptions(conn):
        match = _DECK_MARK.search(description[:200_000])
        if match is None:
            continue
        try:
            link = Link.model_validate_json(match.group(1))
        except ValidationError:
            continue
        paper = None
        if link.paper is not None:
            p = link.paper
            paper = PaperSpec(
                p.title,
                p.url,
                tuple(p.authors),
                p.year,
                p.worth_reading,
                p.section,
                tuple(p.after),
                p.description,
            )
        links[link.deck] = (link.description, paper)
    return links


def read_anki_package(
    path: Path,
    schedules: dict[tuple[str, str], AnkiSchedule] | None = None,
    media: dict[str, bytes] | None = None,
) -> tuple[list[DeckSpec], list[str]]:
    """Decks from a package, and warnings (notes skipped and why). With ``schedules``,
    each reviewed card's Anki state is added to it, keyed by (deck id, card id). With
    ``media``, the images the notes show (``<img src>`` naming a file of the package's
    media map) are checked and added to it by stored name, and the fields read
    ``![name](stored-name)``; without it an image stays the text ``[image: name]``.

    Rows are read one at a time with caps on their number and size, so no file makes
    this run out of memory; any value of the wrong type or out of range is refused."""
    name = str(path)
    index = _media_index(path) if media is not None else {}
    with _collection(path) as conn:
        try:
            decks, warnings = _read_collection(conn, name, schedules, frozenset(index))
        except (sqlite3.Error, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise BadInputError([f"{name}: not a readable Anki collection ({exc})"]) from exc
        except (RecursionError, OverflowError, MemoryError) as exc:
            raise BadInputError([f"{name}: refused ({type(exc).__name__}: {exc})"]) from exc
    if media is not None and index:
        decks = _attach_media(path, decks, index, media)
    return decks, warnings


_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


@dataclass(frozen=True)
class _MediaMember:
    member: str  # the archive member holding the file
    compressed: bool  # zstd-compressed (the modern package format)


def _media_index(path: Path) -> dict[str, _MediaMember]:
    """The package's media map: file name -> archive member. Legacy packages hold a JSON
    object (``{"0": "fig.png"}``); modern ones a zstd-compressed protobuf list whose
    members are zstd-compressed too. A name with a path, a leading dot or control
    characters makes the whole package refused (one line naming it)."""
    from studykb.decks.media import unsafe_name

    name = str(path)
    handle = open_regular(path)
    try:
        with handle, zipfile.ZipFile(handle) as archive:
            try:
                info = archive.getinfo("media")
            except KeyError:
                return {}
            if info.file_size > MAX_JSON_BYTES:
                raise BadInputError([f"{name}: media map: larger than {MAX_JSON_BYTES} bytes"])
            with archive.open(info) as stream:
                raw = stream.read(MAX_JSON_BYTES + 1)
    except (zipfile.BadZipFile, OSError, EOFError, zipfile.LargeZipFile) as exc:
        raise BadInputError([f"{name}: not an Anki package (damaged or not a zip file)"]) from exc
    entries: list[tuple[str, str, bool]] = []  # (member, name, compressed)
    if raw.startswith(_ZSTD_MAGIC):
        import zstandard

        try:
            data = zstandard.ZstdDecompressor().stream_reader(raw).read(MAX_JSON_BYTES + 1)
            for number, entry in _protobuf_fields(data):
                if number != 1 or not isinstance(entry, bytes):
                    continue
                fields = dict(_protobuf_fields(entry))
                raw_name = fields.get(1, b"")
                zip_name = fields.get(255, len(entries))  # members are numbered in order
                if not isinstance(raw_name, bytes) or not isinstance(zip_name, int):
                    raise ValueError("an entry is not valid")
                entries.append((str(zip_name), raw_name.decode("utf-8"), True))
        except (zstandard.ZstdError, ValueError, UnicodeDecodeError) as exc:
            raise BadInputError([f"{name}: media map: not readable ({exc})"]) from exc
    elif raw.strip():
        try:
            mapping = json.loads(raw)
        except (ValueError, RecursionError) as exc:
            raise BadInputError([f"{name}: media map: not JSON"]) from exc
        if not isinstance(mapping, dict) or not all(isinstance(v, str) for v in mapping.values()):
            raise BadInputError([f"{name}: media map: not a JSON object of file names"])
        entries = [(str(k), v, False) for k, v in mapping.items()]
    if len(entries) > MAX_ARCHIVE_MEMBERS:
        raise BadInputError([f"{name}: media map: more than {MAX_ARCHIVE_MEMBERS} files"])
    index: dict[str, _MediaMember] = {}
    for member, file_name, compressed in entries:
        why = unsafe_name(file_name)
        if why is not None:
            raise BadInputError(
                [
                    f"{name}: media map: file {member[:20]!r} is named {file_name[:80]!r}: "
                    f"{why}; refused"
                ]
            )
        index[file_name] = _MediaMember(member, compressed)
    return index


def _attach_media(
    path: Path, decks: list[DeckSpec], index: dict[str, _MediaMember], media: dict[str, bytes]
) -> list[DeckSpec]:
    """The decks with each image's target rewritten to its stored name; its bytes
    checked (type by content, size) and added to ``media``. Any bad or missing image
    refuses the package: one line per image naming the file, card and field."""
    from studykb.decks.media import (
        MAX_MEDIA_BYTES,
        MAX_MEDIA_TOTAL_BYTES,
        MediaError,
        stored_name,
    )
    from studykb.render.figures import Figure, rewrite_images

    name = str(path)
    loaded: dict[str, tuple[str, bytes] | str] = {}
    problems: dict[tuple[str, str, str], str] = {}
    found: dict[str, bytes] = {}
    total = 0
    with open_regular(path) as handle, zipfile.ZipFile(handle) as archive:

        def load(file_name: str) -> tuple[str, bytes] | str:
            nonlocal total
            entry = index[file_name]
            try:
                info = archive.getinfo(entry.member)
            except KeyError:
                return "not in the package"
            if not entry.compressed and info.file_size > MAX_MEDIA_BYTES:
                return f"larger than {MAX_MEDIA_BYTES // 2**20} MiB"
            try:
                with archive.open(info) as member:
                    data = member.read(MAX_MEDIA_BYTES + 1)
                if entry.compressed:
                    import zstandard

                    reader = zstandard.ZstdDecompressor().stream_reader(data)
                    data = reader.read(MAX_MEDIA_BYTES + 1)
            except Exception as exc:  # zip, zlib and zstd each have their own errors
                return f"damaged in the archive ({type(exc).__name__})"
            try:
                stored = stored_name(file_name, data)
            except MediaError as exc:
                return str(exc)
            total += len(data)
            if total > MAX_MEDIA_TOTAL_BYTES:
                cap = MAX_MEDIA_TOTAL_BYTES // 2**20
                return f"the package's images come to more than {cap} MiB"
            return stored, data

        def renamer(deck_id: str, card: CardSpec, field: str) -> Callable[[Figure], str]:
            def one(figure: Figure) -> str:
                if figure.name not in index:
                    return figure.name  # Markdown typed in a field, not a package file
                if figure.name not in loaded:
                    loaded[figure.name] = load(figure.name)
                result = loaded[figure.name]
                if isinstance(result, str):
                    problems.setdefault((f"{deck_id}/{card.note_key}", field, figure.name), result)
                    return figure.name
                found[result[0]] = result[1]
                return result[0]

            return one

        rewritten = []
        for deck in decks:
            cards = []
            for card in deck.cards:
                front = "text" if card.kind == "cloze" else "front"
                cards.append(
                    replace(
                        card,
                        front=rewrite_images(card.front, renamer(deck.deck_id, card, front)),
                        back=rewrite_images(card.back, renamer(deck.deck_id, card, "back")),
                    )
                )
            rewritten.append(replace(deck, cards=tuple(cards)))
    if problems:
        raise BadInputError(
            [
                f"{name}: card {where}: {field}: image {file_name}: {why}"
                for (where, field, file_name), why in problems.items()
            ]
        )
    media.update(found)
    return rewritten


def _read_collection(
    conn: sqlite3.Connection,
    name: str,
    schedules: dict[tuple[str, str], AnkiSchedule] | None,
    images: frozenset[str] = frozenset(),
) -> tuple[list[DeckSpec], list[str]]:
    warnings: list[str] = []
    # Read only, and no SQL function runs from the file's own schema.
    conn.execute("PRAGMA query_only = ON")
    conn.execute("PRAGMA trusted_schema = OFF")
    # Anki's modern schema names a collation of its own on some columns and indexes.
    conn.create_collation("unicase", _unicase)
    tables = _tables(conn, name)
    types = _note_types(conn, tables, name)
    decks = _deck_names(conn, tables, name)
    links = _studykb_deck_links(conn)
    deck_ids = deck_ids_for([*decks.values(), "Default"])
    note_decks, anki_cards = _card_rows(conn, name, scheduling=schedules is not None)
    start = _collection_start(conn, name) if schedules is not None else None
    (note_count,) = conn.execute("SELECT count(*) FROM notes").fetchone()
    by_deck: dict[str, list[CardSpec]] = {}
    titles: dict[str, str] = {}
    seen: dict[tuple[str, str], tuple[int, str]] = {}  # (deck id, card key) -> note id, GUID
    total = note_bytes = 0
    note_ids: set[int] = set()
    rows = conn.execute(
        f"SELECT id, {_capped('guid', MAX_NAME_BYTES)}, mid, {_capped('tags', MAX_TAGS_BYTES)}, "
        f"{_capped('flds', MAX_NOTE_BYTES)}, length(CAST(flds AS BLOB)) "
        f"FROM notes ORDER BY id LIMIT {MAX_ROWS + 1}"
    )
    for nid, guid, mid, tags, flds, size in rows:
        where = f"{name}: note {str(guid)[:80]}"
        if not isinstance(guid, str) or not guid:
            raise BadInputError([f"{name}: note id {str(nid)[:40]}: guid: missing or too long"])
        if not _is_int(nid) or not _is_int(mid):
            raise BadInputError([f"{where}: id or note type id (mid) is not a whole number"])
        if nid in note_ids:
            raise BadInputError([f"{where}: note id {nid} is used by two notes"])
        note_ids.add(nid)
        if not isinstance(tags, str):
            raise BadInputError([f"{where}: tags: not text, or too long"])
        if flds is None and _is_int(size):
            raise BadInputError(
                [f"{where}: its fields hold {size} bytes, more than {MAX_NOTE_BYTES}; refused"]
            )
        if not isinstance(flds, str) or "\x00" in flds:
            raise BadInputError([f"{where}: flds: not text"])
        note_bytes += len(flds)
        if note_bytes > MAX_TOTAL_NOTE_BYTES:
            raise BadInputError(
                [f"{name}: the notes hold more than {MAX_TOTAL_NOTE_BYTES // 2**20} MiB; refused"]
            )
        if note_count == 1 and _STUB_TEXT in flds.casefold():
            raise BadInputError([f"{name}: only a stub for old Anki versions inside"])
        nt = types.get(mid)
        if nt is None:
            warnings.append(f"{where}: unknown note type; skipped")
            continue
        deck_name = decks.get(note_decks.get(nid, 0), "Default")
        deck_id = deck_ids.get(deck_name) or deck_id_for(deck_name)
        key = card_key(guid)
        ours = _STUDYKB_GUID.match(guid)
        if ours:  # exported by studykb: its own deck and card identity come back
            deck_id, key = ours.group(1), ours.group(2)
        tag_list = tuple(t for t in tags.split() if t)
        specs = _cards(
            nt, flds.split("\x1f"), key, tag_list, where, from_studykb=bool(ours), images=images
        )
        if not ours:  # kept, so that exporting the note back updates it in Anki
            specs = [replace(spec, guid=str(guid)) for spec in specs]
        if not specs:
            warnings.append(f"{where}: empty front; skipped")
            continue
        for spec in specs:
            # Two notes giving one card key would meet as one row in the database:
            # a bad file, reported here rather than as a failed write.
            other_nid, other = seen.setdefault((deck_id, spec.key), (nid, guid))
            if other_nid != nid:
                why = (
                    "another note has the same GUID"
                    if other == guid
                    else f"note {other[:80]} makes a card with that id too"
                )
                raise BadInputError(
                    [f"{where}: duplicate card {spec.key!r} in deck {deck_id!r}: {why}"]
                )
        total += len(specs)
        if total > MAX_CARDS_PER_FILE:
            raise BadInputError(
                [f"{name}: more than {MAX_CARDS_PER_FILE} cards (each cloze deletion is a card)"]
            )
        titles.setdefault(deck_id, deck_name.replace("::", " › "))
        by_deck.setdefault(deck_id, []).extend(specs)
        if schedules is not None and start is not None:
            for card in anki_cards.get(nid, []):
                ord_, ctype, queue = card[0], card[1], card[2]
                spec_key = _key_for_ord(specs, ord_, nt.is_cloze)
                state = _sm2_state(card, start, f"{where}: card {ord_ + 1}")
                if spec_key is not None and (state is not None or queue == -1):
                    schedules[(deck_id, spec_key)] = AnkiSchedule(
                        state or Sm2State(),
                        queue == -1,
                        learning=ctype in (1, 3) or (state is not None and state.due is None),
                    )
    return [
        DeckSpec(
            deck_id=d,
            title=titles[d],
            source=name,
            description=links.get(d, ("", None))[0],
            paper=links.get(d, ("", None))[1],
            cards=tuple(c),
            complete=False,
        )
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


def _sm2_state(card: _CardRow, start: date, where: str) -> Sm2State | None:
    """Anki's state as SM-2's: interval in days, ease as EF, the due day, lapses.
    New cards stay new (None); cards in (re)learning are due today, from I(1).

    Values Anki never writes (an unknown card type or queue, negative lapses or
    repetitions, an ease, interval or due day beyond its limits) are refused, not
    guessed at: they mean the file is not what Anki makes. A negative interval is
    Anki's own way of writing a learning step in seconds: such a card is taken as
    in learning (due on the day it is imported)."""
    _ord, ctype, queue, due, ivl, factor, reps, lapses = card
    valid = {
        "type": ctype in (0, 1, 2, 3),
        "queue": -3 <= queue <= 4,
        "reps": 0 <= reps <= MAX_COUNT,
        "lapses": 0 <= lapses <= MAX_COUNT,
        "factor": 0 <= factor <= MAX_FACTOR,
        "ivl": -MAX_TIMESTAMP <= ivl <= MAX_INTERVAL_DAYS,
        "due": ctype != 2 or ivl <= 0 or abs(due) <= MAX_DUE_DAYS,
    }
    values = dict(zip(valid, (ctype, queue, reps, lapses, factor, ivl, due), strict=True))
    for column, ok in valid.items():
        if not ok:
            raise BadInputError(
                [f"{where}: {column} {values[column]} is not a value Anki writes; refused"]
            )
    if ctype == 0:
        return None
    ef = max(130, round(factor / 10)) if factor else 250
    if ctype == 2 and ivl > 0:
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
    nt: _NoteType,
    fields: list[str],
    key: str,
    tags: tuple[str, ...],
    where: str,
    *,
    from_studykb: bool,
    images: frozenset[str] = frozenset(),
) -> list[CardSpec]:
    def text(index: int) -> str:
        """One field as studykb text, within the field limit (only fields used are read)."""
        if index < 0 or index >= len(fields):
            return ""
        converted = html_to_text(fields[index], soft_breaks=from_studykb, images=images)
        if len(converted) > MAX_FIELD_CHARS:
            label = nt.fields[index] if index < len(nt.fields) else f"field {index + 1}"
            raise BadInputError(
                [f"{where}: {label}: longer than {MAX_FIELD_CHARS} characters; refused"]
            )
        return converted

    first, second = text(0), text(1)
    names = [n.casefold() for n in nt.fields]
    source = text(names.index("source")) if "source" in names else ""
    if nt.is_cloze:
        if from_studykb:
            # Undo the spacing the export put between closing braces ("}}}" -> "} } }").
            first = re.sub(r"\} (?=\})", "}", first)
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
    reverse = "reversed card" in lowered and ("optional" not in lowered or text(2).strip())
    if reverse:
        cards.append(CardSpec(f"{key}-rev", key, "basic", second, first, tags, ""))
    return cards
