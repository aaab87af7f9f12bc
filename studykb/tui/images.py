"""Which widget draws a card's image (textual-image, LGPL-3.0-or-later, pinned).

textual-image picks Kitty's graphics protocol, Sixel or coloured half-blocks by
asking the terminal, and it asks when it is imported: that must happen before
Textual owns the terminal (afterwards Textual's input thread would take the
answer), and it costs up to a few hundred milliseconds (the import, and a
terminal that does not answer). So:

- a start with images imported (a listing of the media folder) asks before the
  app starts (`prepare_before_start`), and review uses its auto-detected widget;
- a start without images never imports it: startup stays as fast as before;
- an image met later (imported during the session), in a test or in the browser
  (`studykb serve`: no terminal to ask) is drawn with half-blocks, importing
  textual-image with its terminal queries turned off.

``STUDYKB_IMAGES`` overrides the choice: ``auto`` (the default), ``halfcell``, or
``off`` (captions only, no picture).
"""

from __future__ import annotations

import io
import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from textual.widget import Widget

Mode = Literal["auto", "halfcell", "off"]
MODES: tuple[Mode, ...] = ("auto", "halfcell", "off")
_detected = False  # whether textual-image asked the terminal (before the app started)


def mode() -> Mode:
    value = os.environ.get("STUDYKB_IMAGES", "auto").strip().lower()
    for known in MODES:
        if value == known:
            return known
    return "auto"


def prepare_before_start(has_images: bool) -> None:
    """Called by the command line just before the app starts: with images to show and
    a real terminal, let textual-image ask it what it can draw."""
    global _detected
    if not has_images or mode() != "auto" or "textual_image" in sys.modules:
        return
    if not (
        sys.__stdout__ and sys.__stdout__.isatty() and sys.__stdin__ and sys.__stdin__.isatty()
    ):
        return
    # A terminal that does not answer is logged as a warning with a traceback, which
    # Python would print on stderr under the TUI: studykb says nothing of it.
    logging.getLogger("textual_image").addHandler(logging.NullHandler())
    try:
        import textual_image.widget  # noqa: F401  (asks the terminal, caches the answer)
    except Exception:
        # textual-image 0.12 divides by a terminal's column count, which a pty may
        # report as 0: no detection then; images are drawn with half-blocks.
        return
    _detected = True


def _import_quietly() -> None:
    """Import textual-image without letting it ask the terminal: it sees no terminal
    on stdout while it loads (Textual draws on stderr, so nothing else notices)."""
    if "textual_image.widget" in sys.modules:
        return
    real = sys.__stdout__
    sys.__stdout__ = io.StringIO()  # type: ignore[misc,assignment]
    try:
        import textual_image.widget  # noqa: F401
    finally:
        sys.__stdout__ = real  # type: ignore[misc]


def widget_kind() -> str:
    """The name of the widget class an image gets now: "Image" (auto-detected before
    the start), "HalfcellImage", or "" (off: captions only)."""
    chosen = mode()
    if chosen == "off":
        return ""
    if chosen == "auto" and _detected:
        return "Image"
    return "HalfcellImage"


def image_widget(path: Path, *, id: str | None = None) -> Widget | None:
    """A widget drawing the image at ``path``, or None when images are off. The file
    is decoded here, so that a damaged one raises now, not while the screen draws."""
    kind = widget_kind()
    if not kind:
        return None
    _import_quietly()
    from PIL import Image as PILImage
    from textual_image import widget

    with PILImage.open(path) as opened:
        opened.load()
        picture = opened.copy()
    cls = widget.Image if kind == "Image" else widget.HalfcellImage
    return cls(picture, id=id, classes="picture")
