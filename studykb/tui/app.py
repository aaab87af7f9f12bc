"""StudyApp: the Textual application over one studykb collection.

The only module of studykb.tui that imports the screens: it opens them (every
destination of studykb.tui.navigation goes through :meth:`StudyApp.go`) and
handles what the screens announce (studykb.tui.messages).
"""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from textual import on
from textual.actions import parse as parse_action
from textual.app import App
from textual.await_complete import AwaitComplete
from textual.binding import Binding
from textual.containers import ScrollableContainer
from textual.theme import Theme

from studykb.app.collection import Collection
from studykb.core.clock import Clock
from studykb.errors import BadInputError, StudykbError
from studykb.settings import Settings, save_settings
from studykb.tui import navigation
from studykb.tui.commands import StudyCommands
from studykb.tui.messages import (
    ActionUndone,
    AnswerUndone,
    CardBuried,
    CardRated,
    CardSaved,
    CardsFlagged,
    CardsRetired,
    CardSuspended,
    CardUnsuspended,
    DeckCreated,
    DeckLimitsChanged,
    DeckSchedulerChanged,
    DraftsDecided,
    ImportFinished,
    PaperAdded,
    PaperStatusChanged,
    SessionFinished,
    SyncFinished,
)
from studykb.tui.screens.home import HomeScreen
from studykb.tui.screens.review import ReviewScreen

if TYPE_CHECKING:
    from studykb.tui.screens.deck_options import DeckChoice

# The other screens load when first opened: the first screen shows sooner (the
# statistics screen alone brings the plotting library).


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
        # Opened straight into a review, home is made when the review is left, not
        # before the first card (composing it there cost ~75 ms of the start).
        self._home_pending = False
        # Counts the writes made here that the screens were told of by a message.
        self.changes = 0
        self.syncing = False
        # The user's keys from config.toml's [keymap]: binding id -> keys.
        self.keymap = navigation.check_keymap(collection.settings.keymap, str(config_path))

    def on_mount(self) -> None:
        if self.keymap:
            self.set_keymap(self.keymap)
        saved_theme = self.collection.settings.theme
        if saved_theme is not None:
            if saved_theme in self.available_themes:
                self.theme = saved_theme
            else:
                self.notify(f"No theme {saved_theme!r}; ctrl+p → Theme… picks one.", markup=False)
        self.theme_changed_signal.subscribe(self, self._theme_changed)
        from studykb.app.sync import configured

        if configured(self.collection.settings):
            self.sync_now()  # at start, in the background: the first screen does not wait
        if self._review_on_start:
            self._home_pending = True
            self.start_review(self._review_deck, self._review_tag)
        if len(self.screen_stack) == 1:  # home first (or no such deck to review: home)
            self._home_pending = False
            self.push_screen(HomeScreen())

    # ------------------------------------------------------------------ sync
    def action_sync_now(self) -> None:
        from studykb.app.sync import configured

        if not configured(self.collection.settings):
            self.notify(
                "No sync folder yet: run `studykb sync --folder PATH` (or --git URL) once.",
                severity="warning",
                markup=False,
            )
            return
        self.sync_now()

    def sync_now(self) -> None:
        """Sync off the UI thread, on a connection of its own; SyncFinished says how it went."""
        if self.syncing:
            return
        self.syncing = True
        self.run_worker(self._sync_in_worker, thread=True, group="sync", exit_on_error=False)

    def _sync_in_worker(self) -> None:
        from studykb.app.sync import sync_in_worker

        ok, lines = sync_in_worker(self.collection.path, self.clock, self.collection.settings)
        self.post_message(SyncFinished(ok, tuple(lines)))

    @on(SyncFinished)
    def _sync_finished(self, event: SyncFinished) -> None:
        self.syncing = False
        self.changes += 1  # the screens read again (another connection wrote)
        applied = [line for line in event.lines if line.startswith(("applied", "wrote"))]
        problems = [line for line in event.lines if line.startswith("skipped") or not event.ok]
        summary = "; ".join(applied) or "Synced: nothing new."
        self.notify(
            ("Sync: " + "; ".join(problems[:3])) if problems else summary,
            severity="warning" if problems else "information",
            markup=False,
        )
        if isinstance(self.screen, HomeScreen):
            self.screen.refresh_data()

    def sync_on_quit(self) -> None:
        """The last sync, before the app exits (when configured)."""
        from studykb.app.sync import configured, sync_in_worker

        if configured(self.collection.settings):
            sync_in_worker(self.collection.path, self.clock, self.collection.settings)

    async def action_quit(self) -> None:
        self.sync_on_quit()
        self.exit()

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
        elif destination == "theme":
            self.search_themes()
        elif destination == "cards":
            self.open_cards()
        elif destination == "drafts":
            from studykb.tui.screens.drafts import DraftsScreen

            if not isinstance(self.screen, DraftsScreen):
                self.push_screen(DraftsScreen())
        else:
            from studykb.tui.screens.papers import PapersScreen
            from studykb.tui.screens.settings import SettingsScreen
            from studykb.tui.screens.stats import StatsScreen

            screens = {"papers": PapersScreen, "stats": StatsScreen, "settings": SettingsScreen}
            self.go_home()
            self.push_screen(screens[destination]())

    def action_go(self, destination: str) -> None:
        self.go(destination)

    def go_home(self) -> None:
        while len(self.screen_stack) > 2:
            self.pop_screen()
        if self._home_pending and len(self.screen_stack) == 2:
            self.pop_screen()  # the review opened at start gives its place to home

    def pop_screen(self) -> AwaitComplete:
        """As Textual's, but leaving the review the app opened with (or the summary that
        replaced it) shows home, made now, rather than the empty default screen."""
        if self._home_pending and len(self.screen_stack) == 2:
            self._home_pending = False
            return self.switch_screen(HomeScreen())
        return super().pop_screen()

    def start_review(self, deck_id: str | None, tag: str | None = None) -> None:
        if deck_id is not None and not self.collection.review.node_exists(deck_id):
            self.notify(f"No deck {deck_id!r}.", severity="error", markup=False)
            return
        self.go_home()
        self.push_screen(ReviewScreen(deck_id, tag))

    def open_cards(self, card_id: int | None = None) -> None:
        """The card browser: over home, or over review with its card (``card_id``)
        highlighted, so that leaving it returns to the card."""
        from studykb.tui.screens.browser import CardBrowserScreen

        if card_id is None:
            self.go_home()
        self.push_screen(CardBrowserScreen(card_id))

    def open_import(self) -> None:
        from studykb.tui.screens.modals import ImportModal

        self.push_screen(ImportModal())

    def _deck_choice(self, deck_id: str) -> DeckChoice | None:
        """What the deck dialogs need of a deck; None (with a message) if it is gone."""
        from studykb.tui.screens.deck_options import DeckChoice

        try:
            summary = next((s for s in self.collection.library.decks() if s.id == deck_id), None)
            if summary is None:
                self.notify(f"No deck {deck_id!r}.", severity="error", markup=False)
                return None
            options = self.collection.schedulers.options(deck_id)
            limits = self.collection.deck_limits.view(deck_id)
        except (StudykbError, sqlite3.Error) as exc:
            message = exc.message if isinstance(exc, StudykbError) else f"database: {exc}"
            self.notify(message, severity="error", markup=False)
            return None
        # A switch replays every card of the deck, retired ones included.
        cards = summary.cards + summary.retired
        return DeckChoice(
            deck_id, summary.title, options, cards, limits.options, limits.defaults, limits.more
        )

    def open_deck_options(self, deck_id: str) -> None:
        """A deck's limits, scheduler and its settings, in a dialog over the current screen."""
        from studykb.tui.screens.deck_options import DeckOptionsModal

        choice = self._deck_choice(deck_id)
        if choice is not None:
            self.push_screen(DeckOptionsModal(choice))

    def open_study_more(self, deck_id: str) -> None:
        """Raise a deck's limits for today only, in a small dialog."""
        from studykb.tui.screens.deck_options import StudyMoreModal

        choice = self._deck_choice(deck_id)
        if choice is not None:
            self.push_screen(StudyMoreModal(choice))

    def apply_settings(self, settings: Settings) -> None:
        self.collection.apply_settings(settings)
        self.changes += 1  # new limits: new counts everywhere

    def _theme_changed(self, theme: Theme) -> None:
        """A theme chosen here is kept in config.toml for the next start (issue 16 item 11)."""
        settings = self.collection.settings
        if theme.name == settings.theme:
            return
        chosen = replace(settings, theme=theme.name)
        try:
            save_settings(chosen, self.config_path)
        except (BadInputError, OSError) as exc:
            self.notify(f"theme not saved: {exc}", severity="warning", markup=False)
            return
        self.collection.apply_settings(chosen)

    def action_move(self, where: str) -> None:
        """j/k/g/G: whatever ↓/↑/home/end do on the focused widget (a table's
        cursor, a list's highlight, a scrolling pane), by pressing that key for it.
        With nothing focused, the screen's first pane that can scroll is moved."""
        focused = self.focused
        if focused is None:
            panes = [p for p in self.screen.query(ScrollableContainer) if p.allow_vertical_scroll]
            if panes:
                pane = panes[0]
                {
                    "down": pane.action_scroll_down,
                    "up": pane.action_scroll_up,
                    "top": pane.action_scroll_home,
                    "bottom": pane.action_scroll_end,
                }[where]()
            return
        bound = set(focused._bindings.key_to_bindings)
        keys = {
            "down": ("down",),
            "up": ("up",),
            # A table's home/end move sideways; its ctrl+home/ctrl+end go to the first/last row.
            "top": ("ctrl+home", "home"),
            "bottom": ("ctrl+end", "end"),
        }[where]
        self.simulate_key(next((k for k in keys if k in bound), keys[-1]))

    def action_help(self) -> None:
        """The keys of the screen, then the app's, then the moving keys: exactly the
        registry's entries (with the user's keys), less those the screen has
        switched off now (say, grades before the answer is shown); Textual's own
        keys last. A key a focused widget also binds (enter on a table) is listed
        under the registry's name for what it does."""
        from studykb.tui.screens.modals import HelpModal

        if isinstance(self.screen, HelpModal):
            return
        self.push_screen(HelpModal(self.help_groups()))

    def help_groups(self) -> list[tuple[str, list[tuple[str, str, str]]]]:
        screen = self.screen
        name = getattr(screen, "NAVIGATION", None)
        groups: list[tuple[str, list[tuple[str, str, str]]]] = []
        if name:
            groups.append(
                (navigation.SCREEN_TITLES[name], self._help_rows(navigation.keys_of(name)))
            )
        groups.append(("Everywhere", self._help_rows(navigation.APP)))
        groups.append(("Moving", [*self._help_rows(navigation.MOVING), *navigation.GENERIC_KEYS]))
        return [(title, rows) for title, rows in groups if rows]

    def help_rows(self) -> list[tuple[str, str, str]]:
        """The help's rows, in order, without the group headings."""
        return [row for _, rows in self.help_groups() for row in rows]

    def _help_rows(self, entries: tuple[navigation.Entry, ...]) -> list[tuple[str, str, str]]:
        screen = self.screen
        rows: list[tuple[str, str, str]] = []
        for entry in entries:
            if entry.key is None:
                continue
            namespace, action, parameters = parse_action(entry.action_string)
            app_key = namespace == "app" or entry in navigation.APP or entry in navigation.MOVING
            node = self if app_key else screen
            if node.check_action(action, parameters) is False:
                continue
            binding = entry.binding(self.keymap.get(entry.id))
            keys = " ".join(map(self.get_key_display, Binding.make_bindings([binding])))
            rows.append((keys, entry.title, entry.description))
        return rows

    # What the screens announce. A write made here leaves PRAGMA data_version as it
    # was (only another connection's commit changes it), so each write is counted.
    @on(CardRated)
    @on(AnswerUndone)
    @on(CardSuspended)
    @on(CardUnsuspended)
    @on(CardBuried)
    @on(PaperStatusChanged)
    @on(ImportFinished)
    @on(DeckSchedulerChanged)
    @on(DeckLimitsChanged)
    @on(DraftsDecided)
    @on(DeckCreated)
    @on(PaperAdded)
    @on(CardSaved)
    @on(CardsFlagged)
    @on(CardsRetired)
    @on(ActionUndone)
    def _data_changed(self) -> None:
        self.changes += 1

    @on(SessionFinished)
    def _session_finished(self, event: SessionFinished) -> None:
        from studykb.tui.screens.summary import SessionSummaryScreen

        if isinstance(self.screen, ReviewScreen):
            self.switch_screen(SessionSummaryScreen(event.summary))
