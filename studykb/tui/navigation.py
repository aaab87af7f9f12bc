"""Every place and every key of the TUI, named once.

The screens' bindings, the command palette and the help are all built from this
registry, so a key, a title or a description is changed in one place only. A
destination (a place the palette offers) is opened by ``app.go('<id>')``; every
other entry names the action of the screen that binds it. Every entry becomes a
Binding with an id and a tooltip (house style, as posting does).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from textual.binding import Binding, BindingType

from studykb.app.formats import import_formats_summary
from studykb.core.scheduler import QUALITY_LABELS, QUALITY_MEANINGS
from studykb.errors import BadInputError


@dataclass(frozen=True, slots=True)
class Entry:
    """A key (or a palette command): what it is called and what it does."""

    id: str  # the Binding's id, unique across the registry
    title: str  # the footer label, the help's action, the palette's name
    description: str  # the tooltip, the help's explanation, the palette's help text
    key: str | None = None  # None: reached from the command palette only
    action: str | None = None  # None: a destination, opened by app.go(id)
    show: bool = True  # shown in the footer
    short: str | None = None  # the footer label when the full title does not fit

    @property
    def is_destination(self) -> bool:
        return self.action is None

    @property
    def action_string(self) -> str:
        """The Textual action the key runs."""
        return self.action or f"app.go({self.id!r})"

    @property
    def footer_label(self) -> str:
        """The shorter footer label, for a narrow terminal."""
        return self.short or self.title

    def binding(self, key: str | None = None) -> Binding:
        """Its Binding; ``key`` replaces the registry's key (the user's keymap)."""
        key = key or self.key
        if key is None:
            raise ValueError(f"{self.id} has no key")
        return Binding(
            key,
            self.action_string,
            self.title,
            id=self.id,
            tooltip=self.description,
            show=self.show,
        )


# The destinations, in the order the command palette lists them.
REVIEW_ALL = Entry(
    "review-all", "Review all due", "Review every due card of every deck", "r", short="Review"
)
PAPERS = Entry("papers", "Papers", "Reading list and progress", "p")
STATS = Entry(
    "stats", "Statistics", "Heatmap, forecast, retention, card states", "t", short="Stats"
)
CARDS = Entry("cards", "Cards", "Find cards by text or math; filter, suspend, bury", "c")
# Every format the registry imports (studykb.app.formats), not a list kept by hand.
IMPORT = Entry("import", "Import a file or folder…", f"Any of: {import_formats_summary()}")
SETTINGS = Entry("settings", "Settings", "Daily limits and the hour a study day starts", "comma")
HOME = Entry("home", "Home", "Back to the deck list")
HELP = Entry("help", "Keys", "Every key on this screen", "question_mark")
THEME = Entry("theme", "Theme…", "Choose the colours; kept in config.toml for the next start")
DRAFTS = Entry("drafts", "Drafts", "Cards drafted from a paper's LaTeX source: accept or drop them")

DESTINATIONS: tuple[Entry, ...] = (
    REVIEW_ALL,
    PAPERS,
    STATS,
    CARDS,
    DRAFTS,
    IMPORT,
    SETTINGS,
    HOME,
    HELP,
    THEME,
)

# What the palette offers for each deck, after the destinations.
REVIEW_DECK_TITLE = "Review {title}"
REVIEW_DECK_DESCRIPTION = "Deck {id}"
REVIEW_GROUP_TITLE = "Review {id} (all its decks)"
REVIEW_GROUP_DESCRIPTION = "Every deck under {id}, each within its own daily limits"
DECK_OPTIONS_TITLE = "Options of {title}"
DECK_OPTIONS_DESCRIPTION = "Deck {id}: daily limits, new-card order, scheduler (SM-2 or FSRS-6)"
# ... and for each tag (review by tag: today's cards that carry it, from every deck).
REVIEW_TAG_TITLE = "Review tag #{tag}"
REVIEW_TAG_DESCRIPTION = "Today's cards with this tag, from {decks} deck(s)"


def _grade(q: int) -> Entry:
    title, description = f"{q} {QUALITY_LABELS[q]}", f"Grade {q}: {QUALITY_MEANINGS[q]}"
    return Entry(f"grade-{q}", title, description, str(q), f"grade({q})", show=False)


def _practice_grade(q: int) -> Entry:
    title = f"{q} {QUALITY_LABELS[q]}"
    description = f"Grade {q} (1-4 in an FSRS deck): logged as practice, no schedule changes"
    return Entry(f"practice-grade-{q}", title, description, str(q), f"grade({q})", show=False)


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
    Entry(
        "sync",
        "Sync",
        "Sync with your other machines now (the [sync] folder or git of the settings)",
        "S",
        "app.sync_now",
        show=False,
    ),
)
# j/k/g/G do what the arrows (and home/end) do on whatever has the focus: a
# table's cursor, a list's highlight, a scrolling pane (issue 16 item 12).
MOVING: tuple[Entry, ...] = (
    Entry("move-down", "Down", "Move down, as ↓ does", "j", "app.move('down')", show=False),
    Entry("move-up", "Up", "Move up, as ↑ does", "k", "app.move('up')", show=False),
    Entry("move-top", "Top", "Go to the top, as home does", "g", "app.move('top')", show=False),
    Entry(
        "move-bottom", "Bottom", "Go to the end, as end does", "G", "app.move('bottom')", show=False
    ),
)
# Textual's own keys, listed last in the help: (keys, what they do).
GENERIC_KEYS: tuple[tuple[str, str, str], ...] = (
    ("↑ ↓ ← →", "Move", "Move the cursor, or scroll"),
    ("pgup pgdn", "Page", "A page up or down"),
    ("home end", "Ends", "The first or the last line"),
    ("tab", "Next", "Focus the next field; shift+tab the previous"),
)
# The help's heading for each screen's own keys.
SCREEN_TITLES: dict[str, str] = {
    "home": "Home",
    "review": "Review",
    "papers": "Papers",
    "stats": "Statistics",
    "cards": "Cards",
    "settings": "Settings",
    "summary": "Session summary",
    "note": "Note",
    "tags": "Tags",
    "import": "Import",
    "help": "Keys",
    "deck-options": "Deck options",
    "study-more": "Study more",
    "confirm": "Confirm",
    "drafts": "Drafts",
    "add-paper": "Add a paper",
    "editor": "Card editor",
    "practice": "Practice",
}
SCREENS: dict[str, tuple[Entry, ...]] = {
    "home": (
        REVIEW_ALL,
        Entry("review-deck", "Review deck", "Review the highlighted deck", "enter", "review_deck"),
        Entry(
            "deck-options",
            "Deck options",
            "The highlighted deck's daily limits, new-card order and scheduler",
            "o",
            "deck_options",
            short="Options",
        ),
        Entry(
            "study-more",
            "Study more",
            "Raise the highlighted deck's limits for today only",
            "m",
            "study_more",
            short="More",
        ),
        Entry(
            "toggle-deck",
            "Fold",
            "Fold or unfold the highlighted parent deck (← folds, → unfolds too)",
            "space",
            "toggle_deck",
            show=False,
        ),
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
        CARDS,
        SETTINGS,
        Entry(
            "home-undo",
            "Undo",
            "Take back the last action of any kind (answer, edit, flag, retire…)",
            "u",
            "undo_last",
            show=False,
        ),
    ),
    "review": (
        Entry("reveal", "Show answer", "Reveal the back", "space", "reveal", short="Show"),
        Entry("reveal-enter", "Show answer", "Reveal the back", "enter", "reveal", show=False),
        *(_grade(q) for q in range(6)),
        Entry(
            "undo",
            "Undo",
            "Take back the last action of any kind: answer, suspend, bury, flag, edit, retire",
            "u",
            "undo",
        ),
        Entry(
            "suspend",
            "Suspend",
            "Stop showing this card until unsuspended",
            "s",
            "suspend",
            short="Susp.",
        ),
        Entry("bury", "Bury", "Hide this card until tomorrow", "b", "bury"),
        Entry(
            "open-paper",
            "Open paper",
            "Open the paper's URL in the browser (or show it and copy it)",
            "o",
            "open_paper",
            short="Paper",
        ),
        Entry(
            "toggle-raw",
            "Raw text",
            "Show the card's source text (Markdown and LaTeX)",
            "t",
            "toggle_raw",
            short="Raw",
        ),
        Entry(
            "review-cards",
            "Cards",
            "Find cards, starting at this one (its history, suspend, bury)",
            "c",
            "browse_cards",
            show=False,
        ),
        Entry(
            "review-edit",
            "Edit",
            "Edit this card (front, back, tags, source, kind); its history is kept",
            "e",
            "edit_card",
            show=False,
        ),
        Entry(
            "review-add",
            "Add card",
            "Add a card to this card's deck",
            "a",
            "add_card",
            show=False,
        ),
        Entry(
            "review-external",
            "Edit in $EDITOR",
            "Edit this card as TOML in $VISUAL or $EDITOR; checked when you come back",
            "E",
            "edit_external",
            show=False,
        ),
        Entry(
            "review-flag",
            "Flag",
            "Flag this card to fix later (or unflag it); the browser filters flagged cards",
            "f",
            "flag",
            show=False,
        ),
        Entry("leave", "Back", "Back to home; answers are saved", "escape", "leave"),
    ),
    "papers": (
        Entry("cycle-status", "Status", "unread → reading → read → unread", "s", "cycle_status"),
        Entry(
            "open-link",
            "Open",
            "Open the paper in the browser (or show its URL and copy it)",
            "o",
            "open_link",
        ),
        Entry("note", "Note", "Write a short personal note", "n", "note"),
        Entry("review-paper", "Review deck", "Review this paper's deck", "enter", "review"),
        Entry("filter", "Filter", "Narrow the list by text", "slash", "filter"),
        Entry(
            "new-deck",
            "New deck",
            "Create an empty deck for the highlighted paper (as `studykb new-deck`)",
            "c",
            "new_deck",
            short="Deck",
        ),
        Entry(
            "add-paper",
            "Add paper",
            "Add a paper to the reading list: title, URL, worth reading",
            "A",
            "add_paper",
            show=False,
        ),
        Entry(
            "papers-drafts",
            "Drafts",
            "Cards drafted from papers' LaTeX sources (`studykb draft`)",
            "d",
            "app.go('drafts')",
        ),
        Entry("papers-back", "Back", "Back (or clear the filter)", "escape", "leave"),
    ),
    "drafts": (
        Entry(
            "drafts-accept",
            "Accept",
            "Make a card of this draft: it joins its deck's new cards",
            "a",
            "accept",
        ),
        Entry("drafts-drop", "Drop", "Drop this draft (it is not drafted again)", "x", "drop"),
        Entry("drafts-back", "Back", "Back to the papers", "escape", "leave"),
    ),
    "add-paper": (Entry("add-paper-cancel", "Cancel", "Add nothing", "escape", "cancel"),),
    "cards": (
        Entry(
            "cards-search",
            "Search",
            "Type words, LaTeX or symbols to find cards",
            "slash",
            "search",
        ),
        Entry(
            "cards-mark",
            "Mark",
            "Mark or unmark this card: the actions then apply to every marked card",
            "space",
            "mark",
        ),
        Entry(
            "cards-suspend",
            "Suspend",
            "Suspend the cards (or bring them back if all are suspended)",
            "s",
            "suspend",
            short="Susp.",
        ),
        Entry("cards-bury", "Bury", "Hide the cards until the next study day", "b", "bury"),
        Entry(
            "cards-edit",
            "Edit",
            "Edit the highlighted card; its history is kept",
            "e",
            "edit_card",
        ),
        Entry(
            "cards-flag",
            "Flag",
            "Flag the cards to fix later (or unflag them if all are flagged)",
            "f",
            "flag",
            show=False,
        ),
        Entry(
            "cards-tags",
            "Tags",
            "Add and remove tags on the cards (+tag -tag; u undoes)",
            "t",
            "tags",
            show=False,
        ),
        Entry(
            "cards-retire",
            "Retire",
            "Retire the cards: hidden from review and search, history kept (asks first; u undoes)",
            "R",
            "retire",
            show=False,
        ),
        Entry(
            "cards-reset",
            "Reset",
            "Reset the cards to new: schedule started over, history kept (asks first; u undoes)",
            "N",
            "reset_cards",
            show=False,
        ),
        Entry(
            "cards-practice",
            "Practice",
            "Practise the marked cards (else every listed one) outside the schedule",
            "P",
            "practice",
            show=False,
        ),
        Entry(
            "cards-undo",
            "Undo",
            "Take back the last action of any kind (answer, edit, flag, retire…)",
            "u",
            "undo_last",
            show=False,
        ),
        Entry("cards-back", "Back", "Back (from the search field: to the list)", "escape", "leave"),
    ),
    "stats": (
        Entry("stats-deck", "Deck", "Statistics for one deck", "d", "choose_deck"),
        Entry(
            "stats-schedulers",
            "Schedulers",
            "SM-2 against FSRS-6 on your own history: scores and forecasts",
            "s",
            "show_schedulers",
            short="Sched.",
        ),
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
        Entry(
            "summary-undo",
            "Undo",
            "Take back the last action of any kind (the last answer, say)",
            "u",
            "undo_last",
        ),
    ),
    "discard-changes": (
        Entry("discard-keep", "Keep editing", "Back to the unsaved settings", "escape", "keep"),
    ),
    "note": (Entry("note-cancel", "Cancel", "Keep the note", "escape", "cancel"),),
    "tags": (Entry("tags-cancel", "Cancel", "Change no tags", "escape", "cancel"),),
    "import": (Entry("import-close", "Close", "Close", "escape", "close"),),
    "deck-options": (
        Entry(
            "deck-options-save", "Save", "Save the deck's options (asks first)", "ctrl+s", "save"
        ),
        Entry(
            "deck-options-back",
            "Back",
            "Back; asks before discarding changes",
            "escape",
            "leave",
        ),
    ),
    "study-more": (
        Entry("study-more-save", "Raise", "Raise the deck's limits for today", "ctrl+s", "save"),
        Entry("study-more-back", "Cancel", "Close; nothing is raised", "escape", "leave"),
    ),
    "practice": (
        Entry("practice-reveal", "Show answer", "Reveal the back", "space,enter", "reveal"),
        *(_practice_grade(q) for q in range(6)),
        Entry(
            "practice-undo",
            "Undo",
            "Take back the last action of any kind (a practice answer: answer it again)",
            "u",
            "undo",
        ),
        Entry("practice-back", "Back", "Back to the card browser", "escape", "leave"),
    ),
    "editor": (
        Entry("editor-save", "Save", "Save the card (one step; u undoes it)", "ctrl+s", "save"),
        Entry(
            "editor-preview",
            "Preview",
            "Show or hide the rendered preview (more room for the fields)",
            "f2",
            "toggle_preview",
        ),
        Entry(
            "editor-back",
            "Cancel",
            "Close; asks before discarding changes",
            "escape",
            "leave",
        ),
    ),
    "confirm": (
        Entry("confirm-yes", "Yes", "Go ahead", "y", "answer(True)"),
        Entry("confirm-no", "No", "Do nothing", "n,escape", "answer(False)"),
    ),
    # A modal screen sees none of the app's keys: the help scrolls with j/k/g/G too.
    "help": (
        Entry("help-close", "Close", "Close the help", "escape,question_mark,q", "close"),
        *MOVING,
    ),
}


def bindings(screen: str) -> list[BindingType]:
    """The Bindings of a screen (or of the app, ``"app"``), built from the registry."""
    return [entry.binding() for entry in keys_of(screen)]


def keys_of(screen: str) -> tuple[Entry, ...]:
    return (*APP, *MOVING) if screen == "app" else SCREENS[screen]


def all_entries() -> Iterable[Entry]:
    yield from DESTINATIONS
    yield from APP
    yield from MOVING
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


def check_keymap(keymap: Mapping[str, str], origin: str) -> dict[str, str]:
    """The user's keymap (binding id -> keys, as in config.toml's [keymap]), checked:
    every id must name a key of the registry; BadInputError names each bad one."""
    problems = []
    for binding_id, keys in keymap.items():
        found = _BY_ID.get(binding_id)
        if found is None or found.key is None:
            problems.append(f"{origin}: keymap.{binding_id}: no key has this id (see README, Keys)")
        elif not all(k.strip() for k in keys.split(",")):
            problems.append(f"{origin}: keymap.{binding_id}: empty key in {keys!r}")
    if problems:
        raise BadInputError(problems)
    return dict(keymap)
