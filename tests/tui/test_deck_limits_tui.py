"""Pilot tests of issue 16 item 13 in the TUI: the deck options' daily limits and
new-card order (checked as typed, saved as an event, escape asks first), "study
more" (m) and the home deck list as a tree with parent totals that folds."""

from __future__ import annotations

from textual.widgets import DataTable, Input, RadioButton

from studykb.app.store import Store
from studykb.core.deck_limits import DeckOptions, StudyMore
from studykb.tui.screens.deck_options import ConfirmModal, DeckOptionsModal, StudyMoreModal
from studykb.tui.screens.home import HomeScreen
from studykb.tui.screens.review import ReviewScreen
from tests.tui.screen_text import screen_text, squeezed


def toasts(app: object) -> list[str]:
    return [n.message for n in app._notifications]  # type: ignore[attr-defined]


def rows(app: object) -> list[list[str]]:
    """The deck table's rows as cells (title, due, new) as shown."""
    table = app.screen.query_one("#decks", DataTable)  # type: ignore[attr-defined]
    out = []
    for i in range(table.row_count):
        row = table.get_row_at(i)
        out.append([row[0].plain.rstrip(), row[3].plain, row[4].plain])
    return out


async def test_home_shows_decks_as_a_tree_with_totals_that_folds(  # type: ignore[no-untyped-def]
    tree_store: Store, make_app
) -> None:
    tree_store.repo.set_deck_options("diffusion.ddpm", DeckOptions(new_per_day=2))
    app = make_app(tree_store)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert rows(app) == [
            ["▾ diffusion", "0", "7"],
            ["  DDPM", "0", "2"],
            ["  DDIM", "0", "5"],
            ["Flow matching", "0", "4"],
        ]
        text = screen_text(app)
        assert "New 11" in text
        # Folding the parent (space, or ←) hides its children; → brings them back.
        await pilot.press("space")
        await pilot.pause()
        assert rows(app) == [["▸ diffusion", "0", "7"], ["Flow matching", "0", "4"]]
        await pilot.press("right")
        await pilot.pause()
        assert [r[0] for r in rows(app)] == ["▾ diffusion", "  DDPM", "  DDIM", "Flow matching"]
        await pilot.press("down", "left")  # ← on a child folds its parent
        await pilot.pause()
        assert [r[0] for r in rows(app)] == ["▸ diffusion", "Flow matching"]
        assert app.screen.query_one("#decks", DataTable).cursor_row == 0
        # Reviewing the parent reviews its children, within their limits.
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen) and app.screen.deck_id == "diffusion"
        queue = app.collection.review.queue("diffusion")
        assert len(queue.new) == 7


async def test_a_parent_without_a_deck_has_no_options_of_its_own(  # type: ignore[no-untyped-def]
    tree_store: Store, make_app
) -> None:
    app = make_app(tree_store)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("o")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        assert any(
            "“diffusion” groups decks and has no options of its own" in m for m in toasts(app)
        )


async def test_deck_options_limits_are_checked_saved_and_escape_asks(  # type: ignore[no-untyped-def]
    tree_store: Store, make_app
) -> None:
    app = make_app(tree_store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("down")  # DDPM
        await pilot.press("o")
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, DeckOptionsModal) and modal.choice.deck_id == "diffusion.ddpm"
        assert "Empty: Settings' 20 new and 200 reviews." in screen_text(app)
        # Letters in a number field get a message beside it, and saving refuses.
        await pilot.press("t", "e", "n")
        await pilot.pause()
        assert "a whole number, 0 to 100000" in screen_text(app)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is modal
        assert "Fix the marked fields first." in toasts(app)
        assert tree_store.repo.deck_options("diffusion.ddpm") == DeckOptions()
        # Escape with changes asks before discarding; "keep editing" keeps them.
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        assert "Discard your changes to this deck's options?" in screen_text(app)
        await pilot.press("n")
        await pilot.pause()
        assert app.screen is modal
        field = modal.query_one("#option-new-per-day", Input)
        assert field.value == "ten"
        field.value = "3"
        modal.query_one("#order-random", RadioButton).value = True
        await pilot.pause()
        assert "a whole number" not in screen_text(app)
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.pause()
        # Saved at once (no replay: no question), and home counts by the new limit.
        assert isinstance(app.screen, HomeScreen)
        assert tree_store.repo.deck_options("diffusion.ddpm") == DeckOptions(
            new_per_day=3, new_order="random"
        )
        assert rows(app)[:2] == [["▾ diffusion", "0", "8"], ["  DDPM", "0", "3"]]
        event = tree_store.repo.conn.execute(
            "SELECT kind, target, value FROM event ORDER BY seq DESC LIMIT 1"
        ).fetchone()
        assert event == (
            "deck_options",
            "deck:diffusion.ddpm",
            '{"new_order":"random","new_per_day":3}',
        )


async def test_study_more_raises_todays_limits_from_home(  # type: ignore[no-untyped-def]
    tree_store: Store, make_app
) -> None:
    repo = tree_store.repo
    repo.set_deck_options("flow", DeckOptions(new_per_day=1))
    repo.answer(repo.day_queue("flow").new[0], 5)
    app = make_app(tree_store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert rows(app)[3] == ["Flow matching", "0", "0"]
        await pilot.press("G", "m")
        await pilot.pause()
        assert isinstance(app.screen, StudyMoreModal)
        assert "Today's limits: 1 new, 200 reviews." in " ".join(squeezed(app))
        await pilot.press("x")
        await pilot.pause()
        assert "a whole number, 0 to 10000" in screen_text(app)
        await pilot.press("backspace", "2")
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        assert rows(app)[3] == ["Flow matching", "0", "2"]
        assert "flow: 2 more new and 0 more reviews today." in toasts(app)
    assert repo.deck_limits("flow")[1] == StudyMore(2, 0)


async def test_the_palette_reviews_a_parent_that_is_no_deck(  # type: ignore[no-untyped-def]
    tree_store: Store, make_app
) -> None:
    from studykb.tui.commands import StudyCommands

    app = make_app(tree_store)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        provider = StudyCommands(app.screen)
        names = {name: callback for name, callback, _ in provider.commands()}
        assert "Review diffusion (all its decks)" in names
        names["Review diffusion (all its decks)"]()
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen) and app.screen.deck_id == "diffusion"
