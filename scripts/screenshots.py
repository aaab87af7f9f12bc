"""Export the README screenshots (SVG) from a seeded demo database: `make screenshots`.

Every picture is deterministic: the clock is fixed and the history seeded.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

from studykb.demo import build_demo
from studykb.tui.app import StudyApp

OUT = Path(__file__).resolve().parent.parent / "screenshots"
SIZE = (100, 30)


async def shoot(
    name: str,
    keys: list[str],
    *,
    wait_workers: bool = False,
    size: tuple[int, int] = SIZE,
) -> Path:
    with tempfile.TemporaryDirectory() as tmp:
        collection = build_demo(Path(tmp) / "demo.db")
        app = StudyApp(collection, clock=collection.clock, config_path=Path(tmp) / "config.toml")
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            for key in keys:
                await pilot.press(key)
                await pilot.pause()
            if wait_workers:
                await app.workers.wait_for_complete()
                await pilot.pause(0.2)
            path = OUT / f"{name}.svg"
            app.save_screenshot(filename=path.name, path=str(OUT))
        collection.close()
    return path


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
    # The card editor, wide enough for the preview beside the fields.
    print(await shoot("editor", ["r", "space", "e"], size=(120, 40)))


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
