"""Opening a store the way every entry point does: settings, clock, migrations,
bundled content on first run. The CLI and the TUI both start here."""

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from studykb.core.clock import Clock, FixedClock, SystemClock
from studykb.core.specs import DeckSpec, ImportReport, ReadingListEntry
from studykb.errors import BadInputError, StudykbError
from studykb.paths import bundled_decks_dir, config_path, default_db_path
from studykb.settings import Settings, load_settings
from studykb.storage.backup import (
    copy_database,
    list_backups,
    set_aside_damaged,
    take_backup,
    verify_database,
)
from studykb.storage.db import connect, damaged, migrate
from studykb.storage.repository import Repository

if TYPE_CHECKING:
    from studykb.core.specs import ExportDeck
    from studykb.decks.reading_list import ReadingList

BUNDLED_HASH_KEY = "bundled_hash"


def clock_from_env() -> Clock:
    """STUDYKB_NOW (ISO-8601 with offset) fixes the clock, for tests, demos and screenshots."""
    value = os.environ.get("STUDYKB_NOW")
    if not value:
        return SystemClock()
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise StudykbError(f"STUDYKB_NOW: not an ISO-8601 date and time: {value!r}") from exc
    if moment.tzinfo is None:
        moment = moment.astimezone()
    return FixedClock(moment)


@dataclass
class Store:
    repo: Repository
    settings: Settings
    path: Path

    def close(self) -> None:
        # Keeps the query planner's statistics fresh; cheap when nothing changed.
        with contextlib.suppress(sqlite3.Error):
            self.repo.conn.execute("PRAGMA optimize")
        self.repo.conn.close()


def open_store(
    db_path: Path | None = None,
    *,
    clock: Clock | None = None,
    settings: Settings | None = None,
    seed_bundled: bool | None = None,
    daily_backup: bool = False,
) -> Store:
    """Open (creating or upgrading) a database. With ``daily_backup``, the first
    start of each study day checks it and keeps a backup copy."""
    path = db_path or default_db_path()
    settings = settings or load_settings(config_path())
    clock = clock or clock_from_env()
    migrate(path, clock.now().replace(tzinfo=None))
    conn = connect(path)
    repo = Repository(
        conn,
        clock,
        limits=settings.limits,
        day_start_hour=settings.day_start_hour,
    )
    try:
        if daily_backup:
            ensure_daily_backup(repo, path)
        if seed_bundled is None:
            seed_bundled = os.environ.get("STUDYKB_NO_BUNDLED", "") in ("", "0")
        if seed_bundled:
            sync_bundled(repo, path)
    except BaseException:
        conn.close()
        raise
    return Store(repo, settings, path)


def ensure_daily_backup(repo: Repository, path: Path) -> Path | None:
    """At the first start of a study day: a quick integrity check, then a backup.

    Whether today's copy exists is read from the backups folder, not the
    database, so a read-only command (or a dry run) leaves the database's
    bytes untouched."""
    today = repo.today()
    hours = timedelta(hours=repo.day_start_hour)
    if repo.is_empty() or any(
        b.reason == "daily" and (b.taken_at - hours).date() == today for b in list_backups(path)
    ):
        return None
    try:
        result = repo.conn.execute("PRAGMA quick_check").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise damaged(path, str(exc)) from exc
    if result != "ok":
        raise damaged(path, f"integrity check: {result}")
    return take_backup(repo.conn, path, "daily", repo.clock.now().replace(tzinfo=None))


def backup_before(repo: Repository, path: Path, what: str) -> Path | None:
    """A backup before a risky operation (import, repair, restore); none for an empty db."""
    if repo.is_empty():
        return None
    return take_backup(repo.conn, path, f"before-{what}", repo.clock.now().replace(tzinfo=None))


def restore_database(store: Store, source: Path) -> Path | None:
    """Replace the database's content with a backup, after backing up the current one.

    Runs through SQLite's backup API into the live database, so other studykb
    processes see a consistent switch rather than a file swapped under them."""
    problem = verify_database(source)
    if problem is not None:
        raise StudykbError(f"{source}: cannot restore from it: {problem}")
    if source.resolve() == store.path.resolve():
        raise StudykbError(f"{source} is the database itself")
    saved = backup_before(store.repo, store.path, "restore")
    src = sqlite3.connect(f"file:{source.resolve()}?mode=ro", uri=True)
    try:
        src.backup(store.repo.conn)
    finally:
        src.close()
    return saved


def restore_damaged(path: Path, source: Path, now: datetime) -> Path:
    """Restore over a database that cannot be opened: the damaged file is set aside
    in the backups folder (never deleted), then the backup is copied into place."""
    problem = verify_database(source)
    if problem is not None:
        raise StudykbError(f"{source}: cannot restore from it: {problem}")
    aside = set_aside_damaged(path, now)
    src = sqlite3.connect(f"file:{source.resolve()}?mode=ro", uri=True)
    try:
        copy_database(src, path)
    finally:
        src.close()
    return aside


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
    atomic_write_text(out, export_text_cards(decks, separator))
    return sum(len(d.notes) for d in decks)


def export_decks(store: Store, deck_id: str | None) -> list[ExportDeck]:
    """Active notes of every deck (or one), for the package and text exporters."""
    import json

    from studykb.core.specs import ExportDeck, ExportNote

    repo = store.repo
    if deck_id is not None and not repo.deck_exists(deck_id):
        raise StudykbError(f"no deck {deck_id!r} (see `studykb decks`)")
    decks = []
    for row in repo.conn.execute(
        "SELECT id, title FROM deck WHERE (:d IS NULL OR id = :d) ORDER BY position, id",
        {"d": deck_id},
    ).fetchall():
        notes: dict[str, ExportNote] = {}
        for note_key, kind, front, back, tags, source in repo.conn.execute(
            "SELECT note_key, kind, front, back, tags, source FROM card "
            "WHERE deck_id = ? AND retired_at IS NULL ORDER BY position, id",
            (row[0],),
        ):
            notes.setdefault(
                note_key,
                ExportNote(note_key, kind, front, back, tuple(json.loads(tags)), source),
            )
        decks.append(ExportDeck(str(row[0]), str(row[1]), tuple(notes.values())))
    return decks


def write_json_backup(store: Store, out: Path) -> dict[str, int]:
    """The whole database as a JSON backup, written to a temporary file and renamed."""
    import json
    from dataclasses import asdict

    from studykb.settings import atomic_write_text
    from studykb.storage.backup_json import export_backup

    data = export_backup(store.repo.conn, asdict(store.settings), store.repo.clock.now())
    atomic_write_text(out, json.dumps(data, ensure_ascii=False, indent=1) + "\n")
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
