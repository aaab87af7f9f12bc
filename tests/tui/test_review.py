"""Pilot tests: whole sessions driven with key presses, then checked in the database."""

from __future__ import annotations

from pathlib import Path

from textual.message import Message
from textual.widgets import Markdown

from studykb.app.store import Store
from studykb.tui.messages import AnswerUndone, CardRated
from studykb.tui.screens.home import HomeScreen
from studykb.tui.screens.review import ReviewScreen
from studykb.tui.screens.summary import SessionSummaryScreen
from studykb.tui.widgets.rating_bar import GradeCell


def log_rows(store: Store) -> list[tuple[str, int, str]]:
    return store.repo.conn.execute(
        "SELECT c.key, r.quality, r.kind FROM review_log r JOIN card c ON c.id = r.card_id "
        "ORDER BY r.seq"
    ).fetchall()


async def test_review_a_deck_to_the_end_with_a_drill(toy_store: Store, make_app) -> None:  # type: ignore[no-untyped-def]
    messages: list[Message] = []
    app = make_app(toy_store)
    async with app.run_test(size=(100, 30), message_hook=messages.append) as pilot:
        assert isinstance(app.screen, HomeScreen)
        await pilot.press("r")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        assert screen.card is not None and screen.card.ref == "toy/one"
        assert not screen.query_one("#rating").display
        await pilot.press("space")
        await pilot.pause()
        assert screen.query_one("#rating").display
        # A new card: every passing grade gives 1 day.
        assert "1d" in str(screen.query_one("#grade-5", GradeCell).render())
        await pilot.press("5")  # one
        await pilot.press("space", "3")  # two: below 4, drilled at the end
        await pilot.press("space", "4")  # eq:c1
        await pilot.pause()
        assert screen.card is not None and screen.card.ref == "toy/eq:c2"
        await pilot.press("space", "5")  # eq:c2
        await pilot.pause()
        # The drill: 'two' comes back, and its grades change no interval.
        assert screen.card is not None and screen.card.ref == "toy/two"
        await pilot.press("space")
        await pilot.pause()
        assert "drill" in str(screen.query_one("#grade-4", GradeCell).render())
        await pilot.press("4")
        await pilot.pause()
        assert isinstance(app.screen, SessionSummaryScreen)
        summary = app.screen.summary
        assert (summary.reviews, summary.drills, summary.passed_share) == (4, 1, 1.0)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
    assert log_rows(toy_store) == [
        ("one", 5, "review"),
        ("two", 3, "review"),
        ("eq:c1", 4, "review"),
        ("eq:c2", 5, "review"),
        ("two", 4, "drill"),
    ]
    # The hook sees a message at each hop as it bubbles: one per answer is by uid.
    rated = list({m.uid: m for m in messages if isinstance(m, CardRated)}.values())
    assert [(m.quality, m.kind) for m in rated] == [
        (5, "review"),
        (3, "review"),
        (4, "review"),
        (5, "review"),
        (4, "drill"),
    ]
    assert toy_store.repo.check().ok


async def test_undo_several_times(toy_store: Store, make_app) -> None:  # type: ignore[no-untyped-def]
    messages: list[Message] = []
    app = make_app(toy_store, review=True)
    async with app.run_test(size=(100, 30), message_hook=messages.append) as pilot:
        await pilot.pause()
        await pilot.press("space", "5", "space", "2")
        await pilot.pause()
        assert len(log_rows(toy_store)) == 2
        await pilot.press("u")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        assert screen.card is not None and screen.card.ref == "toy/two"
        assert not screen.revealed  # back to the front of the undone card
        await pilot.press("u")
        await pilot.pause()
        assert screen.card is not None and screen.card.ref == "toy/one"
        await pilot.press("u")  # nothing left in this session: no crash, nothing removed
        await pilot.pause()
    # The log only grows: both answers stay, each voided by an undo row.
    assert [row[2] for row in log_rows(toy_store)] == ["review", "review", "void", "void"]
    assert toy_store.repo.check().ok
    assert len({m.uid for m in messages if isinstance(m, AnswerUndone)}) == 2
    assert toy_store.repo.check().ok


async def test_suspend_and_bury(toy_store: Store, make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(toy_store, review=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("s")
        await pilot.pause()
        await pilot.press("b")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        assert screen.card is not None and screen.card.ref == "toy/eq:c1"
    repo = toy_store.repo
    assert repo.card(repo.find_card("toy/one")).suspended
    row = repo.conn.execute("SELECT buried_until FROM card WHERE key = 'two'").fetchone()
    assert row[0] == "2026-01-06"
    assert log_rows(toy_store) == []


async def test_quit_in_the_middle_keeps_every_answer(
    db_path: Path,
    toy_store: Store,
    make_app,  # type: ignore[no-untyped-def]
) -> None:
    app = make_app(toy_store, review=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("space", "4", "space", "5")
        await pilot.press("q")
    # A fresh connection sees both answers: each was committed as it was given.
    import sqlite3

    conn = sqlite3.connect(db_path)
    assert conn.execute("SELECT COUNT(*) FROM review_log").fetchone()[0] == 2
    conn.close()


async def test_math_is_rendered_and_raw_text_toggles(toy_store: Store, make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(toy_store, review=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("space", "5", "space", "5")  # to the cloze card
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        await pilot.press("space")
        await pilot.pause()
        answer = screen.query_one("#answer", Markdown)
        # Markdown source: math as Unicode, subscripts as subscript characters.
        assert "[𝒩(√ᾱₜ x₀, (1−ᾱₜ)I)]" in answer.source
        await pilot.press("t")
        await pilot.pause()
        assert not answer.display and screen.query_one("#raw").display
        assert "\\mathcal{N}" in str(screen.query_one("#raw").render())


HOSTILE = r"""
[deck]
id = "evil"
title = "[bold red]Evil[/] [@click=app.quit]deck[/]"

[[cards]]
id = "markup"
front = "[@click=app.quit]click me[/] [link=https://evil.example]x[/link] \u001b[31mred\u001b[0m \u001b]8;;https://evil.example\u001b\\osc\u001b]8;;\u001b\\ \u202egnp.exe"
back = "[b]bold?[/b] $\\alpha$"
source = "[@click=app.bell]§1[/]"
"""


async def test_card_text_is_data_never_markup(
    tmp_path: Path,
    store: Store,
    make_app,  # type: ignore[no-untyped-def]
) -> None:
    from studykb.decks.toml_deck import read_decks
    from tests.conftest import write

    store.repo.import_decks(read_decks([write(tmp_path / "evil.toml", HOSTILE)]))
    app = make_app(store, review=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        question = screen.query_one("#question", Markdown).source
        assert "[@click=app.quit]click me[/]" in question
        assert "\x1b" not in question and "\\u001b" in question
        assert "\u202e" not in question and "\\u202e" in question
        title = str(screen.query_one("#review-title").render())
        assert "[bold red]Evil[/]" in title
        await pilot.press("space", "t")
        await pilot.pause()
        raw = str(screen.query_one("#raw").render())
        assert "\x1b" not in raw and "[@click=app.quit]" in raw
        await pilot.click("#question")
        await pilot.click("#review-meta")
        await pilot.pause()
        assert app.is_running  # nothing quit the app
        assert isinstance(app.screen, ReviewScreen)


async def test_a_card_answered_in_another_window_is_not_graded_again(
    toy_store: Store,
    make_app,
    db_path: Path,
    clock,  # type: ignore[no-untyped-def]
) -> None:
    from studykb.app.store import open_store
    from studykb.settings import Settings

    app = make_app(toy_store, review=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReviewScreen) and screen.card is not None
        shown = screen.card.id
        other = open_store(db_path, clock=clock, settings=Settings(), seed_bundled=False)
        other.repo.answer(shown, 5)  # the other window
        other.close()
        await pilot.press("space", "4")
        await pilot.pause()
        assert screen.card is not None and screen.card.id != shown
    rows = log_rows(toy_store)
    assert rows == [("one", 5, "review")]


async def test_opened_into_review_home_loads_when_shown(toy_store: Store, make_app) -> None:  # type: ignore[no-untyped-def]
    from textual.widgets import DataTable

    app = make_app(toy_store, review=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen)
        await pilot.press("space", "5", "escape")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        table = app.screen.query_one("#decks", DataTable)
        assert table.row_count == 1
        assert "Done 1" in str(app.screen.query_one("#home-today").render())


async def test_opened_into_a_review_home_is_made_when_the_review_is_left(
    toy_store: Store,
    make_app,  # type: ignore[no-untyped-def]
) -> None:
    """`studykb review`: no home behind the first card (it is not composed before it);
    leaving the review shows home, loaded, with the answer given counted."""
    app = make_app(toy_store, review=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen)
        assert not any(isinstance(s, HomeScreen) for s in app.screen_stack)
        await pilot.press("space", "5")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        assert len(app.screen_stack) == 2  # the default screen, home
        assert "Done 1" in str(app.screen.query_one("#home-today").render())
        await pilot.press("r")  # review again, then leave: back to the same home
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen) and len(app.screen_stack) == 2


async def test_opened_into_a_review_of_no_such_deck_shows_home(
    toy_store: Store,
    make_app,  # type: ignore[no-untyped-def]
) -> None:
    app = make_app(toy_store, review=True, review_deck="nope")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen) and len(app.screen_stack) == 2


async def test_opened_into_a_review_another_screen_opens_over_home(
    toy_store: Store,
    make_app,  # type: ignore[no-untyped-def]
) -> None:
    app = make_app(toy_store, review=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        app.go("stats")
        await pilot.pause()
        assert [type(s).__name__ for s in app.screen_stack[1:]] == ["HomeScreen", "StatsScreen"]
