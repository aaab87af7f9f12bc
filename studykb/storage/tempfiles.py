"""Temporary files beside their destination, named so that leftovers can be cleaned.

Every file studykb writes goes to a temporary file in the destination's directory,
is fsynced, then renamed into place. A process killed in between leaves its
temporary file behind: the name carries the writer's process id, so the next run
can tell a dead writer's leftover from a file another process is still writing.
"""

from __future__ import annotations

import glob
import os
import re
import tempfile
from pathlib import Path

_TEMP = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)\.[a-z0-9_]+\.tmp$")
_UNNAMED = re.compile(r"^\.[a-z0-9_]+\.tmp$")  # the tail of an older version's temporary file


def temp_beside(dest: Path) -> Path:
    """A new, empty, private temporary file in ``dest``'s directory."""
    fd, tmp = tempfile.mkstemp(prefix=temp_prefix(dest), suffix=".tmp", dir=dest.parent)
    os.close(fd)
    os.chmod(tmp, 0o600)
    return Path(tmp)


def temp_prefix(dest: Path) -> str:
    """The prefix of this process's temporary files for ``dest`` (for tempfile.mkstemp)."""
    return f".{dest.name}.{os.getpid()}."


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive
    except OSError:
        return True  # cannot tell: keep the file
    return True


def leftover_temps(dest: Path) -> list[Path]:
    """Temporary files for ``dest`` whose writer is no longer running."""
    return [
        path for path, name, pid in _temps(dest.parent) if name == dest.name and not _alive(pid)
    ]


def remove_leftover_temps(dest: Path, *, unnamed_too: bool = False) -> list[Path]:
    """Delete what killed writers of ``dest`` left behind; return what was deleted.

    ``unnamed_too`` also deletes temporary files without a process id (made by
    older studykb versions), for callers that know no one else writes ``dest``."""
    removed = leftover_temps(dest)
    if unnamed_too:
        ours = {path for path, name, _pid in _temps(dest.parent) if name == dest.name}
        removed += [
            path
            for path in dest.parent.glob(f".{glob.escape(dest.name)}.*.tmp")
            if path not in ours and _UNNAMED.match(path.name[len(dest.name) + 1 :])
        ]
    for path in removed:
        path.unlink(missing_ok=True)
    return removed


def remove_leftover_temps_in(folder: Path) -> list[Path]:
    """Delete every dead writer's temporary file in ``folder`` (the backups folder)."""
    removed = [path for path, _name, pid in _temps(folder) if not _alive(pid)]
    for path in removed:
        path.unlink(missing_ok=True)
    return removed


def _temps(folder: Path) -> list[tuple[Path, str, int]]:
    try:
        names = os.listdir(folder)
    except OSError:
        return []
    found = []
    for name in names:
        match = _TEMP.match(name)
        if match is not None:
            found.append((folder / name, match.group("name"), int(match.group("pid"))))
    return found


def fsync_dir(path: Path) -> None:
    """Make a rename or unlink in ``path`` durable (a no-op where directories can't be opened)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
