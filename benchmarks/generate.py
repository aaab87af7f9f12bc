"""A deterministic, realistic collection: N cards over 200 decks (basic and cloze),
about eighteen log rows per card over three years (a million cards: 17.6 M rows).

The decks go in through studykb's own import; the histories by bulk statements from
a few thousand histories simulated with studykb's SM-2 (core.scheduler.review), so
every stored state equals the replay of its log (`studykb check` passes) and a
million cards are made in minutes, not the better part of an hour.
"""

from __future__ import annotations

import random
import sqlite3
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any

from studykb.app.store import Store, open_store
from studykb.core.clock import FixedClock
from studykb.core.scheduler import Sm2State, review
from studykb.core.scheduling import SM2
from studykb.core.specs import CardSpec, DeckSpec
from studykb.settings import Settings
from studykb.storage.counts import rebuild_counts
from studykb.storage.db import write_transaction
from studykb.storage.states import encode
from studykb.storage.uids import TAG_BITS, device_tag

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


TEMPLATES = 4096  # distinct histories; each card takes one, started on its own day


def _history(rng: random.Random, start: date) -> list[tuple[Any, ...]]:
    """One card's answers from ``start`` until the end of the simulated years, each as
    (days after start, time of day, quality, kind, answer ms, state before, after)."""
    rows: list[tuple[Any, ...]] = []
    state, day = Sm2State(), start
    end = start + timedelta(days=HISTORY_DAYS)
    while day < end:
        quality = rng.choices(GRADES, WEIGHTS)[0]
        clock = f"T{rng.randint(6, 22):02d}:{rng.randint(0, 59):02d}:00.000+00:00"
        after = review(state, quality, day)
        rel = (day - start).days
        rows.append((rel, clock, quality, "review", rng.randint(1500, 12000), state, after))
        if quality < 4:  # SM-2 rule 7: drilled until 4 or better, changing nothing
            rows.append((rel, clock, 4, "drill", rng.randint(1000, 6000), after, after))
        state = after
        assert state.due is not None
        day = state.due + timedelta(days=rng.choice((0, 0, 0, 1, 2)))
    return rows


def _state_columns(state: Sm2State) -> tuple[Any, ...]:
    stored = encode(SM2, state)
    return tuple(stored.values())


def _load_histories(conn: sqlite3.Connection, rng: random.Random) -> None:
    """Every card's log by bulk statements: a few thousand simulated histories
    (studykb's own SM-2), each card taking one from its own first day, cut at today.
    SM-2 is the same on any start day (a due day is the answer's day plus an
    interval), so a history moved by N days is the replay of its answers moved by N
    days: every stored state is still the replay of its log (`studykb check`)."""
    start = TODAY - timedelta(days=HISTORY_DAYS)
    conn.execute(
        "CREATE TEMP TABLE tpl (t INTEGER, i INTEGER, rel INTEGER, clock TEXT, quality INTEGER,"
        " kind TEXT, answer_ms INTEGER, b_rep, b_int, b_due, b_lapses, b_state,"
        " a_rep, a_int, a_due, a_lapses, a_state, PRIMARY KEY (t, i))"
    )
    conn.executemany(
        "INSERT INTO tpl VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            (t, i, rel, clock, q, kind, ms, *_state_columns(before), *_state_columns(after))
            for t in range(TEMPLATES)
            for i, (rel, clock, q, kind, ms, before, after) in enumerate(_history(rng, start))
        ),
    )
    # Each card: a history and a first day (8% never answered: still new).
    card_ids = [int(r[0]) for r in conn.execute("SELECT id FROM card ORDER BY id")]
    conn.execute("CREATE TEMP TABLE assign (card_id INTEGER PRIMARY KEY, t INTEGER, o INTEGER)")
    conn.executemany(
        "INSERT INTO assign VALUES (?, ?, ?)",
        (
            (card_id, rng.randrange(TEMPLATES), rng.randint(0, HISTORY_DAYS - 30))
            for card_id in card_ids
            if rng.random() >= 0.08
        ),
    )
    # The counts' triggers would run once per row, and the log's indexes be written out
    # of order: both off for the load, then made again (the counts rebuilt).
    dropped = conn.execute(
        "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL AND "
        "((type = 'trigger' AND tbl_name IN ('review_log', 'card_state')) "
        "OR (type = 'index' AND tbl_name = 'review_log'))"
    ).fetchall()
    for kind, name, _ in dropped:
        conn.execute(f"DROP {kind.upper()} {name}")
    shifted = "date(t.{0}, '+' || a.o || ' days')"
    # uids rise with (card, answer), so the unique index is appended to, not sprayed.
    conn.execute(
        f"""
        INSERT INTO review_log (
          uid, card_id, card_ref, answered_at, utc_offset_minutes, study_day, quality, kind,
          answer_ms, scheduler,
          before_repetitions, before_interval, before_due, before_lapses, before_state,
          after_repetitions, after_interval, after_due, after_lapses, after_state, seq)
        SELECT printf('%016x%016x', a.card_id, t.i), a.card_id, c.deck_id || '/' || c.key,
               date(:start, '+' || (a.o + t.rel) || ' days') || t.clock, 60,
               date(:start, '+' || (a.o + t.rel) || ' days'), t.quality, t.kind, t.answer_ms,
               'sm2', t.b_rep, t.b_int, {shifted.format("b_due")}, t.b_lapses, t.b_state,
               t.a_rep, t.a_int, {shifted.format("a_due")}, t.a_lapses, t.a_state,
               -- this device's seqs (storage.uids), in the order of the rows
               (row_number() OVER (ORDER BY a.card_id, t.i) << {TAG_BITS}) | :tag
        FROM assign a JOIN card c ON c.id = a.card_id JOIN tpl t ON t.t = a.t
        WHERE a.o + t.rel < :days
        ORDER BY a.card_id, t.i
        """,
        {"start": start.isoformat(), "days": HISTORY_DAYS, "tag": device_tag(conn)},
    )
    for kind, _, sql in dropped:
        if kind == "index":
            conn.execute(sql)  # the next statement finds each card's last answer by it
    conn.execute(
        """
        UPDATE card_state SET repetitions = r.after_repetitions, interval = r.after_interval,
               due = r.after_due, lapses = r.after_lapses, state = r.after_state
        FROM review_log r
        WHERE r.seq = (SELECT MAX(seq) FROM review_log WHERE card_id = card_state.card_id)
        """
    )
    for kind, _, sql in dropped:
        if kind == "trigger":
            conn.execute(sql)
    rebuild_counts(conn)
    conn.execute("DROP TABLE tpl")
    conn.execute("DROP TABLE assign")


def generate(path: Path, n_cards: int, seed: int = 1) -> Store:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    rng = random.Random(seed)
    store = open_store(path, clock=FixedClock(NOW), settings=Settings(), seed_bundled=False)
    repo = store.repo
    # Building a fixture, not keeping answers: no journal (a million cards' log would be
    # written twice through the WAL), no fsync; WAL again before anything is timed.
    repo.conn.execute("PRAGMA journal_mode = OFF")
    repo.conn.execute("PRAGMA synchronous = OFF")
    repo.conn.execute("PRAGMA cache_size = -2000000")  # 2 GB: the million-card load's indexes
    repo.import_decks(deck_specs(n_cards, rng))
    with write_transaction(repo.conn):
        _load_histories(repo.conn, rng)
    repo.conn.execute("PRAGMA journal_mode = WAL")
    repo.conn.execute("PRAGMA synchronous = FULL")
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
