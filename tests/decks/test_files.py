"""Imported files are read only if they are regular files, and never past their size limit."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from studykb.decks.files import read_capped
from studykb.errors import BadInputError

SUFFIXES = (".md", ".json", ".toml", ".csv", ".apkg")


def _limit_memory() -> None:
    # A regression that reads /dev/zero to the end fails with MemoryError, not by
    # exhausting the machine.
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (2 * 2**30, 2 * 2**30))


def _import(*paths: Path) -> subprocess.CompletedProcess[str]:
    """`studykb import` in a child process with a timeout: a read that never ends
    fails the test instead of hanging it."""
    return subprocess.run(
        [sys.executable, "-m", "studykb.cli", "import", *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=_limit_memory,
        env={**os.environ, "STUDYKB_NO_BUNDLED": "1"},
    )


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_a_device_named_like_an_import_is_refused_not_read(tmp_path: Path) -> None:
    paths = []
    for suffix in SUFFIXES:
        link = tmp_path / f"zero{suffix}"
        link.symlink_to("/dev/zero")
        paths.append(link)
    result = _import(*paths)
    assert result.returncode == 2, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    for path in paths:
        assert f"{path}: a device, not a file; refused" in result.stderr
    assert not (Path(os.environ["STUDYKB_HOME"]) / "studykb.db").exists()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_fifo_named_like_an_import_is_refused_not_waited_on(tmp_path: Path) -> None:
    paths = []
    for suffix in SUFFIXES:
        fifo = tmp_path / f"pipe{suffix}"
        os.mkfifo(fifo)
        paths.append(fifo)
    result = _import(*paths)
    assert result.returncode == 2, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    for path in paths:
        assert f"{path}: a named pipe (FIFO), not a file; refused" in result.stderr


def test_a_directory_where_a_file_is_expected_is_refused(tmp_path: Path) -> None:
    (tmp_path / "notes.md").mkdir()
    with pytest.raises(BadInputError, match=r"notes\.md: a directory, not a file; refused"):
        read_capped(tmp_path / "notes.md", 1000)


@pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="needs Linux /proc")
def test_size_is_checked_on_what_is_read_not_on_st_size() -> None:
    # /proc files are regular files that report a size of 0 but hold more.
    maps = Path("/proc/self/maps")
    assert maps.stat().st_size == 0
    with pytest.raises(BadInputError, match="file is larger than"):
        read_capped(maps, 16)


def test_a_file_at_the_limit_is_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "x.md"
    path.write_bytes(b"x" * 100)
    assert read_capped(path, 100) == b"x" * 100
    with pytest.raises(BadInputError, match="file is larger than"):
        read_capped(path, 99)
    with pytest.raises(BadInputError, match="cannot read"):
        read_capped(tmp_path / "missing.md", 100)
