"""A deck's options (issue 13 item 1, issue 16 item 13): its scheduler, SM-2 or
FSRS-6, and FSRS's settings. Saving replays the deck's whole review log under the
choice, so it says how many cards that is and asks first; nothing is lost, and
switching back to SM-2 gives back exactly the SM-2 states."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Grid, Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, RadioButton, RadioSet, Static

from studykb.core.scheduling.options import (
    DEFAULT_MAXIMUM_INTERVAL,
    MAX_RETENTION,
    MIN_RETENTION,
    SchedulerName,
    SchedulerOptions,
)
from studykb.errors import StudykbError
from studykb.render.words import plural
from studykb.tui import navigation
from studykb.tui.messages import DeckSchedulerChanged
from studykb.tui.text import plain

if TYPE_CHECKING:
    from studykb.tui.shell import StudyShell

SCHEDULER_TITLES: dict[SchedulerName, str] = {"sm2": "SM-2", "fsrs": "FSRS-6"}
LONGEST_INTERVAL = DEFAULT_MAXIMUM_INTERVAL  # the options accept 1 to this many days


@dataclass(frozen=True, slots=True)
class DeckChoice:
    """What the dialog needs of a deck: its options and how many cards a switch replays."""

    deck_id: str
    title: str
    options: SchedulerOptions
    cards: int  # every card of the deck, retired ones too: a switch replays them all


@dataclass(frozen=True, slots=True)
class FormValues:
    """What the fields say; ``errors`` names each field that cannot be used as it is."""

    scheduler: SchedulerName
    retention: str
    maximum_interval: str
    fuzz: bool

    def errors(self) -> dict[str, str]:
        if self.scheduler != "fsrs":
            return {}  # SM-2 has no settings: the FSRS fields are kept, not used
        problems: dict[str, str] = {}
        try:
            retention = float(self.retention.strip())
        except ValueError:
            retention = None
        if retention is None or not MIN_RETENTION <= retention <= MAX_RETENTION:
            problems["retention"] = f"a number from {MIN_RETENTION:.2f} to {MAX_RETENTION:.2f}"
        text = self.maximum_interval.strip()
        if not text.isdigit() or not 1 <= int(text) <= LONGEST_INTERVAL:
            problems["maximum-interval"] = f"whole days, 1 to {LONGEST_INTERVAL}"
        return problems

    def options(self) -> SchedulerOptions:
        """The options the fields describe (call only when there are no errors)."""
        if self.scheduler == "sm2":
            return SchedulerOptions("sm2")
        return SchedulerOptions(
            "fsrs",
            desired_retention=round(float(self.retention.strip()), 4),
            maximum_interval=int(self.maximum_interval.strip()),
            fuzz=self.fuzz,
        )


def confirmation(choice: DeckChoice, after: SchedulerOptions) -> str:
    """What saving will do, said before it is done."""
    before = choice.options
    cards = plural(choice.cards, "card")
    if before.scheduler != after.scheduler:
        what = (
            f"Switch “{choice.title}” from {SCHEDULER_TITLES[before.scheduler]} "
            f"to {SCHEDULER_TITLES[after.scheduler]}?"
        )
    else:
        what = f"Apply the new FSRS-6 settings to “{choice.title}”?"
    return (
        f"{what}\n\n"
        f"The whole review log of its {cards} will be replayed under "
        f"{after.describe()}. Nothing is lost: the log stays as it is, and switching "
        "back to SM-2 restores exactly the SM-2 states the deck would have had."
    )


class ConfirmModal(ModalScreen[bool]):
    """A question with Yes and No (y / n or escape)."""

    NAVIGATION = "confirm"
    BINDINGS = navigation.bindings(NAVIGATION)

    def __init__(self, question: str, yes: str = "Yes", no: str = "No") -> None:
        super().__init__()
        self.question = question
        self.yes, self.no = yes, no

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="confirm-dialog"):
            yield Static(plain(self.question), id="confirm-question")
            with Horizontal(classes="buttons"):
                yield Button(f"{self.yes} (y)", variant="primary", id="confirm-yes-button")
                yield Button(f"{self.no} (n)", id="confirm-no-button")

    def on_mount(self) -> None:
        self.query_one("#confirm-no-button", Button).focus()

    @on(Button.Pressed, "#confirm-yes-button")
    def _yes(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#confirm-no-button")
    def _no(self) -> None:
        self.dismiss(False)

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class DeckOptionsModal(ModalScreen[bool]):
    """Dismissed with True when the deck's options were changed."""

    NAVIGATION = "deck-options"
    BINDINGS = navigation.bindings(NAVIGATION)

    def __init__(self, choice: DeckChoice) -> None:
        super().__init__()
        self.choice = choice
        options = choice.options
        self.initial = FormValues(
            options.scheduler,
            f"{options.desired_retention:.2f}",
            str(options.maximum_interval),
            options.fuzz,
        )

    def compose(self) -> ComposeResult:
        initial = self.initial
        with Vertical(classes="dialog", id="deck-options-dialog"):
            title = Text("Deck options · ", style="bold")
            title.append_text(plain(self.choice.title))
            yield Label(title, classes="dialog-title", id="deck-options-title")
            with Grid(id="deck-options-grid"):
                yield Label("Scheduler", classes="option-label")
                with RadioSet(id="option-scheduler", compact=True):
                    for name, shown in SCHEDULER_TITLES.items():
                        yield RadioButton(shown, value=name == initial.scheduler, id=f"use-{name}")
                yield Label("Desired retention", classes="option-label fsrs-only")
                yield Input(
                    initial.retention, id="option-retention", compact=True, classes="fsrs-only"
                )
                yield Static(id="retention-error", classes="option-error")
                yield Label("Maximum interval", classes="option-label fsrs-only")
                yield Input(
                    initial.maximum_interval,
                    id="option-maximum-interval",
                    compact=True,
                    classes="fsrs-only",
                )
                yield Static(id="maximum-interval-error", classes="option-error")
                yield Label("Fuzz intervals", classes="option-label fsrs-only")
                yield Checkbox(
                    "seeded: replays repeat it",
                    initial.fuzz,
                    id="option-fuzz",
                    compact=True,
                    classes="fsrs-only",
                )
            # Room for the per-deck daily limits and new-card order (issue 16 item 13),
            # which need storage of their own: until then the limits of Settings hold.
            yield Static(
                "Daily limits: those of Settings (the same for every deck).",
                id="deck-options-limits",
                classes="subtle",
            )
            yield Static(id="deck-options-note", classes="subtle")
            with Horizontal(classes="buttons"):
                yield Button("Save", variant="primary", id="deck-options-save-button")
                yield Button("Cancel", id="deck-options-cancel")

    def on_mount(self) -> None:
        self._refresh_form()
        self.query_one("#option-scheduler", RadioSet).focus()

    # ------------------------------------------------------------------ the form
    def values(self) -> FormValues:
        pressed = self.query_one("#option-scheduler", RadioSet).pressed_button
        scheduler: SchedulerName = (
            "fsrs" if pressed is not None and pressed.id == "use-fsrs" else "sm2"
        )
        return FormValues(
            scheduler,
            self.query_one("#option-retention", Input).value,
            self.query_one("#option-maximum-interval", Input).value,
            self.query_one("#option-fuzz", Checkbox).value,
        )

    @property
    def edited(self) -> bool:
        return self.values() != self.initial

    @on(RadioSet.Changed)
    @on(Input.Changed)
    @on(Checkbox.Changed)
    def _refresh_form(self) -> None:
        """Every change shows at once what is wrong, beside the field, and what a
        save would replay."""
        values = self.values()
        errors = values.errors()
        for field in ("retention", "maximum-interval"):
            self.query_one(f"#{field}-error", Static).update(errors.get(field, ""))
        for widget in self.query(".fsrs-only"):
            widget.disabled = values.scheduler != "fsrs"
        note = self.query_one("#deck-options-note", Static)
        cards = plural(self.choice.cards, "card")
        if values.scheduler != self.choice.options.scheduler:
            note.update(
                f"Saving replays the review log of all {cards} under "
                f"{SCHEDULER_TITLES[values.scheduler]}; switching back to SM-2 restores "
                "exactly the SM-2 states."
            )
        elif values.scheduler == "fsrs":
            note.update(f"Rated 1-4 (again, hard, good, easy). A change replays all {cards}.")
        else:
            note.update("SM-2, exact to Wozniak's text: graded 0-5. It has no settings.")

    # ------------------------------------------------------------------ actions
    @on(Button.Pressed, "#deck-options-save-button")
    @on(Input.Submitted)
    def action_save(self) -> None:
        values = self.values()
        errors = values.errors()
        if errors:
            self.notify("Fix the marked fields first.", severity="warning", timeout=3)
            return
        options = values.options()
        if options == self.choice.options:
            self.dismiss(False)
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._switch(options)

        self.app.push_screen(ConfirmModal(confirmation(self.choice, options), "Save"), answered)

    def _switch(self, options: SchedulerOptions) -> None:
        shell = cast("StudyShell", self.app)
        deck_id = self.choice.deck_id
        try:
            switch = shell.collection.schedulers.switch(deck_id, options)
        except StudykbError as exc:
            self.notify(exc.message, severity="error", markup=False)
            return
        except sqlite3.OperationalError as exc:
            self.notify(f"database busy or unavailable: {exc}", severity="error", markup=False)
            return
        self.app.post_message(DeckSchedulerChanged(deck_id, options.scheduler, switch.cards))
        self.notify(
            f"{deck_id}: {switch.after.describe()} ({plural(switch.cards, 'card')} replayed).",
            timeout=4,
            markup=False,
        )
        # After the app has counted the change (the message is ahead in its queue),
        # so that the screen below reloads when shown again.
        self.app.call_later(self.dismiss, True)

    @on(Button.Pressed, "#deck-options-cancel")
    def action_leave(self) -> None:
        if not self.edited:
            self.dismiss(False)
            return

        def answered(discard: bool | None) -> None:
            if discard:
                self.dismiss(False)

        self.app.push_screen(
            ConfirmModal("Discard your changes to this deck's options?", "Discard", "Keep editing"),
            answered,
        )
