"""Statistics: a year of answers, the coming month, retention, card states, easiness."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import partial

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult, RenderResult
from textual.containers import Grid, Vertical, VerticalScroll
from textual.widgets import Label, Select, Static
from textual.worker import Worker, WorkerState
from textual_plotext import PlotextPlot
from textual_plotext.plot import Plot

from studykb.app.schedulers import SchedulerComparison, compare_in_worker
from studykb.core.evaluation import Scores
from studykb.core.stats import CARD_STATES, CardStateName, StatsData
from studykb.render.words import plural
from studykb.tui import navigation
from studykb.tui.screens.base import StudyScreen
from studykb.tui.widgets.footer import StudyFooter
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


def state_bars(cards_by_state: Mapping[CardStateName, int], width: int = 30) -> Group:
    """Cards by state: one bar a line with a blank line between bars, so that
    bars never touch (plotext's horizontal bars ran into each other)."""
    table = Table.grid(padding=(0, 1))
    table.add_column(min_width=max(len(name) for name in CARD_STATES))
    table.add_column(no_wrap=True)
    table.add_column(justify="right")
    top = max(cards_by_state.values(), default=0)
    for number, name in enumerate(CARD_STATES):
        n = cards_by_state[name]
        cells = 0 if top == 0 else max(1 if n else 0, round(width * n / top))
        if number:
            table.add_row("", "", "")
        table.add_row(name, Text("█" * cells, style="#d19a66"), str(n))
    return Group(Text("Cards by state", style="bold"), Text(""), table)


def _percent(passed: int, total: int) -> str:
    return "–" if total == 0 else f"{passed / total:.0%} of {total}"


SPARKS = "▁▂▃▄▅▆▇█"
COMPUTING = "computing… (your whole history is replayed under SM-2 and under FSRS-6)"


def sparkline(values: list[int], top: int) -> Text:
    """One cell a day: a block as high as the day's count against ``top``; a dot for none."""
    line = Text()
    for n in values:
        if n <= 0 or top <= 0:
            line.append("·", style="dim")
        else:
            level = min(len(SPARKS), max(1, -(-n * len(SPARKS) // top)))
            line.append(SPARKS[level - 1], style="#61afef")
    return line


def comparison_panel(c: SchedulerComparison, fsrs_scope: str | None) -> Group:
    """SM-2 and FSRS-6 on the user's own answers: the srs-benchmark scores (or why
    there are none), FSRS's predicted retention against the measured one when FSRS
    schedules what is shown (``fsrs_scope`` says so), and each one's 30-day forecast."""
    scope = f"deck {c.deck_id}" if c.deck_id else "all decks"
    parts: list[Text | Table] = [
        Text.assemble(
            ("Schedulers", "bold"),
            f" on your own history ({scope}, {plural(c.answers, 'answer')}); ",
            ("lower is better", "dim"),
        )
    ]
    table = Table(box=None, padding=(0, 1), show_edge=False, header_style="bold")
    table.add_column("")
    for heading in ("log loss", "RMSE(bins)", "predicted", "measured", "predictions"):
        table.add_column(heading, justify="right")
    unscored = Table.grid(padding=(0, 1))
    for r in c.reports:
        e = r.evaluation
        if isinstance(e, Scores):
            table.add_row(
                r.title,
                f"{e.log_loss:.3f}",
                f"{e.rmse_bins:.3f}",
                f"{e.predicted_retention:.0%}",
                f"{e.measured_retention:.0%}",
                str(e.predictions),
            )
        else:  # a sentence, not numbers that would be noise
            unscored.add_row(r.title, Text(str(e), style="dim"))
    if table.row_count:
        parts.append(table)
    if unscored.row_count:
        parts.append(unscored)
    fsrs = next((r for r in c.reports if r.name == "fsrs"), None)
    if fsrs_scope is not None and fsrs is not None:
        e = fsrs.evaluation
        line = Text(fsrs_scope, style="bold")
        if isinstance(e, Scores):
            line.append(
                f" predicted {e.predicted_retention:.0%} recall; you recalled "
                f"{e.measured_retention:.0%} ({plural(e.predictions, 'review')})"
            )
        else:
            line.append(f": {e}")
        parts.append(line)
    parts.append(Text("Reviews per day, next 30 days (every due card answered Good)", style="bold"))
    top = max((n for r in c.reports for _, n in r.forecast.days), default=0)
    grid = Table.grid(padding=(0, 1))
    grid.add_column()
    grid.add_column(no_wrap=True)
    grid.add_column(style="dim")
    for r in c.reports:
        days = [n for _, n in r.forecast.days]
        week = sum(days[:7])
        grid.add_row(
            r.title,
            sparkline(days, top),
            f"{week} in 7 d · {r.forecast.total} in 30",
        )
    parts.append(grid)
    return Group(*parts)


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
                    yield Static(id="states", classes="panel")
                    yield Chart(id="easiness")
                yield Static(id="schedulers", classes="panel-wide")
        yield StudyFooter()

    def on_mount(self) -> None:
        self.comparing: Worker[SchedulerComparison | str] | None = None
        self.load(None)

    @on(Select.Changed, "#stats-deck-select")
    def _deck_changed(self, event: Select.Changed) -> None:
        value = event.value
        self.load(None if value in (ALL_DECKS, Select.NULL) else str(value))

    def action_choose_deck(self) -> None:
        self.query_one("#stats-deck-select", Select).focus()
        self.query_one("#stats-deck-select", Select).expanded = True

    def action_show_schedulers(self) -> None:
        # The panel comes last: the body stays scrolled to its end while the panel
        # (and the charts above it) are still being laid out, until the user scrolls.
        self.query_one("#stats-body", VerticalScroll).anchor()

    def action_leave(self) -> None:
        self.app.pop_screen()

    def load(self, deck_id: str | None) -> None:
        # An overlay while the charts are read: the layout itself never changes.
        self.query_one("#stats-body").loading = True
        self.call_after_refresh(self._aggregate, deck_id)
        self.compare_schedulers(deck_id)

    def compare_schedulers(self, deck_id: str | None) -> None:
        """SM-2 against FSRS-6 replays the whole history: in a thread, on its own
        connection, so the screen stays responsive; a newer choice replaces it."""
        self.query_one("#schedulers", Static).update(Text(COMPUTING, style="dim italic"))
        self.fsrs_scope = self._fsrs_scope(deck_id)
        collection = self.collection
        self.comparing = self.run_worker(
            partial(
                compare_in_worker, collection.path, collection.clock, collection.settings, deck_id
            ),
            name="schedulers",
            group="schedulers",
            thread=True,
            exclusive=True,
        )

    def _fsrs_scope(self, deck_id: str | None) -> str | None:
        """Where FSRS schedules what the screen shows (None: nowhere)."""
        schedulers = self.collection.schedulers
        if deck_id is not None:
            options = self.guarded(lambda: schedulers.options(deck_id))
            return "This deck's FSRS-6" if options and options.scheduler == "fsrs" else None
        decks = self.guarded(self.collection.library.decks) or []
        by_deck = self.guarded(lambda: schedulers.options_by_deck(d.id for d in decks)) or {}
        fsrs = sum(o.scheduler == "fsrs" for o in by_deck.values())
        if not fsrs:
            return None
        return f"FSRS-6 (used by {plural(fsrs, 'deck')}), on all decks,"

    @on(Worker.StateChanged)
    def _compared(self, event: Worker.StateChanged) -> None:
        if event.worker is not self.comparing or not self.is_mounted:
            return  # an older choice of deck, or the screen is gone
        panel = self.query_one("#schedulers", Static)
        if event.state == WorkerState.SUCCESS:
            result = event.worker.result
            if isinstance(result, str):
                panel.update(Text(f"Schedulers: not compared: {result}", style="#e06c75"))
            elif result is not None:
                panel.update(comparison_panel(result, self.fsrs_scope))
        elif event.state == WorkerState.ERROR:
            panel.update(Text(f"Schedulers: not compared: {event.worker.error}", style="#e06c75"))

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
        # Half the screen (a column of the grid), less its padding, the names and the counts.
        bar_width = max(5, self.app.size.width // 2 - 22)
        self.query_one("#states", Static).update(state_bars(data.cards_by_state, bar_width))
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
