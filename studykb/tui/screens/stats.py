"""Statistics: a year of answers, the coming month, retention, card states, easiness."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult, RenderResult
from textual.containers import Grid, Vertical, VerticalScroll
from textual.widgets import Footer, Label, Select, Static
from textual_plotext import PlotextPlot
from textual_plotext.plot import Plot

from studykb.core.stats import CARD_STATES, StatsData
from studykb.tui import navigation
from studykb.tui.screens.base import StudyScreen
from studykb.tui.widgets.heatmap import ReviewHeatmap

ALL_DECKS = "__all__"


@dataclass(frozen=True)
class BarSpec:
    labels: list[str]
    values: list[int]
    title: str
    horizontal: bool = False
    colour: str = "cyan"
    every: int = 1


class Chart(PlotextPlot):
    """A bar chart drawn afresh on every render from its data.

    Plotext keeps state between builds and applies a new size late
    (textual-plotext issue #5); a new figure each time makes every frame, and
    every snapshot, depend on the data and the size alone.
    """

    spec: BarSpec | None = None

    def show_bars(self, spec: BarSpec) -> None:
        self.spec = spec
        self.refresh()

    def render(self) -> RenderResult:
        self._plot = Plot()
        if self.spec is not None:
            _draw_bars(self._plot, self.spec)
        return super().render()


def _draw_bars(plt: Plot, spec: BarSpec) -> None:
    """Bars at numeric positions (repeated labels, such as the day numbers of two
    months, must not merge), labelled at every ``every``-th bar; integer ticks."""
    plt.title(spec.title)
    values = spec.values
    positions = [float(i) for i in range(len(values))]
    shown = [i for i in range(len(values)) if i % spec.every == 0]
    if values and len(values) - 1 - shown[-1] >= 3:  # the last bar, unless labels would touch
        shown.append(len(values) - 1)
    top = max(values, default=0)
    step = max(1, -(-top // 4))
    ticks: list[float] = [float(t) for t in range(0, top + step, step)]
    if spec.horizontal:
        plt.bar(positions, values, orientation="horizontal", color=spec.colour, width=0.6)
        plt.yticks(positions, spec.labels)
        plt.xticks(ticks)
    else:
        plt.bar(positions, values, color=spec.colour, width=0.6)
        plt.xticks([float(i) for i in shown], [spec.labels[i] for i in shown])
        plt.yticks(ticks)


def _daily_bars(days: list[tuple[date, int]], title: str, colour: str) -> BarSpec:
    """One bar a day, the first labelled with its month, a label a week."""
    labels = [d.strftime("%d %b") if i == 0 else d.strftime("%d") for i, (d, _) in enumerate(days)]
    return BarSpec(labels, [n for _, n in days], title, colour=colour, every=7)


def _percent(passed: int, total: int) -> str:
    return "–" if total == 0 else f"{passed / total:.0%} of {total}"


class StatsScreen(StudyScreen):
    NAVIGATION = "stats"  # its keys in studykb.tui.navigation
    BINDINGS = navigation.bindings(NAVIGATION)

    def compose(self) -> ComposeResult:
        summaries = self.guarded(self.collection.library.decks) or []
        decks = [(s.title, s.id) for s in summaries]
        with Vertical(id="stats"):
            yield Select(
                [("All decks", ALL_DECKS), *decks],
                value=ALL_DECKS,
                allow_blank=False,
                id="stats-deck-select",
            )
            with VerticalScroll(id="stats-body"):
                yield Label("Answers per study day, last 52 weeks", classes="section-title")
                yield ReviewHeatmap(id="heatmap")
                with Grid(id="stats-grid"):
                    yield Chart(id="forecast")
                    yield Chart(id="history")
                    yield Static(id="retention", classes="panel")
                    yield Chart(id="states")
                    yield Chart(id="easiness")
        yield Footer()

    def on_mount(self) -> None:
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

    def load(self, deck_id: str | None) -> None:
        # An overlay while the charts are read: the layout itself never changes.
        self.query_one("#stats-body").loading = True
        self.call_after_refresh(self._aggregate, deck_id)

    def _aggregate(self, deck_id: str | None) -> None:
        """One consistent read on the app's collection, after the overlay is drawn.
        (Not in a thread: the collection's connection is the UI thread's, and a
        second store would run migrations and bundled-content checks each time.)"""
        data = self.guarded(lambda: self.collection.statistics.charts(deck_id))
        if data is None:
            self.query_one("#stats-body").loading = False
            return
        self.show(data)

    def show(self, data: StatsData) -> None:
        self.query_one("#stats-body").loading = False
        self.query_one("#heatmap", ReviewHeatmap).show(data)
        self.query_one("#forecast", Chart).show_bars(
            _daily_bars(data.forecast, "Due, next 30 days", "cyan")
        )
        self.query_one("#history", Chart).show_bars(
            _daily_bars(data.reviews_30d, "Answers, last 30 days", "green")
        )
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold")
        table.add_column()
        table.add_row("Retention, last 30 days", "")
        # "all" is the number `studykb stats` prints: one definition (storage.statistics).
        (young_passed, young), (mature_passed, mature) = data.young_retention, data.mature_retention
        table.add_row("  all", _percent(young_passed + mature_passed, young + mature))
        table.add_row("  young (< 21 d)", _percent(*data.young_retention))
        table.add_row("  mature (≥ 21 d)", _percent(*data.mature_retention))
        table.add_row("", "")
        table.add_row("Cards", "")
        for name in CARD_STATES:
            table.add_row(f"  {name}", str(data.cards_by_state[name]))
        self.query_one("#retention", Static).update(table)
        self.query_one("#states", Chart).show_bars(
            BarSpec(
                list(CARD_STATES),
                [data.cards_by_state[name] for name in CARD_STATES],
                "Cards by state",
                horizontal=True,
                colour="orange",
            )
        )
        buckets = data.easiness or [(2.5, 0)]
        self.query_one("#easiness", Chart).show_bars(
            BarSpec(
                [f"{ef:.1f}" for ef, _ in buckets],
                [n for _, n in buckets],
                "Easiness (EF) of reviewed cards",
                colour="magenta",
            )
        )
        if not data.per_day:
            self.notify(Text("No answers yet: review some cards first.").plain, timeout=3)
