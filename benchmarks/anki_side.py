"""The same work done with Anki's own engine (the `anki` package, Rust backend)."""

from __future__ import annotations

import statistics
import time
from pathlib import Path


def run(tmp: Path, notes: int = 10_000, answers: int = 1_000) -> dict[str, float]:
    """Add ``notes`` notes to a new collection, then (unless ``answers`` is 0) count the
    day's cards and answer ``answers`` of them, as studykb's benchmarks do."""
    from anki.collection import AddNoteRequest, Collection
    from anki.scheduler.v3 import CardAnswer

    col = Collection(str(tmp / f"anki-bench-{notes}.anki2"))
    try:
        deck = col.decks.id("Bench")
        assert deck is not None
        conf = col.decks.config_dict_for_deck_id(deck)
        conf["rev"]["perDay"] = 9999  # Anki's maximum
        conf["new"]["perDay"] = 9999
        col.decks.update_config(conf)
        model = col.models.by_name("Basic")
        assert model is not None
        requests = []
        for i in range(notes):
            note = col.new_note(model)
            note["Front"] = f"Question {i} about x_{i}?"
            note["Back"] = f"Answer {i}."
            requests.append(AddNoteRequest(note, deck))
        began = time.perf_counter()
        col.add_notes(requests)
        add_ms = (time.perf_counter() - began) * 1000
        if not answers:
            return {"add_ms": add_ms}

        # Make every card a review due today, then answer through the v3 scheduler.
        col.sched.set_due_date(col.find_cards(f"did:{deck}"), "0")
        col.decks.select(deck)
        counts = []
        for _ in range(20):
            began = time.perf_counter()
            col.sched.counts()
            counts.append((time.perf_counter() - began) * 1000)
        times = []
        for _ in range(answers):
            began = time.perf_counter()
            queued = col.sched.get_queued_cards(fetch_limit=1)
            top = queued.cards[0]
            card = col.get_card(top.card.id)
            card.start_timer()
            answer = col.sched.build_answer(card=card, states=top.states, rating=CardAnswer.GOOD)
            col.sched.answer_card(answer)
            times.append((time.perf_counter() - began) * 1000)
        journal = col.db.scalar("pragma journal_mode")
        sync = col.db.scalar("pragma synchronous")
    finally:
        col.close()
    ordered = sorted(times)
    return {
        "add_ms": add_ms,
        "answer_median_ms": statistics.median(times),
        "answer_p99_ms": ordered[int(0.99 * (len(ordered) - 1))],
        "counts_median_ms": statistics.median(counts),
        "journal_mode": journal,
        "synchronous": sync,
    }
