"""Export the README screenshots (SVG) from a seeded demo database: `make screenshots`.

Every picture is deterministic: the clock is fixed and the history seeded. The
image card is reviewed on a database of its own (one deck, a picture made here);
the browser page is `studykb serve` on the demo database, photographed by Debian's
headless chromium through its DevTools protocol (skipped, saying so, without it).
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # tests.pngs: the picture on the image card

from studykb.app.collection import Collection, open_collection  # noqa: E402
from studykb.app.library import prepare_import  # noqa: E402
from studykb.core.clock import FixedClock  # noqa: E402
from studykb.demo import DEMO_NOW, build_demo  # noqa: E402
from studykb.settings import Settings  # noqa: E402
from studykb.tui.app import StudyApp  # noqa: E402
from tests.pngs import noise_to_image  # noqa: E402

OUT = ROOT / "screenshots"
LATEX_SOURCE = ROOT / "tests" / "data" / "latex" / "paper"
SIZE = (100, 30)
IMAGE_DECK = """
[deck]
id = "ddpm-figures"
title = "DDPM in pictures"

[[cards]]
id = "reverse"
front = "What does DDPM's reverse process do, step by step?"
back = '''It removes a little of the predicted noise at each step, until an image is left.

![From noise to an image: the reverse process](figs/reverse.png)'''
source = "Ho et al. 2020, Fig. 2"
tags = ["figure"]
"""


async def shoot(
    name: str,
    keys: list[str],
    *,
    wait_workers: bool = False,
    size: tuple[int, int] = SIZE,
    prepare: Callable[[Collection], object] | None = None,
) -> Path:
    with tempfile.TemporaryDirectory() as tmp:
        collection = build_demo(Path(tmp) / "demo.db")
        if prepare is not None:
            prepare(collection)
        app = StudyApp(collection, clock=collection.clock, config_path=Path(tmp) / "config.toml")
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            for key in keys:
                await pilot.press(key)
                await pilot.pause()
                if wait_workers:
                    await app.workers.wait_for_complete()
            if wait_workers:
                await app.workers.wait_for_complete()
                await pilot.pause(0.2)
            path = OUT / f"{name}.svg"
            app.save_screenshot(filename=path.name, path=str(OUT))
        collection.close()
    return path


async def shoot_image_card() -> Path:
    """Review of a card with an image (half-blocks, as in any terminal without graphics)."""
    with tempfile.TemporaryDirectory() as tmp:
        decks = Path(tmp) / "decks"
        (decks / "figs").mkdir(parents=True)
        (decks / "figs" / "reverse.png").write_bytes(noise_to_image())
        (decks / "figures.toml").write_text(IMAGE_DECK, encoding="utf-8")
        collection = open_collection(
            Path(tmp) / "images.db",
            clock=FixedClock(DEMO_NOW),
            settings=Settings(),
            seed_bundled=False,
        )
        collection.library.apply(prepare_import([decks / "figures.toml"]))
        app = StudyApp(
            collection, clock=collection.clock, config_path=Path(tmp) / "config.toml", review=True
        )
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause(0.2)
            await pilot.press("space")
            await pilot.pause(0.2)
            path = OUT / "review-image.svg"
            app.save_screenshot(filename=path.name, path=str(OUT))
        collection.close()
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(predicate: Callable[[], Any], what: str, timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := predicate():
            return value
        time.sleep(0.1)
    raise TimeoutError(f"timed out waiting for {what}")


async def _devtools_screenshot(devtools_url: str, page_url: str, out: Path) -> None:
    """Open ``page_url``, wait for the TUI's home screen to arrive, photograph the page."""
    import aiohttp

    async with aiohttp.ClientSession() as http:
        async with http.get(f"{devtools_url}/json/list") as response:
            targets = await response.json()
        page = next(t for t in targets if t["type"] == "page")
        async with http.ws_connect(page["webSocketDebuggerUrl"], max_msg_size=0) as ws:
            ids = iter(range(1, 1_000_000))

            async def call(method: str, **params: Any) -> dict[str, Any]:
                number = next(ids)
                await ws.send_json({"id": number, "method": method, "params": params})
                while True:
                    message = json.loads(await ws.receive_str(timeout=60))
                    if message.get("id") == number:
                        if "error" in message:
                            raise RuntimeError(f"{method}: {message['error']}")
                        return dict(message.get("result", {}))

            async def shows(text: str) -> bool:
                result = await call(
                    "Runtime.evaluate",
                    expression=f"document.body.innerText.includes({json.dumps(text)})",
                    returnByValue=True,
                )
                return bool(result["result"].get("value"))

            await call("Page.enable")
            await call("Page.navigate", url=page_url)
            deadline = time.monotonic() + 60
            # xterm.js keeps the screen's text in its accessibility tree as well.
            while not await shows("worth reading") and time.monotonic() < deadline:
                await asyncio.sleep(0.3)
            await asyncio.sleep(1.5)  # the last frames, and the canvas painted
            shot = await call("Page.captureScreenshot", format="png")
            out.write_bytes(base64.b64decode(shot["data"]))


def shoot_browser() -> Path | None:
    """`studykb serve` on a copy of the demo database, in headless chromium."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        print("skipped screenshots/serve.png: chromium is not installed (apt-get install chromium)")
        return None
    out = OUT / "serve.png"
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "demo.db"
        build_demo(db).close()
        env = {
            **os.environ,
            "STUDYKB_HOME": str(Path(tmp) / "home"),
            "STUDYKB_NOW": DEMO_NOW.isoformat(),
            "STUDYKB_NO_BUNDLED": "1",
        }
        port = _free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "studykb.cli", "--db", str(db), "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        profile = Path(tmp) / "chromium"
        args = [
            chromium,
            "--headless=new",
            "--disable-gpu",
            "--no-first-run",
            "--hide-scrollbars",
            "--remote-debugging-port=0",
            f"--user-data-dir={profile}",
            "--window-size=1200,760",
            "about:blank",
        ]
        if os.geteuid() == 0:  # chromium's sandbox refuses to run as root
            args.insert(1, "--no-sandbox")
        browser = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:

            def listening() -> bool:
                with socket.socket() as s:
                    return s.connect_ex(("127.0.0.1", port)) == 0

            _wait(listening, "studykb serve to listen")
            active = profile / "DevToolsActivePort"
            _wait(lambda: active.exists() and active.read_text().strip(), "chromium to start")
            devtools = f"http://127.0.0.1:{int(active.read_text().splitlines()[0])}"
            asyncio.run(_devtools_screenshot(devtools, f"http://127.0.0.1:{port}/", out))
        finally:
            for process in (browser, server):
                process.terminate()
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
    return out


async def main() -> None:
    OUT.mkdir(exist_ok=True)
    shots = [
        ("home", []),
        ("review-front", ["r"]),
        ("review-revealed", ["r", "space"]),
        ("papers", ["p"]),
    ]
    for name, keys in shots:
        print(await shoot(name, keys))
    print(await shoot("statistics", ["t"], wait_workers=True))
    print(await shoot_image_card())
    # The card editor, wide enough for the preview beside the fields.
    print(await shoot("editor", ["r", "space", "e"], size=(120, 40)))
    # The card browser, searching math by its rendered form.
    print(await shoot("cards", ["c", "slash", *"tweedie"], wait_workers=True))
    # Drafts from a LaTeX source (the one the tests use), on its first equation.
    print(
        await shoot(
            "drafts",
            ["p", "d", "j", "j", "j", "j", "j"],
            size=(120, 32),
            prepare=lambda c: c.drafts.draft(LATEX_SOURCE, "ddim"),
        )
    )


if __name__ == "__main__":
    asyncio.run(main())
    # Its own event loop (and processes), after the TUI pictures.
    print(shoot_browser() or "")
