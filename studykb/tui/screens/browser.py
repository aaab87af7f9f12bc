"""The card browser: find cards as you type, filter and sort them, see one card with
its whole history beside the list, and suspend or bury one card or many."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.timer import Timer
from textual.widgets import DataTable, Input, Markdown, Rule, Select, Static

from studykb.app.views import (
    BROWSE_SORTS,
    BROWSE_STATES,
    BrowseSort,
    BrowseState,
    CardDetail,
    CardPage,
    CardRow,
)
from studykb.render.safe_text import neutralise
from studykb.render.words import plural
from studykb.tui import navigation
from studykb.tui.messages import (
    CardBuried,
    CardSaved,
    CardsFlagged,
    CardsRetired,
    CardSuspended,
    CardUnsuspended,
)
from studykb.tui.screens.base import StudyScreen
from studykb.tui.text import card_markdown, plain
from studykb.tui.widgets.footer import StudyFooter

STATE_STYLE = {
    "new": "#61afef",
    "learning": "#e06c75",
    "young": "#98c379",
    "mature": "#56b6c2",
    "suspended": "#e5c07b",
    "buried": "dim",
    "retired": "dim strike",
}
MARK = "●"
FLAG = "⚑"
# Beside the states in the state filter: cards flagged to fix, cards tagged leech,
# cards forgotten today (the selections practice is for).
MARKS = ("flagged", "leech", "failed today")

if TYPE_CHECKING:
    from studykb.app.authoring import Saved


class CardBrowserScreen(StudyScreen):
    NAVIGATION = "cards"  # its keys in studykb.tui.navigation
    BINDINGS = navigation.bindings(NAVIGATION)

    # A screenful and then some: more is found by typing, never by scrolling 100,000 rows.
    SHOWN = 300

    def __init__(self, card_id: int | None = None) -> None:
        super().__init__()
        self.start_card = card_id  # highlighted first (the card under review)
        self.page = CardPage((), 0)
        self.marked: set[int] = set()
        self._widths = (0, 0)
        self._shown_detail: int | None = None
        self.math_left = 0  # cards whose math is still to be rendered for the index
        self._render_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="browser"):
            with Horizontal(id="browser-filters"):
                yield Input(
                    placeholder="Search: words, LaTeX, ᾱ…", id="browser-search", compact=True
                )
                yield Select[str](
                    [], prompt="All decks", id="browser-deck", compact=True, type_to_search=False
                )
                yield Select[str](
                    [(s, s) for s in (*BROWSE_STATES, *MARKS)],
                    prompt="Any state",
                    id="browser-state",
                    compact=True,
                )
                yield Input(placeholder="tag", id="browser-tag", compact=True)
                yield Select[str](
                    [(f"by {s}", s) for s in BROWSE_SORTS],
                    value="due",
                    allow_blank=False,
                    id="browser-sort",
                    compact=True,
                )
            yield Static(id="browser-count", classes="subtle")
            with Horizontal(id="browser-body"):
                yield DataTable(id="browser-table", cursor_type="row", zebra_stripes=True)
                with VerticalScroll(id="browser-panel"):
                    yield Static(id="browser-ref")
                    yield Markdown(id="browser-question", open_links=False)
                    yield Rule(id="browser-divider")
                    yield Markdown(id="browser-answer", open_links=False)
                    yield Static(id="browser-meta")
                    yield Static(id="browser-history")
        yield StudyFooter()

    # Cards whose math is rendered for the index in one go when the browser opens
    # (a fraction of a second); more are rendered a batch at a time between keys.
    RENDER_AT_ONCE = 2_000
    RENDER_BATCH = 200
    RENDER_EVERY = 0.02  # seconds between batches: keys are handled in between

    def on_mount(self) -> None:
        decks = self.guarded(self.collection.library.decks) or []
        self.query_one("#browser-deck", Select).set_options([(d.title, d.id) for d in decks])
        self._start_rendering()
        self.reload(highlight=self.start_card)
        self.query_one("#browser-table", DataTable).focus()
        self.call_after_refresh(self._refit)

    def on_screen_resume(self) -> None:
        self._start_rendering()
        self.reload()

    def _start_rendering(self) -> None:
        """Make new or changed cards' math searchable as shown ("ᾱ"): at once when
        they are few, else in batches on a timer, the list usable meanwhile (a first
        opening after an upgrade of a 100,000-card collection takes some seconds)."""
        browser = self.collection.browser
        pending = self.guarded(browser.math_pending) or 0
        if pending and pending <= self.RENDER_AT_ONCE:
            pending = self.guarded(browser.render_math) or 0
        if pending and self._render_timer is None:
            self._render_timer = self.set_interval(self.RENDER_EVERY, self._render_batch)
        self.math_left = pending

    def _render_batch(self) -> None:
        left = self.guarded(lambda: self.collection.browser.render_math(self.RENDER_BATCH))
        self.math_left = left or 0
        if not self.math_left:
            if self._render_timer is not None:
                self._render_timer.stop()
                self._render_timer = None
            self.reload()  # rendered symbols now find their cards
            return
        self._update_count()

    def on_resize(self) -> None:
        self.call_after_refresh(self._refit)  # once the table has its new size

    def _refit(self) -> None:
        if self._ensure_columns():
            self.fill_table()

    # ------------------------------------------------------------ the list
    def filters(self) -> tuple[str, str | None, BrowseState | None, str | None, BrowseSort]:
        deck = self.query_one("#browser-deck", Select).value
        state = self.query_one("#browser-state", Select).value
        sort = self.query_one("#browser-sort", Select).value
        tag = self.query_one("#browser-tag", Input).value.strip()
        return (
            self.query_one("#browser-search", Input).value,
            deck if isinstance(deck, str) else None,
            state if state in BROWSE_STATES else None,
            tag or None,
            sort if sort in BROWSE_SORTS else "due",
        )

    def mark_filter(self) -> str | None:
        """The selection ("flagged", "leech", "failed today") the state filter asks for."""
        value = self.query_one("#browser-state", Select).value
        return value if isinstance(value, str) and value in MARKS else None

    def reload(self, highlight: int | None = None) -> None:
        """Search again with the field and filters as they are now (the math of new
        cards is rendered apart, see _start_rendering: never at each key)."""
        query, deck, state, tag, sort = self.filters()
        mark = self.mark_filter()
        page = self.guarded(
            lambda: self.collection.browser.search(
                query,
                deck_id=deck,
                state=state,
                tag=tag,
                sort=sort,
                limit=self.SHOWN,
                refresh=False,
                flagged=mark == "flagged",
                leech=mark == "leech",
                failed_today=mark == "failed today",
            )
        )
        if page is None:
            return
        if highlight is None:
            current = self.highlighted()
            highlight = current.id if current is not None else None
        self.page = page
        self.marked &= {r.id for r in page.rows}
        self._ensure_columns()
        self.fill_table(highlight)

    def _ensure_columns(self) -> bool:
        """Columns fitted to the table's width (the screen's, less the panel's 40%):
        the reference as wide as the longest shown, up to a third; the front the
        rest. True if they changed."""
        table = self.query_one("#browser-table", DataTable)
        # Before the first layout, an estimate a little short of the real width.
        table_width = table.size.width or self.app.size.width - int(self.app.size.width * 0.4) - 4
        # A scrollbar, and a cell's padding on each side of each of the four columns.
        room = max(24, table_width - 2 - 8 - 1 - 9)
        longest = max((len(r.ref) for r in self.page.rows), default=8)
        ref_width = max(8, min(longest, room // 3))
        widths = (ref_width, room - ref_width)
        if widths == self._widths:
            return False
        table.clear(columns=True)
        table.add_column(" ", key="mark", width=1)
        table.add_column("Card", key="ref", width=widths[0])
        table.add_column("State", key="state", width=9)
        table.add_column("Front", key="front", width=widths[1])
        self._widths = widths
        return True

    def fill_table(self, highlight: int | None = None) -> None:
        table = self.query_one("#browser-table", DataTable)
        if highlight is None:
            current = self.highlighted()
            highlight = current.id if current is not None else None
        table.clear()
        for row in self.page.rows:
            front = one_line(row.question)
            table.add_row(
                self._mark_cell(row),
                plain(tail(row.ref, self._widths[0])),
                Text(row.state, style=STATE_STYLE.get(row.state, "")),
                plain(front),
                key=str(row.id),
            )
        ids = [r.id for r in self.page.rows]
        if highlight in ids:
            table.move_cursor(row=ids.index(highlight), animate=False)
        self._update_count()
        self.show_detail()

    def _update_count(self) -> None:
        page = self.page
        if page.total == 0:
            narrowed = any(self.filters()[:4]) or self.mark_filter() is not None
            line = Text("No cards match." if narrowed else "No cards yet.")
        elif page.total > len(page.rows) or not page.exact:
            many = f"{page.total:,}{'' if page.exact else '+'} cards"
            line = Text(f"{len(page.rows)} of {many} shown; type to narrow")
        else:
            line = Text(plural(page.total, "card"))
        if self.marked:
            line.append(f" · {len(self.marked)} marked", style="bold #e5c07b")
        if self.math_left:
            line.append(f" · indexing math: {self.math_left:,} cards left", style="dim")
        self.query_one("#browser-count", Static).update(line)

    def highlighted(self) -> CardRow | None:
        table = self.query_one("#browser-table", DataTable)
        if not table.row_count:
            return None
        row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        return next((r for r in self.page.rows if str(r.id) == row_key.value), None)

    # ------------------------------------------------------------ the panel
    def show_detail(self) -> None:
        row = self.highlighted()
        card_id = row.id if row is not None else self.start_card if not self.page.rows else None
        if card_id is None:
            self._shown_detail = None
            self.query_one("#browser-ref", Static).update(Text("No card.", style="dim"))
            self.query_one("#browser-question", Markdown).update("")
            self.query_one("#browser-answer", Markdown).update("")
            self.query_one("#browser-meta", Static).update("")
            self.query_one("#browser-history", Static).update("")
            return
        detail = self.guarded(lambda: self.collection.browser.detail(card_id))
        if detail is None:
            return
        self._shown_detail = card_id
        card = detail.card
        self.query_one("#browser-ref", Static).update(self._heading(detail, row))
        self.query_one("#browser-question", Markdown).update(card_markdown(card.question))
        self.query_one("#browser-answer", Markdown).update(card_markdown(card.answer))
        self.query_one("#browser-meta", Static).update(self._meta(detail))
        self.query_one("#browser-history", Static).update(history_text(detail))
        self.query_one("#browser-panel", VerticalScroll).scroll_home(animate=False)

    def _heading(self, detail: CardDetail, row: CardRow | None) -> Text:
        """The reference (deck-id/card-id), then its state and due day."""
        text = plain(detail.card.ref)
        text.stylize("bold")
        if row is not None:
            text.append("\n")
            text.append(row.state, style=STATE_STYLE.get(row.state, ""))
            if row.due is not None:
                text.append(f" · due {row.due.isoformat()}")
        if detail.card.flagged:
            text.append(" · ")
            text.append("⚑ flagged", style="bold #e5c07b")
        return text

    def _meta(self, detail: CardDetail) -> Text:
        card = detail.card
        text = Text()
        text.append("Deck: ", style="bold")
        text.append_text(plain(card.deck_title))
        if card.paper_title:
            text.append("\nPaper: ", style="bold")
            text.append_text(plain(card.paper_title))
        if card.paper_url:
            text.append("\n")
            text.append_text(plain(card.paper_url))
            text.stylize("underline", len(text) - len(card.paper_url))
        if card.source:
            text.append("\nSource: ", style="bold")
            text.append_text(plain(card.source))
        if card.tags:
            text.append("\nTags: ", style="bold")
            text.append_text(plain(", ".join(card.tags)))
        return text

    @on(DataTable.RowHighlighted, "#browser-table")
    def _highlighted(self) -> None:
        row = self.highlighted()
        if row is None or row.id != self._shown_detail:
            self.show_detail()

    # ------------------------------------------------------------ filtering
    @on(Input.Changed, "#browser-search")
    @on(Input.Changed, "#browser-tag")
    @on(Select.Changed)
    def _filters_changed(self) -> None:
        self.reload()

    @on(Input.Submitted)
    def _search_done(self) -> None:
        self.query_one("#browser-table", DataTable).focus()

    @on(DataTable.RowSelected, "#browser-table")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()  # enter on a row: the panel already shows it; nothing to open

    def action_search(self) -> None:
        self.query_one("#browser-search", Input).focus()

    def action_leave(self) -> None:
        if not isinstance(self.focused, DataTable):
            self.query_one("#browser-table", DataTable).focus()
            return
        self.app.pop_screen()

    # ------------------------------------------------------------ actions
    def targets(self) -> list[CardRow]:
        """The marked cards, or else the highlighted one."""
        if self.marked:
            return [r for r in self.page.rows if r.id in self.marked]
        row = self.highlighted()
        return [] if row is None else [row]

    def _mark_cell(self, row: CardRow) -> Text:
        """● for a card marked for an action, else ⚑ for one flagged to fix."""
        if row.id in self.marked:
            return Text(MARK, style="bold #e5c07b")
        return Text(FLAG if row.flagged else "", style="#e5c07b")

    def action_mark(self) -> None:
        row = self.highlighted()
        if row is None:
            return
        self.marked ^= {row.id}
        table = self.query_one("#browser-table", DataTable)
        table.update_cell(str(row.id), "mark", self._mark_cell(row))
        self._update_count()
        table.action_cursor_down()

    def action_suspend(self) -> None:
        rows = self.targets()
        if not rows:
            return
        review = self.collection.review
        if all(r.state == "suspended" for r in rows):
            ids = [r.id for r in rows]
            if not self.attempt(lambda: review.unsuspend(ids)):
                return
            for card_id in ids:
                self.post_message(CardUnsuspended(card_id))
            self.notify(f"Unsuspended {_named(rows)}.", timeout=3, markup=False)
        else:
            ids = [r.id for r in rows if r.state != "suspended"]
            if not self.attempt(lambda: review.suspend(ids)):
                return
            for card_id in ids:
                self.post_message(CardSuspended(card_id))
            self.notify(f"Suspended {_named(rows)}; s again unsuspends.", timeout=3, markup=False)
        self.marked.clear()
        self.reload()

    def action_bury(self) -> None:
        rows = self.targets()
        if not rows:
            return
        ids = [r.id for r in rows]
        until = self.guarded(lambda: self.collection.browser.bury(ids))
        if until is None:
            return
        for card_id in ids:
            self.post_message(CardBuried(card_id))
        self.notify(f"Buried {_named(rows)} until {until.isoformat()}.", timeout=3, markup=False)
        self.marked.clear()
        self.reload()

    def action_edit_card(self) -> None:
        """`e`: the highlighted card in the editor (its history kept)."""
        row = self.highlighted()
        if row is None:
            return
        fields = self.guarded(lambda: self.collection.authoring.fields(row.ref))
        if fields is None:
            return
        from studykb.tui.screens.editor import EditorModal

        def saved(result: Saved | None) -> None:
            if result is None:
                return
            self.post_message(CardSaved(result.refs, result.sentence))
            self.notify(result.sentence, timeout=3, markup=False)
            self._start_rendering()  # the new text's math, searchable as shown
            self.reload(highlight=row.id)
            self.show_detail()

        self.app.push_screen(EditorModal(fields, ref=row.ref), saved)

    def action_flag(self) -> None:
        """`f`: flag the cards to fix later; if every one is flagged already, unflag them."""
        rows = self.targets()
        if not rows:
            return
        flagged = not all(r.flagged for r in rows)
        refs = [r.ref for r in rows]
        if self.guarded(lambda: self.collection.authoring.set_flagged(refs, flagged)) is None:
            return
        self.post_message(CardsFlagged(tuple(refs), flagged))
        if flagged:
            note = f"Flagged {_named(rows)}; f again unflags."
        else:
            note = f"Unflagged {_named(rows)}."
        self.notify(note, timeout=3, markup=False)
        self.marked.clear()
        self.reload()
        self.show_detail()

    def action_tags(self) -> None:
        """`t`: add and remove tags on the cards ("+tag -tag"), one action: u undoes."""
        rows = self.targets()
        if not rows:
            return
        from studykb.tui.screens.modals import TagsModal, parse_tag_changes

        refs = [r.ref for r in rows]

        def answered(text: str | None) -> None:
            if not text:
                return
            add, remove = parse_tag_changes(text)
            authoring = self.collection.authoring
            n = self.guarded(lambda: authoring.change_tags(refs, add, remove))
            if n is None:
                return
            self.notify(f"Retagged {plural(n, 'card')}; u takes it back.", timeout=3, markup=False)
            self.marked.clear()
            self.reload()
            self.show_detail()

        self.app.push_screen(TagsModal(_named(rows)), answered)

    def action_retire(self) -> None:
        """`R`: retire the cards (asks first): out of review, their history kept; u
        brings them back."""
        rows = self.targets()
        if not rows:
            return
        from studykb.tui.screens.deck_options import ConfirmModal

        refs = [r.ref for r in rows]
        question = (
            f"Retire {_named(rows)}? Retired cards leave review; their history is kept, "
            "and u (undo) brings them back."
        )

        def answered(yes: bool | None) -> None:
            if not yes:
                return
            if self.guarded(lambda: self.collection.authoring.retire(refs)) is None:
                return
            self.post_message(CardsRetired(tuple(refs)))
            self.notify(f"Retired {_named(rows)}; u brings them back.", timeout=4, markup=False)
            self.marked.clear()
            self.reload()

        self.app.push_screen(ConfirmModal(question, "Retire", "Keep"), answered)

    def action_reset_cards(self) -> None:
        """`N`: reset the cards to new (asks first): their schedule starts over, their
        history is kept; u takes it back."""
        rows = self.targets()
        if not rows:
            return
        from studykb.tui.screens.deck_options import ConfirmModal

        refs = [r.ref for r in rows]
        question = (
            f"Reset {_named(rows)} to new? The schedule starts over; the history is kept, "
            "and u (undo) takes it back."
        )

        def answered(yes: bool | None) -> None:
            if not yes:
                return
            n = self.guarded(lambda: self.collection.authoring.reset(refs))
            if n is None:
                return
            self.notify(
                f"Reset {plural(n, 'card')} to new; u takes it back.", timeout=4, markup=False
            )
            self.marked.clear()
            self.reload()
            self.show_detail()

        self.app.push_screen(ConfirmModal(question, "Reset", "Keep"), answered)

    def action_practice(self) -> None:
        """`P`: practise the marked cards, else every card listed (a deck, a tag,
        flagged cards, leeches...): answers logged as practice, no schedule changed."""
        rows = [r for r in self.targets() if r.state != "retired"] if self.marked else []
        if not rows:
            rows = [r for r in self.page.rows if r.state != "retired"]
        if not rows:
            self.notify("No cards to practise here.", timeout=2)
            return
        from studykb.tui.screens.practice import PracticeScreen

        title = plural(len(rows), "marked card" if self.marked else "listed card")
        self.app.push_screen(PracticeScreen([r.id for r in rows], title))

    def action_undo_last(self) -> None:
        """`u`: take back the last action of any kind; the list shows the result."""
        if self.undo_last_action() is not None:
            self._start_rendering()
            self.reload()
            self.show_detail()


def tail(ref: str, width: int) -> str:
    """A reference cut from the left when too wide: the card id tells rows apart,
    the deck id is the same for many (the panel shows the whole reference)."""
    return ref if len(ref) <= width or width < 2 else "…" + ref[-(width - 1) :]


def one_line(text: str) -> str:
    """A card face on one line, math as Unicode (no Markdown escapes: a table cell)."""
    from studykb.render.latex import math_to_unicode

    return " ".join(math_to_unicode(neutralise(text), markdown=False).split())


def _named(rows: list[CardRow]) -> str:
    return rows[0].ref if len(rows) == 1 else plural(len(rows), "card")


def history_text(detail: CardDetail) -> Text:
    """Every row of the card's log, oldest first: study day, grade, interval after,
    kind; an answer taken back is struck through and marked, an undo says what it undid."""
    text = Text("\nHistory", style="bold")
    if not detail.history:
        text.append("\nnever answered", style="dim")
        return text
    by_uid = {a.uid: a for a in detail.history}
    for answer in detail.history:
        text.append(f"\n{answer.study_day.isoformat()}  ")
        if answer.kind == "void":
            undone = by_uid.get(answer.voids or "")
            what = f"grade {undone.quality} of {undone.study_day}" if undone else "an answer"
            text.append(f"undo of {what}", style="dim italic")
            continue
        line = Text(
            f"grade {answer.quality}  → {plural(answer.after.interval, 'day')}  {answer.kind}"
        )
        if answer.uid in detail.voided:
            line.stylize("strike dim")
            line.append(" (undone)", style="dim italic")
        text.append_text(line)
    return text
