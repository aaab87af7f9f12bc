"""Starting real studykb processes, killing them with SIGKILL, and checking what is left."""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from studykb.app.store import open_store
from studykb.core.clock import FixedClock
from studykb.settings import Settings
from tests.reliability.driver import START

DRIVER = Path(__file__).with_name("driver.py")


def env_for(db: Path, home: Path) -> dict[str, str]:
    env = {**os.environ, "STUDYKB_DB": str(db), "STUDYKB_HOME": str(home)}
    env["STUDYKB_NO_BUNDLED"] = "1"
    env["STUDYKB_NOW"] = START.isoformat()
    return env


def deck_text(deck_id: str, cards: int) -> str:
    lines = [f'[deck]\nid = "{deck_id}"\ntitle = "Deck {deck_id}"\n']
    for i in range(cards):
        lines.append(
            f'[[cards]]\nid = "c{i}"\nfront = "Question {i} about $x_{{{i}}}$?"\n'
            f'back = "Answer {i}."\nsource = "§{i % 9 + 1}"\n'
        )
    return "\n".join(lines)


def make_db(path: Path, cards: int = 150) -> None:
    """A database with one deck of `cards` cards, made through the normal import."""
    from studykb.decks.toml_deck import parse_deck_bytes

    store = open_store(path, clock=FixedClock(START), settings=Settings(), seed_bundled=False)
    store.repo.import_decks([parse_deck_bytes(deck_text("drill", cards).encode(), "drill.toml")])
    store.close()


@dataclass
class Run:
    process: subprocess.Popen[str]
    lines: list[str] = field(default_factory=list)
    reader: threading.Thread | None = None

    def acked(self) -> list[str]:
        return [line.split()[1] for line in self.lines if line.startswith("ack ")]


def start(args: list[str], env: dict[str, str]) -> Run:
    process = subprocess.Popen(
        args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    run = Run(process)

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            run.lines.append(line.rstrip("\n"))

    run.reader = threading.Thread(target=read, daemon=True)
    run.reader.start()
    return run


def start_driver(db: Path, home: Path, seed: int, *extra: str) -> Run:
    return start([sys.executable, str(DRIVER), str(db), str(seed), *extra], env_for(db, home))


def start_cli(db: Path, home: Path, *args: str) -> Run:
    return start([sys.executable, "-m", "studykb.cli", *args], env_for(db, home))


def kill_after(run: Run, seconds: float) -> None:
    time.sleep(seconds)
    with contextlib.suppress(ProcessLookupError):
        run.process.send_signal(signal.SIGKILL)
    run.process.wait()
    assert run.reader is not None
    run.reader.join(timeout=5)


def wait_ready(run: Run, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while "ready" not in run.lines:
        if run.process.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(
                f"driver did not start: {run.process.stderr and run.process.stderr.read()}"
            )
        time.sleep(0.01)


def integrity(db: Path) -> str:
    conn = sqlite3.connect(db)
    try:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        conn.close()


def logged_uids(db: Path) -> set[str]:
    conn = sqlite3.connect(db)
    try:
        return {r[0] for r in conn.execute("SELECT uid FROM review_log")}
    finally:
        conn.close()


def assert_consistent(db: Path) -> None:
    """The database opens, SQLite's check passes, states equal the replayed log."""
    assert integrity(db) == "ok"
    store = open_store(db, clock=FixedClock(START), settings=Settings(), seed_bundled=False)
    try:
        report = store.repo.check()
        assert report.ok, report.problems[:5]
    finally:
        store.close()
