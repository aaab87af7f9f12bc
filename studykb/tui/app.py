"""StudyApp: the Textual application over one studykb store."""

from __future__ import annotations

from pathlib import Path

from textual.app import App
from textual.binding import Binding

from studykb.app.store import Store
from studykb.core.clock import Clock
from studykb.settings import Settings
from studykb.tui.commands import StudyCommands
from studykb.tui.screens.home import HomeScreen
from studykb.tui.screens.modals import HelpModal, ImportModal


class StudyApp(App[None]):
    CSS_PATH = "studykb.tcss"
    TITLE = "studykb"
    COMMANDS = App.COMMANDS | {StudyCommands}
    BINDINGS = [
        Binding("question_mark", "help", "Keys", id="help", tooltip="Every key on this screen"),
        Binding(
            "ctrl+p",
            "command_palette",
            "Commands",
            id="palette",
            show=False,  # Textual's footer already shows the palette key
            tooltip="Review a deck, open a screen, import",
        ),
        Binding("q", "quit", "Quit", id="quit", tooltip="Quit; every answer is already saved"),
    ]

    def __init__(
        self,
        store: Store,
        *,
        clock: Clock,
        config_path: Path,
        review: bool = False,
        review_deck: str | None = None,
    ) -> None:
        super().__init__()
        self.store = store
        self.clock = clock
        self.config_path = config_path
        self._review_on_start = review
        self._review_deck = review_deck

    def on_mount(self) -> None:
        home = HomeScreen(defer_load=self._review_on_start)
        self.push_screen(home)
        if self._review_on_start:
            self.start_review(self._review_deck)
            # From now on home loads whenever it is shown (the first time: after review).
            self.call_after_refresh(setattr, home, "defer_load", False)

    # Navigation: every screen is opened on top of home, never stacked deeper.
    def go_home(self) -> None:
        while len(self.screen_stack) > 2:
            self.pop_screen()

    def start_review(self, deck_id: str | None) -> None:
        from studykb.tui.screens.review import ReviewScreen

        if deck_id is not None and not self.store.repo.deck_exists(deck_id):
            self.notify(f"No deck {deck_id!r}.", severity="error", markup=False)
            return
        self.go_home()
        self.push_screen(ReviewScreen(deck_id))

    def open_papers(self) -> None:
        from studykb.tui.screens.papers import PapersScreen

        self.go_home()
        self.push_screen(PapersScreen())

    def open_stats(self) -> None:
        from studykb.tui.screens.stats import StatsScreen

        self.go_home()
        self.push_screen(StatsScreen())

    def open_settings(self) -> None:
        from studykb.tui.screens.settings import SettingsScreen

        self.go_home()
        self.push_screen(SettingsScreen())

    def open_import(self) -> None:
        def refresh(imported: bool | None) -> None:
            if imported and isinstance(self.screen, HomeScreen):
                self.screen.refresh_data()

        self.push_screen(ImportModal(), refresh)

    def apply_settings(self, settings: Settings) -> None:
        self.store.settings = settings
        self.store.repo.limits = settings.limits
        self.store.repo.day_start_hour = settings.day_start_hour

    def action_help(self) -> None:
        if isinstance(self.screen, HelpModal):
            return
        rows: list[tuple[str, str, str]] = []
        seen: set[str] = set()
        for key, active in self.active_bindings.items():
            binding = active.binding
            if binding.action in ("command_palette",) and key != "ctrl+p":
                continue
            label = binding.key_display or self.get_key_display(binding)
            if (label, binding.action) in seen:  # type: ignore[comparison-overlap]
                continue
            seen.add((label, binding.action))  # type: ignore[arg-type]
            rows.append((label, binding.description or binding.action, binding.tooltip))
        self.push_screen(HelpModal(rows))
