"""Statistics: a year of answers, the coming month, retention, card states, easiness."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Vertical, VerticalScroll
from textual.widgets import Footer, Label, LoadingIndicator, Select, Static
from textual_plotext import PlotextPlot

from studykb.core.stats import CARD_STATES, StatsData
from studykb.tui.screens.base import StudyScreen
from studykb.tui.widgets.heatmap import ReviewHeatmap

ALL_DECKS = "__all__"


def _bar_plot(
    widget: PlotextPlot,
    labels: list[str],
    values: list[int],
    title: str,
    *,
    horizontal: bool = False,
    colour: str = "cyan",
    every: int = 1,
) -> None:
    """A bar chart at numeric positions (repeated labels such as day numbers of two
    months must not merge), labelled at every ``every``-th bar."""
    plt = widget.plt
    plt.clear_data()
    plt.clear_figure()
    plt.title(title)
    positions = list(range(len(values)))
    shown = [i for i in positions if i % every == 0 or i == len(values) - 1]
    top = max(values, default=0)
    step = max(1, -(-top // 4))
    ticks: list[float] = [float(t) for t in range(0, top + step, step)]
    if horizontal:
        plt.bar(positions, values, orientation="horizontal", color=colour, width=0.6)
        plt.yticks([float(p) for p in positions], labels)
        plt.xticks(ticks)
    else:
        plt.bar(positions, values, color=colour, width=0.6)
        plt.xticks([float(i) for i in shown], [labels[i] for i in shown])
        plt.yticks(ticks)
    widget.refresh()


def _percent(passed: int, total: int) -> str:
    return "–" if total == 0 else f"{passed / total:.0%} of {total}"


class StatsScreen(StudyScreen):
    BINDINGS = [
        Binding("d", "choose_deck", "Deck", id="stats-deck", tooltip="Statistics for one deck"),
        Binding("escape", "leave", "Back", id="stats-back", tooltip="Back to home"),
    ]

    def compose(self) -> ComposeResult:
        decks = [(s.title, s.id) for s in self.repo.deck_summaries()]
        with Vertical(id="stats"):
            yield Select(
                [("All decks", ALL_DECKS), *decks],
                value=ALL_DECKS,
                allow_blank=False,
                id="stats-deck-select",
            )
            yield LoadingIndicator(id="stats-loading")
            with VerticalScroll(id="stats-body"):
                yield Label("Answers per study day, last 52 weeks", classes="section-title")
                yield ReviewHeatmap(id="heatmap")
                with Grid(id="stats-grid"):
                    yield PlotextPlot(id="forecast")
                    yield PlotextPlot(id="history")
                    yield Static(id="retention", classes="panel")
                    yield PlotextPlot(id="states")
                    yield PlotextPlot(id="easiness")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#stats-body").display = False
        self.load(None)

    @on(Select.Changed, "#stats-deck-select")
    def _deck_changed(self, event: Select.Changed) -> None:
        value = event.value
        self.load(None if value in (ALL_DECKS, Select.NULL) else str(value))

    def action_choose_deck(self) -> None:
        self.query_one("#stats-deck-select", Select).focus()
        self.query_one("#stats-deck-select", Select).expanded = True

    def action_leave(self) -> None:
        self.app.pop_screen()

    @work(thread=True, exclusive=True, group="stats")
    def load(self, deck_id: str | None) -> None:
        """Aggregate in a worker, on a connection of its own: the screen stays live."""
        from studykb.services import open_store

        app = self.study
        store = open_store(
            app.store.path, clock=app.clock, settings=app.store.settings, seed_bundled=False
        )
        try:
            data = store.repo.stats_data(deck_id)
        finally:
            store.close()
        app.call_from_thread(self.show, data)

    def show(self, data: StatsData) -> None:
        self.query_one("#stats-loading").display = False
        self.query_one("#stats-body").display = True
        self.query_one("#heatmap", ReviewHeatmap).show(data)
        _bar_plot(
            self.query_one("#forecast", PlotextPlot),
            [
                d.strftime("%d %b") if i == 0 else d.strftime("%d")
                for i, (d, _) in enumerate(data.forecast)
            ],
            [n for _, n in data.forecast],
            "Due, next 30 days",
            every=7,
        )
        _bar_plot(
            self.query_one("#history", PlotextPlot),
            [
                d.strftime("%d %b") if i == 0 else d.strftime("%d")
                for i, (d, _) in enumerate(data.reviews_30d)
            ],
            [n for _, n in data.reviews_30d],
            "Answers, last 30 days",
            colour="green",
            every=7,
        )
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold")
        table.add_column()
        table.add_row("Retention, last 30 days", "")
        table.add_row("  young (< 21 d)", _percent(*data.young_retention))
        table.add_row("  mature (≥ 21 d)", _percent(*data.mature_retention))
        table.add_row("", "")
        table.add_row("Cards", "")
        for name in CARD_STATES:
            table.add_row(f"  {name}", str(data.cards_by_state[name]))
        self.query_one("#retention", Static).update(table)
        _bar_plot(
            self.query_one("#states", PlotextPlot),
            list(CARD_STATES),
            [data.cards_by_state[name] for name in CARD_STATES],
            "Cards by state",
            horizontal=True,
            colour="orange",
        )
        buckets = data.easiness or [(2.5, 0)]
        _bar_plot(
            self.query_one("#easiness", PlotextPlot),
            [f"{ef:.1f}" for ef, _ in buckets],
            [n for _, n in buckets],
            "Easiness (EF) of reviewed cards",
            colour="magenta",
        )
        if not data.per_day:
            self.notify(Text("No answers yet: review some cards first.").plain, timeout=3)
