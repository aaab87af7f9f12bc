"""The end of a review session: what was done and what tomorrow holds."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Center, Vertical
from textual.widgets import Static

from studykb.core.session import SessionSummary, format_elapsed
from studykb.tui import navigation
from studykb.tui.screens.base import StudyScreen
from studykb.tui.widgets.footer import StudyFooter


class SessionSummaryScreen(StudyScreen):
    NAVIGATION = "summary"  # its keys in studykb.tui.navigation
    BINDINGS = navigation.bindings(NAVIGATION)

    def __init__(self, summary: SessionSummary) -> None:
        super().__init__()
        self.summary = summary

    def compose(self) -> ComposeResult:
        s = self.summary
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold")
        table.add_column()
        table.add_row("Cards reviewed", str(s.reviews))
        table.add_row("Same-day drills", str(s.drills))
        share = "-" if s.passed_share is None else f"{s.passed_share:.0%}"
        table.add_row("Graded 3 or better", share)
        table.add_row("Time", format_elapsed(s.elapsed))
        table.add_row("Due tomorrow", str(s.tomorrow_due))
        with Vertical(id="summary"):
            yield Static(Text("Session complete", style="bold"), classes="banner")
            with Center():
                yield Static(table, id="summary-table")
            yield Static("enter: back to home", classes="subtle")
        yield StudyFooter()

    def action_home(self) -> None:
        self.app.pop_screen()

    def action_undo_last(self) -> None:
        """`u`: take back the last action (the session's last answer, say); the
        summary stays as the session was, home shows the counts after it."""
        self.undo_last_action()
