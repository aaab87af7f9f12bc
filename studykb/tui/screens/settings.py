"""Settings: daily limits and the hour a study day starts, saved to the CLI's config file."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Grid, Horizontal, Vertical
from textual.widgets import Button, Input, Label, Static

from studykb.errors import BadInputError
from studykb.settings import DESCRIPTIONS, save_settings, validate_settings
from studykb.tui import navigation
from studykb.tui.screens.base import StudyScreen
from studykb.tui.widgets.footer import StudyFooter


class SettingsScreen(StudyScreen):
    NAVIGATION = "settings"  # its keys in studykb.tui.navigation
    BINDINGS = navigation.bindings(NAVIGATION)

    def compose(self) -> ComposeResult:
        current = self.collection.settings
        with Vertical(id="settings"):
            yield Static("Settings", classes="banner")
            yield Static(f"Saved to {self.study.config_path}", classes="subtle")
            with Grid(id="settings-grid"):
                for name in DESCRIPTIONS:  # the numbers; theme and keymap are kept as they are
                    yield Label(DESCRIPTIONS[name], classes="setting-label")
                    yield Input(str(getattr(current, name)), id=f"setting-{name}", type="integer")
            yield Static(id="settings-error", classes="error")
            with Horizontal(classes="buttons"):
                yield Button("Save", variant="primary", id="settings-save-button")
                yield Button("Cancel", id="settings-cancel")
        yield StudyFooter()

    @on(Button.Pressed, "#settings-save-button")
    @on(Input.Submitted)
    def action_save(self) -> None:
        current = self.collection.settings
        raw: dict[str, object] = {"theme": current.theme, "keymap": current.keymap}
        error = self.query_one("#settings-error", Static)
        for name in DESCRIPTIONS:
            text = self.query_one(f"#setting-{name}", Input).value.strip()
            try:
                raw[name] = int(text)
            except ValueError:
                error.update(f"{name}: must be a whole number")
                return
        path = self.study.config_path
        try:
            settings = validate_settings(raw, "settings")
            save_settings(settings, path)
        except BadInputError as exc:
            error.update("\n".join(exc.problems))
            return
        except OSError as exc:
            error.update(f"cannot write {path}: {exc.strerror}")
            return
        error.update("")
        self.study.apply_settings(settings)
        self.notify("Settings saved.", timeout=2)
        self.app.pop_screen()

    @on(Button.Pressed, "#settings-cancel")
    def action_leave(self) -> None:
        self.app.pop_screen()
