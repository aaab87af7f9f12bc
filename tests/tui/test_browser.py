"""The card browser (issue 12 item 1): reached from home, review and the palette;
search narrows the list as you type; filters; the panel shows the card and its
whole history; suspend and bury from the browser land in the database."""

from __future__ import annotations

from typing import Any

from textual.widgets import DataTable, Input, Select, Static

from studykb.app.store import Store
from studykb.tui import navigation
from studykb.tui.screens.browser import CardBrowserScreen
from studykb.tui.screens.review import ReviewScreen

SIZE = (100, 30)


def refs(app: Any) -> list[str]:
    """The cards listed, by reference (in order): the table's rows, keyed by card id."""
    table = app.screen.query_one("#browser-table", DataTable)
    by_id = {str(row.id): row.ref for row in app.screen.page.rows}
    return [
        by_id[str(table.coordinate_to_cell_key((i, 0))[0].value)] for i in range(table.row_count)
    ]


def panel(app: Any) -> str:
    heading = str(app.screen.query_one("#browser-ref", Static).render())
    meta = str(app.screen.query_one("#browser-meta", Static).render())
    history = str(app.screen.query_one("#browser-history", Static).render())
    return "\n".join((heading, meta, history))


async def test_home_key_opens_the_browser_and_search_narrows_as_you_type(
    toy_store: Store, make_app: Any
) -> None:
    app = make_app(toy_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, CardBrowserScreen)
        assert refs(app) == ["toy/one", "toy/two", "toy/eq:c1", "toy/eq:c2"]
        await pilot.press("slash")
        for key in "alph":  # the LaTeX word, typed as a prefix
            await pilot.press(key)
        await pilot.pause()
        assert refs(app) == ["toy/eq:c1", "toy/eq:c2"]
        search = app.screen.query_one("#browser-search", Input)
        search.value = "ᾱ"  # the rendered symbol
        await pilot.pause()
        assert refs(app) == ["toy/eq:c1", "toy/eq:c2"]
        search.value = "two"
        await pilot.pause()
        assert refs(app) == ["toy/two"]
        search.value = 'NEAR( "'  # FTS syntax is just text
        await pilot.pause()
        assert refs(app) == []
        assert "No cards match." in str(app.screen.query_one("#browser-count", Static).render())


async def test_filters_by_state_and_tag(toy_store: Store, make_app: Any) -> None:
    toy_store.repo.set_suspended(toy_store.repo.find_card("toy/two"), True)
    app = make_app(toy_store)
    async with app.run_test(size=SIZE) as pilot:
        app.go("cards")
        await pilot.pause()
        app.screen.query_one("#browser-state", Select).value = "suspended"
        await pilot.pause()
        assert refs(app) == ["toy/two"]
        app.screen.query_one("#browser-state", Select).value = "new"
        await pilot.pause()
        assert refs(app) == ["toy/one", "toy/eq:c1", "toy/eq:c2"]
        app.screen.query_one("#browser-tag", Input).value = "no-such-tag"
        await pilot.pause()
        assert refs(app) == []


async def test_the_panel_shows_the_card_and_its_whole_history(
    toy_store: Store, make_app: Any
) -> None:
    repo = toy_store.repo
    one = repo.find_card("toy/one")
    repo.answer(one, 4)
    repo.undo()  # the answer taken back: kept in the log, marked undone
    repo.answer(one, 5)
    app = make_app(toy_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("c")
        await pilot.pause()
        text = panel(app)
        assert text.startswith("toy/one\nyoung · due 2026-01-06")
        assert "Paper: A Toy Paper" in text and "Source: §1" in text
        lines = [line for line in text.splitlines() if line.startswith("2026-01-05")]
        assert lines == [
            "2026-01-05  grade 4  → 1 day  review (undone)",
            "2026-01-05  undo of grade 4 of 2026-01-05",
            "2026-01-05  grade 5  → 1 day  review",
        ]


async def test_suspend_and_bury_from_the_browser_land_in_the_database(
    toy_store: Store, make_app: Any
) -> None:
    app = make_app(toy_store)
    conn = toy_store.repo.conn
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("c")
        await pilot.pause()
        await pilot.press("space", "space")  # mark toy/one and toy/two
        await pilot.press("s")
        await pilot.pause()
        suspended = conn.execute("SELECT key FROM card WHERE suspended = 1 ORDER BY key").fetchall()
        assert suspended == [("one",), ("two",)]
        assert conn.execute(
            "SELECT kind, target FROM event WHERE kind = 'suspend' ORDER BY seq"
        ).fetchall() == [("suspend", "toy/one"), ("suspend", "toy/two")]
        app.screen.query_one("#browser-table", DataTable).move_cursor(row=0)
        await pilot.press("s")  # every target suspended: s brings it back
        await pilot.pause()
        assert conn.execute("SELECT suspended FROM card WHERE key = 'one'").fetchone() == (0,)
        await pilot.press("b")
        await pilot.pause()
        assert conn.execute("SELECT buried_until FROM card WHERE key = 'one'").fetchone() == (
            "2026-01-06",
        )
        assert refs(app)[0] == "toy/one"
        assert "buried" in str(app.screen.query_one("#browser-table", DataTable).get_row_at(0)[2])


async def test_from_review_the_current_card_is_highlighted_and_a_suspension_moves_on(
    toy_store: Store, make_app: Any
) -> None:
    app = make_app(toy_store, review=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        review = app.screen
        assert isinstance(review, ReviewScreen) and review.card is not None
        first = review.card.ref
        await pilot.press("j")  # move off, so the highlight is the review's doing
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, CardBrowserScreen)
        highlighted = app.screen.highlighted()
        assert highlighted is not None and highlighted.ref == first
        await pilot.press("s", "escape")
        await pilot.pause()
        assert app.screen is review
        assert review.card is not None and review.card.ref != first


async def test_the_palette_and_the_keys_name_the_browser() -> None:
    cards = navigation.destination("cards")
    binding = cards.binding()
    assert (binding.id, binding.key, binding.tooltip) == ("cards", "c", cards.description)
    assert cards in navigation.DESTINATIONS
    ids = {e.id for e in navigation.keys_of("cards")}
    assert {"cards-search", "cards-mark", "cards-suspend", "cards-bury", "cards-back"} <= ids
    assert "review-cards" in {e.id for e in navigation.keys_of("review")}


async def test_math_is_rendered_for_search_in_batches_while_the_list_works(
    toy_store: Store, make_app: Any, monkeypatch: Any
) -> None:
    """Many cards' math to render (an upgraded collection): the browser opens at
    once, says how many are left, and rendered symbols find their cards after."""
    monkeypatch.setattr(CardBrowserScreen, "RENDER_AT_ONCE", 0)
    monkeypatch.setattr(CardBrowserScreen, "RENDER_BATCH", 1)
    monkeypatch.setattr(CardBrowserScreen, "RENDER_EVERY", 0.3)
    app = make_app(toy_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("c")
        await pilot.pause()
        assert len(refs(app)) == 4  # the list works before the math is rendered
        assert "indexing math" in str(app.screen.query_one("#browser-count", Static).render())
        screen = app.screen
        assert isinstance(screen, CardBrowserScreen)
        for _ in range(100):
            if not screen.math_left:
                break
            await pilot.pause(0.3)
        assert screen.math_left == 0
        screen.query_one("#browser-search", Input).value = "ᾱ"
        await pilot.pause()
        assert refs(app) == ["toy/eq:c1", "toy/eq:c2"]
        assert "indexing" not in str(screen.query_one("#browser-count", Static).render())


async def test_the_palette_command_opens_the_browser(toy_store: Store, make_app: Any) -> None:
    from studykb.tui.commands import StudyCommands

    app = make_app(toy_store)
    async with app.run_test(size=SIZE) as pilot:
        provider = StudyCommands(app.screen)
        [(_, open_it, help_text)] = [c for c in provider.commands() if c[0] == "Cards"]
        assert help_text == navigation.destination("cards").description
        open_it()
        await pilot.pause()
        assert isinstance(app.screen, CardBrowserScreen)
        assert refs(app) == ["toy/one", "toy/two", "toy/eq:c1", "toy/eq:c2"]
