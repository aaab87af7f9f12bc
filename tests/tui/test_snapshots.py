"""SVG snapshots of every screen at a fixed size, from the seeded demo database.

Update after an intended change with: pytest tests/tui/test_snapshots.py --snapshot-update
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot

from studykb.app.collection import Collection, open_collection
from studykb.app.store import Store
from studykb.core.clock import FixedClock
from studykb.demo import DEMO_NOW, build_demo
from studykb.settings import Settings
from studykb.tui.app import StudyApp

SIZE = (100, 30)


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    build_demo(path).close()
    return path


@pytest.fixture
def demo_app(demo_file: Path, tmp_path: Path) -> Iterator[StudyApp]:
    copy = tmp_path / "demo.db"
    shutil.copy(demo_file, copy)
    clock = FixedClock(DEMO_NOW)
    collection: Collection = open_collection(
        copy, clock=clock, settings=Settings(), seed_bundled=False
    )
    # A fixed path: the settings screen shows it, and snapshots must not vary.
    yield StudyApp(
        collection, clock=clock, config_path=Path("/home/you/.config/studykb/config.toml")
    )
    collection.close()


async def _settle(pilot: Pilot[None]) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def test_home(snap_compare, demo_app: StudyApp) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(demo_app, terminal_size=SIZE)


def test_review_front(snap_compare, demo_app: StudyApp) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(demo_app, terminal_size=SIZE, press=["r"])


def test_review_revealed(snap_compare, demo_app: StudyApp) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(demo_app, terminal_size=SIZE, press=["r", "space"])


def test_review_revealed_at_80x24(snap_compare, demo_app: StudyApp) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(demo_app, terminal_size=(80, 24), press=["r", "space"])


def test_papers(snap_compare, demo_app: StudyApp) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(demo_app, terminal_size=SIZE, press=["p"])


def test_statistics(snap_compare, demo_app: StudyApp) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(demo_app, terminal_size=SIZE, run_before=_open_stats)


async def _open_stats(pilot: Pilot[None]) -> None:
    await pilot.press("t")
    await _settle(pilot)


def test_settings(snap_compare, demo_app: StudyApp) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(demo_app, terminal_size=SIZE, press=["comma"])


def test_help(snap_compare, demo_app: StudyApp) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(demo_app, terminal_size=SIZE, press=["r", "question_mark"])


def test_import_dialog(snap_compare, demo_app: StudyApp) -> None:  # type: ignore[no-untyped-def]
    async def open_import(pilot: Pilot[None]) -> None:
        demo_app.open_import()
        await pilot.pause()

    assert snap_compare(demo_app, terminal_size=SIZE, run_before=open_import)


def test_session_summary(snap_compare, toy_store: Store, make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(toy_store, review=True)
    keys = ["space", "5", "space", "4", "space", "2", "space", "5", "space", "5"]
    assert snap_compare(app, terminal_size=SIZE, press=keys)


def test_statistics_card_states_at_120x52(snap_compare, demo_app: StudyApp) -> None:  # type: ignore[no-untyped-def]
    """Issue 16 item 11: the cards-by-state bars, a blank line apart (tall enough
    to show them without scrolling, which would make the picture timing-dependent)."""
    assert snap_compare(demo_app, terminal_size=(120, 52), run_before=_open_stats)


def test_help_at_80x24(snap_compare, demo_app: StudyApp) -> None:  # type: ignore[no-untyped-def]
    """Issue 16 item 4: home's own keys first, visible without scrolling."""
    assert snap_compare(demo_app, terminal_size=(80, 24), press=["question_mark"])


def test_review_front_at_50x12(snap_compare, demo_app: StudyApp) -> None:  # type: ignore[no-untyped-def]
    """Issue 16 item 5: below 80x24 the footer degrades to keys only."""
    assert snap_compare(demo_app, terminal_size=(50, 12), press=["r", "space"])


# Issue 13: FSRS in the TUI, at 80x24.
def _make_fsrs(app: StudyApp, deck_id: str = "understanding-diffusion") -> None:
    from studykb.core.scheduling.options import SchedulerOptions

    app.collection.schedulers.switch(deck_id, SchedulerOptions("fsrs"))


def test_deck_options_at_80x24(snap_compare, demo_app: StudyApp) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(demo_app, terminal_size=(80, 24), press=["o"])


def test_deck_options_fsrs_with_a_bad_value_at_80x24(snap_compare, demo_app: StudyApp) -> None:  # type: ignore[no-untyped-def]
    async def edit(pilot: Pilot[None]) -> None:
        await pilot.press("o")
        await pilot.pause()
        demo_app.screen.query_one("#use-fsrs").value = True  # type: ignore[attr-defined]
        demo_app.screen.query_one("#option-retention").value = "0.5"  # type: ignore[attr-defined]
        await pilot.pause()

    assert snap_compare(demo_app, terminal_size=(80, 24), run_before=edit)


def test_deck_options_confirm_at_80x24(snap_compare, demo_app: StudyApp) -> None:  # type: ignore[no-untyped-def]
    async def confirm(pilot: Pilot[None]) -> None:
        await pilot.press("o")
        await pilot.pause()
        demo_app.screen.query_one("#use-fsrs").value = True  # type: ignore[attr-defined]
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()

    assert snap_compare(demo_app, terminal_size=(80, 24), run_before=confirm)


def test_home_fsrs_tag_at_80x24(snap_compare, demo_app: StudyApp) -> None:  # type: ignore[no-untyped-def]
    _make_fsrs(demo_app)
    assert snap_compare(demo_app, terminal_size=(80, 24))


def test_review_fsrs_meta_at_80x24(snap_compare, demo_app: StudyApp) -> None:  # type: ignore[no-untyped-def]
    _make_fsrs(demo_app)
    assert snap_compare(demo_app, terminal_size=(80, 24), press=["r", "space"])


def test_statistics_schedulers_at_80x24(snap_compare, demo_app: StudyApp) -> None:  # type: ignore[no-untyped-def]
    _make_fsrs(demo_app, "ddpm")

    async def schedulers(pilot: Pilot[None]) -> None:
        await pilot.press("t")
        await _settle(pilot)
        demo_app.screen.query_one("#stats-deck-select").value = "ddpm"  # type: ignore[attr-defined]
        await pilot.pause()
        await _settle(pilot)
        await pilot.press("s")
        await _settle(pilot)

    assert snap_compare(demo_app, terminal_size=(80, 24), run_before=schedulers)


def test_card_browser_80x24(snap_compare, demo_app: StudyApp) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(demo_app, terminal_size=(80, 24), press=["c"], run_before=_settle)


def test_card_browser_search_120x40(snap_compare, demo_app: StudyApp) -> None:  # type: ignore[no-untyped-def]
    async def search(pilot: Pilot[None]) -> None:
        await pilot.press("c", "slash", *"alpha")
        await _settle(pilot)

    assert snap_compare(demo_app, terminal_size=(120, 40), run_before=search)


# Issue 16 item 13: deck options with daily limits, study more, the deck tree.
def _tree(store: Store, folder: Path) -> None:
    from studykb.core.deck_limits import DeckOptions
    from studykb.decks.toml_deck import read_decks
    from tests.tree_decks import deck_file

    store.repo.import_decks(read_decks([deck_file(folder, "flow.rectified", 3, "Rectified flow")]))
    store.repo.set_deck_options("diffusion.ddpm", DeckOptions(new_per_day=2))
    store.repo.set_deck_options("flow", DeckOptions(new_per_day=5, new_order="random"))


def test_home_tree_at_80x24(snap_compare, tree_store: Store, make_app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _tree(tree_store, tmp_path / "more")
    assert snap_compare(make_app(tree_store), terminal_size=(80, 24))


def test_home_tree_folded_at_120x40(
    snap_compare, tree_store: Store, make_app, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    _tree(tree_store, tmp_path / "more")
    assert snap_compare(make_app(tree_store), terminal_size=(120, 40), press=["space"])


def test_deck_options_limits_at_120x40(
    snap_compare, tree_store: Store, make_app, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    _tree(tree_store, tmp_path / "more")
    assert snap_compare(
        make_app(tree_store), terminal_size=(120, 40), press=["down", "o", "backspace", "x"]
    )


def test_study_more_at_80x24(snap_compare, tree_store: Store, make_app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _tree(tree_store, tmp_path / "more")
    assert snap_compare(make_app(tree_store), terminal_size=(80, 24), press=["G", "m", "5"])


def test_study_more_at_120x40(snap_compare, tree_store: Store, make_app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _tree(tree_store, tmp_path / "more")
    assert snap_compare(make_app(tree_store), terminal_size=(120, 40), press=["down", "m"])


LATEX_PAPER = Path(__file__).parents[1] / "data" / "latex" / "paper"


async def _open_drafts(pilot: Pilot[None]) -> None:
    app = pilot.app
    assert isinstance(app, StudyApp)
    app.collection.drafts.draft(LATEX_PAPER, "ddim")
    await pilot.press("p", "d")
    await pilot.press("j", "j", "j", "j", "j")  # the first equation: math in the preview
    await _settle(pilot)


def test_drafts_at_80x24(snap_compare, demo_app: StudyApp) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(demo_app, terminal_size=(80, 24), run_before=_open_drafts)


def test_drafts_at_120x40(snap_compare, demo_app: StudyApp) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(demo_app, terminal_size=(120, 40), run_before=_open_drafts)


# Issue 12 item 2: the card editor. At 80x24 the preview is under the fields; at
# 120x40 beside them (a cloze note: its three cards, the first with its blank).
def _still_cursor(app: StudyApp) -> None:
    from textual.widgets import TextArea

    for area in app.screen.query(TextArea):
        area.cursor_blink = False  # a blinking cursor would make the picture timing-dependent


def test_editor_at_80x24(snap_compare, demo_app: StudyApp) -> None:  # type: ignore[no-untyped-def]
    async def open_editor(pilot: Pilot[None]) -> None:
        await pilot.press("r", "space", "e")
        await pilot.pause()
        _still_cursor(demo_app)
        await pilot.pause()

    assert snap_compare(demo_app, terminal_size=(80, 24), run_before=open_editor)


def test_editor_cloze_at_120x40(snap_compare, demo_app: StudyApp) -> None:  # type: ignore[no-untyped-def]
    async def open_editor(pilot: Pilot[None]) -> None:
        from studykb.tui.screens.editor import EditorModal

        ref = "understanding-diffusion/vdm-restrictions:c1"
        fields = demo_app.collection.authoring.fields(ref)
        await demo_app.push_screen(EditorModal(fields, ref=ref))
        await pilot.pause()
        _still_cursor(demo_app)
        await pilot.pause()

    assert snap_compare(demo_app, terminal_size=(120, 40), run_before=open_editor)


# Issue 16: every screen at 80x24 (the smallest size it must work at) and 120x40.
# Those with a test of their own at a size above are not repeated here.
_AT_BOTH_SIZES = {
    "home": [],
    "review_front": ["r"],
    "review_revealed": ["r", "space"],
    "papers": ["p"],
    "settings": ["comma"],
    "help_in_review": ["r", "question_mark"],
    "card_browser": ["c"],
    "practice": ["c", "P", "space"],
}


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
@pytest.mark.parametrize("screen", sorted(_AT_BOTH_SIZES))
def test_every_screen_at(
    snap_compare, demo_app: StudyApp, screen: str, size: tuple[int, int]
) -> None:  # type: ignore[no-untyped-def]
    keys = _AT_BOTH_SIZES[screen]

    async def go(pilot: Pilot[None]) -> None:
        for key in keys:
            await pilot.press(key)
            await _settle(pilot)

    assert snap_compare(demo_app, terminal_size=size, run_before=go)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_statistics_at(snap_compare, demo_app: StudyApp, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(demo_app, terminal_size=size, run_before=_open_stats)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_import_dialog_at(snap_compare, demo_app: StudyApp, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    async def open_import(pilot: Pilot[None]) -> None:
        demo_app.open_import()
        await pilot.pause()

    assert snap_compare(demo_app, terminal_size=size, run_before=open_import)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_session_summary_at(
    snap_compare, toy_store: Store, make_app, size: tuple[int, int]
) -> None:  # type: ignore[no-untyped-def]
    app = make_app(toy_store, review=True)
    keys = ["space", "5", "space", "4", "space", "2", "space", "5", "space", "5"]
    assert snap_compare(app, terminal_size=size, press=keys)
