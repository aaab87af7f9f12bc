"""Home: today at a glance, one row per deck; decks whose ids have dots
(``diffusion.ddpm``) nest under their parent, which shows its children's totals
and folds away (issue 16 item 13)."""

from __future__ import annotations

from dataclasses import dataclass

from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Select, Static

from studykb.app.views import DeckDue, DeckSummary
from studykb.core.deck_limits import ancestors, parent_of, tree_nodes
from studykb.render.words import plural
from studykb.tui import navigation
from studykb.tui.screens.base import StudyScreen
from studykb.tui.text import plain
from studykb.tui.widgets.footer import StudyFooter

STATUS_LABELS = {"unread": "unread", "reading": "reading", "read": "read ✓"}
FSRS_TAG = " FSRS"  # after the title of a deck scheduled by FSRS-6
INDENT = 2  # cells per level of the tree
OPEN, CLOSED = "▾ ", "▸ "  # before a parent's title


class DeckTable(DataTable[object]):
    """The deck list: ← folds the highlighted parent away, → unfolds it (a row
    table has no columns to move between)."""

    def action_cursor_left(self) -> None:
        if isinstance(self.screen, HomeScreen):
            self.screen.action_collapse()

    def action_cursor_right(self) -> None:
        if isinstance(self.screen, HomeScreen):
            self.screen.action_expand()


@dataclass(frozen=True, slots=True)
class TreeRow:
    """One row of the deck tree: a deck, or a parent that is no deck of its own."""

    node: str
    depth: int
    has_children: bool
    due: DeckDue
    summary: DeckSummary | None  # None: a parent without a deck of its own
    learned: int
    cards: int


def stars(worth_reading: int | None) -> Text:
    if not worth_reading:
        return Text("")
    return Text("★" * worth_reading + "☆" * (3 - worth_reading), style="#e5c07b")


def truncate(text: str, width: int) -> Text:
    shown = plain(text)
    shown.truncate(width, overflow="ellipsis")
    return shown


def distinct_titles(
    rows: list[tuple[str, str]], width: int, reserved: list[int] | None = None
) -> list[Text]:
    """Titles cut to ``width``, each row still telling itself apart (issue 16 item 9):
    rows whose cut titles would read the same (two decks both ``Generative Modeling
    by Es…``) end in their short id instead, which is unique. ``reserved``: cells
    kept free at the end of each row (for the FSRS tag)."""
    widths = [width - r for r in reserved] if reserved else [width] * len(rows)
    cut = [truncate(title, w).plain for (title, _), w in zip(rows, widths, strict=True)]
    shown: list[Text] = []
    for (title, short_id), text, width in zip(rows, cut, widths, strict=True):
        if cut.count(text) == 1:
            shown.append(truncate(title, width))
            continue
        tag = f" · {short_id}"
        if width - len(tag) < 6:  # no room for a useful start of the title: the id alone
            shown.append(truncate(short_id, width))
            continue
        label = truncate(title, width - len(tag))
        label.append(truncate(tag, width - len(label.plain)).plain, style="dim")
        shown.append(label)
    return shown


def learned_bar(learned: int, total: int) -> Table:
    grid = Table.grid(padding=(0, 1))
    grid.add_column(width=10)
    grid.add_column()
    grid.add_row(
        ProgressBar(total=max(total, 1), completed=learned, width=10),
        Text(f"{learned}/{total}"),
    )
    return grid


class HomeScreen(StudyScreen):
    NAVIGATION = "home"  # its keys in studykb.tui.navigation
    BINDINGS = navigation.bindings(NAVIGATION)
    # The deck list has the keys, not the tag filter above it (`f` focuses that).
    AUTO_FOCUS = "#decks"

    def compose(self) -> ComposeResult:
        with Vertical(id="home"):
            yield Static(id="home-today", classes="banner")
            yield Static(id="home-next", classes="subtle")
            # A tag filter (shown when cards have tags): only the decks with such cards,
            # and a deck chosen then is reviewed by that tag (issue 16 item 14).
            yield Select[str]([], prompt="All tags", id="home-tag", compact=True)
            yield DeckTable(id="decks", cursor_type="row", zebra_stripes=True)
            yield Static(id="home-empty", classes="empty")
        yield StudyFooter()

    # Columns other than the title take this many cells; the title gets the rest.
    FIXED_COLUMNS = 52

    def on_mount(self) -> None:
        self._title_width = 0
        self._rows: list[TreeRow] = []
        self._collapsed: set[str] = set()
        self._fsrs_decks: set[str] = set()
        self._tag_decks: dict[str, frozenset[str]] = {}
        self.tag: str | None = None  # the tag filter, None for all
        self._shown: object = None  # the app's data_state when last loaded
        self.refresh_data()

    def on_resize(self) -> None:
        self._fill_table()  # a new width needs new columns, not new data

    def _ensure_columns(self) -> int:
        width = max(16, self.app.size.width - self.FIXED_COLUMNS)
        table = self.query_one("#decks", DataTable)
        if width != self._title_width:
            table.clear(columns=True)
            table.add_column("Deck", key="deck", width=width)
            table.add_column("WR", key="wr")
            table.add_column("Reading", key="reading", width=8)
            table.add_column("Due", key="due")
            table.add_column("New", key="new")
            table.add_column("Learned", key="learned")
            self._title_width = width
        return width

    def on_screen_resume(self) -> None:
        # Reload only if something changed since home was last shown: an answer,
        # an import, a status (announced by a message), another process's commit.
        if self.study.data_state() != self._shown:
            self.refresh_data()

    def refresh_data(self) -> None:
        state = self.study.data_state()
        overview = self.guarded(self.collection.review.overview)
        if overview is None:
            return
        self._shown = state
        due, stats, summaries = overview.due, overview.stats, overview.decks
        streak = plural(stats.streak, "day")
        self.query_one("#home-today", Static).update(
            Text.assemble(
                ("Today ", "bold"),
                f"{due.day.isoformat()}   ",
                ("Due ", "bold"),
                f"{due.reviews + due.drills}   ",
                ("New ", "bold"),
                f"{due.new}   ",
                ("Done ", "bold"),
                f"{stats.reviews_today}   ",
                ("Streak ", "bold"),
                streak,
                *self._sync_state(),
            )
        )
        suggestion = overview.suggestion
        next_line = Text("Next worth reading: ", style="bold")
        if suggestion is None:
            next_line.append("everything on the reading list is read", style="")
        else:
            next_line.append_text(plain(suggestion.title))
            next_line.append(" ")
            next_line.append_text(stars(suggestion.worth_reading))
        self.query_one("#home-next", Static).update(next_line)

        self._rows = tree_rows(due.decks, due.groups, summaries)
        options = self.guarded(lambda: self.collection.schedulers.options_by_deck(summaries))
        self._fsrs_decks = {d for d, o in (options or {}).items() if o.scheduler == "fsrs"}
        self._tag_decks = self.guarded(self.collection.review.tag_decks) or {}
        tag_select = self.query_one("#home-tag", Select)
        if self.tag not in self._tag_decks:
            self.tag = None
        with tag_select.prevent(Select.Changed):
            tag_select.set_options([(f"#{tag}", tag) for tag in self._tag_decks])
            tag_select.value = self.tag if self.tag is not None else Select.NULL
        tag_select.display = bool(self._tag_decks)
        self._fill_table()
        empty = self.query_one("#home-empty", Static)
        if not summaries:
            empty.update(
                f"No decks yet. Import one: ctrl+p → “{navigation.IMPORT.title}”, "
                "or `studykb import PATH` in a shell."
            )
        elif due.total == 0 and overview.tomorrow is not None:
            tomorrow = overview.tomorrow
            empty.update(
                f"All done for today. Next review: tomorrow, "
                f"{plural(tomorrow.reviews + tomorrow.new, 'card')}."
            )
        else:
            empty.update("")
        empty.display = bool(not summaries or due.total == 0)

    def _sync_state(self) -> tuple[tuple[str, str] | str, ...]:
        """When sync is configured: the last sync and what waits to be sent."""
        from studykb.app.sync import configured

        if not configured(self.collection.settings):
            return ()
        status = self.guarded(self.collection.sync.status)
        if status is None:
            return ()
        last = "never" if status.last_sync is None else status.last_sync[11:16] + " UTC"
        if getattr(self.app, "syncing", False):
            last = "now…"
        return ("   ", ("Sync ", "bold"), f"{last} · {status.pending} to send")

    def _fill_table(self) -> None:
        if not self.is_mounted:
            return
        width = self._ensure_columns()
        table = self.query_one("#decks", DataTable)
        cursor = table.cursor_row
        table.clear()
        tagged_decks = None if self.tag is None else self._tag_decks.get(self.tag, frozenset())
        shown = [
            row
            for row in self._rows
            if not any(a in self._collapsed for a in ancestors(row.node))
            and (tagged_decks is None or any(_within(d, row.node) for d in tagged_decks))
        ]
        fsrs = [row.node in self._fsrs_decks for row in shown]
        prefixes = [
            " " * (INDENT * row.depth)
            + ((CLOSED if row.node in self._collapsed else OPEN) if row.has_children else "")
            for row in shown
        ]
        titles = distinct_titles(
            [(row.summary.title if row.summary else row.node, row.node) for row in shown],
            width,
            [
                len(prefix) + (len(FSRS_TAG) if tagged else 0)
                for prefix, tagged in zip(prefixes, fsrs, strict=True)
            ],
        )
        for row, prefix, title, tagged in zip(shown, prefixes, titles, fsrs, strict=True):
            label = Text(prefix, style="dim")
            label.append_text(title)
            if row.summary is None:
                label.stylize("italic", len(prefix))
            if tagged:
                label.append(FSRS_TAG, style="bold #c678dd")
            s = row.summary
            deck = row.due
            table.add_row(
                label,
                stars(s.worth_reading if s else None),
                Text(STATUS_LABELS.get((s.reading_status if s else None) or "", "")),
                Text(str(deck.reviews), style="bold #e06c75" if deck.reviews else "dim"),
                Text(str(deck.new), style="bold #61afef" if deck.new else "dim"),
                learned_bar(row.learned, row.cards),
                key=row.node,
            )
        if table.row_count:
            table.move_cursor(row=min(cursor, table.row_count - 1))

    def _highlighted_row(self) -> TreeRow | None:
        node = self._highlighted_deck()
        return next((r for r in self._rows if r.node == node), None)

    def action_collapse(self) -> None:
        """Fold the highlighted parent; on a child, go to its parent (and fold it)."""
        row = self._highlighted_row()
        if row is None:
            return
        target = row.node if row.has_children else parent_of(row.node)
        if not target or target in self._collapsed:
            return
        self._collapsed.add(target)
        self._fill_table()
        self._move_to(target)

    def action_expand(self) -> None:
        row = self._highlighted_row()
        if row is not None and row.node in self._collapsed:
            self._collapsed.discard(row.node)
            self._fill_table()
            self._move_to(row.node)

    def action_toggle_deck(self) -> None:
        row = self._highlighted_row()
        if row is not None and row.has_children:
            if row.node in self._collapsed:
                self.action_expand()
            else:
                self.action_collapse()

    def _move_to(self, node: str) -> None:
        table = self.query_one("#decks", DataTable)
        if node in table.rows:
            table.move_cursor(row=table.get_row_index(node))

    def _highlighted_deck(self) -> str | None:
        table = self.query_one("#decks", DataTable)
        if not table.row_count:
            return None
        row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        return str(row_key.value)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.study.start_review(str(event.row_key.value), self.tag)

    def action_deck_options(self) -> None:
        row = self._highlighted_row()
        if row is None:
            return
        if row.summary is None:
            self.notify(
                f"“{row.node}” groups decks and has no options of its own: "
                "it uses the limits of Settings. Choose one of its decks.",
                markup=False,
            )
            return
        self.study.open_deck_options(row.node)

    def action_study_more(self) -> None:
        row = self._highlighted_row()
        if row is None:
            return
        if row.summary is None:
            self.notify(
                f"“{row.node}” groups decks: study more raises one deck's limits. "
                "Choose one of its decks.",
                markup=False,
            )
            return
        self.study.open_study_more(row.node)

    def action_review_deck(self) -> None:
        deck = self._highlighted_deck()
        if deck is not None:
            self.study.start_review(deck, self.tag)

    @on(Select.Changed, "#home-tag")
    def _tag_chosen(self, event: Select.Changed) -> None:
        self.tag = None if event.value is Select.NULL else str(event.value)
        self._fill_table()
        self.query_one("#decks", DataTable).focus()

    def action_undo_last(self) -> None:
        """`u`: take back the last action of any kind, and show the counts after it."""
        if self.undo_last_action() is not None:
            self.refresh_data()

    def action_filter_tag(self) -> None:
        tag_select = self.query_one("#home-tag", Select)
        if tag_select.display:
            tag_select.focus()
            tag_select.expanded = True


def _within(deck_id: str, node: str) -> bool:
    return deck_id == node or deck_id.startswith(node + ".")


def tree_rows(
    decks: tuple[DeckDue, ...], groups: tuple[DeckDue, ...], summaries: dict[str, DeckSummary]
) -> list[TreeRow]:
    """The decks as a tree, parents first (in the order their first deck comes), each
    with its counts (its own cards and those below it) and its learned total."""
    counts = {d.deck_id: d for d in (*decks, *groups)}
    nodes = tree_nodes(d.deck_id for d in decks)
    rows = []
    for node in nodes:
        below = [s for deck, s in summaries.items() if _within(deck, node)]
        rows.append(
            TreeRow(
                node=node,
                depth=len(ancestors(node)),
                has_children=any(parent_of(n) == node for n in nodes),
                due=counts.get(node, DeckDue(node, node, 0, 0)),
                summary=summaries.get(node),
                learned=sum(s.learned for s in below),
                cards=sum(s.cards for s in below),
            )
        )
    return rows
