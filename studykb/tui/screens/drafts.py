"""Drafts: the cards drafted from a paper's LaTeX source (`studykb draft`), waiting
to be accepted (a real card, through the authoring use case) or dropped. They never
enter the review queue until accepted."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import DataTable, Markdown, Rule, Static

from studykb.app.views import DraftRow
from studykb.tui import navigation
from studykb.tui.messages import DraftsDecided
from studykb.tui.screens.base import StudyScreen
from studykb.tui.text import card_markdown, plain
from studykb.tui.widgets.footer import StudyFooter

EMPTY = "No drafts. Make some from a paper's LaTeX source: studykb draft SOURCE --paper PAPER"
KIND_LABEL = {"equation": "Eq.", "statement": "Stmt", "abstract": "Abs."}


def one_line(text: str) -> Text:
    """A draft's front in a table cell: math as the cards show it, one line."""
    return plain(" ".join(card_markdown(text).split()))


class DraftsScreen(StudyScreen):
    NAVIGATION = "drafts"
    BINDINGS = navigation.bindings(NAVIGATION)

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[DraftRow] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="drafts"):
            yield Static(id="drafts-count", classes="banner")
            with Horizontal(id="drafts-body"):
                yield DataTable(id="drafts-table", cursor_type="row", zebra_stripes=True)
                with VerticalScroll(id="drafts-panel"):
                    yield Static(id="drafts-source")
                    yield Markdown(id="drafts-front", open_links=False)
                    yield Rule(id="drafts-divider")
                    yield Markdown(id="drafts-back", open_links=False)
        yield StudyFooter()

    # Every column but the front's, with cell padding, and the panel's share.
    FIXED_COLUMNS = 3 + 8 + 4 + 4 * 2 + 1
    PANEL_SHARE = 0.45

    def on_mount(self) -> None:
        self._front_width = 0
        self.reload()
        self.query_one("#drafts-table", DataTable).focus()

    def on_resize(self) -> None:
        if self._ensure_columns():
            self.reload()

    def _ensure_columns(self) -> bool:
        """The columns for this width (the front takes what is left, so the table
        never scrolls sideways); True when they were rebuilt."""
        width = self.app.size.width
        front = max(12, width - int(width * self.PANEL_SHARE) - self.FIXED_COLUMNS - 2)
        if front == self._front_width:
            return False
        table = self.query_one("#drafts-table", DataTable)
        table.clear(columns=True)
        table.add_column("#", key="id", width=3)
        table.add_column("Deck", key="deck", width=8)
        table.add_column("Kind", key="kind", width=4)
        table.add_column("Front", key="front", width=front)
        self._front_width = front
        return True

    def on_screen_resume(self) -> None:
        self.reload()

    def reload(self) -> None:
        rows = self.guarded(self.collection.drafts.pending)
        if rows is None:
            return
        selected = self.selected() if self._front_width else None
        self._ensure_columns()
        self.rows = rows
        table = self.query_one("#drafts-table", DataTable)
        table.clear()
        for draft in rows:
            table.add_row(
                Text(str(draft.id), justify="right"),
                plain(draft.deck_id),
                Text(KIND_LABEL.get(draft.kind, draft.kind), style="dim"),
                one_line(draft.front),
                key=str(draft.id),
            )
        keys = [d.id for d in rows]
        if selected is not None and rows:
            # Stay where the user was: the same draft, or the one that took its place.
            after = [k for k in keys if k >= selected.id]
            table.move_cursor(row=keys.index(after[0]) if after else len(keys) - 1)
        count = len(rows)
        self.query_one("#drafts-count", Static).update(
            Text.assemble(
                (f"{count} draft{'s' if count != 1 else ''} waiting", "bold"),
                ("  a accept · x drop · they are not in the review queue", "dim"),
            )
        )
        self.show_detail()

    def selected(self) -> DraftRow | None:
        table = self.query_one("#drafts-table", DataTable)
        if not table.row_count:
            return None
        row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        return next((d for d in self.rows if str(d.id) == row_key.value), None)

    def show_detail(self) -> None:
        draft = self.selected()
        source = self.query_one("#drafts-source", Static)
        if draft is None:
            source.update(Text(EMPTY, style="dim"))
            self.query_one("#drafts-front", Markdown).update("")
            self.query_one("#drafts-back", Markdown).update("")
            self.query_one("#drafts-divider", Rule).display = False
            return
        self.query_one("#drafts-divider", Rule).display = True
        heading = plain(f"Draft {draft.id} → {draft.deck_id}")
        heading.stylize("bold")
        heading.append("\n")
        heading.append_text(plain(draft.source))
        heading.stylize("dim", len(heading) - len(draft.source))
        source.update(heading)
        self.query_one("#drafts-front", Markdown).update(card_markdown(draft.front))
        self.query_one("#drafts-back", Markdown).update(card_markdown(draft.back))
        self.query_one("#drafts-panel", VerticalScroll).scroll_home(animate=False)

    @on(DataTable.RowHighlighted, "#drafts-table")
    def _highlighted(self) -> None:
        self.show_detail()

    def action_accept(self) -> None:
        draft = self.selected()
        if draft is None:
            return
        refs = self.guarded(lambda: self.collection.drafts.accept([draft.id]))
        if refs is None:
            return
        self.notify(f"Added {', '.join(refs)}", timeout=3, markup=False)
        self.post_message(DraftsDecided(draft.id, "accepted"))

    def action_drop(self) -> None:
        draft = self.selected()
        if draft is None:
            return
        if self.attempt(lambda: self.collection.drafts.drop([draft.id])):
            self.notify(f"Dropped draft {draft.id}", timeout=2, markup=False)
            self.post_message(DraftsDecided(draft.id, "dropped"))

    @on(DraftsDecided)
    def _decided(self) -> None:
        self.reload()

    def action_leave(self) -> None:
        self.app.pop_screen()
