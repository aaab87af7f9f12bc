"""The six SM-2 grades, each with its meaning and the interval it would give."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.events import Click
from textual.message import Message
from textual.widgets import Static

from studykb.core.scheduler import QUALITIES, QUALITY_LABELS, QUALITY_MEANINGS
from studykb.core.session import format_interval


class GradeCell(Static):
    """One grade: key and label on the first line, the resulting interval below."""

    def __init__(self, quality: int) -> None:
        super().__init__(id=f"grade-{quality}", classes=f"grade q{quality}")
        self.quality = quality
        self.tooltip = f"{quality}: {QUALITY_MEANINGS[quality]}"
        self.show(None)

    def show(self, interval: str | None) -> None:
        text = Text(justify="center")
        text.append(str(self.quality), style="bold")
        text.append(f" {QUALITY_LABELS[self.quality]}\n")
        text.append(interval or "", style="dim" if interval == "drill" else "bold")
        self.update(text)

    def on_click(self, event: Click) -> None:
        event.stop()
        bar = self.parent
        if isinstance(bar, RatingBar):
            bar.post_message(RatingBar.Graded(self.quality))


class RatingBar(Horizontal):
    """Grade cells 0-5. Intervals come from the scheduler's pure preview."""

    class Graded(Message):
        def __init__(self, quality: int) -> None:
            super().__init__()
            self.quality = quality

    def compose(self) -> ComposeResult:
        for q in QUALITIES:
            yield GradeCell(q)

    def show_intervals(self, intervals: dict[int, int] | None) -> None:
        """Label each grade with its interval; None for a same-day drill, which
        changes no interval (SM-2 rule 7)."""
        for cell in self.query(GradeCell):
            q = cell.quality
            cell.show("drill" if intervals is None else format_interval(intervals[q]))
