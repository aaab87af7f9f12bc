"""The content that ships with studykb: the bundled decks and reading list,
imported on the first run and again when a new version brings changed ones."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from studykb.core.specs import DeckSpec, ImportReport, ReadingListEntry
from studykb.decks.toml_deck import deck_files_in
from studykb.errors import BadInputError
from studykb.paths import bundled_decks_dir
from studykb.storage.backup import take_backup_unless_empty
from studykb.storage.repository import Repository

BUNDLED_HASH_KEY = "bundled_hash"


BUNDLED_READING_LIST = "reading-list.md"


def bundled_deck_paths() -> list[Path]:
    return deck_files_in(bundled_decks_dir())


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

    if path is not None:
        take_backup_unless_empty(repo.conn, path, "before-import", repo.clock.now())
    lists = [read_reading_list(p) for p in paths if p.suffix == ".md"]
    decks = read_decks(p for p in paths if p.suffix == ".toml")
    # Decks are added in suggested reading order, so new cards come in that order.
    reports = repo.import_decks(in_reading_order(decks, [e for r in lists for e in r.entries]))
    for reading_list in lists:
        reports.append(repo.import_reading_list(reading_list.entries, reading_list.source))
    repo.set_meta(BUNDLED_HASH_KEY, current)
    return reports


@dataclass(frozen=True, slots=True)
class BundledList:
    """A reading list that ships with studykb but is imported only when asked for."""

    name: str  # as given to `studykb import --bundled NAME`
    title: str
    folder: str  # under the bundled decks folder

    def paths(self) -> list[Path]:
        """Its decks, then its reading list (one transaction imports them all)."""
        folder = bundled_decks_dir() / self.folder
        decks = deck_files_in(folder)
        listed = folder / BUNDLED_READING_LIST
        return decks + ([listed] if listed.is_file() else [])


OPTIONAL_LISTS = (BundledList("next", "Diffusion models: the next papers", "next"),)


def optional_list(name: str) -> BundledList:
    for bundled in OPTIONAL_LISTS:
        if bundled.name == name:
            return bundled
    known = ", ".join(b.name for b in OPTIONAL_LISTS)
    raise BadInputError([f"--bundled {name}: no such bundled list (there is: {known})"])
