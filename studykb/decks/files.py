"""Reading an imported file: a size cap, UTF-8, no binary data, one clear line otherwise."""

from __future__ import annotations

from pathlib import Path

from studykb.errors import BadInputError


def read_capped(path: Path, limit: int) -> bytes:
    """The file's bytes, refused above ``limit`` before anything is read."""
    try:
        if path.stat().st_size > limit:
            raise BadInputError([f"{path}: file is larger than {limit // 2**20} MiB"])
        return path.read_bytes()
    except OSError as exc:
        raise BadInputError([f"{path}: cannot read: {exc.strerror or exc}"]) from exc


def decode_text(raw: bytes, name: str, limit: int, kind: str) -> str:
    """UTF-8 text (a byte-order mark allowed) of at most ``limit`` bytes, without NULs."""
    if len(raw) > limit:
        raise BadInputError([f"{name}: file is larger than {limit // 2**20} MiB"])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadInputError([f"{name}: not UTF-8 text (byte {exc.start})"]) from exc
    if "\x00" in text:
        raise BadInputError([f"{name}: binary data, not a {kind}"])
    return text
