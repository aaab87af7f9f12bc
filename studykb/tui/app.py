"""StudyApp: the Textual application over one studykb collection.

The only module of studykb.tui that imports the screens: it opens them (every
destination of studykb.tui.navigation goes through :meth:`StudyApp.go`) and
handles what the screens announce (studykb.tui.messages).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from textual import on
from textual.actions import parse as parse_action
from textual.app import App
from textual.binding import Binding

from studykb.app.collection import Collection
from studykb.core.clock import Clock
from studykb.settings import Settings
from studykb.tui import navigation
from studykb.tui.commands import StudyCommands
from studykb.tui.messages import (
    AnswerUndone,
    CardBuried,
    CardRated,
    CardSuspended,
    ImportFinished,
    PaperStatusChanged,
    SessionFinished,
)
from studykb.tui.screens.home import HomeScreen
from studykb.tui.screens.modals import HelpModal, ImportModal
from studykb.tui.screens.papers import PapersScreen
from studykb.tui.screens.review import ReviewScreen
from studykb.tui.screens.settings import SettingsScreen
from studykb.tui.screens.stats import StatsScreen
from studykb.tui.screens.summary import SessionSummaryScreen


class StudyApp(App[None]):
    CSS_PATH = "studykb.tcss"
    TITLE = "studykb"
    # The palette offers the registry's destinations and the decks, nothing else.
    COMMANDS = {StudyCommands}
    BINDINGS = navigation.bindings("app")

    def __init__(
        self,
        collection: Collection,
        *,
        clock: Clock,
        config_path: Path,
        review: bool = False,
        review_deck: str | None = None,
        review_tag: str | None = None,
    ) -> None:
        super().__init__()
        self.collection = collection
        self.clock = clock
        self.config_path = config_path
        self._review_on_start = review
        self._review_deck = review_deck
        self._review_tag = review_tag
        # Counts the writes made here that the screens were told of by a message.
        self.changes = 0

    def on_mount(self) -> None:
        home = HomeScreen(defer_load=self._review_on_start)
        self.push_screen(home)
        if self._review_on_start:
            self.start_review(self._review_deck, self._review_tag)
            # From now on home loads whenever it is shown (the first time: after review).
            self.call_after_refresh(setattr, home, "defer_load", False)

    def data_state(self) -> tuple[int, int, date]:
        collection = self.collection
        return (self.changes, collection.data_version(), collection.review.today())

    # Navigation: every screen is opened on top of home, never stacked deeper.
    def go(self, destination: str) -> None:
        """Open a destination of the navigation registry."""
        navigation.destination(destination)  # an unknown id is a bug: fail loudly
        if destination == "review-all":
            self.start_review(None)
        elif destination == "home":
            self.go_home()
        elif destination == "import":
            self.open_import()
        elif destination == "help":
            self.action_help()
        else:
            screens = {"papers": PapersScreen, "stats": StatsScreen, "settings": SettingsScreen}
            self.go_home()
            self.push_screen(screens[destination]())

    def action_go(self, destination: str) -> None:
        self.go(destination)

    def go_home(self) -> None:
        while len(self.screen_stack) > 2:
            self.pop_screen()

    def start_review(self, deck_id: str | None, tag: str | None = None) -> None:
        if deck_id is not None and not self.collection.review.deck_exists(deck_id):
            self.notify(f"No deck {deck_id!r}.", severity="error", markup=False)
            return
        self.go_home()
        self.push_screen(ReviewScreen(deck_id, tag))

    def open_import(self) -> None:
        self.push_screen(ImportModal())

    def apply_settings(self, settings: Settings) -> None:
        self.collection.apply_settings(settings)
        self.changes += 1  # new limits: new counts everywhere

    def action_help(self) -> None:
        """The keys of the screen and of the app: exactly the registry's entries,
        less those the screen has switched off now (say, grades before the answer
        is shown). A key a focused widget also binds (enter on a table) is listed
        under the registry's name for what it does."""
        if isinstance(self.screen, HelpModal):
            return
        self.push_screen(HelpModal(self.help_rows()))

    def help_rows(self) -> list[tuple[str, str, str]]:
        screen = self.screen
        name = getattr(screen, "NAVIGATION", None)
        rows: list[tuple[str, str, str]] = []
        for entry in (*(navigation.keys_of(name) if name else ()), *navigation.APP):
            if entry.key is None:
                continue
            namespace, action, parameters = parse_action(entry.action_string)
            node = self if namespace == "app" or entry in navigation.APP else screen
            if node.check_action(action, parameters) is False:
                continue
            keys = " ".join(map(self.get_key_display, Binding.make_bindings([entry.binding()])))
            rows.append((keys, entry.title, entry.description))
        return rows

    # What the screens announce. A write made here leaves PRAGMA data_version as it
    # was (only another connection's commit changes it), so each write is counted.
    @on(CardRated)
    @on(AnswerUndone)
    @on(CardSuspended)
    @on(CardBuried)
    @on(PaperStatusChanged)
    @on(ImportFinished)
    def _data_changed(self) -> None:
        self.changes += 1

    @on(SessionFinished)
    def _session_finished(self, event: SessionFinished) -> None:
        if isinstance(self.screen, ReviewScreen):
            self.switch_screen(SessionSummaryScreen(event.summary))
