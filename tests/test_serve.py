"""Issue 16 item 16: `studykb serve`, the TUI in a browser through textual-serve.

The guard's rules are tested in-process on textual-serve's own aiohttp app; the
whole path (page, websocket, TUI process, database) in Debian's chromium, headless,
driven by its DevTools protocol over aiohttp's websocket client: nothing is
downloaded at run time, and the test is skipped when chromium is not installed.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer

from studykb.serve import TOKEN_COOKIE, StudyServer, is_loopback, tui_command
from tests.conftest import run_cli

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


# ------------------------------------------------------------------ the guard
async def _client(server: StudyServer) -> TestClient[Any, Any]:
    client: TestClient[Any, Any] = TestClient(TestServer(await server._make_app()))
    await client.start_server()
    return client


@pytest.fixture
async def local_client(db_path: Path) -> AsyncIterator[TestClient[Any, Any]]:
    client = await _client(StudyServer(db_path, host="127.0.0.1", port=8000, token=None))
    yield client
    await client.close()


@pytest.fixture
async def token_client(db_path: Path) -> AsyncIterator[TestClient[Any, Any]]:
    client = await _client(StudyServer(db_path, host="0.0.0.0", port=8000, token="s3cret-token"))
    yield client
    await client.close()


async def test_loopback_serves_the_page_with_urls_of_the_address_used(
    local_client: TestClient[Any, Any],
) -> None:
    response = await local_client.get("/")
    assert response.status == 200
    page = await response.text()
    host = f"127.0.0.1:{local_client.port}"
    assert f'data-session-websocket-url="ws://{host}/ws"' in page
    assert "fonts.googleapis.com" not in page  # the page asks nothing of another site


async def test_loopback_refuses_other_host_names_and_other_origins(
    local_client: TestClient[Any, Any],
) -> None:
    # A site re-pointing its own name at 127.0.0.1 (DNS rebinding) is refused ...
    response = await local_client.get("/", headers={"Host": "evil.example"})
    assert response.status == 403
    # ... and so is a page of another site opening the websocket from the user's browser.
    response = await local_client.get("/ws", headers={"Origin": "http://evil.example"})
    assert response.status == 403


async def test_another_address_needs_the_token(token_client: TestClient[Any, Any]) -> None:
    assert (await token_client.get("/")).status == 403
    assert (await token_client.get("/?token=wrong")).status == 403
    assert (await token_client.get("/ws")).status == 403
    assert (await token_client.get("/static/css/xterm.css")).status == 403
    response = await token_client.get("/?token=s3cret-token")
    assert response.status == 200
    cookie = response.cookies[TOKEN_COOKIE]
    assert cookie.value == "s3cret-token" and cookie["httponly"] and cookie["samesite"] == "Strict"
    # The cookie now opens the static files (and the websocket) of that browser.
    assert (await token_client.get("/static/css/xterm.css")).status == 200


def test_serve_makes_a_token_only_off_the_loopback(db_path: Path) -> None:
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.20")
    server = StudyServer(db_path, host="192.168.1.20", port=8123, token="t0k")
    assert server.link() == "http://192.168.1.20:8123/?token=t0k"
    assert StudyServer(db_path, host="127.0.0.1", port=8000, token=None).link() == (
        "http://127.0.0.1:8000/"
    )
    assert tui_command(db_path).endswith(f"-m studykb.cli --db {db_path} tui")


# ------------------------------------------------------------------ the browser
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for(predicate: Any, what: str, timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def served(
    db_path: Path,
    small_deck: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[str]:
    """`studykb serve` on a free loopback port over a database holding the toy deck."""
    monkeypatch.setenv("STUDYKB_NOW", "2026-01-05T10:00:00+01:00")
    monkeypatch.setenv("STUDYKB_NO_BUNDLED", "1")  # the toy deck alone
    db_path.parent.mkdir(parents=True)
    code, _, err = run_cli(capsys, "--db", str(db_path), "import", str(small_deck))
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


@pytest.fixture
def chromium(tmp_path: Path) -> Iterator[str]:
    """Headless chromium with a DevTools port; yields its page's DevTools websocket URL."""
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (Debian: apt-get install chromium)")
    profile = tmp_path / "chromium-profile"
    args = [
        CHROMIUM,
        "--headless=new",
        "--disable-gpu",
        "--no-first-run",
        "--no-default-browser-check",
        "--remote-debugging-port=0",
        f"--user-data-dir={profile}",
        "--window-size=1000,700",
        "about:blank",
    ]
    if os.geteuid() == 0:  # chromium's sandbox refuses to run as root
        args.insert(1, "--no-sandbox")
    browser = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        active = profile / "DevToolsActivePort"
        _wait_for(lambda: active.exists() and active.read_text().strip(), "chromium to start")
        port = int(active.read_text().splitlines()[0])
        yield f"http://127.0.0.1:{port}"
    finally:
        browser.terminate()
        try:
            browser.wait(timeout=15)
        except subprocess.TimeoutExpired:
            browser.kill()
            browser.wait()


class DevTools:
    """The few DevTools protocol calls the test needs, over one page's websocket."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.next_id = 0

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        await self.ws.send_json({"id": self.next_id, "method": method, "params": params})
        while True:
            message = json.loads(await self.ws.receive_str(timeout=30))
            if message.get("id") == self.next_id:  # events in between are ignored
                if "error" in message:
                    raise AssertionError(f"{method}: {message['error']}")
                return dict(message.get("result", {}))

    async def evaluate(self, expression: str) -> Any:
        result = await self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return result["result"].get("value")

    async def wait_for(self, expression: str, what: str, timeout: float = 30.0) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = await self.evaluate(expression)
            if value:
                return value
            await asyncio.sleep(0.2)
        received = await self.evaluate("window.__received.slice(-3000)")
        raise AssertionError(f"timed out waiting for {what}; the terminal last got {received!r}")

    async def press(self, key: str) -> None:
        """A key typed into the terminal (a printable character: space, a digit, a letter)."""
        code = "Space" if key == " " else (f"Digit{key}" if key.isdigit() else f"Key{key.upper()}")
        common = {"key": key, "code": code, "windowsVirtualKeyCode": ord(key.upper())}
        await self.call("Input.dispatchKeyEvent", type="keyDown", text=key, **common)
        await self.call("Input.dispatchKeyEvent", type="keyUp", **common)


# Keeps, as text, what the server sends the terminal: the test reads the screen from it
# (xterm.js draws on a canvas, and textual-serve's script exposes no terminal object).
RECORD_TERMINAL_OUTPUT = """
window.__received = "";
const NativeWebSocket = window.WebSocket;
window.WebSocket = function (...args) {
  const socket = new NativeWebSocket(...args);
  const decoder = new TextDecoder();
  socket.addEventListener("message", (event) => {
    if (typeof event.data !== "string") {
      window.__received += decoder.decode(new Uint8Array(event.data), {stream: true});
    }
  });
  return socket;
};
window.WebSocket.prototype = NativeWebSocket.prototype;
"""


def _shown(text: str) -> str:
    return f"window.__received.includes({json.dumps(text)})"


@pytest.mark.browser
async def test_a_card_is_revealed_and_graded_in_a_browser(
    served: str, chromium: str, db_path: Path
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
            await devtools.call("Page.navigate", url=served)
            # The page loaded, its websocket opened and the TUI's home screen arrived.
            await devtools.wait_for(
                "document.body.classList.contains('-first-byte')", "the terminal's first bytes"
            )
            await devtools.wait_for(_shown("Toy deck"), "the home screen")
            await devtools.evaluate("document.querySelector('.xterm-helper-textarea').focus()")
            await devtools.press("r")  # review all due
            await devtools.wait_for(_shown("Question one?"), "the first card")
            assert not await devtools.evaluate(_shown("Answer one."))
            await devtools.press(" ")  # reveal
            await devtools.wait_for(_shown("Answer one."), "the answer")
            await devtools.press("4")  # grade 4
            await devtools.wait_for(_shown("Question two?"), "the next card")

    with sqlite3.connect(db_path) as conn:
        rows = conn.execute(
            "SELECT c.key, r.quality, r.kind FROM review_log r JOIN card c ON c.id = r.card_id"
        ).fetchall()
    assert rows == [("one", 4, "review")]
