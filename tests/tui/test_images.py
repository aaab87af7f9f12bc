"""Issue 16 item 15: an image card in review shows the picture (textual-image; half-blocks
in a headless test) and always its caption as text; a missing file shows the caption and
``[image missing: name]``; the widget is chosen before the start, or by STUDYKB_IMAGES."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot

from studykb.app.collection import Collection
from studykb.app.library import Library, prepare_import
from studykb.app.store import Store, open_store
from studykb.core.clock import FixedClock
from studykb.decks.media import stored_name
from studykb.settings import Settings
from studykb.tui import images
from studykb.tui.app import StudyApp
from studykb.tui.screens.review import ReviewScreen
from studykb.tui.widgets.figure import Figure
from tests.conftest import write
from tests.pngs import noise_to_image
from tests.tui.screen_text import screen_text, squeezed

PICTURE = noise_to_image()
STORED = stored_name("reverse.png", PICTURE)

IMAGE_DECK = """
[deck]
id = "ddpm-figures"
title = "DDPM in pictures"

[[cards]]
id = "reverse"
front = "What does DDPM's reverse process do, step by step?"
back = "It removes a little of the noise at each step, until an image is left.\\n\\n![From noise to an image: the reverse process](figs/reverse.png)"
source = "Ho et al. 2020, Fig. 2"
tags = ["figure"]
"""


@pytest.fixture
def image_store(tmp_path: Path, clock: FixedClock) -> Iterator[Store]:
    decks = tmp_path / "decks"
    (decks / "figs").mkdir(parents=True)
    (decks / "figs" / "reverse.png").write_bytes(PICTURE)
    deck = write(decks / "figures.toml", IMAGE_DECK)
    store = open_store(
        tmp_path / "data" / "img.db", clock=clock, settings=Settings(), seed_bundled=False
    )
    Library(store).apply(prepare_import([deck]))
    yield store
    store.close()


@pytest.fixture
def image_app(image_store: Store, clock: FixedClock) -> StudyApp:
    return StudyApp(
        Collection(image_store),
        clock=clock,
        config_path=Path("/home/you/.config/studykb/config.toml"),
        review=True,
    )


async def _revealed(pilot: Pilot[None]) -> ReviewScreen:
    for _ in range(200):
        if isinstance(pilot.app.screen, ReviewScreen) and pilot.app.screen.card is not None:
            break
        await pilot.pause(0.01)
    await pilot.press("space")
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, ReviewScreen)
    return screen


async def test_review_shows_the_image_and_its_caption(image_app: StudyApp) -> None:
    from textual_image.widget import HalfcellImage

    async with image_app.run_test(size=(100, 40)) as pilot:
        screen = await _revealed(pilot)
        figure = screen.query_one("#answer-figures").query_one(Figure)
        assert figure.path is not None and figure.path.name == STORED
        # Headless: no terminal to ask, so half-blocks; the picture has rows on screen.
        picture = figure.query_one(HalfcellImage)
        assert picture.size.height > 0
        text = "\n".join(squeezed(image_app))
        assert "From noise to an image: the reverse process" in text
        assert "image missing" not in text
        # The source is never shown as Markdown's 🖼 link or as the stored name.
        assert STORED not in screen_text(image_app) and "🖼" not in screen_text(image_app)
        # Graded as any card: the answer is in the database.
        await pilot.press("4")
        await pilot.pause()
    row = image_app.collection._store.repo.conn.execute(
        "SELECT quality FROM review_log r JOIN card c ON c.id = r.card_id WHERE c.key = 'reverse'"
    ).fetchone()
    assert row is not None and row[0] == 4


async def test_a_missing_image_shows_its_caption_and_says_so(
    image_store: Store, image_app: StudyApp
) -> None:
    (image_store.path.parent / "media" / STORED).unlink()
    async with image_app.run_test(size=(100, 40)) as pilot:
        await _revealed(pilot)
        text = "\n".join(squeezed(image_app))
        assert f"[image missing: {STORED}]" in text
        assert "From noise to an image: the reverse process" in text


async def test_a_damaged_file_shows_its_caption_and_says_so(
    image_store: Store, image_app: StudyApp
) -> None:
    """A file changed in the folder after its import: decoded before it is drawn, so
    the screen says so instead of failing while it draws."""
    (image_store.path.parent / "media" / STORED).write_bytes(PICTURE[:60])
    async with image_app.run_test(size=(100, 40)) as pilot:
        await _revealed(pilot)
        text = "\n".join(squeezed(image_app))
        assert f"[image unreadable: {STORED}]" in text
        assert "From noise to an image: the reverse process" in text


async def test_images_off_shows_the_caption_alone(
    image_app: StudyApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STUDYKB_IMAGES", "off")
    async with image_app.run_test(size=(100, 40)) as pilot:
        screen = await _revealed(pilot)
        figure = screen.query_one(Figure)
        assert len(figure.children) == 1  # the caption
        assert "From noise to an image" in "\n".join(squeezed(image_app))


def test_the_widget_is_chosen_by_what_was_asked_before_the_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("STUDYKB_IMAGES", raising=False)
    monkeypatch.setattr(images, "_detected", False)
    assert images.widget_kind() == "HalfcellImage"  # nothing asked: half-blocks
    monkeypatch.setattr(images, "_detected", True)
    assert images.widget_kind() == "Image"  # textual-image's own pick (Kitty, Sixel, ...)
    monkeypatch.setenv("STUDYKB_IMAGES", "halfcell")
    assert images.widget_kind() == "HalfcellImage"
    monkeypatch.setenv("STUDYKB_IMAGES", "off")
    assert images.widget_kind() == ""
    monkeypatch.setenv("STUDYKB_IMAGES", "nonsense")
    assert images.mode() == "auto"


def test_without_images_nothing_asks_the_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(images, "_detected", False)
    images.prepare_before_start(has_images=False)
    assert images._detected is False


def test_snapshot_image_card_at_80x24(snap_compare, image_app: StudyApp) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(image_app, terminal_size=(80, 24), run_before=_revealed)


def test_snapshot_image_card_at_120x40(snap_compare, image_app: StudyApp) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(image_app, terminal_size=(120, 40), run_before=_revealed)


def _in_a_silent_terminal(columns: int) -> str:
    """Run prepare_before_start in a fresh process on a pty that never answers a query
    (as a terminal without graphics may not); returns what the process wrote."""
    import os
    import pty
    import select
    import sys
    import textwrap

    code = textwrap.dedent(
        """
        from studykb.tui import images
        images.prepare_before_start(True)
        print("detected", images._detected, flush=True)
        """
    )
    pid, fd = pty.fork()
    if pid == 0:  # the child: a terminal of the size asked, then the probe
        import fcntl
        import struct
        import termios

        fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
        os.execv(sys.executable, [sys.executable, "-c", code])
    out = b""
    while select.select([fd], [], [], 30)[0]:
        try:
            data = os.read(fd, 4096)
        except OSError:
            break
        if not data:
            break
        out += data
    os.waitpid(pid, 0)
    os.close(fd)
    return out.decode("utf-8", "replace")


@pytest.mark.parametrize(("columns", "detected"), [(80, True), (0, False)])
def test_asking_a_terminal_that_never_answers_neither_fails_nor_prints(
    columns: int, detected: bool
) -> None:
    """textual-image logs a traceback when the terminal does not answer, and divides by
    a pty's column count (0 on some): neither reaches the user's screen nor stops studykb."""
    written = _in_a_silent_terminal(columns)
    assert f"detected {detected}" in written, written
    assert "Traceback" not in written and "Error" not in written
