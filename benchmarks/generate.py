"""A deterministic, realistic collection: N cards over 200 decks (basic and cloze),
about ten answers per card over three years, written through studykb's store.

Histories are simulated with studykb's own scheduler (core.scheduler.review),
so every stored state equals the replay of its log (`studykb check` passes).
"""

from __future__ import annotations

import random
import uuid
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

from studykb.app.store import Store, open_store
from studykb.core.clock import FixedClock
from studykb.core.scheduler import Sm2State, review
from studykb.core.specs import CardSpec, DeckSpec
from studykb.settings import Settings
from studykb.storage.repository import LogRow

TODAY = date(2026, 11, 2)
NOW = datetime.combine(TODAY, time(9, 0), tzinfo=timezone(timedelta(hours=1)))
DECKS = 200
HISTORY_DAYS = 3 * 365
# A plausible grade distribution: mostly 4s and 5s, some hard recalls and lapses.
GRADES = (5, 4, 3, 2, 1, 0)
WEIGHTS = (30, 40, 17, 7, 4, 2)


def deck_specs(n_cards: int, rng: random.Random) -> list[DeckSpec]:
    per_deck = [n_cards // DECKS + (1 if i < n_cards % DECKS else 0) for i in range(DECKS)]
    decks = []
    for d, count in enumerate(per_deck):
        cards: list[CardSpec] = []
        i = 0
        while len(cards) < count:
            if rng.random() < 0.25 and count - len(cards) >= 2:
                k = min(count - len(cards), rng.randint(2, 3))
                text = " and ".join(f"{{{{c{j + 1}::term {d}-{i}-{j}}}}}" for j in range(k))
                for j in range(k):
                    cards.append(
                        CardSpec(
                            f"n{i}:c{j + 1}",
                            f"n{i}",
                            "cloze",
                            f"Define {text}.",
                            "",
                            ("gen",),
                            f"§{i % 7 + 1}",
                            j + 1,
                        )
                    )
            else:
                cards.append(
                    CardSpec(
                        f"q{i}",
                        f"q{i}",
                        "basic",
                        f"Deck {d}, question {i}: what does $x_{{{i}}}$ denote?",
                        f"The answer to question {i} of deck {d}.",
                        ("gen",),
                        f"Eq. ({i})",
                    )
                )
            i += 1
        decks.append(
            DeckSpec(f"deck-{d:03d}", f"Generated deck {d}", f"gen-{d}.toml", cards=tuple(cards))
        )
    return decks


def simulate(card_ids: list[int], rng: random.Random) -> tuple[list[LogRow], dict[int, Sm2State]]:
    rows: list[LogRow] = []
    states: dict[int, Sm2State] = {}
    start_day = TODAY - timedelta(days=HISTORY_DAYS)
    for card_id in card_ids:
        if rng.random() < 0.08:
            continue  # still new
        state = Sm2State()
        day = start_day + timedelta(days=rng.randint(0, HISTORY_DAYS - 30))
        while day < TODAY:
            quality = rng.choices(GRADES, WEIGHTS)[0]
            stamp = (
                f"{day.isoformat()}T{rng.randint(6, 22):02d}:{rng.randint(0, 59):02d}:00.000+00:00"
            )
            after = review(state, quality, day)
            rows.append(
                LogRow(
                    uuid.UUID(int=rng.getrandbits(128)).hex,
                    card_id,
                    stamp,
                    60,
                    day,
                    quality,
                    "review",
                    rng.randint(1500, 12000),
                    state,
                    after,
                )
            )
            if quality < 4:  # SM-2 rule 7: drilled until 4 or better, changing nothing
                rows.append(
                    LogRow(
                        uuid.UUID(int=rng.getrandbits(128)).hex,
                        card_id,
                        stamp,
                        60,
                        day,
                        4,
                        "drill",
                        rng.randint(1000, 6000),
                        after,
                        after,
                    )
                )
            state = after
            assert state.due is not None
            day = state.due + timedelta(days=rng.choice((0, 0, 0, 1, 2)))
        states[card_id] = state
    return rows, states


def generate(path: Path, n_cards: int, seed: int = 1) -> Store:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    rng = random.Random(seed)
    store = open_store(path, clock=FixedClock(NOW), settings=Settings(), seed_bundled=False)
    repo = store.repo
    repo.conn.execute("PRAGMA synchronous = OFF")  # building a fixture, not keeping answers
    repo.import_decks(deck_specs(n_cards, rng))
    card_ids = [int(r[0]) for r in repo.conn.execute("SELECT id FROM card ORDER BY id")]
    rows, states = simulate(card_ids, rng)
    repo.append_history(rows, states)
    repo.conn.execute("PRAGMA synchronous = FULL")
    repo.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return store


if __name__ == "__main__":
    import sys
    import time as _time

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    began = _time.perf_counter()
    s = generate(Path(sys.argv[2] if len(sys.argv) > 2 else f"/tmp/gen-{n}.db"), n)
    rows = s.repo.conn.execute("SELECT COUNT(*) FROM review_log").fetchone()[0]
    print(
        f"{n} cards, {rows} log rows in {_time.perf_counter() - began:.1f}s;",
        "check ok" if s.repo.check().ok else "CHECK FAILED",
    )
