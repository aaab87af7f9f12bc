"""The text a Pilot test's screen shows, line by line (what a user reads)."""

from __future__ import annotations

from textual.app import App


def screen_text(app: App[object]) -> str:
    # The compositor's strips are the cells as drawn; modals are included.
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def squeezed(app: App[object]) -> list[str]:
    """Each line with runs of spaces made one: robust to column widths."""
    return [" ".join(line.split()) for line in screen_text(app).splitlines()]
