"""SIGKILL during `studykb sync` (issue 14): whatever moment it dies at, a re-run
brings the database to the same state as a sync that was never interrupted, the
segment it writes has the same bytes, and the folder never holds a half-written
file under a segment's name."""

from __future__ import annotations

import os
import random
import shutil
import signal
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from studykb.app.collection import Collection
from studykb.app.store import open_store
from studykb.core.clock import FixedClock
from studykb.decks import sync_segment
from studykb.decks.toml_deck import parse_deck_bytes
from studykb.settings import Settings
from studykb.storage import sync as storage_sync
from studykb.storage import sync_store
from tests.reliability.driver import START
from tests.reliability.harness import assert_consistent, deck_text, kill_after, start_cli
from tests.reliability.test_kills import _killed_at
from tests.storage.test_sync_replicas import differences, snapshot

CARDS = 200


def _device(path: Path, answers: int, minutes: int) -> None:
    """A database with the deck imported at START and `answers` answers after it."""
    clock = FixedClock(START)
    store = open_store(path, clock=clock, settings=Settings(), seed_bundled=False)
    store.repo.import_decks([parse_deck_bytes(deck_text("drill", CARDS).encode(), "drill.toml")])
    collection = Collection(store)
    chance = random.Random(answers)
    for i in range(answers):
        clock.advance(timedelta(minutes=minutes))
        collection.review.answer(f"drill/c{chance.randrange(CARDS)}", chance.choice((1, 3, 4, 5)))
        if i == answers // 2:
            collection.review.suspend([f"drill/c{i % CARDS}"])
    collection.close()


def _open(path: Path) -> Collection:
    return Collection(
        open_store(path, clock=FixedClock(START), settings=Settings(), seed_bundled=False)
    )


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A's 600 answers already in the folder; B's 80 answers not yet synced. The
    reference: B's sync run once, uninterrupted (in ref/)."""
    root = tmp_path_factory.mktemp("syncworld")
    _device(root / "a.db", 600, 7)
    _device(root / "b.db", 80, 5)
    a = _open(root / "a.db")
    assert a.sync.folder(root / "folder").written
    a.close()
    _copy(root, root / "ref")
    b = _open(root / "ref" / "b.db")
    report = b.sync.folder(root / "ref" / "folder")
    assert report.written and report.applied and not report.skipped
    b.close()
    return root


def _copy(world: Path, dest: Path) -> None:
    dest.mkdir()
    shutil.copy(world / "b.db", dest / "b.db")
    shutil.copytree(world / "folder", dest / "folder")


def _sync(trial: Path) -> None:
    b = _open(trial / "b.db")
    try:
        b.sync.folder(trial / "folder")
    finally:
        b.close()


def _assert_as_uninterrupted(world: Path, trial: Path) -> None:
    """After a kill: no half-written segment under a segment's name; then a re-run
    ends where the uninterrupted sync did."""
    for path in (trial / "folder").rglob("*.seg.json.gz"):
        device = path.parent.name
        number = int(path.name[:8])
        sync_segment.decode_segment(path.read_bytes(), device=device, number=number)
    assert_consistent(trial / "b.db")
    _sync(trial)
    ref, again = _open(world / "ref" / "b.db"), _open(trial / "b.db")
    try:
        strict = {"with_card_times": True, "with_positions": True, "with_voided_states": True}
        diff = differences(snapshot(ref, **strict), snapshot(again, **strict))
        assert not diff, "\n".join(diff)
        assert again.maintenance.check().ok
    finally:
        ref.close()
        again.close()
    written = sorted(
        p.relative_to(trial / "folder") for p in (trial / "folder").rglob("*") if p.is_file()
    )
    expected = sorted(
        p.relative_to(world / "ref" / "folder")
        for p in (world / "ref" / "folder").rglob("*")
        if p.is_file()
    )
    assert written == expected, "leftover or missing files in the sync folder"
    for name in expected:
        assert (trial / "folder" / name).read_bytes() == (
            world / "ref" / "folder" / name
        ).read_bytes(), f"{name} differs from the uninterrupted sync's"


# Every step of a sync that writes or renames a file (the segment, device.json, the
# backup before joining); SQLite's own writes (each a commit) go through fsync too.
SYNC_STEPS = [("replace", n) for n in range(1, 4)] + [("fsync", n) for n in range(1, 7)]


@pytest.mark.parametrize(("name", "nth"), SYNC_STEPS, ids=[f"{n}-{k}" for n, k in SYNC_STEPS])
def test_kill_at_each_step_of_a_sync(world: Path, tmp_path: Path, name: str, nth: int) -> None:
    trial = tmp_path / "trial"
    _copy(world, trial)
    killed = _killed_at(name, nth, lambda: _sync(trial))
    assert killed, "the sync never reached this step"
    _assert_as_uninterrupted(world, trial)


def _killed_in(owner: Any, name: str, nth: int, action: Callable[[], Any]) -> bool:
    """Run `action` in a forked child that SIGKILLs itself at the nth call of
    owner.<name> (inside the unit of work that applies a segment)."""
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        try:
            real, calls = getattr(owner, name), [0]

            def armed(*args: Any, **kwargs: Any) -> Any:
                calls[0] += 1
                if calls[0] == nth:
                    os.kill(os.getpid(), signal.SIGKILL)
                return real(*args, **kwargs)

            setattr(owner, name, armed)
            action()
        finally:
            os._exit(0)
    _, status = os.waitpid(pid, 0)
    return os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL


# Inside the transaction that applies A's segment: after the rows went in, half way
# through the replay of the cards they touch, at the recount of the days; and
# between writing B's segment and recording it as sent.
APPLY_STEPS = [
    (storage_sync, "_rederive", 1),
    (storage_sync, "_rederive", 60),
    (storage_sync, "_recount_days", 1),
    (sync_store.SyncStore, "mark_sent", 1),
    (sync_store.SyncStore, "synced", 1),
]


@pytest.mark.parametrize(
    ("owner", "name", "nth"), APPLY_STEPS, ids=[f"{n}-{k}" for _, n, k in APPLY_STEPS]
)
def test_kill_inside_the_apply(
    world: Path, tmp_path: Path, owner: Any, name: str, nth: int
) -> None:
    trial = tmp_path / "trial"
    _copy(world, trial)
    assert _killed_in(owner, name, nth, lambda: _sync(trial))
    _assert_as_uninterrupted(world, trial)


def test_kills_at_random_moments_of_studykb_sync(world: Path, tmp_path: Path) -> None:
    """Real `studykb sync` processes killed at random moments, one after another on
    the same database and folder; then one that finishes."""
    chance = random.Random(14)
    trial = tmp_path / "trial"
    _copy(world, trial)
    db, folder = trial / "b.db", trial / "folder"
    began = time.monotonic()
    timing = tmp_path / "timing"
    _copy(world, timing)
    whole = start_cli(timing / "b.db", timing, "sync", "--folder", str(timing / "folder"))
    whole.process.wait(timeout=120)
    duration = time.monotonic() - began
    for _ in range(4):
        run = start_cli(db, trial, "sync", "--folder", str(folder))
        kill_after(run, chance.uniform(0.3, 1.0) * duration)
    _assert_as_uninterrupted(world, trial)
