"""Reading progress: the reading list, what is read, what to read next."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import DataTable, Input, Static

from studykb.app.views import PaperRow
from studykb.core.reading import READING_STATUSES
from studykb.render.safe_text import neutralise
from studykb.tui import navigation
from studykb.tui.messages import DeckCreated, PaperAdded, PaperStatusChanged
from studykb.tui.screens.base import StudyScreen
from studykb.tui.screens.home import distinct_titles, stars
from studykb.tui.screens.modals import AddPaperModal, NewPaper, NoteModal
from studykb.tui.text import card_markdown, plain
from studykb.tui.widgets.footer import StudyFooter

STATUS_STYLE = {"unread": "dim", "reading": "#e5c07b", "read": "#98c379"}


def status_text(paper: PaperRow) -> Text:
    """The status with the date it last changed: 'read 2026-01-03', 'reading 2025-12-20'."""
    if paper.status == "read" and paper.read_on:
        return Text(f"read {paper.read_on.isoformat()}", style=STATUS_STYLE["read"])
    if paper.status == "reading" and paper.started_on:
        return Text(f"reading {paper.started_on.isoformat()}", style=STATUS_STYLE["reading"])
    return Text(paper.status, style=STATUS_STYLE.get(paper.status, ""))


class PapersScreen(StudyScreen):
    NAVIGATION = "papers"  # its keys in studykb.tui.navigation
    BINDINGS = navigation.bindings(NAVIGATION)

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[PaperRow] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="papers"):
            yield Static(id="papers-progress", classes="banner")
            yield Static(id="papers-next", classes="subtle")
            yield Input(placeholder="Filter: title, section, year, status…", id="papers-filter")
            yield DataTable(id="papers-table", cursor_type="row", zebra_stripes=True)
            # It scrolls (j/k when focused): a long description must not hide the note.
            with VerticalScroll(id="paper-detail-scroll", classes="detail"):
                yield Static(id="paper-detail")
        yield StudyFooter()

    FIXED_COLUMNS = 54  # everything but the title, with cell padding

    def on_mount(self) -> None:
        self._title_width = 0
        self.reload()
        self.query_one("#papers-table", DataTable).focus()
        self.call_after_refresh(self._fit_height)  # once the table has the focus

    # Below this height the table needs the room: no suggestion line, and the
    # filter field only while it is used (issue 16 item 5).
    SHORT_HEIGHT = 20

    def on_resize(self) -> None:
        self._fit_height()
        self.fill_table()

    def _fit_height(self) -> None:
        short = self.app.size.height < self.SHORT_HEIGHT
        field = self.query_one("#papers-filter", Input)
        self.query_one("#papers-next", Static).display = not short
        field.display = not short or bool(field.value) or field.has_focus

    def _ensure_columns(self) -> int:
        width = max(16, self.app.size.width - self.FIXED_COLUMNS)
        if width != self._title_width:
            table = self.query_one("#papers-table", DataTable)
            table.clear(columns=True)
            table.add_column("WR", key="wr", width=3)
            table.add_column("Year", key="year", width=4)
            table.add_column("Title", key="title", width=width)
            table.add_column("Status", key="status", width=18)
            table.add_column("Mastery", key="mastery", width=7)
            table.add_column("Due", key="due", width=4)
            self._title_width = width
        return width

    def on_screen_resume(self) -> None:
        self.reload()

    def reload(self) -> None:
        rows = self.guarded(self.collection.reading.papers)
        if rows is None:
            return
        self.rows = rows
        read = sum(p.status == "read" for p in self.rows)
        self.query_one("#papers-progress", Static).update(
            Text.assemble((f"{read} of {len(self.rows)} read", "bold"))
        )
        suggestion = self.guarded(self.collection.reading.suggested)
        line = Text("Next worth reading: ", style="bold")
        if suggestion is None:
            line.append("nothing left: everything is read", style="")
        else:
            line.append_text(plain(suggestion.title))
        self.query_one("#papers-next", Static).update(line)
        self.fill_table()

    def _matches(self, paper: PaperRow, needle: str) -> bool:
        if not needle:
            return True
        hay = " ".join(
            [
                paper.title,
                paper.section,
                str(paper.year or ""),
                paper.status,
                paper.note,
                paper.slug,
                " ".join(paper.authors),
            ]
        ).casefold()
        return all(word in hay for word in needle.casefold().split())

    def fill_table(self) -> None:
        selected = self.selected() if self._title_width else None
        width = self._ensure_columns()
        table = self.query_one("#papers-table", DataTable)
        needle = self.query_one("#papers-filter", Input).value
        table.clear()
        shown = [p for p in self.rows if self._matches(p, needle)]
        titles = distinct_titles([(p.title, p.slug) for p in shown], width)
        for paper, title in zip(shown, titles, strict=True):
            mastery = "–" if paper.mastery is None else f"{paper.mastery:.0%}"
            table.add_row(
                stars(paper.worth_reading),
                Text(str(paper.year or "")),
                title,
                status_text(paper),
                Text(mastery, justify="right"),
                Text(str(paper.due) if paper.deck_id else "–", justify="right"),
                key=str(paper.id),
            )
        if selected is not None:
            keys = [str(p.id) for p in self.rows if self._matches(p, needle)]
            if str(selected.id) in keys:
                table.move_cursor(row=keys.index(str(selected.id)))
        self.show_detail()

    def selected(self) -> PaperRow | None:
        table = self.query_one("#papers-table", DataTable)
        if not table.row_count:
            return None
        row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        return next((p for p in self.rows if str(p.id) == row_key.value), None)

    def show_detail(self) -> None:
        paper = self.selected()
        detail = self.query_one("#paper-detail", Static)
        if paper is None:
            detail.update("No paper matches the filter." if self.rows else "No papers yet.")
            return
        text = Text()
        text.append_text(plain(paper.title))
        text.stylize("bold")
        byline = ", ".join(paper.authors[:4]) + (" et al." if len(paper.authors) > 4 else "")
        if byline:
            text.append("\n")
            text.append_text(plain(byline))
        if paper.section:
            text.append(f"\n{paper.section}", style="dim")
        if paper.url:
            text.append("\n")
            text.append(neutralise(paper.url), style="underline")
        # The note before the description: it is the user's own, and short.
        if paper.note:
            text.append("\nNote: ", style="bold")
            text.append_text(plain(paper.note))
        if paper.description:
            text.append("\n")
            text.append(card_markdown(paper.description))  # math as the cards show it
        detail.update(text)
        self.query_one("#paper-detail-scroll", VerticalScroll).scroll_home(animate=False)

    @on(DataTable.RowHighlighted, "#papers-table")
    def _highlighted(self) -> None:
        self.show_detail()

    @on(DataTable.RowSelected, "#papers-table")
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_review()

    @on(Input.Changed, "#papers-filter")
    def _filter_changed(self) -> None:
        self.fill_table()

    @on(Input.Submitted, "#papers-filter")
    def _filter_done(self) -> None:
        self.query_one("#papers-table", DataTable).focus()
        self._fit_height()

    def action_filter(self) -> None:
        field = self.query_one("#papers-filter", Input)
        field.display = True
        field.focus()

    def action_cycle_status(self) -> None:
        paper = self.selected()
        if paper is None:
            return
        order = list(READING_STATUSES)
        status = order[(order.index(paper.status) + 1) % len(order)]
        if self.attempt(lambda: self.collection.reading.set_status(paper.id, status)):
            self.post_message(PaperStatusChanged(paper.id, status))
            self.reload()

    def action_open_link(self) -> None:
        paper = self.selected()
        if paper is not None and paper.url:
            self.open_or_show_url(paper.url)

    def action_note(self) -> None:
        paper = self.selected()
        if paper is None:
            return

        def save(note: str | None) -> None:
            if note is not None and self.attempt(
                lambda: self.collection.reading.set_note(paper.id, note)
            ):
                self.reload()

        self.app.push_screen(NoteModal(paper.title, paper.note), save)

    def action_review(self) -> None:
        paper = self.selected()
        if paper is None:
            return
        if paper.deck_id is None:
            self.notify("This entry has no deck.", timeout=2)
            return
        self.study.start_review(paper.deck_id)

    def action_leave(self) -> None:
        field = self.query_one("#papers-filter", Input)
        if field.value:
            field.value = ""
            self.query_one("#papers-table", DataTable).focus()
            self._fit_height()
            return
        self.app.pop_screen()

    def action_new_deck(self) -> None:
        """An empty deck for the highlighted paper (`studykb new-deck PAPER`)."""
        paper = self.selected()
        if paper is None:
            return
        made = self.guarded(lambda: self.collection.decks.new_deck(paper.slug))
        if made is None:
            return
        self.notify(made.sentence, timeout=3, markup=False)
        self.post_message(DeckCreated(made.deck_id))
        self.reload()

    def action_add_paper(self) -> None:
        def add(new: NewPaper | None) -> None:
            if new is None:
                return
            slug = self.guarded(
                lambda: self.collection.decks.add_paper(new.title, new.url, new.worth_reading)
            )
            if slug is None:
                return
            self.notify(f"Added {new.title} to the reading list", timeout=3, markup=False)
            self.post_message(PaperAdded(slug))
            self.reload()
            keys = [p.slug for p in self.rows if self._matches(p, self._needle())]
            if slug in keys:
                self.query_one("#papers-table", DataTable).move_cursor(row=keys.index(slug))

        self.app.push_screen(AddPaperModal(), add)

    def _needle(self) -> str:
        return self.query_one("#papers-filter", Input).value
