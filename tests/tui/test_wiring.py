"""Issue 11, item 6, "the TUI wired once", one test (or more) per point:
(a) one navigation registry behind the bindings, the palette and the help;
(b) every message handled; (c) the review queue re-read only when the database
changed; (d) no import circle between the app and its screens."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from textual.binding import Binding
from textual.command import CommandList
from textual.widgets import Static

from studykb.app.store import Store, open_store
from studykb.core.clock import FixedClock
from studykb.core.session import SessionSummary
from studykb.settings import Settings
from studykb.tui import messages, navigation
from studykb.tui.app import StudyApp
from studykb.tui.screens.browser import CardBrowserScreen
from studykb.tui.screens.deck_options import ConfirmModal, DeckOptionsModal
from studykb.tui.screens.editor import EditorModal
from studykb.tui.screens.home import HomeScreen
from studykb.tui.screens.modals import HelpModal, ImportModal, NoteModal
from studykb.tui.screens.papers import PapersScreen
from studykb.tui.screens.practice import PracticeScreen
from studykb.tui.screens.review import ReviewScreen
from studykb.tui.screens.settings import SettingsScreen
from studykb.tui.screens.stats import StatsScreen
from studykb.tui.screens.summary import SessionSummaryScreen

SCREENS: list[Any] = [
    HomeScreen,
    ReviewScreen,
    PapersScreen,
    StatsScreen,
    SettingsScreen,
    SessionSummaryScreen,
    NoteModal,
    ImportModal,
    HelpModal,
    DeckOptionsModal,
    ConfirmModal,
    CardBrowserScreen,
    EditorModal,
    PracticeScreen,
]


def rendered(app: StudyApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


# ------------------------------------------------------------------ (a) registry
@pytest.mark.parametrize("owner", [StudyApp, *SCREENS], ids=lambda c: c.__name__)
def test_every_binding_is_a_registry_entry(owner: Any) -> None:
    entries = navigation.keys_of(getattr(owner, "NAVIGATION", "app"))
    bindings = [b for b in owner.BINDINGS if isinstance(b, Binding)]
    assert len(bindings) == len(owner.BINDINGS)  # no bare tuples
    assert [(b.id, b.key, b.description, b.tooltip, b.show) for b in bindings] == [
        (e.id, e.key, e.title, e.description, e.show) for e in entries
    ]
    assert all(b.id and b.tooltip for b in bindings)  # house style


async def test_palette_lists_the_registry_then_each_deck(toy_store: Store, make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(toy_store)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause(0.3)
        options = app.screen.query_one(CommandList).options
        listed = [(o.hit.text, o.hit.help) for o in options]  # type: ignore[attr-defined]
        decks = toy_store.repo.deck_summaries()
        assert listed == [(e.title, e.description) for e in navigation.DESTINATIONS] + [
            (f"Review {d.title}", f"Deck {d.id}") for d in decks
        ] + [
            (
                f"Options of {d.title}",
                f"Deck {d.id}: daily limits, new-card order, scheduler (SM-2 or FSRS-6)",
            )
            for d in decks
        ]
        # Each destination opens what it names: "Keys" opens the help.
        await pilot.press(*"Keys", "enter")
        await pilot.pause()
        assert isinstance(app.screen, HelpModal)


def _expected_help(screen: str, *, hidden: set[str]) -> list[tuple[str, str]]:
    # The screen's keys first, then the app's, then the moving keys, Textual's own last.
    entries = (*navigation.keys_of(screen), *navigation.APP, *navigation.MOVING)
    listed = [(e.title, e.description) for e in entries if e.key and e.id not in hidden]
    return listed + [(title, text) for _, title, text in navigation.GENERIC_KEYS]


async def test_help_lists_exactly_the_registry_entries(toy_store: Store, make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(toy_store)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpModal)
        # On home the table also binds enter; the help still names it "Review deck".
        assert [row[1:] for row in app.screen.rows] == _expected_help("home", hidden=set())
        assert app.screen.rows[1][0] == "⏎"
        await pilot.press("escape", "r")
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen)
        await pilot.press("question_mark")
        await pilot.pause()
        grades = {f"grade-{q}" for q in range(6)}
        # Before the answer is shown: no grades; undo is there (it takes back the last
        # action of any kind, not only this session's answers: issue 12 item 7).
        assert [row[1:] for row in app.screen.rows] == _expected_help("review", hidden=grades)
        await pilot.press("escape", "space", "question_mark")
        await pilot.pause()
        assert [row[1:] for row in app.screen.rows] == _expected_help(
            "review", hidden={"reveal", "reveal-enter"}
        )


# ------------------------------------------------------------------ (b) messages
WRITE_MESSAGES = [
    messages.CardRated(1, 5, "uid", "review"),
    messages.AnswerUndone(1, "uid"),
    messages.CardSuspended(1),
    messages.CardUnsuspended(1),
    messages.CardBuried(1),
    messages.PaperStatusChanged(1, "read"),
    messages.ImportFinished(True, ["imported"]),
    messages.DeckSchedulerChanged("toy", "fsrs", 4),
    messages.DeckLimitsChanged("toy"),
    messages.DraftsDecided(1, "accepted"),
    messages.DeckCreated("toy-2"),
    messages.PaperAdded("flow-matching"),
    messages.CardSaved(("toy/one",), "Edited toy/one"),
    messages.CardsFlagged(("toy/one",), True),
    messages.CardsRetired(("toy/one",)),
    messages.ActionUndone("Undone: edit of toy/one"),
    messages.SyncFinished(True, ("applied laptop #1: 1 answers, 0 events",)),
]


def test_every_message_class_is_in_the_list_below() -> None:
    defined = {
        name
        for name, value in vars(messages).items()
        if isinstance(value, type) and value.__module__ == messages.__name__
    }
    assert defined == {type(m).__name__ for m in WRITE_MESSAGES} | {"SessionFinished"}


@pytest.mark.parametrize("message", WRITE_MESSAGES, ids=lambda m: type(m).__name__)
async def test_a_write_message_makes_home_reload(
    toy_store: Store,
    make_app,  # type: ignore[no-untyped-def]
    message: Any,
) -> None:
    app = make_app(toy_store)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert "Done 0" in rendered(app, "#home-today")
        # A write on the app's own connection leaves data_version as it was...
        card = app.collection.review.next_card()
        app.collection.review.answer(card.id, 5)
        await pilot.press("p", "escape")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        assert "Done 0" in rendered(app, "#home-today")  # ...so home had no reason to reload
        # ...until a screen announces it: the app's handler marks the data changed.
        app.post_message(message)
        await pilot.pause()
        await pilot.press("p", "escape")
        await pilot.pause()
        assert "Done 1" in rendered(app, "#home-today")


async def test_session_finished_opens_the_summary(toy_store: Store, make_app) -> None:  # type: ignore[no-untyped-def]
    from datetime import timedelta

    app = make_app(toy_store, review=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen)
        summary = SessionSummary(3, 2, 1, 1.0, timedelta(minutes=3), 7)
        app.screen.post_message(messages.SessionFinished(summary))
        await pilot.pause()
        assert isinstance(app.screen, SessionSummaryScreen)
        assert app.screen.summary is summary


# ------------------------------------------------------------------ (c) data_version
async def test_the_review_header_learns_of_another_process_by_data_version(
    toy_store: Store,
    make_app,  # type: ignore[no-untyped-def]
    db_path: Path,
    clock: FixedClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = make_app(toy_store, review=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        assert "left 4" in rendered(app, "#review-progress")
        review = app.collection.review
        reads: list[str | None] = []
        queue = review.queue
        monkeypatch.setattr(
            review, "queue", lambda deck=None, tag=None: (reads.append(deck), queue(deck, tag))[1]
        )
        for _ in range(5):  # the clock ticks; nobody wrote: the queue is not read again
            screen.tick()
        assert reads == []
        other = open_store(db_path, clock=clock, settings=Settings(), seed_bundled=False)
        other.repo.answer(other.repo.find_card("toy/two"), 5)  # another window
        other.close()
        screen.tick()
        assert reads == [None]  # read once, because data_version changed
        assert "left 3" in rendered(app, "#review-progress")
        screen.tick()
        assert reads == [None]


async def test_the_review_header_follows_its_own_answers(toy_store: Store, make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(toy_store, review=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("space", "5")
        await pilot.pause()
        assert "done 1 · left 3" in rendered(app, "#review-progress")


# ------------------------------------------------------------------ (d) no circle
def test_the_screens_load_without_the_app() -> None:
    """Only studykb.tui.app imports the screens; nothing it imports imports it back."""
    code = (
        "import sys, pkgutil, importlib, studykb.tui, studykb.tui.screens\n"
        "names = [m.name for m in pkgutil.walk_packages(studykb.tui.__path__, 'studykb.tui.')]\n"
        "for name in names:\n"
        "    if name != 'studykb.tui.app':\n"
        "        importlib.import_module(name)\n"
        "print(len(names), 'studykb.tui.app' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert int(out[0]) > 10 and out[1] == "False"
