"""Issue 16 item 10: settings say "saved" only after saving; Esc with unsaved edits
asks; a character refused by a number field gets a visible message."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input

from studykb.app.store import Store
from studykb.settings import load_settings
from studykb.tui.screens.home import HomeScreen
from studykb.tui.screens.settings import DiscardChangesModal, SettingsScreen
from tests.tui.screen_text import screen_text


async def test_saved_is_said_only_after_saving(
    toy_store: Store,
    make_app,  # type: ignore[no-untyped-def]
    tmp_path: Path,
) -> None:
    config = tmp_path / "config.toml"
    app = make_app(toy_store)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("comma")
        await pilot.pause()
        assert isinstance(app.screen, SettingsScreen)
        text = screen_text(app)
        assert "Saved to" not in text and "Settings saved" not in text
        assert "No changes" in text and not config.exists()
        app.screen.query_one("#setting-new_per_day", Input).value = "7"
        await pilot.pause()
        assert "Unsaved changes" in screen_text(app)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        # The toast, once the file is written.
        assert f"Settings saved to {config}." in [n.message for n in app._notifications]
    assert load_settings(config).new_per_day == 7


async def test_escape_with_unsaved_edits_asks_first(
    toy_store: Store,
    make_app,  # type: ignore[no-untyped-def]
    tmp_path: Path,
) -> None:
    config = tmp_path / "config.toml"
    app = make_app(toy_store)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("comma")
        await pilot.pause()
        app.screen.query_one("#setting-new_per_day", Input).value = "3"
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, DiscardChangesModal)
        assert "Leave without saving?" in screen_text(app)
        await pilot.press("escape")  # keep editing: the edit is still there
        await pilot.pause()
        assert isinstance(app.screen, SettingsScreen)
        assert app.screen.query_one("#setting-new_per_day", Input).value == "3"
        await pilot.press("escape")
        await pilot.pause()
        await pilot.click("#discard-confirm")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        # Unchanged settings: escape leaves at once.
        await pilot.press("comma")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
    assert not config.exists()
    assert toy_store.repo.limits.new_per_day == 20


async def test_a_letter_in_a_number_field_is_reported(
    toy_store: Store,
    make_app,  # type: ignore[no-untyped-def]
) -> None:
    app = make_app(toy_store)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("comma")
        await pilot.pause()
        app.screen.query_one("#setting-new_per_day", Input).focus()
        await pilot.press("end", "x")
        await pilot.pause()
        assert app.screen.query_one("#setting-new_per_day", Input).value == "20"
        assert "New cards per study day: only the digits 0-9 can be typed here" in " ".join(
            screen_text(app).split()
        )
