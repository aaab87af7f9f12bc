"""Issue 16 item 15 in the browser: an image card reviewed through `studykb serve` shows
its picture as half-blocks (no terminal to ask there) and its caption, in Debian's
headless chromium (skipped without it)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from tests.conftest import run_cli, write
from tests.pngs import noise_to_image
from tests.test_serve import (
    RECORD_TERMINAL_OUTPUT,
    DevTools,
    _free_port,
    _shown,
    _wait_for,
    chromium,  # noqa: F401  (a fixture)
)
from tests.tui.test_images import IMAGE_DECK


@pytest.fixture
def served_images(
    db_path: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[str]:
    monkeypatch.setenv("STUDYKB_NOW", "2026-01-05T10:00:00+01:00")
    monkeypatch.setenv("STUDYKB_NO_BUNDLED", "1")
    decks = tmp_path / "decks"
    (decks / "figs").mkdir(parents=True)
    (decks / "figs" / "reverse.png").write_bytes(noise_to_image())
    deck = write(decks / "figures.toml", IMAGE_DECK)
    db_path.parent.mkdir(parents=True)
    code, _, err = run_cli(capsys, "--db", str(db_path), "import", str(deck))
    assert code == 0, err
    port = _free_port()
    log = (tmp_path / "serve.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "studykb.cli", "--db", str(db_path), "serve", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=os.environ.copy(),
    )

    def listening() -> bool:
        assert server.poll() is None, (tmp_path / "serve.log").read_text()
        with socket.socket() as s:
            return s.connect_ex(("127.0.0.1", port)) == 0

    try:
        _wait_for(listening, "studykb serve to listen")
        yield f"http://127.0.0.1:{port}/"
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


@pytest.mark.browser
async def test_an_image_card_shows_its_picture_and_caption_in_a_browser(
    served_images: str,
    chromium: str,  # noqa: F811
) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{chromium}/json/list") as response:
            targets = await response.json()
        page = next(t for t in targets if t["type"] == "page")
        async with http.ws_connect(page["webSocketDebuggerUrl"], max_msg_size=0) as ws:
            devtools = DevTools(ws)
            await devtools.call("Page.enable")
            await devtools.call(
                "Page.addScriptToEvaluateOnNewDocument", source=RECORD_TERMINAL_OUTPUT
            )
            await devtools.call("Page.navigate", url=served_images)
            await devtools.wait_for(_shown("DDPM in pictures"), "the home screen")
            await devtools.evaluate("document.querySelector('.xterm-helper-textarea').focus()")
            await devtools.press("r")
            await devtools.wait_for(_shown("step by step?"), "the image card")
            assert not await devtools.evaluate(_shown("▀"))  # the picture is on the back
            await devtools.press(" ")
            await devtools.wait_for(_shown("From noise to an image"), "the caption")
            received = await devtools.evaluate("window.__received")
    # The picture arrived as half-blocks: the upper-half block with its two colours.
    assert "▀" in received
    assert "image missing" not in received and "image unreadable" not in received
