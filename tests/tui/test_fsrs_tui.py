"""Pilot tests of FSRS in the TUI (issue 13 items 1, 4 and 6): the deck options
dialog, the Schedulers panel of the statistics screen (computed in a thread), the
FSRS memory line of the review and the FSRS tag on home."""

from __future__ import annotations

import io
import shutil
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from textual.command import CommandList
from textual.visual import RichVisual
from textual.widgets import DataTable, Input, RadioButton, Static

from studykb.app.collection import Collection, open_collection
from studykb.app.schedulers import Schedulers, state_fields
from studykb.app.store import Store
from studykb.core.clock import FixedClock
from studykb.core.evaluation import Scores
from studykb.core.scheduling.options import SchedulerOptions
from studykb.demo import DEMO_NOW, build_demo
from studykb.settings import Settings
from studykb.tui.app import StudyApp
from studykb.tui.screens.deck_options import ConfirmModal, DeckOptionsModal
from studykb.tui.screens.home import HomeScreen
from studykb.tui.screens.review import ReviewScreen
from studykb.tui.screens.stats import COMPUTING, StatsScreen


def text_of(app: StudyApp, selector: str) -> str:
    """The text a Static shows, as laid out at its width (a table's rows as lines)."""
    widget = app.screen.query_one(selector, Static)
    shown = widget.render()
    if isinstance(shown, RichVisual):
        out = io.StringIO()
        console = Console(file=out, width=widget.content_region.width or 80, color_system=None)
        console.print(shown._renderable)
        return "\n".join(line.rstrip() for line in out.getvalue().splitlines())
    return str(shown)


def states(store: Store) -> dict[str, Any]:
    repo = store.repo
    return {
        ref: repo.card(repo.find_card(ref)).state
        for ref in ("toy/one", "toy/two", "toy/eq:c1", "toy/eq:c2")
    }


async def choose_fsrs(app: StudyApp, pilot: Any) -> None:
    app.screen.query_one("#use-fsrs", RadioButton).value = True
    await pilot.pause()


# ------------------------------------------------------------------ deck options
async def test_deck_options_switch_a_deck_to_fsrs_after_saying_what_is_replayed(  # type: ignore[no-untyped-def]
    toy_store: Store, make_app
) -> None:
    app = make_app(toy_store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("o")  # the highlighted deck's options
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, DeckOptionsModal) and modal.choice.deck_id == "toy"
        assert "Toy deck" in str(modal.query_one("#deck-options-title").render())
        # SM-2: the FSRS fields are there but off.
        assert modal.query_one("#option-retention", Input).disabled
        await choose_fsrs(app, pilot)
        assert not modal.query_one("#option-retention", Input).disabled
        assert "all 4 cards under FSRS-6" in text_of(app, "#deck-options-note")
        # A bad value gets its line beside the field, and the save does nothing.
        modal.query_one("#option-retention", Input).value = "high"
        modal.query_one("#option-maximum-interval", Input).value = "0"
        await pilot.pause()
        assert text_of(app, "#retention-error") == "a number from 0.70 to 0.99"
        assert text_of(app, "#maximum-interval-error") == "whole days, 1 to 36500"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is modal
        assert toy_store.repo.scheduler_options("toy") == SchedulerOptions()
        modal.query_one("#option-retention", Input).value = "0.85"
        modal.query_one("#option-maximum-interval", Input).value = "365"
        await pilot.pause()
        assert text_of(app, "#retention-error") == text_of(app, "#maximum-interval-error") == ""
        # Saving asks first, naming what the replay covers; "no" changes nothing.
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        question = text_of(app, "#confirm-question")
        assert "Switch “Toy deck” from SM-2 to FSRS-6?" in question
        assert "review log of its 4 cards will be replayed" in question
        assert "switching back to SM-2 restores exactly the SM-2 states" in question
        await pilot.press("n")
        await pilot.pause()
        assert app.screen is modal
        assert toy_store.repo.scheduler_options("toy") == SchedulerOptions()
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        # Saved, and home marks the deck.
        assert isinstance(app.screen, HomeScreen)
        row = app.screen.query_one("#decks", DataTable).get_row_at(0)
        assert row[0].plain.endswith(" FSRS")
    assert toy_store.repo.scheduler_options("toy") == SchedulerOptions(
        "fsrs", desired_retention=0.85, maximum_interval=365
    )
    assert toy_store.repo.check().ok


async def test_deck_options_switch_back_to_sm2_restores_the_states(  # type: ignore[no-untyped-def]
    toy_store: Store, make_app, clock: FixedClock
) -> None:
    collection = Collection(toy_store)
    for ref, grade in (("toy/one", 4), ("toy/two", 2), ("toy/eq:c1", 5)):
        collection.review.answer(ref, grade)
    clock.advance(timedelta(days=1))
    collection.review.answer("toy/two", 4)
    before = states(toy_store)
    app = make_app(toy_store)
    async with app.run_test(size=(80, 24)) as pilot:
        for scheduler in ("fsrs", "sm2"):
            await pilot.press("o")
            await pilot.pause()
            app.screen.query_one(f"#use-{scheduler}", RadioButton).value = True
            await pilot.pause()
            await pilot.press("ctrl+s")
            await pilot.pause()
            await pilot.press("y")
            await pilot.pause()
            assert isinstance(app.screen, HomeScreen)
            assert toy_store.repo.scheduler_options("toy").scheduler == scheduler
            assert toy_store.repo.check().ok
    assert states(toy_store) == before


async def test_escape_asks_before_discarding_edits(toy_store: Store, make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(toy_store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("o")
        await pilot.pause()
        await pilot.press("escape")  # nothing edited: closes at once
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        await pilot.press("o")
        await pilot.pause()
        modal = app.screen
        await choose_fsrs(app, pilot)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        assert "Discard your changes" in text_of(app, "#confirm-question")
        await pilot.press("n")  # keep editing: the edit is still there
        await pilot.pause()
        assert app.screen is modal
        assert modal.query_one("#use-fsrs", RadioButton).value
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
    assert toy_store.repo.scheduler_options("toy") == SchedulerOptions()


async def test_the_palette_opens_a_decks_options(toy_store: Store, make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(toy_store)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause(0.3)
        await pilot.press(*"Options of Toy")
        await pilot.pause(0.3)
        options = app.screen.query_one(CommandList).options
        assert [o.hit.help for o in options][:1] == [  # type: ignore[attr-defined]
            "Deck toy: daily limits, new-card order, scheduler (SM-2 or FSRS-6)"
        ]
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, DeckOptionsModal) and app.screen.choice.deck_id == "toy"


# ------------------------------------------------------------------ review
async def test_review_shows_fsrs_stability_difficulty_and_retrievability(  # type: ignore[no-untyped-def]
    toy_store: Store, make_app, clock: FixedClock
) -> None:
    repo = toy_store.repo
    repo.set_scheduler("toy", SchedulerOptions("fsrs"))
    for ref in ("toy/two", "toy/eq:c1", "toy/eq:c2"):
        repo.set_suspended(repo.find_card(ref))
    app = make_app(toy_store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("r")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        assert text_of(app, "#review-meta") == "FSRS new card · source: §1"
        await pilot.press("space", "3")  # Good: its next step ten minutes on
        await pilot.pause()
        clock.advance(timedelta(minutes=10))
        screen.tick()
        await pilot.pause()
        assert screen.card is not None
        fields = state_fields(screen.card, app.collection.review.moment())
        assert fields["stability"] > 0
        assert text_of(app, "#review-meta") == (
            f"FSRS stability {fields['stability']:.1f} d · difficulty "
            f"{fields['difficulty']:.1f} · retrievability {fields['retrievability']:.0%}"
            " · source: §1"
        )


async def test_review_of_an_sm2_card_shows_no_fsrs_line(toy_store: Store, make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(toy_store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("r")
        await pilot.pause()
        assert text_of(app, "#review-meta") == "source: §1"


# ------------------------------------------------------------------ statistics
async def test_the_schedulers_panel_is_computed_in_a_thread(  # type: ignore[no-untyped-def]
    toy_store: Store, make_app, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = threading.Event()
    compare = Schedulers.compare
    threads: list[str] = []

    def held_compare(self: Schedulers, deck_id: str | None = None) -> Any:
        threads.append(threading.current_thread().name)
        # On the UI thread this would hold the screen (and the assertion below fail).
        release.wait(timeout=10)
        return compare(self, deck_id)

    monkeypatch.setattr(Schedulers, "compare", held_compare)
    app = make_app(toy_store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, StatsScreen)
        assert text_of(app, "#schedulers") == COMPUTING
        await pilot.press("s")  # the screen still answers keys meanwhile
        await pilot.pause()
        assert text_of(app, "#schedulers") == COMPUTING
        release.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        panel = text_of(app, "#schedulers")
    assert threads and threads[0] != threading.main_thread().name
    assert "Schedulers on your own history (all decks, 0 answers)" in panel
    assert "SM-2   not enough reviews: 0 to predict, 100 needed" in panel
    assert "FSRS-6 not enough reviews" in panel
    assert "Reviews per day, next 30 days" in panel


@pytest.fixture
def demo_collection(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
) -> Iterator[Collection]:
    demo = tmp_path_factory.mktemp("fsrs-demo") / "demo.db"
    build_demo(demo).close()
    copy = tmp_path / "demo.db"
    shutil.copy(demo, copy)
    collection = open_collection(
        copy, clock=FixedClock(DEMO_NOW), settings=Settings(), seed_bundled=False
    )
    yield collection
    collection.close()


async def test_statistics_compare_the_schedulers_for_an_fsrs_deck(  # type: ignore[no-untyped-def]
    demo_collection: Collection, tmp_path: Path
) -> None:
    demo_collection.schedulers.switch("ddpm", SchedulerOptions("fsrs"))
    expected = demo_collection.schedulers.compare("ddpm")
    app = StudyApp(demo_collection, clock=demo_collection.clock, config_path=tmp_path / "c.toml")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("t")
        await app.workers.wait_for_complete()
        await pilot.pause()
        # All decks: one of them uses FSRS, so FSRS's prediction is set beside the measure.
        assert "FSRS-6 (used by 1 deck), on all decks, predicted" in text_of(app, "#schedulers")
        app.screen.query_one("#stats-deck-select").value = "ddpm"  # type: ignore[attr-defined]
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        panel = text_of(app, "#schedulers")
    sm2, fsrs = expected.reports
    assert isinstance(sm2.evaluation, Scores) and isinstance(fsrs.evaluation, Scores)
    assert f"(deck ddpm, {expected.answers} answers)" in panel
    for report in (sm2, fsrs):
        e = report.evaluation
        assert isinstance(e, Scores)
        row = next(line for line in panel.splitlines() if line.strip().startswith(report.title))
        assert row.split() == [
            report.title,
            f"{e.log_loss:.3f}",
            f"{e.rmse_bins:.3f}",
            f"{e.predicted_retention:.0%}",
            f"{e.measured_retention:.0%}",
            str(e.predictions),
        ]
        week = sum(n for _, n in report.forecast.days[:7])
        assert f"{week} in 7 d · {report.forecast.total} in 30" in panel
    f = fsrs.evaluation
    assert (
        f"This deck's FSRS-6 predicted {f.predicted_retention:.0%} recall; you recalled "
        f"{f.measured_retention:.0%} ({f.predictions} reviews)"
    ) in panel
