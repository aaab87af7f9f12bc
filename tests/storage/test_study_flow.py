"""A deck imported, answered over several study days, undone, edited and re-imported,
checked against a hand calculation of SM-2."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from studykb.app.store import Store, open_store
from studykb.core.clock import FixedClock
from studykb.core.scheduler import Sm2State
from studykb.decks.toml_deck import read_decks
from studykb.errors import BadInputError
from studykb.settings import Settings
from studykb.storage.repository import Repository
from tests.conftest import SMALL_DECK, UTC1, write


def state(repo: Repository, ref: str) -> tuple[int, Decimal, int, date | None]:
    s = repo.card(repo.find_card(ref)).state
    return (s.repetitions, s.easiness, s.interval, s.due)


def D(x: str) -> Decimal:
    return Decimal(x)


def refs(repo: Repository, ids: tuple[int, ...]) -> list[str]:
    return [repo.card(i).ref for i in ids]


def test_whole_flow(store: Store, small_deck: Path, clock: FixedClock, tmp_path: Path) -> None:
    repo = store.repo
    [report] = repo.import_decks(read_decks([small_deck]))
    assert (report.added, report.updated, report.unchanged, report.retired) == (4, 0, 0, 0)

    # Day 1: four new cards, in deck order.
    q = repo.day_queue()
    assert refs(repo, q.new) == ["toy/one", "toy/two", "toy/eq:c1", "toy/eq:c2"]
    assert q.reviews == () and q.drills == ()
    one, two, c1, c2 = q.new
    assert repo.answer(one, 5).kind == "review"
    repo.answer(two, 3)
    repo.answer(c1, 4)
    repo.answer(c2, 1)
    assert state(repo, "toy/one") == (1, D("2.6"), 1, date(2026, 1, 6))
    assert state(repo, "toy/two") == (1, D("2.36"), 1, date(2026, 1, 6))
    assert state(repo, "toy/eq:c1") == (1, D("2.5"), 1, date(2026, 1, 6))
    assert state(repo, "toy/eq:c2") == (0, D("1.96"), 1, date(2026, 1, 6))

    # SM-2 rule 7: grades below 4 come back the same day, changing nothing.
    assert repo.day_queue().drills == (two, c2)
    drill = repo.answer(two, 4)
    assert drill.kind == "drill" and drill.before == drill.after
    assert repo.answer(c2, 2).kind == "drill"
    assert repo.day_queue().drills == (c2,)
    repo.answer(c2, 5)
    assert len(repo.day_queue()) == 0
    assert state(repo, "toy/eq:c2") == (0, D("1.96"), 1, date(2026, 1, 6))
    stats = repo.stats()
    assert (stats.reviews_today, stats.drills_today, stats.new_today) == (4, 3, 4)

    # Day 2, 09:00: all four due, in deck order.
    clock.set(datetime(2026, 1, 6, 9, 0, tzinfo=UTC1))
    q = repo.day_queue()
    assert q.reviews == (one, two, c1, c2) and q.new == ()
    repo.answer(one, 5)
    repo.answer(two, 4)
    repo.answer(c1, 5)
    wrong = repo.answer(c2, 3)
    assert state(repo, "toy/eq:c2") == (1, D("1.82"), 1, date(2026, 1, 7))
    # Undo restores the previous state and appends a row voiding the answer, atomically:
    # the log only grows.
    undone = repo.undo()
    assert undone is not None and undone.uid == wrong.uid
    assert state(repo, "toy/eq:c2") == (0, D("1.96"), 1, date(2026, 1, 6))
    log = repo.log_for_card(c2)
    assert len(log) == 5  # review and two drills on day 1, the answer, its void
    assert (log[-1].kind, log[-1].voids) == ("void", wrong.uid)
    assert repo.check().ok
    assert repo.day_queue().reviews == (c2,)
    repo.answer(c2, 4)
    assert state(repo, "toy/one") == (2, D("2.7"), 6, date(2026, 1, 12))
    assert state(repo, "toy/two") == (2, D("2.36"), 6, date(2026, 1, 12))
    assert state(repo, "toy/eq:c1") == (2, D("2.6"), 6, date(2026, 1, 12))
    assert state(repo, "toy/eq:c2") == (1, D("1.96"), 1, date(2026, 1, 7))

    # Day 3, 01:30 local: still study day 2 (the day starts at 04:00).
    clock.set(datetime(2026, 1, 7, 1, 30, tzinfo=UTC1))
    assert repo.today() == date(2026, 1, 6)
    assert len(repo.day_queue()) == 0
    clock.set(datetime(2026, 1, 7, 8, 0, tzinfo=UTC1))
    assert repo.day_queue().reviews == (c2,)
    repo.answer(c2, 5)
    assert state(repo, "toy/eq:c2") == (2, D("2.06"), 6, date(2026, 1, 13))
    assert repo.stats().streak == 3

    # The deck is edited: 'one' removed, 'two' reworded, 'three' added.
    edited = SMALL_DECK.replace(
        '[[cards]]\nid = "one"\nfront = "Question one?"\nback = "Answer one."\nsource = "§1"\n\n',
        "",
    ).replace("Question two?", "Question two, reworded?") + (
        '\n[[cards]]\nid = "three"\nfront = "Question three?"\nback = "Three."\nsource = "§3"\n'
    )
    assert edited != SMALL_DECK
    edited_path = write(tmp_path / "edited" / "toy.toml", edited)
    dry = repo.import_decks(read_decks([edited_path]), dry_run=True)
    [report] = repo.import_decks(read_decks([edited_path]))
    assert (report.added, report.updated, report.unchanged, report.retired) == (1, 1, 2, 1)
    assert [(r.added, r.updated, r.unchanged, r.retired) for r in dry] == [(1, 1, 2, 1)]
    card_two = repo.card(two)
    assert card_two.question == "Question two, reworded?"
    assert state(repo, "toy/two") == (2, D("2.36"), 6, date(2026, 1, 12))  # history kept
    assert len(repo.log_for_card(two)) == 3
    assert repo.card(one).retired
    [again] = repo.import_decks(read_decks([edited_path]))
    assert (again.added, again.updated, again.unchanged, again.retired) == (0, 0, 4, 0)

    # On 2026-01-12: two and eq:c1 due ('one' is retired), 'three' new.
    counts = repo.due_counts(date(2026, 1, 12))
    assert (counts.reviews, counts.new, counts.drills) == (2, 1, 0)
    assert repo.day_queue(day=date(2026, 1, 12)).reviews == (two, c1)

    # The stored states equal the replayed log; a corrupted state is found and repaired.
    report_ok = repo.check()
    # 13 answers, one of them undone by a void row: 14 rows (the log only grows).
    assert report_ok.ok and report_ok.log_rows == 14 and report_ok.cards == 5
    repo.conn.execute("UPDATE card_state SET interval = 99 WHERE card_id = ?", (c1,))
    bad = repo.check()
    assert not bad.ok and any("toy/eq:c1" in p for p in bad.problems)
    fixed = repo.check(repair=True)
    assert fixed.repaired == 1
    assert repo.check().ok
    assert state(repo, "toy/eq:c1") == (2, D("2.6"), 6, date(2026, 1, 12))

    # Putting a removed card back restores it with its history.
    [back] = repo.import_decks(read_decks([small_deck]))
    assert back.updated >= 1
    assert not repo.card(one).retired
    assert state(repo, "toy/one") == (2, D("2.7"), 6, date(2026, 1, 12))


def test_new_card_limit_holds_across_restarts(
    db_path: Path, small_deck: Path, clock: FixedClock
) -> None:
    settings = Settings(new_per_day=2)
    s = open_store(db_path, clock=clock, settings=settings, seed_bundled=False)
    s.repo.import_decks(read_decks([small_deck]))
    first = s.repo.day_queue().new
    assert len(first) == 2
    s.repo.answer(first[0], 5)
    s.close()
    s = open_store(db_path, clock=clock, settings=settings, seed_bundled=False)
    assert len(s.repo.day_queue().new) == 1
    s.repo.answer(s.repo.day_queue().new[0], 4)
    assert s.repo.day_queue().new == ()
    clock.advance(timedelta(days=1))
    assert len(s.repo.day_queue().new) == 2
    s.close()


def test_undo_only_the_latest_answer_of_a_card(store: Store, small_deck: Path) -> None:
    repo = store.repo
    repo.import_decks(read_decks([small_deck]))
    card = repo.day_queue().new[0]
    first = repo.answer(card, 2)
    repo.answer(card, 5)  # a drill
    from studykb.storage.repository import StaleUndoError

    with pytest.raises(StaleUndoError):
        repo.undo(first.uid)
    assert repo.undo() is not None
    assert repo.undo() is not None
    assert repo.card(card).state == Sm2State()
    assert repo.undo() is None


def test_answer_rejects_bad_quality_without_writing(store: Store, small_deck: Path) -> None:
    repo = store.repo
    repo.import_decks(read_decks([small_deck]))
    card = repo.day_queue().new[0]
    # Bad input, named by card and grade, with the scale its deck's scheduler takes.
    with pytest.raises(BadInputError, match=r": grade 6: its deck uses SM-2 \(grades 0-5\)"):
        repo.answer(card, 6)
    assert repo.log_for_card(card) == []


def test_suspend_and_bury(store: Store, small_deck: Path, clock: FixedClock) -> None:
    repo = store.repo
    repo.import_decks(read_decks([small_deck]))
    first, second = repo.day_queue().new[:2]
    repo.set_suspended(first)
    assert first not in repo.day_queue().new
    assert repo.bury(second) == date(2026, 1, 6)
    assert second not in repo.day_queue().new
    clock.advance(timedelta(days=1))
    assert second in repo.day_queue().new
    assert first not in repo.day_queue().new
    repo.set_suspended(first, False)
    assert first in repo.day_queue().new
    assert repo.stats().cards_by_state["new"] == 4


def test_every_answer_records_time_offset_and_day(store: Store, small_deck: Path) -> None:
    repo = store.repo
    repo.import_decks(read_decks([small_deck]))
    card = repo.day_queue().new[0]
    repo.answer(card, 4, answer_ms=3200)
    row = repo.conn.execute(
        "SELECT uid, answered_at, utc_offset_minutes, study_day, kind, answer_ms FROM review_log"
    ).fetchone()
    assert len(row[0]) == 32
    assert row[1:] == ("2026-01-05T09:00:00.000+00:00", 60, "2026-01-05", "review", 3200)


def test_statistics_fast_path_agrees_with_per_deck_counts(
    store: Store, small_deck: Path, clock: FixedClock, tmp_path: Path
) -> None:
    """The all-decks card summary (state table alone, flagged cards moved after)
    must equal the sum of the per-deck summaries (a join per card)."""
    repo = store.repo
    other = write(tmp_path / "other.toml", SMALL_DECK.replace('id = "toy"', 'id = "other"'))
    repo.import_decks(read_decks([small_deck, other]))
    for card in list(repo.day_queue().new)[:6]:
        repo.answer(card, 5)
    clock.advance(timedelta(days=1))
    for card in repo.day_queue().reviews[:3]:
        repo.answer(card, 1)
    repo.set_suspended(repo.find_card("toy/two"))
    repo.set_suspended(repo.find_card("other/eq:c2"))
    repo.import_decks(
        read_decks(
            [
                write(
                    tmp_path / "less.toml",
                    SMALL_DECK.replace(
                        '[[cards]]\nid = "one"\nfront = "Question one?"\nback = "Answer one."\nsource = "§1"\n\n',
                        "",
                    ),
                )
            ]
        )
    )
    everything = repo.stats_data()
    per_deck = [repo.stats_data("toy"), repo.stats_data("other")]
    for name in everything.cards_by_state:
        assert everything.cards_by_state[name] == sum(d.cards_by_state[name] for d in per_deck)
    assert everything.cards_by_state["retired"] == 1
    assert everything.cards_by_state["suspended"] == 2
    assert repo.stats().cards_by_state == everything.cards_by_state
    merged: dict[float, int] = {}
    for d in per_deck:
        for ef, n in d.easiness:
            merged[ef] = merged.get(ef, 0) + n
    assert dict(everything.easiness) == merged
