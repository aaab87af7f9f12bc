"""The format registry: every kind of file studykb reads or writes, by suffix.

One entry per format. An import picks its reader with ``import_format_for(path)``
(studykb.app.library.prepare_import), an export its writer with ``export_format``
(Library.export), and `studykb import --help` and `studykb export --help` are
written from these entries, so the help lists exactly what studykb knows. A new
format is one entry here (and its parser in studykb.decks).

Loading this module loads no parser and no database code: each reader and writer
imports its module when it runs, so the CLI can build its help text cheaply.

The registry lives in the app layer rather than in studykb.decks because the JSON
backup is validated and written by storage (studykb.storage.backup_json), and
storage already imports studykb.decks (the id patterns): a registry in decks that
reached the backup format would close an import circle.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from studykb.errors import BadInputError
from studykb.render.words import plural

if TYPE_CHECKING:
    from studykb.app.store import Store
    from studykb.core.specs import DeckSpec
    from studykb.decks.reading_list import ReadingList

MAX_BACKUP_BYTES = 512 * 1024 * 1024


@dataclass(frozen=True)
class KnownDeckFile:
    """A deck file byte-identical to the one last imported for its deck."""

    source: str
    deck_id: str
    cards: int


@dataclass
class PreparedImport:
    """Parsed and validated files, ready to apply; nothing has touched the database."""

    decks: list[DeckSpec] = field(default_factory=list)
    reading_lists: list[ReadingList] = field(default_factory=list)
    unchanged: list[KnownDeckFile] = field(default_factory=list)
    backups: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what other importers skipped, and why
    schedules: dict[tuple[str, str], Any] = field(default_factory=dict)  # --with-scheduling

    @property
    def warnings(self) -> list[str]:
        return [w for r in self.reading_lists for w in r.warnings] + self.notes


@dataclass(frozen=True)
class ReadOptions:
    """What the caller asked of an import, beyond the files themselves."""

    # file hash -> (deck id, active cards): deck files already imported byte for byte
    known: Mapping[str, tuple[str, int]] | None = None
    with_scheduling: bool = False  # Anki packages: carry each card's review state over


Reader = Callable[[Path, PreparedImport, ReadOptions], None]
Writer = Callable[["Store", Path, "str | None"], str]
ImportKind = Literal["deck", "reading list", "backup"]


@dataclass(frozen=True)
class ImportFormat:
    """A kind of file `studykb import` reads.

    ``kind`` orders the work: backups are read first, then decks (a container's
    files, in the order named), then reading lists. A container (a directory) has
    no reader of its own: ``expand`` names the files in it, each read by its suffix.
    """

    name: str
    suffixes: tuple[str, ...]  # lower case, with the dot; () for a directory
    kind: ImportKind
    description: str  # one line for `studykb import --help`
    read: Reader | None = None
    expand: Callable[[Path], list[Path]] | None = None


@dataclass(frozen=True)
class ExportFormat:
    """A kind of file `studykb export` writes."""

    name: str  # the value of --format
    suffixes: tuple[str, ...]  # OUT's suffixes that choose it
    description: str  # for `studykb export --help`
    write: Writer  # (store, out, deck id or None) -> the report line
    one_deck: bool = False  # whether --deck narrows it


# Readers --------------------------------------------------------------------------


def _read_toml_deck(path: Path, into: PreparedImport, options: ReadOptions) -> None:
    from studykb.decks.toml_deck import file_hash, read_deck_file

    if options.known and (hit := options.known.get(_quick_hash(path, file_hash))) is not None:
        # Byte-identical to what was last imported (and validated): not parsed again.
        into.unchanged.append(KnownDeckFile(str(path), hit[0], hit[1]))
    else:
        into.decks.append(read_deck_file(path))


def _quick_hash(path: Path, hasher: Callable[[bytes], str]) -> str:
    from studykb.decks.files import read_capped
    from studykb.decks.schema import MAX_FILE_BYTES

    try:
        return hasher(read_capped(path, MAX_FILE_BYTES))
    except BadInputError:
        return ""  # unreadable, too large or not a file: the parser reports it properly


def _deck_files_in(directory: Path) -> list[Path]:
    from studykb.decks.toml_deck import deck_files_in

    return deck_files_in(directory)


def _read_reading_list(path: Path, into: PreparedImport, options: ReadOptions) -> None:
    from studykb.decks.reading_list import read_reading_list

    into.reading_lists.append(read_reading_list(path))


def _read_text_cards(path: Path, into: PreparedImport, options: ReadOptions) -> None:
    from studykb.decks.text_cards import read_text_cards

    into.decks.extend(read_text_cards(path))


def _read_anki_package(path: Path, into: PreparedImport, options: ReadOptions) -> None:
    from studykb.decks.anki_import import read_anki_package

    found, skipped = read_anki_package(path, into.schedules if options.with_scheduling else None)
    into.decks.extend(found)
    into.notes.extend(skipped)


def _read_backup(path: Path, into: PreparedImport, options: ReadOptions) -> None:
    into.backups.append((str(path), read_json_backup(path)))


def read_json_backup(path: Path) -> dict[str, Any]:
    """A JSON backup, parsed and checked whole (raises BadInputError naming the file)."""
    import json

    from studykb.decks.files import read_capped
    from studykb.storage.backup_json import check_backup

    raw = read_capped(path, MAX_BACKUP_BYTES)
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise BadInputError([f"{path}: not JSON: {exc}"]) from exc
    try:
        return check_backup(data)
    except BadInputError as exc:
        raise BadInputError([f"{path}: {p}" for p in exc.problems]) from exc


TOML_DECK = ImportFormat(
    "deck",
    (".toml",),
    "deck",
    "a deck file (the whole deck)",
    read=_read_toml_deck,
)
DIRECTORY = ImportFormat("directory", (), "deck", "its *.toml deck files", expand=_deck_files_in)

IMPORT_FORMATS: tuple[ImportFormat, ...] = (
    TOML_DECK,
    DIRECTORY,
    ImportFormat(
        "reading list",
        (".md", ".markdown"),
        "reading list",
        "a Markdown reading list",
        read=_read_reading_list,
    ),
    ImportFormat(
        "text cards",
        (".csv", ".tsv", ".txt"),
        "deck",
        "cards in Anki's text format (adds and updates cards)",
        read=_read_text_cards,
    ),
    ImportFormat(
        "Anki package",
        (".apkg", ".colpkg"),
        "deck",
        "an Anki package (adds and updates cards)",
        read=_read_anki_package,
    ),
    ImportFormat(
        "backup",
        (".json",),
        "backup",
        "a JSON backup from `studykb export` (into an empty database)",
        read=_read_backup,
    ),
)

_IMPORT_BY_SUFFIX = {s: f for f in IMPORT_FORMATS for s in f.suffixes}


def import_format_for(path: Path) -> ImportFormat:
    """The format to read ``path`` as: a directory, or by suffix. Any other file is
    read as a deck file, whose parser says plainly what is wrong with it."""
    if path.is_dir():
        return DIRECTORY
    return _IMPORT_BY_SUFFIX.get(path.suffix.lower(), TOML_DECK)


# Writers --------------------------------------------------------------------------


def _write_json(store: Store, out: Path, deck_id: str | None) -> str:
    from studykb.app.exports import write_json_backup

    counts = write_json_backup(store, out)
    return (
        f"exported {plural(counts['papers'], 'paper')}, {plural(counts['decks'], 'deck')}, "
        f"{plural(counts['cards'], 'card')}, {plural(counts['review_log'], 'answer')} to {out}"
    )


def _text_writer(separator: str) -> Writer:
    def write(store: Store, out: Path, deck_id: str | None) -> str:
        from studykb.app.exports import write_text_export

        n = write_text_export(store, out, separator, deck_id)
        return f"exported {n} notes to {out}"

    return write


def _write_apkg(store: Store, out: Path, deck_id: str | None) -> str:
    import sqlite3

    from studykb.app.exports import export_decks
    from studykb.decks.anki_export import write_apkg
    from studykb.errors import StudykbError
    from studykb.storage.backup import describe_file_error

    decks = export_decks(store, deck_id)
    try:
        notes, cards = write_apkg(decks, out)
    except (OSError, sqlite3.OperationalError) as exc:
        raise StudykbError(describe_file_error(out, exc)) from exc
    return f"exported {plural(notes, 'note')} ({plural(cards, 'card')}) to {out}"


def _write_toml(store: Store, out: Path, deck_id: str | None) -> str:
    from studykb.app.exports import write_toml_deck

    n = write_toml_deck(store, out, deck_id)
    return f"exported deck {deck_id}: {plural(n, 'note')} to {out}"


JSON_BACKUP = ExportFormat(
    "json",
    (".json",),
    "everything (reading list, decks, cards, states, review log, settings)",
    _write_json,
)

EXPORT_FORMATS: tuple[ExportFormat, ...] = (
    JSON_BACKUP,
    ExportFormat(
        "csv",
        (".csv",),
        "cards in Anki's text format with a GUID column, comma-separated",
        _text_writer(","),
        one_deck=True,
    ),
    ExportFormat(
        "tsv",
        (".tsv", ".txt"),
        "the same, tab-separated",
        _text_writer("\t"),
        one_deck=True,
    ),
    ExportFormat("apkg", (".apkg",), "an Anki package", _write_apkg, one_deck=True),
    ExportFormat(
        "toml",
        (".toml",),
        "one deck (--deck ID) as a deck file, your edits included; imports back the same",
        _write_toml,
        one_deck=True,
    ),
)

_EXPORT_BY_NAME = {f.name: f for f in EXPORT_FORMATS}
_EXPORT_BY_SUFFIX = {s: f for f in EXPORT_FORMATS for s in f.suffixes}


def export_format(name: str | None, out: Path) -> ExportFormat:
    """The format asked for by name, else the one OUT's suffix names, else the JSON backup."""
    if name is not None:
        try:
            return _EXPORT_BY_NAME[name]
        except KeyError:
            known = ", ".join(_EXPORT_BY_NAME)
            raise BadInputError([f"--format {name!r}: not one of {known}"]) from None
    return _EXPORT_BY_SUFFIX.get(out.suffix.lower(), JSON_BACKUP)


# Help text ------------------------------------------------------------------------


def _suffix_label(suffixes: tuple[str, ...]) -> str:
    return " ".join(suffixes) if suffixes else "directory"


def import_formats_help() -> str:
    """One line per format, for `studykb import --help` (click keeps the lines as
    they are after its \\b marker)."""
    width = max(len(_suffix_label(f.suffixes)) for f in IMPORT_FORMATS)
    lines = [f"  {_suffix_label(f.suffixes):<{width}}  {f.description}" for f in IMPORT_FORMATS]
    return "\b\nFiles, by suffix (any other file is read as a deck file):\n" + "\n".join(lines)


def export_formats_help() -> str:
    """The --format option's help for `studykb export`."""
    described = "; ".join(f"{f.name}: {f.description}" for f in EXPORT_FORMATS)
    by_suffix = ", ".join(f"{'/'.join(f.suffixes)} {f.name}" for f in EXPORT_FORMATS)
    return (
        f"{described}. Default: from OUT's suffix ({by_suffix}; any other suffix: "
        f"{JSON_BACKUP.name})."
    )


def export_format_names() -> list[str]:
    return [f.name for f in EXPORT_FORMATS]


def one_deck_formats() -> list[str]:
    return [f.name for f in EXPORT_FORMATS if f.one_deck]


def importable_suffixes() -> frozenset[str]:
    """Every suffix `studykb import` reads (lower case, with the dot): a file picker's filter."""
    return frozenset(_IMPORT_BY_SUFFIX)


def import_formats_summary() -> str:
    """Every importable kind in one line, for a dialog, the palette or a help's first line:
    ``deck .toml, directory, reading list .md .markdown, ...``."""
    return ", ".join(
        f"{f.name} {_suffix_label(f.suffixes)}" if f.suffixes else f.name for f in IMPORT_FORMATS
    )


def import_format_names() -> str:
    """``deck, directory, reading list, ...``: the kinds alone, for a short help line."""
    return ", ".join(f.name for f in IMPORT_FORMATS)
