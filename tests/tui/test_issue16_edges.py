"""Issue 16, the rough edges a new user hits: items 1-6, 9, 11 and 12, each with a
test that failed on the code before it (Pilot tests on screen text and state)."""

from __future__ import annotations

import html
import itertools
from pathlib import Path

import pytest
from rich.console import Console
from textual.widgets import DataTable, Static
from textual.widgets._footer import FooterKey

from studykb.app.store import Store, open_store
from studykb.core.clock import FixedClock
from studykb.decks.toml_deck import read_decks
from studykb.errors import BadInputError
from studykb.settings import Settings, load_settings, save_settings
from studykb.tui import navigation
from studykb.tui.app import StudyApp
from studykb.tui.screens.home import HomeScreen
from studykb.tui.screens.modals import HelpModal
from studykb.tui.screens.papers import PapersScreen
from studykb.tui.screens.review import ReviewScreen
from studykb.tui.widgets.rating_bar import GradeCell
from tests.conftest import run_cli, write

NOW = "2026-01-05T10:00:00+01:00"
GENERATIVE = "Generative Modeling by Estimating Gradients of the Data Distribution"


def rendered(app: StudyApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


def notes(app: StudyApp) -> list[str]:
    return [n.message for n in app._notifications]


ONE_CARD = '[[cards]]\nid = "one"\nfront = "Q?"\nback = "A."'


def deck_text(deck_id: str, title: str, *, description: str = "", cards: str = "") -> str:
    return f"""
[deck]
id = "{deck_id}"
title = "{title}"

[paper]
title = "{title}"
url = "https://example.org/{deck_id}"
description = '''{description}'''

{cards or ONE_CARD}
"""


@pytest.fixture
def twin_store(db_path: Path, clock: FixedClock, tmp_path: Path) -> Store:
    """Two decks whose titles are the same for the first 60 characters and more."""
    ncsn = write(tmp_path / "d" / "ncsn.toml", deck_text("ncsn", GENERATIVE))
    blog = write(tmp_path / "d" / "blog.toml", deck_text("song-blog-score", GENERATIVE))
    store = open_store(db_path, clock=clock, settings=Settings(), seed_bundled=False)
    store.repo.import_decks(read_decks([ncsn, blog]))
    return store


# ------------------------------------------------------------------ item 1
async def test_paper_detail_shows_url_note_and_rendered_math(
    db_path: Path,
    clock: FixedClock,
    tmp_path: Path,
    make_app,  # type: ignore[no-untyped-def]
) -> None:
    long = " ".join(["Images of $256 \\times 256$ pixels."] * 30)
    deck = write(tmp_path / "d" / "p.toml", deck_text("pix", "Pixels", description=long))
    store = open_store(db_path, clock=clock, settings=Settings(), seed_bundled=False)
    store.repo.import_decks(read_decks([deck]))
    app = make_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("p")
        await pilot.pause()
        assert isinstance(app.screen, PapersScreen)
        await pilot.press("n", *"read it twice", "enter")
        await pilot.pause()
        detail = rendered(app, "#paper-detail")
        assert "https://example.org/pix" in detail
        assert "256 × 256" in detail and "\\times" not in detail
        # The note comes before the long description, in the pane's first lines...
        lines = detail.splitlines()
        assert any("Note: read it twice" in line for line in lines[:5])
        # ...and the pane scrolls to the rest.
        pane = app.screen.query_one("#paper-detail-scroll")
        assert pane.max_scroll_y > 0
    store.close()


# ------------------------------------------------------------------ item 2
async def test_open_without_a_browser_shows_and_copies_the_url(
    toy_store: Store,
    make_app,  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("studykb.tui.screens.base.browser_available", lambda: False)
    app = make_app(toy_store)
    copied: list[str] = []
    opened: list[str] = []
    monkeypatch.setattr(app, "copy_to_clipboard", copied.append)
    monkeypatch.setattr(app, "open_url", lambda url, **_: opened.append(url))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("p")
        await pilot.pause()
        await pilot.press("o")
        await pilot.pause()
        assert copied == ["https://arxiv.org/abs/2001.00001"]
        assert opened == []
        assert any("https://arxiv.org/abs/2001.00001" in n for n in notes(app))
        # In review, `o` does the same.
        await pilot.press("escape", "r", "o")
        await pilot.pause()
        assert copied == ["https://arxiv.org/abs/2001.00001"] * 2


# ------------------------------------------------------------------ item 3
async def test_suspending_names_the_card_to_unsuspend(
    toy_store: Store,
    make_app,  # type: ignore[no-untyped-def]
) -> None:
    app = make_app(toy_store, review=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReviewScreen) and screen.card is not None
        ref = screen.card.ref
        await pilot.press("s")
        await pilot.pause()
        assert any(f"studykb unsuspend {ref}" in n for n in notes(app))
        assert toy_store.repo.card(toy_store.repo.find_card(ref)).suspended
        # Undo takes the suspension back and shows the card again.
        await pilot.press("u")
        await pilot.pause()
        assert not toy_store.repo.card(toy_store.repo.find_card(ref)).suspended
        assert screen.card is not None and screen.card.ref == ref
        # u takes back the last action of any kind, and says which (issue 12 item 7).
        assert any(n.startswith("Undone: ") and ref in n for n in notes(app))


# ------------------------------------------------------------------ item 4
async def test_help_puts_the_screens_own_keys_first_and_generic_keys_last(
    toy_store: Store,
    make_app,  # type: ignore[no-untyped-def]
) -> None:
    app = make_app(toy_store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        help_screen = app.screen
        assert isinstance(help_screen, HelpModal)
        assert [title for title, _ in help_screen.groups] == ["Home", "Everywhere", "Moving"]
        home_keys = [row[1] for row in help_screen.groups[0][1]]
        assert home_keys == [e.title for e in navigation.keys_of("home")]
        assert help_screen.groups[-1][1][-len(navigation.GENERIC_KEYS) :] == list(
            navigation.GENERIC_KEYS
        )
        # At 80x24 the screen's own keys are on screen without scrolling.
        shown = html.unescape(app.export_screenshot()).replace("\xa0", " ")
        for title in home_keys:
            assert title in shown


# ------------------------------------------------------------------ item 5
def assert_footer_fits(app: StudyApp, width: int) -> None:
    keys = list(app.screen.query(FooterKey))
    assert {k.key for k in keys} >= {"s", "b", "q", "escape"}
    palette = [k for k in keys if k.has_class("-command-palette")]
    # Nothing cut at the right edge, nor hidden under the palette key docked there.
    edge = palette[0].region.x if palette else width
    for key in keys:
        if key not in palette:
            assert key.region.right <= edge, (key.key, key.region, edge)


@pytest.mark.parametrize("size", [(100, 30), (80, 24), (50, 12)])
async def test_every_footer_key_and_grade_label_fits(
    toy_store: Store,
    make_app,  # type: ignore[no-untyped-def]
    size: tuple[int, int],
) -> None:
    app = make_app(toy_store, review=True)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        assert_footer_fits(app, size[0])  # the front: "space Show answer" and the rest
        await pilot.press("space")
        await pilot.pause()
        assert_footer_fits(app, size[0])
        for cell in app.screen.query(GradeCell):
            width = cell.content_size.width
            for line in str(cell.render()).splitlines():
                assert len(line) <= width, (size, line)


async def test_papers_below_80x24_keep_room_for_the_table(
    toy_store: Store,
    make_app,  # type: ignore[no-untyped-def]
) -> None:
    app = make_app(toy_store)
    async with app.run_test(size=(50, 12)) as pilot:
        await pilot.press("p")
        await pilot.pause()
        await pilot.pause()
        table = app.screen.query_one("#papers-table", DataTable)
        assert table.region.height >= 3  # the header and at least two rows
        await pilot.press("slash", *"toy")
        await pilot.pause()
        assert app.screen.query_one("#papers-filter").display  # shown while it is used


# ------------------------------------------------------------------ item 6
async def test_a_grade_below_4_says_the_card_comes_back_today(
    toy_store: Store,
    make_app,  # type: ignore[no-untyped-def]
) -> None:
    app = make_app(toy_store, review=True)
    step = app.collection.review.next_step()
    assert step is not None and step.again_today == frozenset({0, 1, 2, 3})
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("space")
        await pilot.pause()
        three = str(app.screen.query_one("#grade-3", GradeCell).render())
        four = str(app.screen.query_one("#grade-4", GradeCell).render())
        assert "1d + again today" in three
        assert "today" not in four


# ------------------------------------------------------------------ item 9
async def test_rows_with_the_same_title_stay_distinguishable(
    twin_store: Store,
    make_app,  # type: ignore[no-untyped-def]
) -> None:
    app = make_app(twin_store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        table = app.screen.query_one("#decks", DataTable)
        titles = [table.get_row_at(i)[0].plain for i in range(table.row_count)]
        assert len(set(titles)) == 2, titles
        assert any("song-blog-score" in t for t in titles)
        await pilot.press("p")
        await pilot.pause()
        table = app.screen.query_one("#papers-table", DataTable)
        titles = [table.get_row_at(i)[2].plain for i in range(table.row_count)]
        assert len(set(titles)) == 2, titles
    twin_store.close()


# ------------------------------------------------------------------ item 11
async def test_the_chosen_theme_is_kept_for_the_next_start(
    toy_store: Store,
    make_app,  # type: ignore[no-untyped-def]
    tmp_path: Path,
) -> None:
    app = make_app(toy_store)
    async with app.run_test(size=(80, 24)) as pilot:
        app.theme = "nord"  # what ctrl+p → Theme… does
        await pilot.pause()
    saved = load_settings(tmp_path / "config.toml")
    assert saved.theme == "nord"
    toy_store.settings = saved
    again = make_app(toy_store)
    async with again.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert again.theme == "nord"


def test_one_plural_helper() -> None:
    from studykb.render.words import plural

    assert [plural(n, "card") for n in (0, 1, 2)] == ["0 cards", "1 card", "2 cards"]


def test_cli_says_one_review_and_aligns_long_slugs(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("STUDYKB_DB", str(tmp_path / "cli.db"))
    monkeypatch.setenv("STUDYKB_NOW", NOW)
    monkeypatch.setenv("STUDYKB_NO_BUNDLED", "1")
    long_id = "a-deck-id-well-beyond-twenty-six-characters"
    write(tmp_path / "d" / "short.toml", deck_text("short", "Short"))
    write(tmp_path / "d" / "long.toml", deck_text(long_id, "Long"))
    assert run_cli(capsys, "import", str(tmp_path / "d"))[0] == 0
    code, out, err = run_cli(capsys, "papers")
    assert code == 0, err
    rows = [line for line in out.splitlines() if "unread" in line]
    assert len(rows) == 2 and len({line.index("unread") for line in rows}) == 1, out
    code, out, _ = run_cli(capsys, "decks")
    rows = out.splitlines()
    assert len({line.index("1 card ") for line in rows}) == 1, out
    assert "1 cards" not in out
    assert run_cli(capsys, "answer", "short/one", "4")[0] == 0
    # A card's first answer is not a retention review (one definition, issue 16 item 7):
    # the next day's answer is.
    monkeypatch.setenv("STUDYKB_NOW", NOW.replace("-05T", "-06T"))
    assert run_cli(capsys, "answer", "short/one", "4")[0] == 0
    code, out, _ = run_cli(capsys, "stats")
    assert "of 1 review\n" in out, out


def test_next_renders_math_as_the_tui_does_and_raw_prints_the_source(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("STUDYKB_DB", str(tmp_path / "cli.db"))
    monkeypatch.setenv("STUDYKB_NOW", NOW)
    monkeypatch.setenv("STUDYKB_NO_BUNDLED", "1")
    card = '[[cards]]\nid = "m"\nfront = "What is $\\\\alpha_t$?"\nback = "$\\\\sqrt{2}$"'
    write(tmp_path / "d" / "m.toml", deck_text("math", "Math", cards=card))
    assert run_cli(capsys, "import", str(tmp_path / "d"))[0] == 0
    code, out, err = run_cli(capsys, "next")
    assert code == 0, err
    assert out == "[math/m] What is αₜ?\nanswer: √2\n"
    code, out, _ = run_cli(capsys, "next", "--raw")
    assert out == "[math/m] What is $\\alpha_t$?\nanswer: $\\sqrt{2}$\n"


def test_state_bars_never_touch() -> None:
    from studykb.tui.screens.stats import state_bars

    counts = {"new": 179, "learning": 6, "young": 141, "mature": 14, "suspended": 0, "retired": 0}
    console = Console(width=60, record=True)
    console.print(state_bars(counts, 30))  # type: ignore[arg-type]
    lines = console.export_text().splitlines()
    with_bars = [i for i, line in enumerate(lines) if "█" in line]
    assert len(with_bars) == 4  # the four states with cards
    assert all(b - a >= 2 for a, b in itertools.pairwise(with_bars))


# ------------------------------------------------------------------ item 12
async def test_j_k_g_G_move_like_the_arrows(
    toy_store: Store,
    make_app,  # type: ignore[no-untyped-def]
    twin_store: Store,
) -> None:
    app = make_app(twin_store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        table = app.screen.query_one("#decks", DataTable)
        await pilot.press("j")
        assert table.cursor_row == 1
        await pilot.press("k")
        assert table.cursor_row == 0
        await pilot.press("G")
        assert table.cursor_row == table.row_count - 1
        await pilot.press("g")
        assert table.cursor_row == 0
        # In the papers filter, j is a letter.
        await pilot.press("p", "slash", "j")
        await pilot.pause()
        assert app.screen.query_one("#papers-filter").value == "j"  # type: ignore[attr-defined]
        await pilot.press("escape", "escape", "question_mark")
        await pilot.pause()
        scroll = app.screen.query_one("#help-scroll")
        await pilot.press("j")
        await pilot.pause()
        assert scroll.scroll_y == 1
        await pilot.press("G")
        await pilot.pause()
        assert scroll.scroll_y == scroll.max_scroll_y > 1
    twin_store.close()


async def test_a_user_keymap_rebinds_by_id_and_the_help_shows_it(
    toy_store: Store,
    make_app,  # type: ignore[no-untyped-def]
) -> None:
    toy_store.settings = Settings(keymap={"review-all": "R", "move-down": "n"})
    app = make_app(toy_store)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        rows = {title: key for key, title, _ in app.screen.rows}  # type: ignore[attr-defined]
        assert rows["Review all due"] == "R" and rows["Down"] == "n"
        await pilot.press("escape", "r")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)  # r is no longer bound
        await pilot.press("R")
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen)


def test_keymap_is_read_from_config_toml_and_bad_ids_are_named(tmp_path: Path) -> None:
    config = write(
        tmp_path / "config.toml",
        """
        new_per_day = 5
        theme = "nord"

        [keymap]
        review-all = "R"
        open-paper = "O,x"
        """,
    )
    settings = load_settings(config)
    assert settings.keymap == {"review-all": "R", "open-paper": "O,x"}
    assert navigation.check_keymap(settings.keymap, str(config)) == settings.keymap
    with pytest.raises(BadInputError) as caught:
        navigation.check_keymap({"reviw-all": "R"}, str(config))
    assert caught.value.problems == [
        f"{config}: keymap.reviw-all: no key has this id (see README, Keys)"
    ]
    # Saving (the settings screen, a theme) keeps the keymap and the theme.
    save_settings(settings, config)
    assert load_settings(config) == settings
