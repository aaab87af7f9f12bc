"""Pilot tests for papers, import, settings, help and the command palette."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import DataTable, Input

from studykb.app.store import Store
from studykb.settings import load_settings
from studykb.tui.screens.home import HomeScreen
from studykb.tui.screens.modals import HelpModal, ImportModal
from studykb.tui.screens.papers import PapersScreen
from studykb.tui.screens.review import ReviewScreen
from studykb.tui.screens.settings import SettingsScreen
from studykb.tui.screens.stats import StatsScreen
from tests.conftest import SMALL_DECK, write


async def test_change_paper_status_and_note(toy_store: Store, make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(toy_store)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("p")
        await pilot.pause()
        assert isinstance(app.screen, PapersScreen)
        await pilot.press("s")
        await pilot.pause()
        assert toy_store.repo.papers()[0].status == "reading"
        await pilot.press("s")
        await pilot.pause()
        [paper] = toy_store.repo.papers()
        assert (paper.status, str(paper.read_on)) == ("read", "2026-01-05")
        await pilot.press("n")
        await pilot.pause()
        await pilot.press(*"re-read sec 3", "enter")
        await pilot.pause()
        assert toy_store.repo.papers()[0].note == "re-read sec 3"
        # The filter narrows the list; escape clears it.
        await pilot.press("slash", *"nothing-matches")
        await pilot.pause()
        assert app.screen.query_one("#papers-table", DataTable).row_count == 0
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen.query_one("#papers-table", DataTable).row_count == 1
        await pilot.press("enter")  # review this paper's deck
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen) and app.screen.deck_id == "toy"


async def test_import_from_inside(toy_store: Store, make_app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    deck = write(tmp_path / "more" / "other.toml", SMALL_DECK.replace('id = "toy"', 'id = "other"'))
    bad = write(tmp_path / "bad" / "bad.toml", '[deck]\nid = "bad"\n')
    app = make_app(toy_store)
    async with app.run_test(size=(100, 30)) as pilot:
        app.open_import()
        await pilot.pause()
        assert isinstance(app.screen, ImportModal)
        app.screen.query_one("#import-path", Input).value = str(bad)
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        report = str(app.screen.query_one("#import-lines").render())
        assert "deck.title: missing" in report
        assert not toy_store.repo.deck_exists("bad")
        app.screen.query_one("#import-path", Input).value = str(deck.parent)
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        report = str(app.screen.query_one("#import-lines").render())
        assert "imported deck other: 4 added" in report
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        assert app.screen.query_one("#decks", DataTable).row_count == 2
    assert toy_store.repo.deck_exists("other")


async def test_the_import_dialog_adds_the_next_papers_on_request(  # type: ignore[no-untyped-def]
    toy_store: Store, make_app
) -> None:
    app = make_app(toy_store)
    async with app.run_test(size=(120, 30)) as pilot:
        app.open_import()
        await pilot.pause()
        assert not toy_store.repo.deck_exists("edm")
        app.screen.query_one("#import-bundled-next").press()
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        report = str(app.screen.query_one("#import-lines").render())
        assert "imported deck edm: 30 added" in report
        assert "imported reading list: 7 entries" in report
    assert toy_store.repo.deck_exists("edm") and toy_store.repo.deck_exists("dit")


async def test_settings_are_saved_to_the_config_file(
    toy_store: Store, make_app, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    app = make_app(toy_store)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("comma")
        await pilot.pause()
        assert isinstance(app.screen, SettingsScreen)
        field = app.screen.query_one("#setting-new_per_day", Input)
        field.value = "2"
        app.screen.query_one("#setting-day_start_hour", Input).value = "30"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, SettingsScreen)  # refused: 30 is not an hour
        assert "day_start_hour" in str(app.screen.query_one("#settings-error").render())
        app.screen.query_one("#setting-day_start_hour", Input).value = "5"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
    saved = load_settings(tmp_path / "config.toml")
    assert (saved.new_per_day, saved.day_start_hour) == (2, 5)
    assert toy_store.repo.limits.new_per_day == 2
    assert len(toy_store.repo.day_queue().new) == 2


async def test_help_lists_the_keys_of_the_screen(toy_store: Store, make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(toy_store, review=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpModal)
        keys = {row[1] for row in app.screen.rows}
        assert {"Undo", "Suspend", "Bury", "Open paper", "Raw text", "Quit"} <= keys or {
            "Show answer",
            "Suspend",
            "Bury",
            "Raw text",
            "Quit",
        } <= keys
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen)


async def test_command_palette_opens_statistics(toy_store: Store, make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(toy_store)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Statistics")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, StatsScreen)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen.query_one("#stats-body").display
