"""A year of study days as a grid of shaded cells, one column a week (GitHub-style)."""

from __future__ import annotations

from rich.console import Console, ConsoleOptions, RenderResult
from rich.text import Text
from textual.widget import Widget

from studykb.core.stats import StatsData, shade

_COLOURS = ("#2b2b2b", "#0e4429", "#006d32", "#26a641", "#39d353")
_DAYS = ("Mon", "", "Wed", "", "Fri", "", "Sun")


class _HeatmapRenderable:
    def __init__(self, data: StatsData | None, width: int) -> None:
        self.data = data
        self.width = width

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        if self.data is None:
            yield Text("…")
            return
        weeks = self.data.heatmap_weeks()
        room = max(1, (options.max_width - 4))
        weeks = weeks[-room:]
        maximum = max((n for week in weeks for _, n in week), default=0)
        # A month's name above the week in which it begins, where it fits.
        months = [" "] * len(weeks)
        free_from = 0
        for column, week in enumerate(weeks):
            first = next((day for day, _ in week if day.day == 1), None)
            if first is None or column < free_from:
                continue
            name = first.strftime("%b")
            for offset, char in enumerate(name[: len(weeks) - column]):
                months[column + offset] = char
            free_from = column + len(name) + 1
        yield Text("    " + "".join(months), style="dim")
        for d in range(7):
            row = Text(f"{_DAYS[d]:<4}")
            for week in weeks:
                day, n = week[d]
                if day > self.data.today:
                    row.append(" ")
                else:
                    row.append("■", style=_COLOURS[shade(n, maximum)])
            yield row
        legend = Text("    less ")
        for colour in _COLOURS:
            legend.append("■", style=colour)
        legend.append(f" more   busiest day: {maximum} answers")
        yield legend


class ReviewHeatmap(Widget):
    DEFAULT_CSS = "ReviewHeatmap { height: 9; }"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.data: StatsData | None = None

    def show(self, data: StatsData) -> None:
        self.data = data
        self.refresh()

    def render(self) -> _HeatmapRenderable:
        return _HeatmapRenderable(self.data, self.size.width)
