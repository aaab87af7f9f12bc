"""The six SM-2 grades, each with its meaning and what it would do to the card."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult, RenderResult
from textual.containers import Horizontal
from textual.events import Click
from textual.message import Message
from textual.widgets import Static

from studykb.core.scheduler import QUALITIES, QUALITY_LABELS, QUALITY_MEANINGS
from studykb.core.session import format_interval

# What "comes back today as a drill" reads as, from the roomiest to the tightest.
AGAIN_TODAY = (" + again today", " + today", "+")


def fitted(options: list[str], width: int) -> str:
    """The first option that fits in ``width`` cells, else the last one."""
    return next((text for text in options if len(text) <= width), options[-1])


class GradeCell(Static):
    """One grade: key and label on the first line, what it does below; both
    shortened to fit the cell (issue 16 item 5): the labels go before the keys."""

    def __init__(self, quality: int) -> None:
        super().__init__(id=f"grade-{quality}", classes=f"grade q{quality}")
        self.quality = quality
        self.tooltip = f"{quality}: {QUALITY_MEANINGS[quality]}"
        self.interval: str | None = None
        self.again_today = False

    def show(self, interval: str | None, again_today: bool = False) -> None:
        self.interval = interval
        self.again_today = again_today
        self.refresh()

    def lines(self, width: int) -> tuple[str, str]:
        """The two lines shown at this width (wide enough: everything)."""
        key = str(self.quality)
        # Every cell the same way: labels only if the longest one fits.
        longest = max(len(f"{q} {QUALITY_LABELS[q]}") for q in QUALITIES)
        label = f"{key} {QUALITY_LABELS[self.quality]}" if longest <= width else key
        interval = self.interval or ""
        if interval and self.again_today:
            interval = fitted([interval + again for again in AGAIN_TODAY], width)
        return label, interval

    def render(self) -> RenderResult:
        # The narrowest cell decides for all, so that every cell reads the same way.
        cells = self.parent.query(GradeCell) if self.parent is not None else [self]
        width = min(cell.content_size.width for cell in cells) or 80
        label, interval = self.lines(width)
        key = str(self.quality)
        text = Text(justify="center", no_wrap=True, overflow="crop")
        text.append(key, style="bold")
        text.append(label[len(key) :] + "\n")
        text.append(interval, style="dim" if interval.startswith("drill") else "bold")
        return text

    def on_click(self, event: Click) -> None:
        event.stop()
        bar = self.parent
        if isinstance(bar, RatingBar):
            bar.post_message(RatingBar.Graded(self.quality))


class RatingBar(Horizontal):
    """Grade cells 0-5. What each does comes from the app layer's review step."""

    class Graded(Message):
        def __init__(self, quality: int) -> None:
            super().__init__()
            self.quality = quality

    def compose(self) -> ComposeResult:
        for q in QUALITIES:
            yield GradeCell(q)

    def show_intervals(
        self, intervals: dict[int, int] | None, again_today: frozenset[int] = frozenset()
    ) -> None:
        """Label each grade with its interval (None for a same-day drill, which
        changes no interval) and, for a grade after which the card comes back
        today (SM-2 rule 7), say so."""
        for cell in self.query(GradeCell):
            q = cell.quality
            interval = "drill" if intervals is None else format_interval(intervals[q])
            cell.show(interval, q in again_today)
