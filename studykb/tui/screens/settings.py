"""Settings: daily limits and the hour a study day starts, saved to the CLI's config file."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Grid, Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from studykb.errors import BadInputError
from studykb.settings import DESCRIPTIONS, save_settings, validate_settings
from studykb.tui import navigation
from studykb.tui.screens.base import StudyScreen
from studykb.tui.widgets.footer import StudyFooter


class NumberInput(Input):
    """An Input for whole numbers that says so when a character is refused (Textual's
    own just rings the bell, which most terminals keep silent)."""

    class CharacterRefused(Message):
        def __init__(self, field: NumberInput) -> None:
            super().__init__()
            self.field = field

    def restricted(self) -> None:
        self.post_message(self.CharacterRefused(self))


class DiscardChangesModal(ModalScreen[bool]):
    """Asked when the settings screen is left with edits not saved: True discards them."""

    NAVIGATION = "discard-changes"
    BINDINGS = navigation.bindings(NAVIGATION)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="discard-dialog"):
            yield Label("Leave without saving? Your changes will be lost.", classes="dialog-title")
            with Horizontal(classes="buttons"):
                yield Button("Keep editing", variant="primary", id="discard-keep")
                yield Button("Discard changes", variant="error", id="discard-confirm")

    @on(Button.Pressed, "#discard-confirm")
    def _discard(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#discard-keep")
    def action_keep(self) -> None:
        self.dismiss(False)


class SettingsScreen(StudyScreen):
    NAVIGATION = "settings"  # its keys in studykb.tui.navigation
    BINDINGS = navigation.bindings(NAVIGATION)

    def compose(self) -> ComposeResult:
        current = self.collection.settings
        with Vertical(id="settings"):
            yield Static("Settings", classes="banner")
            # Nothing is saved until ctrl+s (or Save): the line says where it will go.
            yield Static(self._where(), id="settings-file", classes="subtle")
            with Grid(id="settings-grid"):
                for name in DESCRIPTIONS:  # the numbers; theme and keymap are kept as they are
                    yield Label(DESCRIPTIONS[name], classes="setting-label")
                    yield NumberInput(
                        str(getattr(current, name)), id=f"setting-{name}", type="integer"
                    )
            yield Static(id="settings-error", classes="error")
            with Horizontal(classes="buttons"):
                yield Button("Save", variant="primary", id="settings-save-button")
                yield Button("Cancel", id="settings-cancel")
        yield StudyFooter()

    def _where(self, *, unsaved: bool = False) -> str:
        state = "Unsaved changes" if unsaved else "No changes"
        return f"{state}; ctrl+s saves them to {self.study.config_path}"

    def _edited(self) -> bool:
        current = self.collection.settings
        return any(
            self.query_one(f"#setting-{name}", Input).value.strip() != str(getattr(current, name))
            for name in DESCRIPTIONS
        )

    @on(Input.Changed)
    def _changed(self) -> None:
        self.query_one("#settings-file", Static).update(self._where(unsaved=self._edited()))

    @on(NumberInput.CharacterRefused)
    def _refused(self, event: NumberInput.CharacterRefused) -> None:
        name = (event.field.id or "").removeprefix("setting-")
        self.query_one("#settings-error", Static).update(
            f"{DESCRIPTIONS.get(name, name)}: only the digits 0-9 can be typed here"
        )

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
        # Said only now that the file is written.
        self.notify(f"Settings saved to {path}.", timeout=3, markup=False)
        self.app.pop_screen()

    @on(Button.Pressed, "#settings-cancel")
    def action_leave(self) -> None:
        if not self._edited():
            self.app.pop_screen()
            return

        def leave_if_discarded(discard: bool | None) -> None:
            if discard:
                self.app.pop_screen()

        self.app.push_screen(DiscardChangesModal(), leave_if_discarded)
