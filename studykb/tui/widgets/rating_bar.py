"""The grade keys of the card's scheduler (SM-2 0-5, FSRS 1-4), each with its
meaning and what it would do to the card."""

from __future__ import annotations

from datetime import timedelta

from rich.text import Text
from textual.app import ComposeResult, RenderResult
from textual.containers import Horizontal
from textual.events import Click
from textual.message import Message
from textual.widgets import Static

from studykb.app.views import SM2_GRADES, GradeKey
from studykb.core.session import format_interval

# What "comes back today as a drill" reads as, from the roomiest to the tightest.
AGAIN_TODAY = (" + again today", " + today", "+")


def fitted(options: list[str], width: int) -> str:
    """The first option that fits in ``width`` cells, else the last one."""
    return next((text for text in options if len(text) <= width), options[-1])


class GradeCell(Static):
    """One grade: key and label on the first line, what it does below; both
    shortened to fit the cell (issue 16 item 5): the labels go before the keys."""

    def __init__(self, grade: GradeKey, scale: tuple[GradeKey, ...]) -> None:
        # Distinct ids per scale: the old scale's cells may still be leaving the DOM.
        kind = "fsrs" if scale[0].rating == 1 else "sm2"
        prefix = "rating" if kind == "fsrs" else "grade"
        super().__init__(id=f"{prefix}-{grade.rating}", classes=f"grade q{grade.rating} {kind}")
        self.quality = grade.rating
        self.label = grade.label
        self.scale = scale
        self.tooltip = f"{grade.rating}: {grade.meaning}"
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
        longest = max(len(f"{g.rating} {g.label}") for g in self.scale)
        label = f"{key} {self.label}" if longest <= width else key
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


def format_wait(wait: timedelta) -> str:
    """'1m', '10m', '3h' for steps within a day; '1d', '3.2mo', '1.1y' beyond."""
    minutes = int(wait.total_seconds() // 60)
    if wait < timedelta(hours=1):
        return f"{max(1, minutes)}m"
    if wait < timedelta(days=1):
        return f"{minutes // 60}h"
    return format_interval(wait.days)


class RatingBar(Horizontal):
    """The grade cells of a scale. What each does comes from the app layer's review step."""

    class Graded(Message):
        def __init__(self, quality: int) -> None:
            super().__init__()
            self.quality = quality

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.scale: tuple[GradeKey, ...] = SM2_GRADES

    def compose(self) -> ComposeResult:
        for grade in self.scale:
            yield GradeCell(grade, self.scale)

    def use_scale(self, scale: tuple[GradeKey, ...]) -> None:
        """Show this scale's keys (a session may hold SM-2 and FSRS decks)."""
        if scale == self.scale or not scale:
            return
        self.scale = scale
        self.remove_children()
        self.mount_all(GradeCell(grade, scale) for grade in scale)

    def show_waits(
        self, waits: dict[int, timedelta] | None, again_today: frozenset[int] = frozenset()
    ) -> None:
        """Label each grade with how long until the card is due again (None for a
        same-day drill, which changes nothing) and, for a grade after which the card
        comes back today (SM-2 rule 7), say so."""
        for cell in self.query(GradeCell):
            q = cell.quality
            if cell.scale != self.scale or (waits is not None and q not in waits):
                continue  # a cell of the scale shown before, on its way out
            wait = "drill" if waits is None else format_wait(waits[q])
            cell.show(wait, q in again_today)
