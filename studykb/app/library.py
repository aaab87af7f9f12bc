"""The library: importing decks, reading lists, Anki packages, CSV and backups;
exporting them; the bundled content."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from studykb.app.maintenance import backup_before
from studykb.app.store import UseCases
from studykb.app.views import DeckSummary
from studykb.core.clock import Clock
from studykb.core.specs import DeckSpec, ImportReport, ReadingListEntry
from studykb.errors import BadInputError, StudykbError
from studykb.paths import bundled_decks_dir
from studykb.settings import Settings
from studykb.storage.backup import describe_file_error
from studykb.storage.counts import NOT_VOIDED
from studykb.storage.repository import Repository
from studykb.storage.tempfiles import remove_leftover_temps

if TYPE_CHECKING:
    from studykb.app.store import Store
    from studykb.core.specs import ExportDeck
    from studykb.decks.reading_list import ReadingList

BUNDLED_HASH_KEY = "bundled_hash"


BUNDLED_READING_LIST = "reading-list.md"


def bundled_deck_paths() -> list[Path]:
    return sorted(bundled_decks_dir().glob("*.toml"))


def bundled_paths() -> list[Path]:
    """The bundled decks and, last, the bundled reading list."""
    reading_list = bundled_decks_dir() / BUNDLED_READING_LIST
    return bundled_deck_paths() + ([reading_list] if reading_list.is_file() else [])


def bundled_hash(paths: Sequence[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def in_reading_order(
    decks: Sequence[DeckSpec], entries: Sequence[ReadingListEntry]
) -> list[DeckSpec]:
    """Decks sorted as studykb.core.reading would suggest reading their papers."""
    from studykb.core.reading import PaperView, reading_order
    from studykb.core.urls import paper_key

    position: dict[str, int] = {}
    for i, entry in enumerate(entries):
        position.setdefault(paper_key(entry.url), i)
    views = [
        PaperView(
            paper_id=i,
            title=d.title,
            status="unread",
            worth_reading=d.paper.worth_reading if d.paper else None,
            position=position.get(paper_key(d.paper.url), len(entries) + i)
            if d.paper
            else len(entries) + i,
            deck_id=d.deck_id,
            after=d.paper.after if d.paper else (),
        )
        for i, d in enumerate(decks)
    ]
    return [decks[v.paper_id] for v in reading_order(views)]


def sync_bundled(repo: Repository, path: Path | None = None) -> list[ImportReport]:
    """Import the bundled decks and reading list on the first run, and again when a
    new version of studykb ships changed ones (idempotent: history is kept by card
    identity, reading status by paper)."""
    paths = bundled_paths()
    current = bundled_hash(paths)
    if repo.get_meta(BUNDLED_HASH_KEY) == current:
        return []
    from studykb.decks.reading_list import read_reading_list
    from studykb.decks.toml_deck import read_decks

    first_run = repo.is_empty()
    if path is not None and not first_run:
        backup_before(repo, path, "import")
    lists = [read_reading_list(p) for p in paths if p.suffix == ".md"]
    decks = read_decks(p for p in paths if p.suffix == ".toml")
    # Decks are added in suggested reading order, so new cards come in that order.
    reports = repo.import_decks(in_reading_order(decks, [e for r in lists for e in r.entries]))
    for reading_list in lists:
        reports.append(repo.import_reading_list(reading_list.entries, reading_list.source))
    repo.set_meta(BUNDLED_HASH_KEY, current)
    return reports


READING_LIST_SUFFIXES = (".md", ".markdown")
TEXT_SUFFIXES = (".csv", ".tsv", ".txt")


@dataclass(frozen=True)
class KnownDeckFile:
    """A deck file byte-identical to the one last imported for its deck."""

    source: str
    deck_id: str
    cards: int


@dataclass
class PreparedImport:
    """Parsed and validated files, ready to apply; nothing has touched the database."""

    decks: list[DeckSpec]
    reading_lists: list[ReadingList]
    unchanged: list[KnownDeckFile] = field(default_factory=list)
    backups: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what other importers skipped, and why
    schedules: dict[tuple[str, str], Any] = field(default_factory=dict)  # --with-scheduling

    @property
    def warnings(self) -> list[str]:
        return [w for r in self.reading_lists for w in r.warnings] + self.notes


def known_deck_files(db_path: Path) -> dict[str, tuple[str, int]]:
    """file hash -> (deck id, active cards) for every imported deck, read without
    writing (a missing or older database simply knows no files)."""
    if not db_path.is_file():
        return {}
    try:
        conn = sqlite3.connect(f"file:{db_path.resolve()}?mode=ro", uri=True)
    except sqlite3.Error:
        return {}
    try:
        rows = conn.execute(
            "SELECT d.file_hash, d.id, (SELECT COUNT(*) FROM card c WHERE c.deck_id = d.id "
            "AND c.retired_at IS NULL) FROM deck d WHERE d.file_hash != ''"
        ).fetchall()
    except sqlite3.Error:
        return {}
    finally:
        conn.close()
    return {str(h): (str(d), int(n)) for h, d, n in rows}


def prepare_import(
    paths: Sequence[Path],
    progress: Callable[[int, int], None] | None = None,
    known: dict[str, tuple[str, int]] | None = None,
    *,
    with_scheduling: bool = False,
) -> PreparedImport:
    """Parse every file named (directories give their *.toml decks; .md files are
    reading lists). Raises BadInputError listing every problem in every file.

    A deck file whose bytes hash to one in ``known`` is byte-identical to what was
    last imported (and validated) for that deck: it is reported unchanged unparsed."""
    from studykb.decks.reading_list import read_reading_list
    from studykb.decks.toml_deck import check_unique_decks, deck_files, file_hash, read_deck_file

    problems: list[str] = []
    list_paths = [p for p in paths if p.suffix.lower() in READING_LIST_SUFFIXES and not p.is_dir()]
    backup_paths = [p for p in paths if p.suffix.lower() == ".json" and not p.is_dir()]
    other = [p for p in paths if p not in list_paths and p not in backup_paths]
    backups = []
    for path in backup_paths:
        try:
            backups.append((str(path), read_json_backup(path)))
        except BadInputError as exc:
            problems.extend(exc.problems)
    try:
        deck_paths = deck_files(other)
    except BadInputError as exc:
        problems.extend(exc.problems)
        deck_paths = []
    total = len(deck_paths) + len(list_paths)
    decks: list[DeckSpec] = []
    lists: list[ReadingList] = []
    unchanged: list[KnownDeckFile] = []
    notes: list[str] = []
    schedules: dict[tuple[str, str], Any] = {}
    for done, path in enumerate(deck_paths + list_paths, start=1):
        try:
            if path in list_paths:
                lists.append(read_reading_list(path))
            elif path.suffix.lower() in TEXT_SUFFIXES:
                from studykb.decks.text_cards import read_text_cards

                decks.extend(read_text_cards(path))
            elif path.suffix.lower() in (".apkg", ".colpkg"):
                from studykb.decks.anki_import import read_anki_package

                found, skipped = read_anki_package(path, schedules if with_scheduling else None)
                decks.extend(found)
                notes.extend(skipped)
            elif known and (hit := known.get(_quick_hash(path, file_hash))) is not None:
                unchanged.append(KnownDeckFile(str(path), hit[0], hit[1]))
            else:
                decks.append(read_deck_file(path))
        except BadInputError as exc:
            problems.extend(exc.problems)
        if progress is not None:
            progress(done, total)
    problems.extend(check_unique_decks(decks))
    seen = {d.deck_id: d.source for d in decks}
    for file in unchanged:
        if file.deck_id in seen:
            problems.append(
                f"{file.source}: deck.id: deck {file.deck_id!r} is also defined in "
                f"{seen[file.deck_id]}"
            )
        seen.setdefault(file.deck_id, file.source)
    if problems:
        raise BadInputError(problems)
    if not decks and not lists and not unchanged and not backups:
        raise BadInputError(
            ["no deck files (*.toml) or reading lists (*.md) in " + ", ".join(map(str, paths))]
        )
    return PreparedImport(decks, lists, unchanged, backups, notes, schedules)


MAX_BACKUP_BYTES = 512 * 1024 * 1024


def read_json_backup(path: Path) -> dict[str, Any]:
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


def write_text_export(store: Store, out: Path, separator: str, deck_id: str | None) -> int:
    """Cards as Anki-style CSV/TSV (one row per note), via a temporary file and rename."""
    from studykb.decks.text_cards import export_text_cards
    from studykb.settings import atomic_write_text

    decks = export_decks(store, deck_id)
    text = export_text_cards(decks, separator)
    try:
        atomic_write_text(out, text)
    except OSError as exc:
        raise StudykbError(describe_file_error(out, exc)) from exc
    return sum(len(d.notes) for d in decks)


def export_decks(store: Store, deck_id: str | None) -> list[ExportDeck]:
    """Active notes of every deck (or one), for the package and text exporters."""
    import json
    from dataclasses import replace

    from studykb.core.specs import ExportAnswer, ExportCard, ExportDeck, ExportNote, PaperSpec

    repo = store.repo
    if deck_id is not None and not repo.deck_exists(deck_id):
        raise StudykbError(f"no deck {deck_id!r} (see `studykb decks`)")
    decks = []
    for row in repo.conn.execute(
        "SELECT d.id, d.title, d.description, p.title, p.url, p.authors, p.year, "
        "p.worth_reading, p.section, p.after, p.description "
        "FROM deck d LEFT JOIN paper p ON p.id = d.paper_id "
        "WHERE (:d IS NULL OR d.id = :d) ORDER BY d.position, d.id",
        {"d": deck_id},
    ).fetchall():
        paper = None
        if row[4] is not None:
            paper = PaperSpec(
                title=row[3],
                url=row[4],
                authors=tuple(json.loads(row[5])),
                year=row[6],
                worth_reading=row[7],
                section=row[8],
                after=tuple(json.loads(row[9])),
                description=row[10],
            )
        answers: dict[int, list[ExportAnswer]] = {}
        for card_id, *answer in repo.conn.execute(
            "SELECT r.card_id, r.answered_at, r.quality, r.kind, r.answer_ms, "
            "r.before_interval, r.before_due, r.before_repetitions, r.after_interval, "
            "r.after_easiness_x100 FROM review_log r JOIN card c ON c.id = r.card_id "
            f"WHERE c.deck_id = ? AND c.retired_at IS NULL AND r.kind != 'void' AND {NOT_VOIDED} "
            "ORDER BY r.seq",
            (row[0],),
        ):
            answers.setdefault(card_id, []).append(ExportAnswer(*answer))
        notes: dict[str, ExportNote] = {}
        cards: dict[str, list[ExportCard]] = {}
        for (
            card_id,
            key,
            note_key,
            kind,
            front,
            back,
            tags,
            source,
            guid,
            *state,
        ) in repo.conn.execute(
            "SELECT c.id, c.key, c.note_key, c.kind, c.front, c.back, c.tags, c.source, "
            "c.guid, c.cloze_number, c.suspended, s.easiness_x100, s.interval, s.due, "
            "s.lapses FROM card c JOIN card_state s ON s.card_id = c.id "
            "WHERE c.deck_id = ? AND c.retired_at IS NULL ORDER BY c.position, c.id",
            (row[0],),
        ):
            notes.setdefault(
                note_key,
                ExportNote(
                    note_key, kind, front, back, tuple(json.loads(tags)), source, guid or ""
                ),
            )
            cloze_number, suspended, easiness, interval, due, lapses = state
            cards.setdefault(note_key, []).append(
                ExportCard(
                    key,
                    cloze_number,
                    bool(suspended),
                    easiness,
                    interval,
                    due,
                    lapses,
                    tuple(answers.get(card_id, ())),
                )
            )
        decks.append(
            ExportDeck(
                str(row[0]),
                str(row[1]),
                tuple(replace(n, cards=tuple(cards[n.key])) for n in notes.values()),
                str(row[2]),
                paper,
            )
        )
    return decks


def write_json_backup(store: Store, out: Path) -> dict[str, int]:
    """The whole database as a JSON backup, written to a temporary file and renamed."""
    import json
    from dataclasses import asdict

    from studykb.settings import atomic_write_text
    from studykb.storage.backup_json import export_backup

    data = export_backup(store.repo.conn, asdict(store.settings), store.repo.clock.now())
    text = json.dumps(data, ensure_ascii=False, indent=1) + "\n"
    try:
        atomic_write_text(out, text)
    except OSError as exc:
        raise StudykbError(describe_file_error(out, exc)) from exc
    return {k: len(data[k]) for k in ("papers", "decks", "cards", "review_log")}


def _quick_hash(path: Path, hasher: Callable[[bytes], str]) -> str:
    from studykb.decks.files import read_capped
    from studykb.decks.schema import MAX_FILE_BYTES

    try:
        return hasher(read_capped(path, MAX_FILE_BYTES))
    except BadInputError:
        return ""  # unreadable, too large or not a file: the parser reports it properly


def apply_import(repo: Repository, prepared: PreparedImport, *, dry_run: bool = False) -> list[str]:
    """Apply a prepared import; one report line per file."""
    prefix = "would import" if dry_run else "imported"
    lines = [
        f"{f.source}: {prefix} deck {f.deck_id}: 0 added, 0 updated, {f.cards} unchanged, "
        "0 retired (file unchanged)"
        for f in prepared.unchanged
    ]
    if prepared.decks:
        for report in repo.import_decks(prepared.decks, dry_run=dry_run):
            lines.append(f"{report.source}: {prefix} deck {report.deck_id}: {report.summary()}")
    if prepared.schedules and not dry_run:
        carried, kept = repo.carry_over_schedules(prepared.schedules)
        lines.append(
            f"scheduling: carried over for {carried} cards"
            + (f"; {kept} cards kept their studykb history" if kept else "")
        )
    for source, backup in prepared.backups:
        from studykb.storage.backup_json import import_backup

        n = import_backup(repo.conn, backup, dry_run=dry_run)
        lines.append(
            f"{source}: {prefix} backup: {n['papers']} papers, {n['decks']} decks, "
            f"{n['cards']} cards, {n['answers']} answers"
        )
    for reading_list in prepared.reading_lists:
        report = repo.import_reading_list(
            reading_list.entries, reading_list.source, dry_run=dry_run
        )
        lines.append(
            f"{report.source}: {prefix} reading list: {len(reading_list.entries)} entries: "
            f"{report.added} added, {report.updated} updated, {report.unchanged} unchanged"
        )
    return lines


def import_in_worker(
    db_path: Path,
    clock: Clock,
    settings: Settings,
    path: Path,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[bool, list[str]]:
    """An import run off the UI thread, on its own connection. Returns (ok, lines)."""
    try:
        prepared = prepare_import([path], progress, known=known_deck_files(db_path))
    except BadInputError as exc:
        return False, exc.problems
    try:
        from studykb.app.store import open_store

        store = open_store(db_path, clock=clock, settings=settings, seed_bundled=False)
    except StudykbError as exc:
        return False, [exc.message]
    try:
        lines = [f"warning: {w}" for w in prepared.warnings]
        backup_before(store.repo, store.path, "import")
        return True, lines + apply_import(store.repo, prepared)
    except StudykbError as exc:
        return False, [exc.message]
    except sqlite3.Error as exc:
        return False, [f"database: {exc}"]
    finally:
        store.close()


EXPORT_FORMATS = {".csv": "csv", ".tsv": "tsv", ".txt": "tsv", ".apkg": "apkg", ".json": "json"}


class Library(UseCases):
    """Decks in and out of the database."""

    def decks(self) -> list[DeckSummary]:
        with self._reading():
            return self._repo.deck_summaries()

    def apply(self, prepared: PreparedImport, *, dry_run: bool = False) -> list[str]:
        """Apply a prepared import as one unit of work (after a backup, unless it is a
        dry run, which rolls everything back); one report line per file."""
        if not dry_run:
            backup_before(self._repo, self._store.path, "import")
        with self._writing(dry_run=dry_run):
            return apply_import(self._repo, prepared, dry_run=dry_run)

    def export(self, out: Path, fmt: str | None = None, deck_id: str | None = None) -> str:
        """Write ``out`` (a temporary file, fsynced, renamed); returns what was written."""
        fmt = fmt or EXPORT_FORMATS.get(out.suffix.lower(), "json")
        remove_leftover_temps(out)  # of an export to the same file that was killed
        with self._reading():
            if fmt == "apkg":
                from studykb.decks.anki_export import write_apkg

                decks = export_decks(self._store, deck_id)
                try:
                    notes, cards = write_apkg(decks, out)
                except (OSError, sqlite3.OperationalError) as exc:
                    raise StudykbError(describe_file_error(out, exc)) from exc
                return f"exported {notes} notes ({cards} cards) to {out}"
            if fmt in ("csv", "tsv"):
                n = write_text_export(self._store, out, "," if fmt == "csv" else "\t", deck_id)
                return f"exported {n} notes to {out}"
            counts = write_json_backup(self._store, out)
        return (
            f"exported {counts['papers']} papers, {counts['decks']} decks, "
            f"{counts['cards']} cards, {counts['review_log']} answers to {out}"
        )
