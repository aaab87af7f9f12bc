"""The library: importing decks, reading lists, Anki packages, CSV and backups;
exporting them; the bundled content."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from studykb.app.bundled import in_reading_order
from studykb.app.formats import (
    ImportFormat,
    PreparedImport,
    ReadOptions,
    export_format,
    import_format_for,
)
from studykb.app.store import UseCases, backup_before
from studykb.app.views import DeckSummary
from studykb.core.clock import Clock
from studykb.errors import BadInputError, StudykbError
from studykb.render.words import plural
from studykb.settings import Settings
from studykb.storage.db import DatabaseError, connect, named
from studykb.storage.media import media_dir
from studykb.storage.media import write_media as write_media_files
from studykb.storage.repository import Repository
from studykb.storage.tempfiles import remove_leftover_temps

if TYPE_CHECKING:
    pass


def known_deck_files(db_path: Path) -> dict[str, tuple[str, int]]:
    """file hash -> (deck id, active cards) for every imported deck, read without
    writing (a missing or older database simply knows no files)."""
    if not db_path.is_file():
        return {}
    try:
        # Read-only: an unreadable, damaged or locked database is only a lost shortcut.
        conn = connect(db_path, readonly=True)
    except (DatabaseError, sqlite3.Error):
        return {}
    try:
        rows = (
            named(conn)
            .execute(
                "SELECT d.file_hash, d.id, (SELECT COUNT(*) FROM card c WHERE c.deck_id = d.id "
                "AND c.retired_at IS NULL) AS active_cards FROM deck d WHERE d.file_hash != ''"
            )
            .fetchall()
        )
    except sqlite3.Error:
        return {}
    finally:
        conn.close()
    return {str(r["file_hash"]): (str(r["id"]), int(r["active_cards"])) for r in rows}


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


def apply_import(
    repo: Repository, prepared: PreparedImport, *, dry_run: bool = False, theirs: bool = False
) -> list[str]:
    """Apply a prepared import; one report line per file. Cards you edited here keep
    your version (listed) unless ``theirs``."""
    prefix = "would import" if dry_run else "imported"
    lines = [
        f"{f.source}: {prefix} deck {f.deck_id}: 0 added, 0 updated, {f.cards} unchanged, "
        "0 retired (file unchanged)"
        for f in prepared.unchanged
    ]
    if prepared.decks:
        for report in repo.import_decks(prepared.decks, dry_run=dry_run, theirs=theirs):
            lines.append(f"{report.source}: {prefix} deck {report.deck_id}: {report.summary()}")
    if prepared.schedules and not dry_run:
        carried, kept = repo.carry_over_schedules(prepared.schedules)
        lines.append(
            f"scheduling: carried over for {plural(carried, 'card')}"
            + (f"; {plural(kept, 'card')} kept their studykb history" if kept else "")
        )
    for source, backup in prepared.backups:
        from studykb.storage.backup_json import import_backup

        n = import_backup(repo.conn, backup, dry_run=dry_run)
        lines.append(
            f"{source}: {prefix} backup: {plural(n['papers'], 'paper')}, "
            f"{plural(n['decks'], 'deck')}, {plural(n['cards'], 'card')}, "
            f"{plural(n['answers'], 'answer')}"
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
    paths: Path | Sequence[Path],
    progress: Callable[[int, int], None] | None = None,
) -> tuple[bool, list[str]]:
    """An import run off the UI thread, on its own connection, as one unit of work
    (after a backup). Returns (ok, lines)."""
    wanted = [paths] if isinstance(paths, Path) else list(paths)
    try:
        prepared = in_reading_order_of(
            prepare_import(wanted, progress, known=known_deck_files(db_path))
        )
    except BadInputError as exc:
        return False, exc.problems
    try:
        from studykb.app.store import open_store

        store = open_store(db_path, clock=clock, settings=settings, seed_bundled=False)
    except StudykbError as exc:
        return False, [exc.message]
    try:
        lines = [f"warning: {w}" for w in prepared.warnings]
        return True, lines + Library(store).apply(prepared)
    except StudykbError as exc:
        return False, [exc.message]
    except sqlite3.Error as exc:
        return False, [f"database: {exc}"]
    finally:
        store.close()


def in_reading_order_of(prepared: PreparedImport) -> PreparedImport:
    """The decks of an import in the order their reading lists suggest reading the
    papers, so that new cards come in that order (as the bundled decks do)."""
    entries = [e for r in prepared.reading_lists for e in r.entries]
    if entries and len(prepared.decks) > 1:
        prepared.decks = in_reading_order(prepared.decks, entries)
    return prepared


class Library(UseCases):
    """Decks in and out of the database."""

    def decks(self) -> list[DeckSummary]:
        with self._reading():
            return self._repo.deck_summaries()

    def apply(
        self, prepared: PreparedImport, *, dry_run: bool = False, theirs: bool = False
    ) -> list[str]:
        """Apply a prepared import as one unit of work (after a backup, unless it is a
        dry run, which rolls everything back); one report line per file. A card you
        edited here keeps your version (the line says which) unless ``theirs``."""
        new_images = 0
        if not dry_run:
            backup_before(self._repo, self._store.path, "import")
            # Images first: named by their content, so a file whose import then fails
            # is only an unreferenced file, never a card pointing at nothing.
            try:
                new_images = write_media_files(self._store.path, prepared.media)
            except OSError as exc:
                folder = media_dir(self._store.path)
                raise StudykbError(
                    f"{folder}: cannot write an image ({exc.strerror or exc}); nothing imported"
                ) from exc
        with self._writing(dry_run=dry_run):
            lines = apply_import(self._repo, prepared, dry_run=dry_run, theirs=theirs)
        if prepared.backups and not dry_run:
            lines.extend(self._restored_images_missing(prepared))
        if prepared.media:
            lines.append(
                f"images: {plural(len(prepared.media), 'image')} "
                + ("would be " if dry_run else f"({new_images} new) ")
                + f"in {media_dir(self._store.path)}"
            )
        return lines

    def _restored_images_missing(self, prepared: PreparedImport) -> list[str]:
        """A restored backup's cards name images it does not carry: name those the
        media folder lacks (copy the old media/ beside the database to bring them)."""
        from studykb.decks.media import name_list
        from studykb.render.figures import figures
        from studykb.storage.media import missing_media

        names = [
            f.name
            for _source, backup in prepared.backups
            for card in backup.get("cards", [])
            for text in (str(card.get("front", "")), str(card.get("back", "")))
            for f in figures(text)
        ]
        missing = missing_media(self._store.path, names)
        if not missing:
            return []
        return [
            f"warning: {plural(len(missing), 'image')} the cards show "
            f"{'is' if len(missing) == 1 else 'are'} not in {media_dir(self._store.path)} "
            f"(copy the old media folder there): {name_list(missing)}"
        ]

    def export(self, out: Path, fmt: str | None = None, deck_id: str | None = None) -> str:
        """Write ``out`` (a temporary file, fsynced, renamed); returns what was written."""
        writer = export_format(fmt, out)
        remove_leftover_temps(out)  # of an export to the same file that was killed
        with self._reading():
            return writer.write(self._store, out, deck_id)
