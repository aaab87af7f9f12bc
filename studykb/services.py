"""Opening a store the way every entry point does: settings, clock, migrations,
bundled content on first run. The CLI and the TUI both start here."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from studykb.core.clock import Clock, FixedClock, SystemClock
from studykb.core.specs import ImportReport
from studykb.errors import StudykbError
from studykb.paths import bundled_decks_dir, config_path, default_db_path
from studykb.settings import Settings, load_settings
from studykb.storage.db import connect, migrate
from studykb.storage.repository import Repository

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
        self.repo.conn.close()


def open_store(
    db_path: Path | None = None,
    *,
    clock: Clock | None = None,
    settings: Settings | None = None,
    seed_bundled: bool | None = None,
) -> Store:
    path = db_path or default_db_path()
    settings = settings or load_settings(config_path())
    migrate(path)
    conn = connect(path)
    repo = Repository(
        conn,
        clock or clock_from_env(),
        limits=settings.limits,
        day_start_hour=settings.day_start_hour,
    )
    if seed_bundled is None:
        seed_bundled = os.environ.get("STUDYKB_NO_BUNDLED", "") in ("", "0")
    if seed_bundled:
        try:
            sync_bundled(repo)
        except BaseException:
            conn.close()
            raise
    return Store(repo, settings, path)


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


def sync_bundled(repo: Repository) -> list[ImportReport]:
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
    reports = repo.import_decks(read_decks(p for p in paths if p.suffix == ".toml"))
    for path in paths:
        if path.suffix == ".md":
            parsed = read_reading_list(path)
            reports.append(repo.import_reading_list(parsed.entries, str(path)))
    if first_run:
        repo.order_decks_by_reading()
    repo.set_meta(BUNDLED_HASH_KEY, current)
    return reports
