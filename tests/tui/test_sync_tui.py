"""The TUI's sync (issue 14): `S` syncs now, a sync at start when configured, the
home banner's sync state, and a clear word when nothing is configured."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from studykb.app.store import Store
from studykb.tui.screens.home import HomeScreen
from tests.tui.test_wiring import rendered


async def _settle(pilot, app) -> None:  # type: ignore[no-untyped-def]
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


async def test_s_without_a_sync_folder_says_how_to_set_one(toy_store: Store, make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(toy_store)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("S")
        await pilot.pause()
        assert any("studykb sync --folder" in str(n.message) for n in app._notifications)
        assert "Sync" not in rendered(app, "#home-today")


async def test_s_syncs_and_home_shows_it(toy_store: Store, make_app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "shared"
    store_settings = replace(toy_store.settings, sync_folder=str(folder))
    toy_store.settings = store_settings
    app = make_app(toy_store)
    async with app.run_test(size=(120, 30)) as pilot:
        await _settle(pilot, app)  # the sync at start
        assert isinstance(app.screen, HomeScreen)
        assert "Sync" in rendered(app, "#home-today")
        assert "0 to send" in rendered(app, "#home-today")
        card = app.collection.review.next_card()
        app.collection.review.answer(card.id, 4)
        app.screen.refresh_data()
        assert "1 to send" in rendered(app, "#home-today")
        await pilot.press("S")
        await _settle(pilot, app)
        assert "0 to send" in rendered(app, "#home-today")
        # The first, at start: the deck as it is (what another machine imports); the
        # second, on S: the answer.
        written = sorted(p.name for p in folder.glob("*/*.seg.json.gz"))
        assert written == ["00000001.seg.json.gz", "00000002.seg.json.gz"]
        assert any("wrote" in str(n.message) for n in app._notifications)
