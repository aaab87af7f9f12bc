"""The library: importing decks, reading lists, Anki packages, CSV and backups;
exporting them; the bundled content."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from studykb.app.formats import (
    ImportFormat,
    PreparedImport,
    ReadOptions,
    export_format,
    import_format_for,
)
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
    """Parse every file named, each by its format (studykb.app.formats: directories
    give their *.toml decks; .md files are reading lists). Raises BadInputError
    listing every problem in every file.

    A deck file whose bytes hash to one in ``known`` is byte-identical to what was
    last imported (and validated) for that deck: it is reported unchanged unparsed."""
    from studykb.decks.toml_deck import check_unique_decks

    options = ReadOptions(known=known, with_scheduling=with_scheduling)
    prepared = PreparedImport()
    problems: list[str] = []
    formats = [(path, import_format_for(path)) for path in paths]
    # Backups first, then decks (containers expanded), then reading lists.
    for path, fmt in formats:
        if fmt.kind == "backup":
            problems.extend(_read(fmt, path, prepared, options))
    try:
        deck_paths = _expand([p for p, f in formats if f.kind == "deck"])
    except BadInputError as exc:
        problems.extend(exc.problems)
        deck_paths = []
    files = deck_paths + [p for p, f in formats if f.kind == "reading list"]
    for done, path in enumerate(files, start=1):
        problems.extend(_read(import_format_for(path), path, prepared, options))
        if progress is not None:
            progress(done, len(files))
    problems.extend(check_unique_decks(prepared.decks))
    seen = {d.deck_id: d.source for d in prepared.decks}
    for file in prepared.unchanged:
        if file.deck_id in seen:
            problems.append(
                f"{file.source}: deck.id: deck {file.deck_id!r} is also defined in "
                f"{seen[file.deck_id]}"
            )
        seen.setdefault(file.deck_id, file.source)
    if problems:
        raise BadInputError(problems)
    if not (prepared.decks or prepared.reading_lists or prepared.unchanged or prepared.backups):
        raise BadInputError(
            ["no deck files (*.toml) or reading lists (*.md) in " + ", ".join(map(str, paths))]
        )
    return prepared


def _read(fmt: ImportFormat, path: Path, into: PreparedImport, options: ReadOptions) -> list[str]:
    """Read one file into ``into``; its problems (none when it is fine)."""
    assert fmt.read is not None, f"{fmt.name} is a container, expanded before reading"
    try:
        fmt.read(path, into, options)
    except BadInputError as exc:
        return exc.problems
    return []


def _expand(paths: Sequence[Path]) -> list[Path]:
    """The files named, containers (directories) expanded to the files in them."""
    found: list[Path] = []
    problems: list[str] = []
    for path in paths:
        fmt = import_format_for(path)
        if fmt.expand is not None:
            found.extend(fmt.expand(path))
        elif path.exists():
            found.append(path)  # a FIFO or a device too: read_capped names it and refuses it
        else:
            problems.append(f"{path}: no such file or directory")
    if problems:
        raise BadInputError(problems)
    return found


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
        writer = export_format(fmt, out)
        remove_leftover_temps(out)  # of an export to the same file that was killed
        with self._reading():
            return writer.write(self._store, out, deck_id)
