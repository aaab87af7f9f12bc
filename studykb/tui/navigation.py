"""Every place and every key of the TUI, named once.

The screens' bindings, the command palette and the help are all built from this
registry, so a key, a title or a description is changed in one place only. A
destination (a place the palette offers) is opened by ``app.go('<id>')``; every
other entry names the action of the screen that binds it. Every entry becomes a
Binding with an id and a tooltip (house style, as posting does).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from textual.binding import Binding, BindingType

from studykb.app.formats import import_formats_summary
from studykb.core.scheduler import QUALITY_LABELS, QUALITY_MEANINGS


@dataclass(frozen=True, slots=True)
class Entry:
    """A key (or a palette command): what it is called and what it does."""

    id: str  # the Binding's id, unique across the registry
    title: str  # the footer label, the help's action, the palette's name
    description: str  # the tooltip, the help's explanation, the palette's help text
    key: str | None = None  # None: reached from the command palette only
    action: str | None = None  # None: a destination, opened by app.go(id)
    show: bool = True  # shown in the footer

    @property
    def is_destination(self) -> bool:
        return self.action is None

    @property
    def action_string(self) -> str:
        """The Textual action the key runs."""
        return self.action or f"app.go({self.id!r})"

    def binding(self) -> Binding:
        if self.key is None:
            raise ValueError(f"{self.id} has no key")
        return Binding(
            self.key,
            self.action_string,
            self.title,
            id=self.id,
            tooltip=self.description,
            show=self.show,
        )


# The destinations, in the order the command palette lists them.
REVIEW_ALL = Entry("review-all", "Review all due", "Review every due card of every deck", "r")
PAPERS = Entry("papers", "Papers", "Reading list and progress", "p")
STATS = Entry("stats", "Statistics", "Heatmap, forecast, retention, card states", "t")
# Every format the registry imports (studykb.app.formats), not a list kept by hand.
IMPORT = Entry("import", "Import a file or folder…", f"Any of: {import_formats_summary()}")
SETTINGS = Entry("settings", "Settings", "Daily limits and the hour a study day starts", "comma")
HOME = Entry("home", "Home", "Back to the deck list")
HELP = Entry("help", "Keys", "Every key on this screen", "question_mark")

DESTINATIONS: tuple[Entry, ...] = (REVIEW_ALL, PAPERS, STATS, IMPORT, SETTINGS, HOME, HELP)

# What the palette offers for each deck, after the destinations.
REVIEW_DECK_TITLE = "Review {title}"
REVIEW_DECK_DESCRIPTION = "Deck {id}"
# ... and for each tag (review by tag: today's cards that carry it, from every deck).
REVIEW_TAG_TITLE = "Review tag #{tag}"
REVIEW_TAG_DESCRIPTION = "Today's cards with this tag, from {decks} deck(s)"


def _grade(q: int) -> Entry:
    title, description = f"{q} {QUALITY_LABELS[q]}", f"Grade {q}: {QUALITY_MEANINGS[q]}"
    return Entry(f"grade-{q}", title, description, str(q), f"grade({q})", show=False)


# The keys of each screen, in footer order; the app's keys come last everywhere.
APP: tuple[Entry, ...] = (
    HELP,
    Entry(
        "palette",
        "Commands",
        "Review a deck, open a screen, import",
        "ctrl+p",
        "command_palette",
        show=False,  # Textual's footer already shows the palette key
    ),
    Entry("quit", "Quit", "Quit; every answer is already saved", "q", "quit"),
)
SCREENS: dict[str, tuple[Entry, ...]] = {
    "home": (
        REVIEW_ALL,
        Entry("review-deck", "Review deck", "Review the highlighted deck", "enter", "review_deck"),
        Entry(
            "filter-tag",
            "Tag",
            "Show only the decks with cards of a tag; a deck is then reviewed by that tag",
            "f",
            "filter_tag",
            show=False,  # the filter itself is on the screen
        ),
        PAPERS,
        STATS,
        SETTINGS,
    ),
    "review": (
        Entry("reveal", "Show answer", "Reveal the back", "space", "reveal"),
        Entry("reveal-enter", "Show answer", "Reveal the back", "enter", "reveal", show=False),
        *(_grade(q) for q in range(6)),
        Entry("undo", "Undo", "Take back the last answer", "u", "undo"),
        Entry("suspend", "Suspend", "Stop showing this card until unsuspended", "s", "suspend"),
        Entry("bury", "Bury", "Hide this card until tomorrow", "b", "bury"),
        Entry("open-paper", "Open paper", "Open the paper's URL in the browser", "o", "open_paper"),
        Entry(
            "toggle-raw",
            "Raw text",
            "Show the card's source text (Markdown and LaTeX)",
            "t",
            "toggle_raw",
        ),
        Entry("leave", "Back", "Back to home; answers are saved", "escape", "leave"),
    ),
    "papers": (
        Entry("cycle-status", "Status", "unread → reading → read → unread", "s", "cycle_status"),
        Entry("open-link", "Open", "Open the paper in the browser", "o", "open_link"),
        Entry("note", "Note", "Write a short personal note", "n", "note"),
        Entry("review-paper", "Review deck", "Review this paper's deck", "enter", "review"),
        Entry("filter", "Filter", "Narrow the list by text", "slash", "filter"),
        Entry("papers-back", "Back", "Back (or clear the filter)", "escape", "leave"),
    ),
    "stats": (
        Entry("stats-deck", "Deck", "Statistics for one deck", "d", "choose_deck"),
        Entry("stats-back", "Back", "Back to home", "escape", "leave"),
    ),
    "settings": (
        Entry("settings-save", "Save", "Save to the config file", "ctrl+s", "save"),
        Entry(
            "settings-back",
            "Back",
            "Back (asks first if there are unsaved changes)",
            "escape",
            "leave",
        ),
    ),
    "summary": (
        Entry("summary-home", "Home", "Back to the home screen", "enter", "home"),
        Entry("summary-escape", "Home", "Back to the home screen", "escape", "home", show=False),
    ),
    "discard-changes": (
        Entry("discard-keep", "Keep editing", "Back to the unsaved settings", "escape", "keep"),
    ),
    "note": (Entry("note-cancel", "Cancel", "Keep the note", "escape", "cancel"),),
    "import": (Entry("import-close", "Close", "Close", "escape", "close"),),
    "help": (Entry("help-close", "Close", "Close the help", "escape,question_mark,q", "close"),),
}


def bindings(screen: str) -> list[BindingType]:
    """The Bindings of a screen (or of the app, ``"app"``), built from the registry."""
    return [entry.binding() for entry in keys_of(screen)]


def keys_of(screen: str) -> tuple[Entry, ...]:
    return APP if screen == "app" else SCREENS[screen]


def all_entries() -> Iterable[Entry]:
    yield from DESTINATIONS
    yield from APP
    for entries in SCREENS.values():
        yield from entries


_BY_ID: dict[str, Entry] = {}
for _entry in all_entries():
    if _BY_ID.setdefault(_entry.id, _entry) is not _entry:
        raise RuntimeError(f"two navigation entries share the id {_entry.id!r}")


def entry(entry_id: str) -> Entry | None:
    """The registry's entry of a Binding id (None for Textual's own bindings)."""
    return _BY_ID.get(entry_id)


def destination(entry_id: str) -> Entry:
    found = _BY_ID.get(entry_id)
    if found is None or not found.is_destination:
        raise KeyError(f"no destination {entry_id!r}")
    return found
