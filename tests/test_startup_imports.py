"""What a start loads (issue 15, start-up): `studykb due`, run on every shell prompt, and
the TUI's first screen load nothing they do not use. Checked in a fresh process, as a
user starts them; how long they take lives in benchmarks/, not here."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from studykb.app.store import open_store
from studykb.core.clock import FixedClock
from studykb.decks.toml_deck import read_decks
from studykb.settings import Settings
from tests.conftest import START

# Loaded by other commands or other screens, never by these starts (textual-image and
# Pillow only when a card shows an image).
HEAVY = (
    "pydantic",
    "textual_plotext",
    "plotext",
    "alembic",
    "sqlalchemy",
    "sqlmodel",
    "textual_image",
    "PIL",
)


def run_probe(code: str, *args: str) -> str:
    env = {**os.environ, "STUDYKB_NOW": START.isoformat()}
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_studykb_due_loads_only_what_it_prints_with(tmp_path: Path, small_deck: Path) -> None:
    db = tmp_path / "due.db"
    store = open_store(db, clock=FixedClock(START), settings=Settings(), seed_bundled=False)
    store.repo.import_decks(read_decks([small_deck]))
    store.close()
    out = run_probe(
        """
        import atexit, sys
        unneeded = ("tomllib", "click", "textual", *sys.argv[1].split(","))
        atexit.register(lambda: print("loaded:", [m for m in unneeded if m in sys.modules]))
        sys.argv = ["studykb", "--db", sys.argv[2], "due"]
        from studykb.entry import main
        main()
        """,
        ",".join(HEAVY),
        str(db),
    )
    assert "2026-01-05: 0 reviews, 4 new" in out
    # No config file: its TOML reader is not loaded either.
    assert "loaded: []" in out


def test_the_tui_shows_its_first_card_without_the_parser_or_the_plots(tmp_path: Path) -> None:
    """The real start: bundled decks already in (their files are hashed, not parsed), the
    daily check and backup, then the review screen's first card."""
    db = tmp_path / "tui.db"
    open_store(db, clock=FixedClock(START), settings=Settings(), seed_bundled=True).close()
    out = run_probe(
        """
        import asyncio, sys
        from pathlib import Path
        from studykb.app.collection import open_collection
        from studykb.tui.app import StudyApp
        from studykb.tui.screens.review import ReviewScreen

        async def main() -> None:
            collection = open_collection(Path(sys.argv[2]), seed_bundled=True, daily_backup=True)
            app = StudyApp(collection, clock=collection.clock,
                           config_path=Path(sys.argv[3]), review=True)
            async with app.run_test(size=(100, 30)) as pilot:
                for _ in range(3000):
                    if isinstance(app.screen, ReviewScreen) and app.screen.card is not None:
                        break
                    await pilot.pause(0.01)
                print("first card shown:", isinstance(app.screen, ReviewScreen)
                      and app.screen.card is not None)
                print("loaded:", [m for m in sys.argv[1].split(",") if m in sys.modules])
            collection.close()

        asyncio.run(main())
        """,
        ",".join(HEAVY),
        str(db),
        str(tmp_path / "config.toml"),
    )
    assert "first card shown: True" in out
    assert "loaded: []" in out
