"""An image on a card: the picture (studykb.tui.images), always its caption as text
below it, and, where the file is missing, the caption and ``[image missing: name]``."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from studykb.render.card import caption_of
from studykb.render.figures import Figure as FigureRef
from studykb.render.safe_text import neutralise
from studykb.tui.images import image_widget


class Figure(Vertical):
    """One image with its caption."""

    DEFAULT_CSS = """
    Figure { height: auto; }
    Figure .picture { width: auto; max-width: 100%; }
    Figure .caption { height: auto; color: $text-muted; }
    Figure .missing { height: auto; color: $warning; }
    """

    def __init__(self, ref: FigureRef, path: Path | None) -> None:
        super().__init__(classes="figure")
        self.ref = ref
        self.path = path

    def compose(self) -> ComposeResult:
        if self.path is None:
            yield Static(Text(f"[image missing: {neutralise(self.ref.name)}]"), classes="missing")
        else:
            try:
                picture = image_widget(self.path)
            except Exception:  # a file Pillow cannot read after all: the caption stays
                picture = None
                yield Static(
                    Text(f"[image unreadable: {neutralise(self.ref.name)}]"), classes="missing"
                )
            if picture is not None:
                # A third of the screen's rows (4 to 12): at 80x24 the caption stays in view.
                picture.styles.height = max(4, min(12, self.app.size.height // 3))
                yield picture
        yield Static(Text(caption_of(self.ref)), classes="caption")
