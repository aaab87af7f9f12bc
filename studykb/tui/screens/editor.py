"""The card editor (issue 12 item 2): front, back, tags, source and kind, a live
preview rendered exactly as review renders the card (cloze blanks included), and
the deck linter's warnings as you type. Saving is one use case
(Authoring.edit or Authoring.add): one unit of work, undoable, the card's
identity and history kept."""

from __future__ import annotations

import re
import sqlite3
from dataclasses import replace
from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import (
    Button,
    Input,
    Label,
    Markdown,
    RadioButton,
    RadioSet,
    Rule,
    Static,
    TextArea,
)

from studykb.app.authoring import CardFields, CardKind, Saved
from studykb.core.cloze import ClozeError
from studykb.errors import BadInputError, StudykbError
from studykb.render.card import Face, note_faces
from studykb.render.words import plural
from studykb.tui import navigation
from studykb.tui.screens.deck_options import ConfirmModal
from studykb.tui.text import card_markdown, plain

if TYPE_CHECKING:
    from studykb.app.authoring import Authoring
    from studykb.tui.shell import StudyShell

KINDS: tuple[CardKind, ...] = ("basic", "reversed", "cloze")
KIND_HELP: dict[CardKind, str] = {
    "basic": "one card: front → back",
    "reversed": "two cards: front → back and back → front",
    "cloze": "one card per {{c1::…}} deletion in the text; the back is extra",
}


def parse_tags(text: str) -> tuple[str, ...]:
    """Tags as typed: separated by commas or spaces, a leading # dropped, each once."""
    seen: dict[str, None] = {}
    for tag in re.split(r"[,\s]+", text):
        tag = tag.strip().lstrip("#")
        if tag:
            seen.setdefault(tag, None)
    return tuple(seen)


def show_tags(tags: tuple[str, ...]) -> str:
    return ", ".join(tags)


def preview_faces(fields: CardFields) -> tuple[list[Face], str | None]:
    """The cards the fields make, with the sides review would show; or the reason
    there are none yet (a cloze without a deletion, a malformed marker)."""
    try:
        faces = note_faces(fields.kind, fields.front, fields.back)
    except ClozeError as exc:
        return [], f"cloze: {exc}"
    if not faces:
        return [], "no cloze deletion yet: mark one as {{c1::answer}}"
    return faces, None


def findings_text(problems: list[str], warnings: list[str]) -> Text:
    """What blocks saving (red), then the linter's warnings (yellow), one a line."""
    text = Text()
    for line in problems:
        text.append("\n" if text else "")
        text.append("✗ ", style="bold #e06c75")
        text.append_text(plain(line))
    for line in warnings:
        text.append("\n" if text else "")
        text.append("⚠ ", style="bold #e5c07b")
        text.append_text(plain(line))
    return text


class EditorModal(ModalScreen[Saved | None]):
    """Edit the card ``ref`` (its note: a cloze's text, both sides of a reversed
    note), or add a card to ``deck_id``. Dismissed with what was saved, or None."""

    NAVIGATION = "editor"
    BINDINGS = navigation.bindings(NAVIGATION)
    # Side by side from this width; below it the preview goes under the fields.
    HORIZONTAL_BREAKPOINTS = [
        (0, "-narrow"),
        (110, "-wide"),
    ]
    DEBOUNCE = 0.15  # seconds of quiet typing before the preview and warnings refresh

    def __init__(
        self,
        fields: CardFields,
        *,
        ref: str | None = None,
        deck_id: str | None = None,
        deck_title: str | None = None,
    ) -> None:
        super().__init__()
        if (ref is None) == (deck_id is None):
            raise ValueError("an editor edits a card (ref) or adds one to a deck (deck_id)")
        self.initial = fields
        # The fields as the form reads them back untouched (tags parsed, source
        # stripped): what "changed" is measured against.
        self.baseline = replace(
            fields, tags=parse_tags(show_tags(fields.tags)), source=fields.source.strip()
        )
        self.ref = ref
        self.deck_id = deck_id
        self.deck_title = deck_title or deck_id
        self._refresh_timer: Timer | None = None
        self.problems: list[str] = []
        self.warnings: list[str] = []

    @property
    def authoring(self) -> Authoring:
        return cast("StudyShell", self.app).collection.authoring

    @property
    def heading(self) -> Text:
        if self.ref is not None:
            text = Text("Edit ", style="bold")
            text.append_text(plain(self.ref))
        else:
            text = Text("New card in ", style="bold")
            text.append_text(plain(self.deck_title or ""))
        return text

    def compose(self) -> ComposeResult:
        initial = self.initial
        with Vertical(classes="dialog", id="editor-dialog"):
            with Horizontal(id="editor-top"):
                yield Label(self.heading, id="editor-title")
                yield Static(id="editor-state", classes="subtle")
            with Horizontal(id="editor-body"):
                with Vertical(id="editor-fields"):
                    with Horizontal(classes="editor-row", id="editor-kind-row"):
                        yield Label("Kind", classes="editor-label")
                        with RadioSet(id="editor-kind", compact=True):
                            for kind in KINDS:
                                yield RadioButton(
                                    kind,
                                    value=kind == initial.kind,
                                    id=f"editor-kind-{kind}",
                                    # A card keeps its cards: a cloze note stays cloze, a
                                    # basic or reversed one never becomes one (add instead).
                                    disabled=self.ref is not None
                                    and (kind == "cloze") != (initial.kind == "cloze"),
                                )
                    with Horizontal(classes="editor-row editor-area-row"):
                        yield Label("Front", classes="editor-label", id="editor-front-label")
                        yield TextArea(
                            initial.front,
                            id="editor-front",
                            compact=True,
                            tab_behavior="focus",
                            highlight_cursor_line=False,
                            placeholder="The question (Markdown, math between $…$)",
                        )
                    with Horizontal(classes="editor-row editor-area-row"):
                        yield Label("Back", classes="editor-label", id="editor-back-label")
                        yield TextArea(
                            initial.back,
                            id="editor-back",
                            compact=True,
                            tab_behavior="focus",
                            highlight_cursor_line=False,
                            placeholder="The answer",
                        )
                    with Horizontal(classes="editor-row", id="editor-meta-row"):
                        yield Label("Tags", classes="editor-label")
                        yield Input(
                            show_tags(initial.tags),
                            placeholder="a, b",
                            id="editor-tags",
                            compact=True,
                        )
                        yield Label("Source", classes="editor-label", id="editor-source-label")
                        yield Input(
                            initial.source,
                            placeholder="§3, Eq. (12)",
                            id="editor-source",
                            compact=True,
                        )
                    yield Static(id="editor-findings")
                with VerticalScroll(id="editor-preview"):
                    yield Static(id="editor-preview-label", classes="subtle")
                    yield Markdown(id="editor-question", open_links=False)
                    yield Rule(id="editor-divider")
                    yield Markdown(id="editor-answer", open_links=False)
                    yield Static(id="editor-more", classes="subtle")
            with Horizontal(id="editor-buttons"):
                yield Static(id="editor-hint", classes="subtle")
                yield Button("Save", variant="primary", id="editor-save-button", compact=True)
                yield Button("Cancel", id="editor-cancel-button", compact=True)

    def on_mount(self) -> None:
        self.query_one("#editor-hint", Static).update(self.key_hint())
        self.query_one("#editor-preview").border_title = "Preview"
        self.refresh_findings()
        self.query_one("#editor-front", TextArea).focus()

    def key_hint(self) -> str:
        """The editor's keys as the registry (and the user's keymap) has them."""
        keymap: dict[str, str] = getattr(self.app, "keymap", {})
        parts = []
        for entry in navigation.keys_of(self.NAVIGATION):
            binding = entry.binding(keymap.get(entry.id))
            keys = "/".join(map(self.app.get_key_display, Binding.make_bindings([binding])))
            parts.append(f"{keys} {entry.title.lower()}")
        return " · ".join(parts)

    # ------------------------------------------------------------------ the form
    def values(self) -> CardFields:
        pressed = self.query_one("#editor-kind", RadioSet).pressed_button
        kind: CardKind = "basic"
        for candidate in KINDS:
            if pressed is not None and pressed.id == f"editor-kind-{candidate}":
                kind = candidate
        return CardFields(
            front=self.query_one("#editor-front", TextArea).text,
            back=self.query_one("#editor-back", TextArea).text,
            tags=parse_tags(self.query_one("#editor-tags", Input).value),
            source=self.query_one("#editor-source", Input).value.strip(),
            kind=kind,
        )

    @property
    def edited(self) -> bool:
        return self.values() != self.baseline

    @on(TextArea.Changed)
    @on(Input.Changed)
    @on(RadioSet.Changed)
    def _changed(self) -> None:
        """Typing restarts a short timer: the preview and the linter run when it
        stops, never at every key of a fast typist."""
        self._show_state()
        if self._refresh_timer is not None:
            self._refresh_timer.stop()
        self._refresh_timer = self.set_timer(self.DEBOUNCE, self.refresh_findings)

    def _show_state(self) -> None:
        fields = self.values()
        cloze = fields.kind == "cloze"
        self.query_one("#editor-front-label", Label).update("Text" if cloze else "Front")
        self.query_one("#editor-back-label", Label).update("Extra" if cloze else "Back")
        state = Text("unsaved changes" if fields != self.baseline else "no changes")
        state.append(f" · {KIND_HELP[fields.kind]}")
        self.query_one("#editor-state", Static).update(state)

    def refresh_findings(self) -> None:
        """The preview, what blocks saving and the linter's warnings, for the fields as
        they are now."""
        self._refresh_timer = None
        fields = self.values()
        self._show_state()
        self._show_preview(fields)
        try:
            self.problems = self.authoring.problems(fields)
            self.warnings = self.authoring.warnings(fields)
        except StudykbError as exc:
            self.problems, self.warnings = [exc.message], []
        self.query_one("#editor-findings", Static).update(
            findings_text(self.problems, self.warnings)
        )

    def _show_preview(self, fields: CardFields) -> None:
        faces, reason = preview_faces(fields)
        label = self.query_one("#editor-preview-label", Static)
        question = self.query_one("#editor-question", Markdown)
        answer = self.query_one("#editor-answer", Markdown)
        more = self.query_one("#editor-more", Static)
        if not faces:
            label.update(reason or "")
            question.update("")
            answer.update("")
            more.update("")
            return
        first = faces[0]
        if len(faces) == 1:
            label.update("As review shows it:")
        else:
            label.update(
                f"{plural(len(faces), 'card')}; the first ({first.label}) as review shows it:"
            )
        # The same rendering as review: Markdown, math as Unicode, controls neutralised.
        question.update(card_markdown(first.question))
        answer.update(card_markdown(first.answer))
        rest = faces[1:]
        if rest:
            lines = Text()
            for face in rest:
                lines.append("\n" if lines else "")
                lines.append(f"{face.label}: ", style="bold")
                if face.hidden:  # a cloze card: what it hides tells it apart
                    lines.append("hides ")
                    lines.append(_one_line(" … ".join(face.hidden)))
                else:
                    lines.append(_one_line(face.question))
            more.update(lines)
        else:
            more.update("")

    # ------------------------------------------------------------------ actions
    def action_toggle_preview(self) -> None:
        preview = self.query_one("#editor-preview")
        preview.display = not preview.display

    @on(Button.Pressed, "#editor-save-button")
    def action_save(self) -> None:
        if self._refresh_timer is not None:
            self.refresh_findings()  # the fields as they are now, not as last shown
        fields = self.values()
        if self.ref is not None and fields == self.baseline:
            self.dismiss(None)
            return
        try:
            problems = self.authoring.problems(fields)
            if problems:
                raise BadInputError(problems)
            if self.ref is not None:
                saved = self.authoring.edit(self.ref, fields)
            else:
                assert self.deck_id is not None
                saved = self.authoring.add(self.deck_id, fields)
        except BadInputError as exc:
            self.problems = list(exc.problems)
            self.query_one("#editor-findings", Static).update(
                findings_text(self.problems, self.warnings)
            )
            self.notify("Not saved: " + "; ".join(exc.problems), severity="error", markup=False)
            return
        except StudykbError as exc:
            self.notify(exc.message, severity="error", markup=False)
            return
        except sqlite3.OperationalError as exc:
            self.notify(f"database busy or unavailable: {exc}", severity="error", markup=False)
            return
        self.dismiss(saved)

    @on(Button.Pressed, "#editor-cancel-button")
    def action_leave(self) -> None:
        if not self.edited:
            self.dismiss(None)
            return

        def answered(discard: bool | None) -> None:
            if discard:
                self.dismiss(None)

        self.app.push_screen(
            ConfirmModal("Discard your changes to this card?", "Discard", "Keep editing"),
            answered,
        )


def _one_line(text: str) -> str:
    from studykb.render.latex import math_to_unicode
    from studykb.render.safe_text import neutralise

    line = " ".join(math_to_unicode(neutralise(text), markdown=False).split())
    return line if len(line) <= 70 else line[:69] + "…"
