"""Issue 16 item 14: tags shown during review, a tag filter on home, review by tag."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.text import Text
from textual.widgets import DataTable, Select, Static

from studykb.app.store import Store, open_store
from studykb.core.clock import FixedClock
from studykb.decks.toml_deck import read_decks
from studykb.settings import Settings
from studykb.tui.commands import StudyCommands
from studykb.tui.screens.home import HomeScreen
from studykb.tui.screens.review import ReviewScreen
from tests.conftest import run_cli, write
from tests.tui.screen_text import squeezed

TAGGED = """
[deck]
id = "tagged"
title = "Tagged deck"

[[cards]]
id = "one"
front = "Tagged question one?"
back = "Tagged answer one."
source = "§1"
tags = ["alpha", "shared"]

[[cards]]
id = "two"
front = "Tagged question two?"
back = "Tagged answer two."
source = "§2"
tags = ["beta"]
"""

PLAIN = """
[deck]
id = "plain"
title = "Plain deck"

[[cards]]
id = "x"
front = "Plain question x?"
back = "Plain answer x."
tags = ["alpha"]

[[cards]]
id = "y"
front = "Plain question y?"
back = "Plain answer y."
"""


@pytest.fixture
def tag_store(db_path: Path, clock: FixedClock, tmp_path: Path) -> Iterator[Store]:
    store = open_store(db_path, clock=clock, settings=Settings(), seed_bundled=False)
    decks = [
        write(tmp_path / "d" / "tagged.toml", TAGGED),
        write(tmp_path / "d" / "plain.toml", PLAIN),
    ]
    store.repo.import_decks(read_decks(decks))
    yield store
    store.close()


def _answered(store: Store) -> list[str]:
    rows = store.repo.conn.execute(
        "SELECT c.deck_id || '/' || c.key FROM review_log r JOIN card c ON c.id = r.card_id "
        "ORDER BY r.seq"
    ).fetchall()
    return [r[0] for r in rows]


async def test_tags_are_shown_dimmed_under_the_source_line(tag_store: Store, make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(tag_store)
    async with app.run_test(size=(100, 30)) as pilot:
        app.start_review("tagged")
        await pilot.pause()
        lines = squeezed(app)
        at = lines.index("source: §1")
        assert lines[at + 1] == "#alpha #shared"
        meta = app.screen.query_one("#review-meta", Static).content
        assert isinstance(meta, Text)
        dimmed = [meta.plain[s.start : s.end] for s in meta.spans if str(s.style) == "dim"]
        assert dimmed == ["#alpha #shared"]


async def test_home_filters_decks_by_tag_and_reviews_the_deck_by_it(  # type: ignore[no-untyped-def]
    tag_store: Store, make_app
) -> None:
    app = make_app(tag_store)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        home = app.screen
        assert isinstance(home, HomeScreen)
        table = home.query_one("#decks", DataTable)
        assert table.row_count == 2
        home.query_one("#home-tag", Select).value = "beta"
        await pilot.pause()
        assert table.row_count == 1 and "Plain deck" not in "\n".join(squeezed(app))
        await pilot.press("enter")  # review the deck, by the tag
        await pilot.pause()
        review = app.screen
        assert isinstance(review, ReviewScreen) and (review.deck_id, review.tag) == (
            "tagged",
            "beta",
        )
        assert any("Tagged question two?" in line for line in squeezed(app))
        await pilot.press("space", "4")
        await pilot.pause()
        assert not isinstance(app.screen, ReviewScreen)  # that was the tag's only card
    assert _answered(tag_store) == ["tagged/two"]


async def test_review_by_tag_from_the_palette_spans_decks(tag_store: Store, make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(tag_store)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        commands = {name: run for name, run, _ in StudyCommands(app.screen).commands()}
        assert {"Review tag #alpha", "Review tag #beta", "Review tag #shared"} <= set(commands)
        commands["Review tag #alpha"]()
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen) and app.screen.tag == "alpha"
        for _ in range(2):
            await pilot.press("space", "3")
            await pilot.pause()
    assert _answered(tag_store) == ["tagged/one", "plain/x"]


def test_studykb_review_tag_opens_a_review_by_tag(
    tag_store: Store,
    db_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from studykb.tui.app import StudyApp

    opened: list[tuple[str | None, str | None]] = []
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("sys.stdout.isatty", lambda: True)
    monkeypatch.setattr(
        StudyApp, "run", lambda self: opened.append((self._review_deck, self._review_tag))
    )
    code, _, err = run_cli(capsys, "--db", str(db_path), "review", "--tag", "alpha")
    assert (code, opened) == (0, [(None, "alpha")]), err
    code, _, err = run_cli(capsys, "--db", str(db_path), "review", "--tag", "nosuch")
    assert code != 0 and "no card has the tag 'nosuch'" in err
