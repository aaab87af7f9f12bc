"""Reading an imported file: a size cap, UTF-8, no binary data, one clear line otherwise."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import BinaryIO

from studykb.errors import BadInputError

# Opening a FIFO for reading blocks until a writer appears; O_NONBLOCK returns at once,
# so the file type can be checked first. (Absent on Windows, which has no FIFOs to open.)
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a special file"


def open_regular(path: Path) -> BinaryIO:
    """``path`` opened for binary reading, refused unless it is a regular file.

    The check is made on the open descriptor (fstat), not on the name, so a file
    swapped for a FIFO or a device between a check and the open cannot slip through."""
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as exc:
        raise BadInputError([f"{path}: cannot read: {exc.strerror or exc}"]) from exc
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise BadInputError([f"{path}: {_kind(mode)}, not a file; refused"])
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_capped(path: Path, limit: int) -> bytes:
    """The bytes of the regular file ``path``, refused above ``limit`` bytes.

    At most ``limit + 1`` bytes are ever read: st_size is only a first check, since
    a file may grow while it is read (or, for special files, report 0)."""
    too_large = BadInputError([f"{path}: file is larger than {limit // 2**20} MiB"])
    with open_regular(path) as handle:
        try:
            if os.fstat(handle.fileno()).st_size > limit:
                raise too_large
            raw = handle.read(limit + 1)
        except OSError as exc:
            raise BadInputError([f"{path}: cannot read: {exc.strerror or exc}"]) from exc
    if len(raw) > limit:
        raise too_large
    return raw


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
