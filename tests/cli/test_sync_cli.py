"""`studykb sync` through real transports (issue 14): a plain folder, a bare git
repository on disk, and two devices syncing into one folder at the same moment.
Real processes, each database with its own STUDYKB_HOME (its own settings)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from studykb.app.authoring import CardFields
from studykb.core.clock import FixedClock
from tests.storage.test_sync_replicas import START, differences, open_replica, snapshot


def make_device(tmp_path: Path, name: str, answers: dict[str, int], hours: float) -> Path:
    """A database with the deck, some answers made `hours` after START, and a card edit."""
    db = tmp_path / f"{name}.db"
    clock = FixedClock(START)
    collection = open_replica(db, clock)  # the deck imported at START on both
    clock.advance(timedelta(hours=hours))
    for ref, grade in answers.items():
        collection.review.answer(ref, grade)
        clock.advance(timedelta(minutes=3))
    collection.authoring.edit("toy/three", CardFields(f"Question three ({name})?", "Three."))
    collection.reading.set_status("toy", "reading" if name == "a" else "read")
    collection.close()
    return db


def studykb(db: Path, *args: str, hours: float = 6) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "STUDYKB_HOME": str(db.parent / f"home-{db.stem}"),
        "STUDYKB_NOW": (START + timedelta(hours=hours)).isoformat(),
        "STUDYKB_NO_BUNDLED": "1",
    }
    env.pop("STUDYKB_DB", None)
    return subprocess.Popen(
        [sys.executable, "-m", "studykb.cli", "--db", str(db), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def run(db: Path, *args: str) -> str:
    process = studykb(db, *args)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, f"studykb {' '.join(args)}: {out}\n{err}"
    return out


def assert_converged(*dbs: Path) -> None:
    snaps = []
    for db in dbs:
        collection = open_replica(db, FixedClock(START))
        try:
            report = collection.maintenance.check()
            assert report.ok, (db.name, report.problems[:5])
            snaps.append(snapshot(collection))
        finally:
            collection.close()
    for db, snap in zip(dbs[1:], snaps[1:], strict=True):
        diff = differences(snaps[0], snap)
        assert not diff, f"{dbs[0].name} and {db.name}:\n" + "\n".join(diff)
    # Both answered toy/one the same day: one review and one drill on every device.
    kinds = sorted(r["kind"] for r in snaps[0]["review_log"] if r["card"] == "toy/one")
    assert kinds == ["drill", "review"]


@pytest.fixture
def two(tmp_path: Path) -> tuple[Path, Path]:
    a = make_device(tmp_path, "a", {"toy/one": 4, "toy/two": 1}, hours=0)
    b = make_device(tmp_path, "b", {"toy/one": 2}, hours=1)
    return a, b


def test_two_devices_sync_through_a_folder(two: tuple[Path, Path], tmp_path: Path) -> None:
    a, b = two
    folder = tmp_path / "Sync"
    first = run(a, "sync", "--folder", str(folder))
    assert "wrote" in first
    out = run(b, "sync", "--folder", str(folder))
    assert "applied" in out and "the later answer is a drill" in out
    # The folder was recorded in each device's settings: no option needed any more.
    out = run(a, "sync")
    assert "applied" in out
    assert_converged(a, b)
    status = json.loads(run(a, "sync", "--status", "--json"))
    assert status["pending"] == 0 and status["waiting"] == 0
    assert len(status["devices"]) == 1 and status["devices"][0]["segments"] == 1
    # Nothing new: nothing written, nothing applied.
    assert "nothing new to send" in run(b, "sync") and "nothing new to send" in run(a, "sync")
    assert len([p for p in folder.iterdir() if p.is_dir()]) == 2


def _git() -> str:
    git = shutil.which("git")
    # Not a skip: sync --git is a feature, and its test must run where the suite runs.
    assert git, "the git command is needed for `studykb sync --git` and its tests"
    return git


def test_two_devices_sync_through_a_bare_git_repository(
    two: tuple[Path, Path], tmp_path: Path
) -> None:
    git = _git()
    a, b = two
    remote = tmp_path / "remote.git"
    subprocess.run([git, "init", "--quiet", "--bare", str(remote)], check=True)
    run(a, "sync", "--git", str(remote))
    run(b, "sync", "--git", str(remote))
    run(a, "sync")  # the recorded repository
    assert_converged(a, b)
    log = subprocess.run(
        [git, "--git-dir", str(remote), "log", "--all", "--name-only", "--format="],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert log.count(".seg.json.gz") == 2  # one segment each, never rewritten
    # A third device joins from the repository alone.
    c = tmp_path / "c.db"
    open_replica(c, FixedClock(START), with_deck=False).close()  # the deck comes too
    run(c, "sync", "--git", str(remote))
    assert_converged(a, b, c)


def test_two_syncs_racing_on_a_folder(two: tuple[Path, Path], tmp_path: Path) -> None:
    """Both devices sync into the same folder at the same moment: both succeed
    (each writes only its own files), and a later sync brings both to one state."""
    a, b = two
    folder = tmp_path / "Sync"
    for _ in range(3):
        racing = [studykb(db, "sync", "--folder", str(folder)) for db in (a, b)]
        for process in racing:
            out, err = process.communicate(timeout=120)
            assert process.returncode == 0, (out, err)
    run(a, "sync")
    run(b, "sync")
    assert_converged(a, b)
    leftovers = [p.name for p in folder.rglob("*") if p.name.startswith(".")]
    assert not leftovers


def test_two_syncs_racing_on_a_git_repository(two: tuple[Path, Path], tmp_path: Path) -> None:
    """Both push at once: one is refused, pulls, and pushes again (the retry)."""
    git = _git()
    a, b = two
    remote = tmp_path / "remote.git"
    subprocess.run([git, "init", "--quiet", "--bare", str(remote)], check=True)
    racing = [studykb(db, "sync", "--git", str(remote)) for db in (a, b)]
    for process in racing:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, (out, err)
    run(a, "sync")
    run(b, "sync")
    assert_converged(a, b)
