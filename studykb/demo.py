"""A demo database: the bundled decks with a few weeks of plausible study history.

Deterministic (fixed clock, seeded random grades), so screenshots and snapshot
tests show the same thing on every machine. Built through the same use cases the
app calls (studykb.app), so states always equal the replayed log.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

from studykb.app.collection import Collection, open_collection
from studykb.core.clock import FixedClock
from studykb.settings import Settings

DEMO_NOW = datetime(2026, 3, 2, 9, 30, tzinfo=timezone(timedelta(hours=1)))
GRADES = (5, 4, 3, 2, 1, 0)
WEIGHTS = (34, 36, 15, 8, 5, 2)


def build_demo(
    path: Path, *, days: int = 28, seed: int = 7, now: datetime = DEMO_NOW
) -> Collection:
    """Create (or overwrite) a demo database at ``path``; returns it open, clock at ``now``."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    start = now - timedelta(days=days)
    clock = FixedClock(start)
    # A modest pace, so that some cards are still new on the demo day.
    collection = open_collection(
        path, clock=clock, settings=Settings(new_per_day=7, reviews_per_day=200), seed_bundled=True
    )
    review, reading = collection.review, collection.reading
    rng = random.Random(seed)
    for day in range(days):
        clock.set(start + timedelta(days=day, hours=rng.randint(0, 11), minutes=rng.randint(0, 59)))
        if rng.random() < 0.12:
            continue  # a day off
        for _ in range(120):
            card = review.next_card()
            if card is None:
                break
            quality = rng.choices(GRADES, WEIGHTS)[0]
            review.answer(card.id, quality, rng.randint(1500, 14000))
            clock.advance(timedelta(seconds=rng.randint(5, 40)))
    for slug, status in (
        ("understanding-diffusion", "read"),
        ("ddpm", "read"),
        ("ddim", "reading"),
    ):
        reading.set_status(slug, status)
    reading.set_note(reading.paper("ddpm").id, "Re-derive L_simple from the ELBO (§3.2).")
    clock.set(now)
    collection.apply_settings(Settings())
    return collection
