"""Issue 12 items 2, 6 and 7 in the TUI: the card editor, e / a / E / f in review,
e / f / R in the browser, and u (undo of any kind) on every screen. Each test drives
the keys and checks both the screen and the database."""

from __future__ import annotations

import contextlib
import sys
import textwrap
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import DataTable, Input, Markdown, Select, Static, TextArea

from studykb.app.authoring import CardFields
from studykb.app.store import Store
from studykb.core.clock import FixedClock
from studykb.render.card import note_faces
from studykb.tui.app import StudyApp
from studykb.tui.external_editor import (
    ERROR_MARK,
    editor_command,
    file_name,
    is_empty,
    with_errors,
    without_errors,
)
from studykb.tui.screens.browser import CardBrowserScreen
from studykb.tui.screens.deck_options import ConfirmModal
from studykb.tui.screens.editor import EditorModal, parse_tags, preview_faces
from studykb.tui.screens.home import HomeScreen
from studykb.tui.screens.review import ReviewScreen
from tests.tui.screen_text import screen_text


def notes(app: Any) -> list[str]:
    return [str(n.message) for n in app._notifications]


def raw(store: Store, ref: str) -> tuple[str, str]:
    repo = store.repo
    card = repo.card(repo.find_card(ref))
    return card.raw_front, card.raw_back


def log_rows(store: Store) -> list[tuple[str, int, str]]:
    return store.repo.conn.execute(
        "SELECT c.key, r.quality, r.kind FROM review_log r JOIN card c ON c.id = r.card_id "
        "ORDER BY r.seq"
    ).fetchall()


def card_id(store: Store, ref: str) -> int:
    return store.repo.find_card(ref)


# ------------------------------------------------------------------ the pure parts
def test_the_preview_makes_the_same_sides_as_review(toy_store: Store) -> None:
    """The editor's preview and review show a card alike: the preview's sides are
    the very question and answer storage gives review (a cloze blank as [...])."""
    repo = toy_store.repo
    for ref in ("toy/one", "toy/eq:c1", "toy/eq:c2"):
        card = repo.card(repo.find_card(ref))
        kind = "cloze" if card.kind == "cloze" else "basic"
        faces = note_faces(kind, card.raw_front, card.raw_back)
        number = card.cloze_number or 1
        face = faces[number - 1]
        assert (face.question, face.answer) == (card.question, card.answer)
    assert "[...]" in note_faces("cloze", "a {{c1::b}} c", "")[0].question
    two = note_faces("reversed", "F", "B")
    assert [(f.question, f.answer) for f in two] == [("F", "B"), ("B", "F")]
    assert preview_faces(CardFields("no deletion", "", kind="cloze"))[0] == []
    assert "cloze" in (preview_faces(CardFields("{{c1::open", "", kind="cloze"))[1] or "")


def test_tags_as_typed() -> None:
    assert parse_tags("a, b  #c,a") == ("a", "b", "c")
    assert parse_tags("  ") == ()


def test_error_lines_go_on_top_and_come_off_again() -> None:
    document = 'kind = "basic"\nfront = ""\n'
    marked = with_errors(document, ["card.toml:2: front: empty"])
    assert marked.startswith(ERROR_MARK)
    assert "card.toml:2: front: empty" in marked.splitlines()[1]
    assert without_errors(marked) == document
    # Reopened twice: still one header, the newest problems.
    again = with_errors(marked, ["card.toml:3: back: empty"])
    assert without_errors(again) == document and "front: empty" not in again
    assert is_empty("# only\n\n# comments\n") and not is_empty(document)
    assert file_name("ddim/eta role") == "ddim-eta-role.toml"


def test_the_editor_command_comes_from_visual_then_editor() -> None:
    assert editor_command({"VISUAL": "code --wait", "EDITOR": "nano"}) == ["code", "--wait"]
    assert editor_command({"VISUAL": " ", "EDITOR": "nano -w"}) == ["nano", "-w"]


# ------------------------------------------------------------------ review: e
async def test_e_in_review_edits_the_card_which_keeps_its_log_and_shows_the_new_text(
    toy_store: Store, make_app: Any, clock: FixedClock
) -> None:
    one = card_id(toy_store, "toy/one")
    toy_store.repo.answer(one, 5)  # yesterday: a history to keep
    clock.advance(timedelta(days=1))  # today toy/one is due, first in the queue
    before = toy_store.repo.log_for_card(one)
    app = make_app(toy_store, review=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("space")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        assert screen.card is not None and screen.card.ref == "toy/one"
        await pilot.press("e")
        await pilot.pause()
        editor = app.screen
        assert isinstance(editor, EditorModal)
        assert editor.query_one("#editor-front", TextArea).text == "Question one?"
        assert "Edit toy/one" in screen_text(app)
        await pilot.press(*"Edited: ")  # typed at the start of the front
        await pilot.pause(0.3)  # the preview follows once typing stops
        assert "Edited: Question one?" in screen_text(app)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is screen  # back in review, on the same card, answer shown
        assert screen.card is not None and screen.card.ref == "toy/one" and screen.revealed
        assert screen.query_one("#question", Markdown).source == "Edited: Question one?"
        assert "Edited: Question one?" in screen_text(app)
        assert "Edited toy/one" in notes(app)
        await pilot.press("4")  # the review goes on: the edited card is answered
        await pilot.pause()
    repo = toy_store.repo
    assert raw(toy_store, "toy/one") == ("Edited: Question one?", "Answer one.")
    assert card_id(toy_store, "toy/one") == one  # the same card
    history = repo.log_for_card(one)
    assert history[: len(before)] == before  # its whole history kept
    assert [(a.quality, a.kind) for a in history] == [(5, "review"), (4, "review")]
    assert repo.check().ok


async def test_u_after_an_edit_restores_the_old_text(toy_store: Store, make_app: Any) -> None:
    app = make_app(toy_store, review=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReviewScreen) and screen.card is not None
        ref = screen.card.ref
        old = raw(toy_store, ref)
        await pilot.press("e")
        await pilot.pause()
        await pilot.press(*"New ", "ctrl+s")
        await pilot.pause()
        assert raw(toy_store, ref)[0] == "New " + old[0]
        assert screen.query_one("#question", Markdown).source.startswith("New ")
        await pilot.press("u")
        await pilot.pause()
        assert f"Undone: edit of {ref}" in notes(app)
        assert screen.card is not None and screen.card.ref == ref
        assert screen.query_one("#question", Markdown).source == old[0]
    assert raw(toy_store, ref) == old
    assert toy_store.repo.check().ok


async def test_escape_with_changes_asks_before_discarding(toy_store: Store, make_app: Any) -> None:
    app = make_app(toy_store, review=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReviewScreen) and screen.card is not None
        ref = screen.card.ref
        old = raw(toy_store, ref)
        await pilot.press("e")
        await pilot.pause()
        await pilot.press("escape")  # nothing changed: closes at once
        await pilot.pause()
        assert app.screen is screen
        await pilot.press("e", *"zzz", "escape")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        assert "Discard your changes to this card?" in screen_text(app)
        await pilot.press("n")  # keep editing
        await pilot.pause()
        assert isinstance(app.screen, EditorModal)
        assert app.screen.query_one("#editor-front", TextArea).text.startswith("zzz")
        await pilot.press("escape", "y")
        await pilot.pause()
        assert app.screen is screen
    assert raw(toy_store, ref) == old


async def test_saving_with_a_problem_says_so_and_saves_nothing(
    toy_store: Store, make_app: Any
) -> None:
    app = make_app(toy_store, review=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReviewScreen) and screen.card is not None
        ref = screen.card.ref
        old = raw(toy_store, ref)
        await pilot.press("e")
        await pilot.pause()
        editor = app.screen
        assert isinstance(editor, EditorModal)
        editor.query_one("#editor-back", TextArea).text = ""
        await pilot.pause(0.3)
        assert "✗ back: empty" in screen_text(app)  # inline, as you type
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is editor  # still open
        assert any("back: empty" in n for n in notes(app))
    assert raw(toy_store, ref) == old


# ------------------------------------------------------------------ review: a, f
async def test_a_in_review_adds_a_card_to_the_current_deck(toy_store: Store, make_app: Any) -> None:
    app = make_app(toy_store, review=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReviewScreen) and screen.card is not None
        shown = screen.card.ref
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, EditorModal)
        assert "New card in Toy deck" in screen_text(app)
        await pilot.press(*"What is new?", "tab", *"This card.")
        await pilot.pause(0.3)
        # The linter's warnings follow the typing, inline.
        assert "⚠ missing-source: no source" in screen_text(app)
        app.screen.query_one("#editor-source", Input).value = "§9"
        await pilot.pause(0.3)
        assert "missing-source" not in screen_text(app)
        # f2 hides the preview (room for the fields at 80x24) and shows it again.
        preview = app.screen.query_one("#editor-preview")
        await pilot.press("f2")
        assert not preview.display
        await pilot.press("f2")
        assert preview.display
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is screen and screen.card is not None
        assert screen.card.ref == shown  # the review goes on with its card
        added = [n for n in notes(app) if n.startswith("Added toy/")]
        assert added
    rows = toy_store.repo.conn.execute(
        "SELECT deck_id, front, back, source FROM card WHERE front = 'What is new?'"
    ).fetchall()
    assert [tuple(r) for r in rows] == [("toy", "What is new?", "This card.", "§9")]
    assert toy_store.repo.check().ok


async def test_f_in_review_flags_and_unflags_the_card(toy_store: Store, make_app: Any) -> None:
    app = make_app(toy_store, review=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReviewScreen) and screen.card is not None
        ref = screen.card.ref
        await pilot.press("f")
        await pilot.pause()
        assert any(n.startswith(f"Flagged {ref}") for n in notes(app))
        assert toy_store.repo.card(card_id(toy_store, ref)).flagged
        assert "⚑ flagged" in str(screen.query_one("#review-meta", Static).render())
        await pilot.press("f")
        await pilot.pause()
        assert f"Unflagged {ref}." in notes(app)
        assert not toy_store.repo.card(card_id(toy_store, ref)).flagged


# ------------------------------------------------------------------ review: E
FAKE_EDITOR = """
import pathlib, sys
path = pathlib.Path(sys.argv[-1])
text = path.read_text(encoding="utf-8")
log = pathlib.Path({log!r})
log.write_text(log.read_text() + "---\\n" + text if log.exists() else "---\\n" + text)
if {bad_first} and "# error:" not in text:
    text = text.replace('back = ', 'back = 42 #', 1)  # not text: an error
else:  # fixed (if it was broken), and the front changed
    text = text.replace('back = 42 #', 'back = ', 1)
    text = text.replace('front = "', 'front = "From the editor: ', 1)
path.write_text(text, encoding="utf-8")
"""


@pytest.fixture
def no_suspend(monkeypatch: pytest.MonkeyPatch) -> None:
    """Headless tests have no terminal to hand over: suspend does nothing."""

    @contextlib.contextmanager
    def suspend(self: StudyApp) -> Iterator[None]:
        yield

    monkeypatch.setattr(StudyApp, "suspend", suspend)


def fake_editor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *, bad_first: bool) -> Path:
    log = tmp_path / "editor.log"
    script = tmp_path / "fake_editor.py"
    script.write_text(textwrap.dedent(FAKE_EDITOR.format(log=str(log), bad_first=bad_first)))
    monkeypatch.setenv("VISUAL", f"{sys.executable} {script}")
    return log


async def test_E_edits_the_card_in_visual_as_toml(
    toy_store: Store,
    make_app: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    no_suspend: None,
) -> None:
    log = fake_editor(tmp_path, monkeypatch, bad_first=False)
    app = make_app(toy_store, review=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReviewScreen) and screen.card is not None
        ref = screen.card.ref
        await pilot.press("E")
        await pilot.pause()
        assert f"Edited {ref}" in notes(app)
        assert screen.card is not None and screen.card.ref == ref
        assert screen.query_one("#question", Markdown).source.startswith("From the editor: ")
    assert raw(toy_store, ref)[0].startswith("From the editor: ")
    assert log.read_text().count("---\n") == 1
    assert toy_store.repo.check().ok


async def test_a_bad_edit_in_visual_reopens_with_the_error_and_saves_nothing_until_good(
    toy_store: Store,
    make_app: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    no_suspend: None,
) -> None:
    log = fake_editor(tmp_path, monkeypatch, bad_first=True)
    app = make_app(toy_store, review=True)
    saved_between: list[tuple[str, str]] = []
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReviewScreen) and screen.card is not None
        ref = screen.card.ref
        old = raw(toy_store, ref)
        await pilot.press("E")
        await pilot.pause()
        saved_between.append(raw(toy_store, ref))
    rounds = log.read_text().split("---\n")[1:]
    assert len(rounds) == 2  # opened twice: the bad edit came back
    assert not rounds[0].startswith(ERROR_MARK)
    assert rounds[1].startswith(ERROR_MARK)  # the error, on top, as a comment
    assert f"{ref}:" in rounds[1].splitlines()[1]  # where: the card, the line
    assert "back: must be text" in rounds[1].splitlines()[1]
    assert "back = 42" in rounds[1]  # the user's own (bad) text, kept to fix
    assert saved_between == [raw(toy_store, ref)]  # one save, at the end
    assert raw(toy_store, ref) == ("From the editor: " + old[0], old[1])
    edits = toy_store.repo.conn.execute(
        "SELECT COUNT(*) FROM event WHERE kind = 'card_edit'"
    ).fetchone()[0]
    assert edits == 1  # nothing half saved: one edit, the good one


async def test_quitting_visual_without_a_change_saves_nothing(
    toy_store: Store,
    make_app: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    no_suspend: None,
) -> None:
    monkeypatch.setenv("VISUAL", "true")
    app = make_app(toy_store, review=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReviewScreen) and screen.card is not None
        ref = screen.card.ref
        old = raw(toy_store, ref)
        await pilot.press("E")
        await pilot.pause()
        assert f"No change to {ref}." in notes(app)
    assert raw(toy_store, ref) == old


# ------------------------------------------------------------------ browser
async def _open_browser(app: StudyApp, pilot: Any) -> CardBrowserScreen:
    await pilot.press("c")
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, CardBrowserScreen)
    return screen


def _highlight(screen: CardBrowserScreen, ref: str) -> None:
    table = screen.query_one("#browser-table", DataTable)
    refs = [r.ref for r in screen.page.rows]
    table.move_cursor(row=refs.index(ref), animate=False)


async def test_the_browser_edits_flags_retires_and_undo_brings_back(
    toy_store: Store, make_app: Any
) -> None:
    app = make_app(toy_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = await _open_browser(app, pilot)
        _highlight(screen, "toy/one")
        await pilot.pause()
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, EditorModal)
        await pilot.press(*"Fixed: ", "ctrl+s")
        await pilot.pause()
        assert app.screen is screen
        assert "Fixed: Question one?" in screen_text(app)  # the list and the panel
        # Flag two cards at once: mark them, then f.
        _highlight(screen, "toy/one")
        await pilot.press("space")  # mark one; the cursor moves down
        _highlight(screen, "toy/two")
        await pilot.press("space", "f")
        await pilot.pause()
        assert "Flagged 2 cards; f again unflags." in notes(app)
        # The state filter offers "flagged": only those two are listed, each with ⚑.
        screen.query_one("#browser-state", Select).value = "flagged"
        await pilot.pause()
        assert sorted(r.ref for r in screen.page.rows) == ["toy/one", "toy/two"]
        assert "⚑" in screen_text(app)
        screen.query_one("#browser-state", Select).value = Select.NULL
        await pilot.pause()
        assert len(screen.page.rows) == 4
        # Retire one (asks first), then u brings it back.
        _highlight(screen, "toy/two")
        await pilot.press("R")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        assert "Retire toy/two?" in screen_text(app)
        await pilot.press("y")
        await pilot.pause()
        assert "toy/two" not in [r.ref for r in screen.page.rows if r.state != "retired"]
        retired = toy_store.repo.card(card_id(toy_store, "toy/two")).retired
        await pilot.press("u")
        await pilot.pause()
        assert "Undone: retire of toy/two" in notes(app)
        back = not toy_store.repo.card(card_id(toy_store, "toy/two")).retired
    repo = toy_store.repo
    assert repo.card(repo.find_card("toy/one")).raw_front == "Fixed: Question one?"
    assert repo.card(repo.find_card("toy/one")).flagged
    assert repo.card(repo.find_card("toy/two")).flagged
    assert retired and back
    assert repo.check().ok


# ------------------------------------------------------------------ home, summary
async def test_u_on_home_takes_back_the_last_action_and_says_which(
    toy_store: Store, make_app: Any
) -> None:
    app = make_app(toy_store)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        app.collection.authoring.edit("toy/one", CardFields("Changed?", "Answer one."))
        app.collection.authoring.set_flagged(["toy/two"], True)
        await pilot.press("u")
        await pilot.pause()
        assert "Undone: flag of toy/two" in notes(app)
        await pilot.press("u")
        await pilot.pause()
        assert "Undone: edit of toy/one" in notes(app)
        await pilot.press("u")
        await pilot.pause()
        assert "Nothing to undo." in notes(app)
    assert raw(toy_store, "toy/one") == ("Question one?", "Answer one.")
    assert not toy_store.repo.card(card_id(toy_store, "toy/two")).flagged


async def test_u_on_the_summary_takes_back_the_last_answer(toy_store: Store, make_app: Any) -> None:
    from studykb.tui.screens.summary import SessionSummaryScreen

    app = make_app(toy_store, review=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("space", "5", "space", "5", "space", "5", "space", "5")
        await pilot.pause()
        assert isinstance(app.screen, SessionSummaryScreen)
        await pilot.press("u")
        await pilot.pause()
        assert any(n.startswith("Undone: answer to toy/eq:c2") for n in notes(app))
    assert [r[2] for r in log_rows(toy_store)][-1] == "void"


async def test_a_cloze_card_is_edited_as_its_note_and_stays_a_cloze(
    toy_store: Store, make_app: Any
) -> None:
    app = make_app(toy_store, review=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("space", "5", "space", "5")  # one, two: now toy/eq:c1
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReviewScreen) and screen.card is not None
        assert screen.card.ref == "toy/eq:c1"
        await pilot.press("e")
        await pilot.pause()
        editor = app.screen
        assert isinstance(editor, EditorModal)
        # The note's text with both deletions; the preview asks c1 with its blank.
        text = editor.query_one("#editor-front", TextArea).text
        assert "{{c1::" in text and "{{c2::" in text
        assert "2 cards; the first (c1) as review shows it:" in screen_text(app)
        assert "[...]" in screen_text(app)
        assert "c2: hides every t" in screen_text(app)
        # It stays a cloze: the other kinds cannot be chosen.
        assert editor.query_one("#editor-kind-basic").disabled
        assert not editor.query_one("#editor-kind-cloze").disabled
        editor.query_one("#editor-front", TextArea).text = text + " Indeed."
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is screen and screen.card is not None
        assert screen.card.ref == "toy/eq:c1" and not screen.revealed
        assert screen.query_one("#question", Markdown).source.endswith("Indeed.")
    for ref in ("toy/eq:c1", "toy/eq:c2"):
        assert raw(toy_store, ref)[0].endswith(" Indeed.")
    assert toy_store.repo.check().ok


async def test_an_answer_that_makes_a_leech_says_what_to_reread(
    toy_store: Store, make_app: Any, clock: FixedClock
) -> None:
    from dataclasses import replace as with_changes

    toy_store.settings = with_changes(toy_store.settings, leech_lapses=1)
    one = card_id(toy_store, "toy/one")
    toy_store.repo.answer(one, 5)  # learned yesterday...
    clock.advance(timedelta(days=1))
    app = make_app(toy_store, review=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReviewScreen) and screen.card is not None
        assert screen.card.ref == "toy/one"
        await pilot.press("space", "1")  # ...forgotten today: a lapse, and a leech
        await pilot.pause()
        said = [n for n in notes(app) if "leech" in n.lower()]
        assert said and "A Toy Paper" in said[0] and "§1" in said[0]
    assert "leech" in toy_store.repo.card(one).tags


async def test_an_editor_that_cannot_run_is_named_and_nothing_is_saved(
    toy_store: Store,
    make_app: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    no_suspend: None,
) -> None:
    monkeypatch.setenv("VISUAL", str(tmp_path / "no-such-editor"))
    app = make_app(toy_store, review=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("E")
        await pilot.pause()
        assert any(n.startswith("Could not run the editor") for n in notes(app))
        assert isinstance(app.screen, ReviewScreen)
    assert raw(toy_store, "toy/one") == ("Question one?", "Answer one.")


# ------------------------------------------------------------------ practice
async def test_practice_from_the_browser_logs_practice_and_changes_no_schedule(
    toy_store: Store, make_app: Any
) -> None:
    from studykb.tui.screens.practice import PracticeScreen

    repo = toy_store.repo
    state_before = repo.card(card_id(toy_store, "toy/one")).state
    app = make_app(toy_store)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        browser = await _open_browser(app, pilot)
        _highlight(browser, "toy/one")
        await pilot.press("space")  # marked: only toy/one is practised
        await pilot.press("P")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, PracticeScreen)
        assert "Practice · 1 marked card" in screen_text(app)
        assert "Question one?" in screen_text(app)
        await pilot.press("space")
        await pilot.pause()
        assert "practice" in screen_text(app)  # under each grade: no schedule
        await pilot.press("2")
        await pilot.pause()
        assert "Practice done: 1 practice answer; no schedule changed." in screen_text(app)
        await pilot.press("u")  # the practice answer taken back: the card again
        await pilot.pause()
        assert screen.card is not None and screen.card.ref == "toy/one"
        await pilot.press("space", "4")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is browser
    rows = log_rows(toy_store)
    assert [(r[0], r[2]) for r in rows] == [
        ("one", "practice"),
        ("one", "void"),
        ("one", "practice"),
    ]
    assert (rows[0][1], rows[2][1]) == (2, 4)
    assert repo.card(card_id(toy_store, "toy/one")).state == state_before
    assert repo.due_counts().new == 4  # still new: practice changes no schedule
    assert repo.check().ok


async def test_practice_todays_failures_chosen_in_the_browser(
    toy_store: Store, make_app: Any
) -> None:
    from studykb.tui.screens.practice import PracticeScreen

    toy_store.repo.answer(card_id(toy_store, "toy/two"), 1)  # forgotten today
    app = make_app(toy_store)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        browser = await _open_browser(app, pilot)
        browser.query_one("#browser-state", Select).value = "failed today"
        await pilot.pause()
        assert [r.ref for r in browser.page.rows] == ["toy/two"]
        await pilot.press("P")
        await pilot.pause()
        assert isinstance(app.screen, PracticeScreen)
        assert "Practice · 1 listed card" in screen_text(app)
        assert "Question two?" in screen_text(app)


async def test_t_in_the_browser_retags_marked_cards_and_u_takes_it_back(
    toy_store: Store, make_app: Any
) -> None:
    from studykb.tui.screens.modals import TagsModal

    app = make_app(toy_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = await _open_browser(app, pilot)
        _highlight(screen, "toy/one")
        await pilot.press("space")
        _highlight(screen, "toy/two")
        await pilot.press("space", "t")
        await pilot.pause()
        assert isinstance(app.screen, TagsModal)
        assert "Tags of 2 cards" in screen_text(app)
        await pilot.press(*"+fix -none", "enter")
        await pilot.pause()
        assert app.screen is screen
        assert "Retagged 2 cards; u takes it back." in notes(app)
        repo = toy_store.repo
        tagged = [repo.card(repo.find_card(r)).tags for r in ("toy/one", "toy/two")]
        await pilot.press("u")
        await pilot.pause()
        assert "Undone: edit of 2 cards" in notes(app)
    assert tagged == [("fix",), ("fix",)]
    assert [repo.card(repo.find_card(r)).tags for r in ("toy/one", "toy/two")] == [(), ()]
    assert repo.check().ok


async def test_n_in_the_browser_resets_marked_cards_to_new_and_u_takes_it_back(
    toy_store: Store, make_app: Any
) -> None:
    from studykb.tui.screens.deck_options import ConfirmModal

    repo = toy_store.repo
    one, two = repo.find_card("toy/one"), repo.find_card("toy/two")
    repo.answer(one, 4)
    repo.answer(two, 5)
    answered = [repo.card(one).state, repo.card(two).state]
    new_state = repo.card(repo.find_card("toy/eq:c1")).state
    app = make_app(toy_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = await _open_browser(app, pilot)
        _highlight(screen, "toy/one")
        await pilot.press("space")
        _highlight(screen, "toy/two")
        await pilot.press("space", "N")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        assert "Reset 2 cards to new?" in screen_text(app)
        await pilot.press("y")
        await pilot.pause()
        assert app.screen is screen
        assert "Reset 2 cards to new; u takes it back." in notes(app)
        reset = [repo.card(one).state, repo.card(two).state]
        await pilot.press("u")
        await pilot.pause()
        assert "Undone: reset of 2 cards" in notes(app)
    assert reset == [new_state, new_state]
    assert [repo.card(one).state, repo.card(two).state] == answered
    kinds = repo.conn.execute("SELECT kind FROM review_log ORDER BY seq").fetchall()
    assert [k for (k,) in kinds] == ["review", "review", "reset", "reset", "void", "void"]
    assert repo.check().ok
