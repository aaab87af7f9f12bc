"""The footer, fitted to the terminal's width (issue 16 item 5).

Textual's Footer scrolls sideways when its keys do not fit, so at 80 or 100
columns the last ones were cut (``q Qu▏``). This one keeps every key on screen
and degrades step by step: less padding, the registry's shorter labels, no
palette key (ctrl+p still works and the help lists it), then keys only.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from studykb.tui import navigation


@dataclass(frozen=True, slots=True)
class FooterStyle:
    compact: bool
    labels: str  # "full", "short" or "none"
    palette: bool


# From the roomiest to the tightest: the first that fits is used.
STYLES = (
    FooterStyle(compact=False, labels="full", palette=True),
    FooterStyle(compact=True, labels="full", palette=True),
    FooterStyle(compact=True, labels="short", palette=True),
    FooterStyle(compact=True, labels="short", palette=False),
    FooterStyle(compact=True, labels="none", palette=False),
)


def label(binding: Binding, labels: str) -> str:
    if labels == "none":
        return ""
    entry = navigation.entry(binding.id or "")
    if labels == "short" and entry is not None:
        return entry.footer_label
    return binding.description


def needed_width(
    keys: list[tuple[str, str]], palette: tuple[str, str] | None, compact: bool
) -> int:
    """Cells taken by (key, label) pairs as Textual's FooterKey draws them."""
    if compact:  # key, a space, the label, a margin of one
        width = sum(len(k) + (len(d) + 1 if d else 0) + 1 for k, d in keys)
    else:  # a cell of padding around the key, one after the label
        width = sum(len(k) + 2 + (len(d) + 1 if d else 0) for k, d in keys)
    if palette is not None:  # docked right, behind a border, with padding
        key, description = palette
        width += len(key) + 2 + len(description) + 1 + 2
    return width


class StudyFooter(Footer):
    def __init__(self) -> None:
        super().__init__()
        self.style_used = STYLES[0]

    def _shown_bindings(self) -> list[tuple[Binding, bool, str]]:
        by_action: defaultdict[str, list[tuple[Binding, bool, str]]] = defaultdict(list)
        for _, binding, enabled, tooltip in self.screen.active_bindings.values():
            if binding.show:
                by_action[binding.action].append((binding, enabled, tooltip))
        return [found[0] for found in by_action.values()]

    def choose_style(self, width: int) -> FooterStyle:
        shown = self._shown_bindings()
        palette_binding = self.screen.active_bindings.get(self.app.COMMAND_PALETTE_BINDING)
        for style in STYLES:
            keys = [(self.app.get_key_display(b), label(b, style.labels)) for b, _, _ in shown]
            palette = None
            if style.palette and palette_binding is not None:
                binding = palette_binding[1]
                palette = (self.app.get_key_display(binding), binding.description)
            if needed_width(keys, palette, style.compact) <= width:
                return style
        return STYLES[-1]

    def compose(self) -> ComposeResult:
        if not self._bindings_ready:
            return
        style = self.choose_style(self.app.size.width)
        self.style_used = style
        self.set_reactive(Footer.compact, style.compact)
        self.set_class(style.compact, "-compact")
        for binding, enabled, tooltip in self._shown_bindings():
            yield FooterKey(
                binding.key,
                self.app.get_key_display(binding),
                label(binding, style.labels),
                binding.action,
                disabled=not enabled,
                tooltip=tooltip or binding.description,
            ).data_bind(compact=Footer.compact)
        found = self.screen.active_bindings.get(self.app.COMMAND_PALETTE_BINDING)
        if style.palette and self.app.ENABLE_COMMAND_PALETTE and found is not None:
            _node, binding, enabled, tooltip = found
            yield FooterKey(
                binding.key,
                self.app.get_key_display(binding),
                binding.description,
                binding.action,
                classes="-command-palette",
                disabled=not enabled,
                tooltip=binding.tooltip or binding.description,
            )

    def on_resize(self, event: events.Resize) -> None:
        if self._bindings_ready and self.choose_style(self.app.size.width) != self.style_used:
            self.call_after_refresh(self.recompose)
