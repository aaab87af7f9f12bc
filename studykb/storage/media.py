"""The media folder: images of cards, in ``media/`` beside the database.

A plain folder, no table: every file is named by its content (studykb.decks.media's
stored names carry a hash of the bytes), so a name says everything the database
would, two imports of one image write one file, and a file whose card is gone
costs only its bytes. Files are written as every file studykb writes: a temporary
file beside, fsynced, renamed. A file that is already there is left alone.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path

from studykb.decks.media import is_stored_name
from studykb.storage.tempfiles import fsync_dir, remove_leftover_temps_in, temp_beside


def media_dir(db_path: Path) -> Path:
    return db_path.parent / "media"


def media_file(db_path: Path, name: str) -> Path | None:
    """The file of a stored image, or None when the name is not a stored name (never
    a path out of the folder) or the file is not there."""
    if not is_stored_name(name):
        return None
    path = media_dir(db_path) / name
    return path if path.is_file() else None


def has_media(db_path: Path) -> bool:
    """Whether the media folder holds any image (a cheap look, for the TUI's start)."""
    try:
        with os.scandir(media_dir(db_path)) as entries:
            return any(is_stored_name(e.name) for e in entries)
    except OSError:
        return False


def write_media(db_path: Path, images: Mapping[str, bytes]) -> int:
    """Write the images not yet in the folder; returns how many were written."""
    if not images:
        return 0
    folder = media_dir(db_path)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    remove_leftover_temps_in(folder)
    written = 0
    for name, data in images.items():
        if not is_stored_name(name):
            raise ValueError(f"not a stored media name: {name!r}")
        dest = folder / name
        if dest.is_file() and dest.stat().st_size == len(data):
            continue  # named by its content: the same bytes
        tmp = temp_beside(dest)
        try:
            with open(tmp, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, dest)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        written += 1
    fsync_dir(folder)
    return written


def missing_media(db_path: Path, names: Iterable[str]) -> list[str]:
    """The names (in the order given, once each) with no file in the media folder."""
    seen: set[str] = set()
    missing = []
    for name in names:
        if name not in seen:
            seen.add(name)
            if media_file(db_path, name) is None:
                missing.append(name)
    return missing
