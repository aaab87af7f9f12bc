"""A deck's options (issue 13 item 1, issue 16 item 13): its daily limits and the
order of its new cards, its scheduler, SM-2 or FSRS-6, and FSRS's settings. The
limits are saved at once; a change of scheduler replays the deck's whole review
log under the choice, so it says how many cards that is and asks first; nothing
is lost, and switching back to SM-2 gives back exactly the SM-2 states. "Study
more" (StudyMoreModal) raises a deck's limits for today only."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Grid, Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, RadioButton, RadioSet, Static

from studykb.core.deck_limits import (
    MAX_NEW_PER_DAY,
    MAX_REVIEWS_PER_DAY,
    MAX_STUDY_MORE,
    DeckOptions,
    NewOrder,
    StudyMore,
)
from studykb.core.queue import Limits
from studykb.core.scheduling.options import (
    DEFAULT_MAXIMUM_INTERVAL,
    SchedulerName,
    SchedulerOptions,
)
from studykb.core.scheduling.retention import MAX_RETENTION, MIN_RETENTION
from studykb.render.words import plural
from studykb.tui import navigation
from studykb.tui.messages import DeckLimitsChanged, DeckSchedulerChanged
from studykb.tui.screens.base import attempt, guarded
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
    limits: DeckOptions = dataclasses.field(default_factory=DeckOptions)  # as set (None: Settings')
    defaults: Limits = dataclasses.field(default_factory=Limits)  # Settings' limits
    more: StudyMore = dataclasses.field(default_factory=StudyMore)  # what study-more added today


@dataclass(frozen=True, slots=True)
class FormValues:
    """What the fields say; ``errors`` names each field that cannot be used as it is."""

    scheduler: SchedulerName
    retention: str
    maximum_interval: str
    fuzz: bool
    new_per_day: str = ""  # empty: Settings'
    reviews_per_day: str = ""
    new_order: NewOrder = "deck"

    def limit_errors(self) -> dict[str, str]:
        problems: dict[str, str] = {}
        for field, text, most in (
            ("new-per-day", self.new_per_day, MAX_NEW_PER_DAY),
            ("reviews-per-day", self.reviews_per_day, MAX_REVIEWS_PER_DAY),
        ):
            text = text.strip()
            if text and (not text.isdigit() or int(text) > most):
                problems[field] = f"a whole number, 0 to {most}"
        return problems

    def limits(self) -> DeckOptions:
        """The daily limits the fields describe (call only when there are no errors)."""
        new, reviews = self.new_per_day.strip(), self.reviews_per_day.strip()
        return DeckOptions(
            new_per_day=int(new) if new else None,
            reviews_per_day=int(reviews) if reviews else None,
            new_order=self.new_order,
        )

    def errors(self) -> dict[str, str]:
        problems = self.limit_errors()
        if self.scheduler != "fsrs":
            return problems  # SM-2 has no settings: the FSRS fields are kept, not used
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

    def limit_values(self) -> tuple[str, str, str]:
        return (self.new_per_day.strip(), self.reviews_per_day.strip(), self.new_order)

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
        limits = choice.limits
        self.initial = FormValues(
            options.scheduler,
            f"{options.desired_retention:.2f}",
            str(options.maximum_interval),
            options.fuzz,
            "" if limits.new_per_day is None else str(limits.new_per_day),
            "" if limits.reviews_per_day is None else str(limits.reviews_per_day),
            limits.new_order,
        )

    def compose(self) -> ComposeResult:
        initial = self.initial
        with Vertical(classes="dialog", id="deck-options-dialog"):
            title = Text("Deck options · ", style="bold")
            title.append_text(plain(self.choice.title))
            yield Label(title, classes="dialog-title", id="deck-options-title")
            defaults = self.choice.defaults
            with Grid(id="deck-options-grid"):
                yield Label("New cards a day", classes="option-label")
                yield Input(
                    initial.new_per_day,
                    placeholder=str(defaults.new_per_day),
                    id="option-new-per-day",
                    compact=True,
                )
                yield Static(id="new-per-day-error", classes="option-error")
                yield Label("Reviews a day", classes="option-label")
                yield Input(
                    initial.reviews_per_day,
                    placeholder=str(defaults.reviews_per_day),
                    id="option-reviews-per-day",
                    compact=True,
                )
                yield Static(id="reviews-per-day-error", classes="option-error")
                yield Label("New cards order", classes="option-label")
                with RadioSet(id="option-new-order", compact=True):
                    yield RadioButton(
                        "deck order", value=initial.new_order == "deck", id="order-deck"
                    )
                    yield RadioButton(
                        "random (fixed for the day)",
                        value=initial.new_order == "random",
                        id="order-random",
                    )
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
            yield Static(self._limits_line(), id="deck-options-limits", classes="subtle")
            yield Static(id="deck-options-note", classes="subtle")
            with Horizontal(classes="buttons"):
                yield Button("Save", variant="primary", id="deck-options-save-button")
                yield Button("Cancel", id="deck-options-cancel")

    def _limits_line(self) -> str:
        defaults, more = self.choice.defaults, self.choice.more
        line = (
            f"Empty: Settings' {defaults.new_per_day} new and {defaults.reviews_per_day} reviews."
        )
        if more.new or more.reviews:
            line += f" Today: {more.new} more new, {more.reviews} more reviews (m on home)."
        return line

    def on_mount(self) -> None:
        self._refresh_form()
        self.query_one("#option-new-per-day", Input).focus()

    # ------------------------------------------------------------------ the form
    def values(self) -> FormValues:
        pressed = self.query_one("#option-scheduler", RadioSet).pressed_button
        scheduler: SchedulerName = (
            "fsrs" if pressed is not None and pressed.id == "use-fsrs" else "sm2"
        )
        order = self.query_one("#option-new-order", RadioSet).pressed_button
        return FormValues(
            scheduler,
            self.query_one("#option-retention", Input).value,
            self.query_one("#option-maximum-interval", Input).value,
            self.query_one("#option-fuzz", Checkbox).value,
            self.query_one("#option-new-per-day", Input).value,
            self.query_one("#option-reviews-per-day", Input).value,
            "random" if order is not None and order.id == "order-random" else "deck",
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
        for field in ("retention", "maximum-interval", "new-per-day", "reviews-per-day"):
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
        limits = values.limits()
        limits_changed = values.limit_values() != self.initial.limit_values()
        if options == self.choice.options:
            if limits_changed and self._save_limits(limits):
                self.app.call_later(self.dismiss, True)
            elif not limits_changed:
                self.dismiss(False)
            return

        def answered(yes: bool | None) -> None:
            if yes and (not limits_changed or self._save_limits(limits)):
                self._switch(options)

        self.app.push_screen(ConfirmModal(confirmation(self.choice, options), "Save"), answered)

    def _save_limits(self, limits: DeckOptions) -> bool:
        """Record the deck's limits; False (with a message) if that failed."""
        shell = cast("StudyShell", self.app)
        deck_id = self.choice.deck_id
        if not attempt(self, lambda: shell.collection.deck_limits.set(deck_id, limits)):
            return False
        self.app.post_message(DeckLimitsChanged(deck_id))
        self.notify(f"{deck_id}: {limits.describe(self.choice.defaults)}.", markup=False)
        return True

    def _switch(self, options: SchedulerOptions) -> None:
        shell = cast("StudyShell", self.app)
        deck_id = self.choice.deck_id
        switch = guarded(self, lambda: shell.collection.schedulers.switch(deck_id, options))
        if switch is None:
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


class StudyMoreModal(ModalScreen[bool]):
    """Raise a deck's limits for today's study day only (issue 16 item 13);
    dismissed with True when they were raised."""

    NAVIGATION = "study-more"
    BINDINGS = navigation.bindings(NAVIGATION)

    def __init__(self, choice: DeckChoice) -> None:
        super().__init__()
        self.choice = choice

    def compose(self) -> ComposeResult:
        limits = self.choice.limits.limits(self.choice.defaults)
        more = self.choice.more
        with Vertical(classes="dialog", id="study-more-dialog"):
            title = Text("Study more today · ", style="bold")
            title.append_text(plain(self.choice.title))
            yield Label(title, classes="dialog-title", id="study-more-title")
            yield Static(
                f"Today's limits: {limits.new_per_day + more.new} new, "
                f"{limits.reviews_per_day + more.reviews} reviews. "
                "Raise them for today only; tomorrow the deck's own limits hold again.",
                id="study-more-limits",
                classes="subtle",
            )
            with Grid(id="study-more-grid"):
                yield Label("More new cards", classes="option-label")
                yield Input("", placeholder="0", id="more-new", compact=True)
                yield Static(id="more-new-error", classes="option-error")
                yield Label("More reviews", classes="option-label")
                yield Input("", placeholder="0", id="more-reviews", compact=True)
                yield Static(id="more-reviews-error", classes="option-error")
            with Horizontal(classes="buttons"):
                yield Button("Raise for today", variant="primary", id="study-more-save-button")
                yield Button("Cancel", id="study-more-cancel")

    def on_mount(self) -> None:
        self.query_one("#more-new", Input).focus()

    def _numbers(self) -> tuple[dict[str, int], dict[str, str]]:
        values: dict[str, int] = {}
        errors: dict[str, str] = {}
        for field in ("more-new", "more-reviews"):
            text = self.query_one(f"#{field}", Input).value.strip()
            if not text:
                values[field] = 0
            elif text.isdigit() and int(text) <= MAX_STUDY_MORE:
                values[field] = int(text)
            else:
                errors[field] = f"a whole number, 0 to {MAX_STUDY_MORE}"
        return values, errors

    @on(Input.Changed)
    def _refresh_form(self) -> None:
        _, errors = self._numbers()
        for field in ("more-new", "more-reviews"):
            self.query_one(f"#{field}-error", Static).update(errors.get(field, ""))

    @on(Button.Pressed, "#study-more-save-button")
    @on(Input.Submitted)
    def action_save(self) -> None:
        values, errors = self._numbers()
        if errors:
            self.notify("Fix the marked fields first.", severity="warning", timeout=3)
            return
        more = StudyMore(values["more-new"], values["more-reviews"])
        if more == StudyMore():
            self.notify("Give a number of new cards or reviews.", severity="warning", timeout=3)
            return
        shell = cast("StudyShell", self.app)
        deck_id = self.choice.deck_id
        total = guarded(self, lambda: shell.collection.deck_limits.study_more(deck_id, more))
        if total is None:
            return
        self.app.post_message(DeckLimitsChanged(deck_id))
        self.notify(
            f"{deck_id}: {total.new} more new and {total.reviews} more reviews today.",
            markup=False,
        )
        self.app.call_later(self.dismiss, True)

    @on(Button.Pressed, "#study-more-cancel")
    def action_leave(self) -> None:
        self.dismiss(False)
