"""Small dialogs: a paper's note, importing a deck, the key help."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, cast

from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, DirectoryTree, Input, Label, ProgressBar, Static

from studykb.app.bundled import OPTIONAL_LISTS, optional_list
from studykb.app.formats import import_formats_summary, importable_suffixes
from studykb.tui import navigation
from studykb.tui.messages import ImportFinished
from studykb.tui.text import plain

if TYPE_CHECKING:
    from studykb.tui.shell import StudyShell

MAX_NOTE_CHARS = 500


class NoteModal(ModalScreen[str | None]):
    NAVIGATION = "note"
    BINDINGS = navigation.bindings(NAVIGATION)

    def __init__(self, title: str, note: str) -> None:
        super().__init__()
        self.paper_title = title
        self.note = note

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(plain(f"Note on {self.paper_title}"), classes="dialog-title")
            yield Input(
                self.note,
                placeholder="A short personal note",
                id="note-input",
                max_length=MAX_NOTE_CHARS,
            )
            with Horizontal(classes="buttons"):
                yield Button("Save", variant="primary", id="note-save")
                yield Button("Cancel", id="note-cancel-button")

    def on_mount(self) -> None:
        self.query_one("#note-input", Input).focus()

    @on(Input.Submitted, "#note-input")
    @on(Button.Pressed, "#note-save")
    def _save(self) -> None:
        self.dismiss(self.query_one("#note-input", Input).value.strip())

    @on(Button.Pressed, "#note-cancel-button")
    def action_cancel(self) -> None:
        self.dismiss(None)


class TagsModal(ModalScreen[str | None]):
    """Tags to add and remove on cards: "+tag -tag" (a bare word adds)."""

    NAVIGATION = "tags"
    BINDINGS = navigation.bindings(NAVIGATION)

    def __init__(self, what: str) -> None:
        super().__init__()
        self.what = what

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(plain(f"Tags of {self.what}"), classes="dialog-title")
            yield Input(placeholder="+tag to add  -tag to remove", id="tags-input")
            with Horizontal(classes="buttons"):
                yield Button("Apply", variant="primary", id="tags-apply")
                yield Button("Cancel", id="tags-cancel-button")

    def on_mount(self) -> None:
        self.query_one("#tags-input", Input).focus()

    @on(Input.Submitted, "#tags-input")
    @on(Button.Pressed, "#tags-apply")
    def _apply(self) -> None:
        self.dismiss(self.query_one("#tags-input", Input).value.strip())

    @on(Button.Pressed, "#tags-cancel-button")
    def action_cancel(self) -> None:
        self.dismiss(None)


def parse_tag_changes(text: str) -> tuple[list[str], list[str]]:
    """ "+a -b c" → (["a", "c"], ["b"]): tags to add and to remove."""
    add: list[str] = []
    remove: list[str] = []
    for word in text.replace(",", " ").split():
        if word.startswith("-"):
            remove.append(word[1:])
        else:
            add.append(word.removeprefix("+"))
    return add, remove


@dataclass(frozen=True, slots=True)
class NewPaper:
    title: str
    url: str
    worth_reading: int | None


class AddPaperModal(ModalScreen[NewPaper | None]):
    """A paper added to the reading list by hand: title, URL, worth reading (1-3)."""

    NAVIGATION = "add-paper"
    BINDINGS = navigation.bindings(NAVIGATION)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="add-paper-dialog"):
            yield Label("Add a paper to the reading list", classes="dialog-title")
            yield Input(placeholder="Title", id="add-paper-title", max_length=300)
            yield Input(placeholder="URL (https://arxiv.org/abs/…)", id="add-paper-url")
            yield Input(
                placeholder="Worth reading: 1, 2 or 3 (optional)",
                id="add-paper-wr",
                restrict=r"[1-3]?",
                max_length=1,
            )
            yield Static(id="add-paper-problem", classes="subtle")
            with Horizontal(classes="buttons"):
                yield Button("Add", variant="primary", id="add-paper-save")
                yield Button("Cancel", id="add-paper-cancel-button")

    def on_mount(self) -> None:
        self.query_one("#add-paper-title", Input).focus()

    @on(Input.Submitted)
    @on(Button.Pressed, "#add-paper-save")
    def _save(self) -> None:
        title = self.query_one("#add-paper-title", Input).value.strip()
        url = self.query_one("#add-paper-url", Input).value.strip()
        wr = self.query_one("#add-paper-wr", Input).value.strip()
        if not title or not url:
            missing = "a title" if not title else "a URL"
            self.query_one("#add-paper-problem", Static).update(f"The paper needs {missing}.")
            self.query_one("#add-paper-title" if not title else "#add-paper-url", Input).focus()
            return
        self.dismiss(NewPaper(title, url, int(wr) if wr else None))

    @on(Button.Pressed, "#add-paper-cancel-button")
    def action_cancel(self) -> None:
        self.dismiss(None)


class ImportableTree(DirectoryTree):
    """Folders and the files studykb can import (the format registry's suffixes);
    hidden entries are left out."""

    def filter_paths(self, paths: Iterable[Path]) -> Iterable[Path]:
        suffixes = importable_suffixes()
        return [
            p
            for p in paths
            if not p.name.startswith(".")
            and (p.is_dir() if p.is_dir() else p.suffix.lower() in suffixes)
        ]


class ImportModal(ModalScreen[bool]):
    """Import a file or a directory (any format the CLI imports), typed or picked in
    a tree of the importable files, or one of the reading lists that ship with
    studykb but are imported only on request; in a worker."""

    NAVIGATION = "import"
    BINDINGS = navigation.bindings(NAVIGATION)

    def __init__(self, start: Path | None = None) -> None:
        super().__init__()
        self.start = start or Path.cwd()  # where the picker opens

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="import-dialog"):
            yield Label(navigation.IMPORT.title, classes="dialog-title")
            yield Static(
                plain(f"Any of: {import_formats_summary()}"), id="import-formats", classes="subtle"
            )
            with Horizontal(id="import-path-row"):
                yield Input(placeholder="Type a path, or browse", id="import-path")
                yield Button("Browse…", id="import-browse")
            yield ProgressBar(id="import-progress", show_eta=False)
            with VerticalScroll(id="import-report"):
                yield Static(id="import-lines")
            with Horizontal(classes="buttons"):
                yield Button("Import", variant="primary", id="import-go")
                for bundled in OPTIONAL_LISTS:
                    yield Button(
                        f"Add “{bundled.title}”",
                        id=f"import-bundled-{bundled.name}",
                        classes="bundled",
                    )
                yield Button("Close", id="import-close-button")

    def on_mount(self) -> None:
        self.query_one("#import-progress", ProgressBar).display = False
        self.query_one("#import-path", Input).focus()
        self.imported = False

    @on(Button.Pressed, "#import-browse")
    def _browse(self) -> None:
        """Show (first time: mount) the tree of importable files, or hide it again. Mounted
        on request: the dialog stays small, and the tree reads no folder until asked."""
        found = self.query("#import-tree")
        if found:
            tree = found.first(ImportableTree)
            tree.display = not tree.display
        else:
            tree = ImportableTree(self.start, id="import-tree")
            self.query_one("#import-dialog", Vertical).mount(tree, after="#import-path-row")
        # The tree shows only importable files: the summary of formats gives it its room.
        self.query_one("#import-formats", Static).display = not tree.display
        if tree.display:
            tree.focus()

    @on(DirectoryTree.FileSelected, "#import-tree")
    @on(DirectoryTree.DirectorySelected, "#import-tree")
    def _picked(self, event: DirectoryTree.FileSelected | DirectoryTree.DirectorySelected) -> None:
        # A pick fills the path in; importing stays one deliberate press (Import, or enter).
        path_input = self.query_one("#import-path", Input)
        path_input.value = str(event.path)
        if isinstance(event, DirectoryTree.FileSelected):
            path_input.focus()

    @on(Input.Submitted, "#import-path")
    @on(Button.Pressed, "#import-go")
    def _start(self) -> None:
        raw = self.query_one("#import-path", Input).value.strip()
        if not raw:
            return
        self._begin([Path(raw).expanduser()])

    @on(Button.Pressed, ".bundled")
    def _start_bundled(self, event: Button.Pressed) -> None:
        name = (event.button.id or "").removeprefix("import-bundled-")
        self._begin(optional_list(name).paths())

    def _begin(self, paths: list[Path]) -> None:
        self.query_one("#import-go", Button).disabled = True
        bar = self.query_one("#import-progress", ProgressBar)
        bar.display = True
        bar.update(total=None, progress=0)
        self.query_one("#import-lines", Static).update("Importing…")
        self.run_import(paths)

    @work(thread=True, exclusive=True, group="import")
    def run_import(self, path: list[Path]) -> None:
        """Off the UI thread, on a connection of its own (import_in_worker opens it)."""
        from studykb.app.library import import_in_worker

        app = self.app
        collection = cast("StudyShell", app).collection

        def progress(done: int, total: int) -> None:
            app.call_from_thread(self._progress, done, total)

        ok, lines = import_in_worker(
            collection.path, collection.clock, collection.settings, path, progress
        )
        app.call_from_thread(self._done, ok, lines)

    def _progress(self, done: int, total: int) -> None:
        self.query_one("#import-progress", ProgressBar).update(total=total, progress=done)

    def _done(self, ok: bool, lines: list[str]) -> None:
        self.imported = self.imported or ok
        self.query_one("#import-progress", ProgressBar).display = False
        self.query_one("#import-go", Button).disabled = False
        text = Text()
        for line in lines:
            text.append_text(plain(line))
            text.append("\n")
        if not ok:
            text.stylize("#e06c75")
        self.query_one("#import-lines", Static).update(text)
        self.app.post_message(ImportFinished(ok, lines))
        if ok:
            self.notify(lines[-1] if lines else "Imported.", timeout=3, markup=False)
        else:
            self.notify("Import failed; nothing was changed.", severity="error")

    @on(Button.Pressed, "#import-close-button")
    def action_close(self) -> None:
        self.dismiss(self.imported)


class HelpModal(ModalScreen[None]):
    """Every key of the screen below, with what it does: the screen's own keys
    first, then the app's, then the moving keys and Textual's own (issue 16 item 4)."""

    NAVIGATION = "help"
    BINDINGS = navigation.bindings(NAVIGATION)

    def __init__(self, groups: list[tuple[str, list[tuple[str, str, str]]]]) -> None:
        super().__init__()
        self.groups = groups

    @property
    def rows(self) -> list[tuple[str, str, str]]:
        return [row for _, rows in self.groups for row in rows]

    def compose(self) -> ComposeResult:
        table = Table(show_header=False, box=None, padding=(0, 1), expand=True)
        table.add_column("Key", style="bold")
        table.add_column("Action")
        # Narrow (80 columns): one line a key, so that the screen's own keys all show
        # without scrolling; the full sentence is each key's tooltip.
        narrow = self.app.size.width < 100
        table.add_column(
            "What it does",
            style="dim",
            ratio=1,
            no_wrap=narrow,
            overflow="ellipsis" if narrow else "fold",
        )
        for number, (title, rows) in enumerate(self.groups):
            if number:
                table.add_row("", "", "")
            table.add_row(Text(title, style="bold underline"), "", "")
            for key, description, tooltip in rows:
                table.add_row(key, description, tooltip)
        with Vertical(classes="dialog", id="help-dialog"):
            yield Label("Keys", classes="dialog-title")
            with VerticalScroll(id="help-scroll"):
                yield Static(table, id="help-table")
            yield Static("ctrl+p opens the command palette · escape closes this", classes="subtle")

    def action_close(self) -> None:
        self.dismiss(None)
