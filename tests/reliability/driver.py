"""A review driver for the reliability tests: answers cards through the same
Repository.answer call the TUI makes, printing `ack UID` once each answer has
returned (that is, once it is committed). Run as a separate process so that
tests can SIGKILL it at any moment.

    python driver.py DB SEED [--days-every N] [--count N]
"""

from __future__ import annotations

import argparse
import random
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

from studykb.app.store import open_store
from studykb.core.clock import FixedClock
from studykb.settings import Settings

START = datetime(2026, 1, 5, 9, 0, tzinfo=timezone(timedelta(hours=1)))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("db", type=Path)
    parser.add_argument("seed", type=int)
    parser.add_argument("--days-every", type=int, default=0, help="next study day every N answers")
    parser.add_argument("--count", type=int, default=100_000)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    clock = FixedClock(START)
    store = open_store(
        args.db,
        clock=clock,
        settings=Settings(new_per_day=1000, reviews_per_day=1000),
        seed_bundled=False,
    )
    repo = store.repo
    print("ready", flush=True)
    for n in range(args.count):
        if args.days_every and n and n % args.days_every == 0:
            clock.advance(timedelta(days=1))
        card_id = repo.next_card()
        if card_id is None:
            clock.advance(timedelta(days=1))
            continue
        answer = repo.answer(card_id, rng.choice((0, 2, 3, 4, 5, 5)), rng.randint(500, 9000))
        sys.stdout.write(f"ack {answer.uid}\n")
        sys.stdout.flush()
    store.close()


if __name__ == "__main__":
    main()
