"""The due histogram the triggers keep: always equal to a recount of the cards, whatever
changes them (answers, undo, suspend, retire, bury, switching scheduler, restore), and
`check` finds and `--repair` mends a histogram that drifted."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from studykb.app.store import Store
from studykb.core.clock import FixedClock
from studykb.core.scheduling.options import SchedulerOptions
from studykb.decks.toml_deck import read_decks
from studykb.storage.counts import recount_by_deck, recount_deck_done, recount_done


def done(store: Store) -> dict[str, tuple[int, int, int]]:
    rows = store.repo.conn.execute(
        "SELECT study_day, answers, reviews, new FROM day_done WHERE answers != 0"
    )
    return {day: (answers, reviews, new) for day, answers, reviews, new in rows}


def deck_done(store: Store) -> dict[tuple[str, str], tuple[int, int]]:
    rows = store.repo.conn.execute(
        "SELECT study_day, deck_id, reviews, new FROM deck_day_done WHERE reviews OR new"
    )
    return {(day, deck): (reviews, new) for day, deck, reviews, new in rows}


def kept(store: Store) -> dict[tuple[str, str], int]:
    rows = store.repo.conn.execute("SELECT deck_id, due, n FROM due_histogram WHERE n != 0")
    return {(d, due): n for d, due, n in rows}


def test_every_change_keeps_the_histogram_equal_to_a_recount(
    store: Store, small_deck: Path, clock: FixedClock
) -> None:
    repo = store.repo
    repo.import_decks(read_decks([small_deck]))
    assert kept(store) == recount_by_deck(repo.conn) == {("toy", ""): 4}
    one, two = repo.find_card("toy/one"), repo.find_card("toy/two")
    steps = [
        lambda: repo.answer(one, 5),
        lambda: repo.answer(two, 2),
        lambda: repo.answer(two, 1),  # a drill: counts nothing
        lambda: repo.undo(),
        lambda: repo.undo(),
        lambda: repo.set_suspended(two, True),
        lambda: repo.bury(one),
        lambda: repo.set_suspended(two, False),
        lambda: repo.set_scheduler("toy", SchedulerOptions("fsrs")),
        lambda: repo.answer(two, 3),
        lambda: repo.set_scheduler("toy", SchedulerOptions()),
    ]
    for step in steps:
        step()
        clock.advance(timedelta(hours=1))
        assert kept(store) == recount_by_deck(repo.conn)
        assert done(store) == recount_done(repo.conn)
        assert deck_done(store) == recount_deck_done(repo.conn)
    counts = repo.due_counts(repo.today() + timedelta(days=2))
    assert (counts.reviews, counts.new) == (2, 2)


def test_a_buried_card_leaves_the_counts_until_it_comes_back(
    store: Store, small_deck: Path, clock: FixedClock
) -> None:
    repo = store.repo
    repo.import_decks(read_decks([small_deck]))
    repo.bury(repo.find_card("toy/one"))
    assert repo.due_counts().new == 3
    assert repo.due_counts(repo.today() + timedelta(days=1)).new == 4


def test_check_finds_and_repair_mends_a_histogram_that_drifted(
    store: Store, small_deck: Path
) -> None:
    repo = store.repo
    repo.import_decks(read_decks([small_deck]))
    repo.answer(repo.find_card("toy/one"), 4)
    repo.conn.execute("UPDATE due_histogram SET n = 7 WHERE deck_id = 'toy' AND due = ''")
    repo.conn.execute("UPDATE day_done SET new = 5")
    repo.conn.commit()
    report = repo.check()
    assert "due counts: deck toy, new: 7 kept, 3 counted" in report.problems
    day = repo.today().isoformat()
    assert f"done counts: {day}: (1, 0, 5) kept (answers, reviews, new), (1, 0, 1) in the log" in (
        report.problems
    )
    assert repo.check(repair=True).repaired >= 1
    assert repo.check().ok
    assert kept(store)[("toy", "")] == 3 and done(store) == {day: (1, 0, 1)}


def test_statistics_from_the_kept_counts_equal_those_counted_from_the_log(
    store: Store, small_deck: Path, clock: FixedClock
) -> None:
    """All decks read day_done and the histogram; one deck counts rows: with one deck
    in the collection both paths must give the same heatmap and forecast."""
    repo = store.repo
    repo.import_decks(read_decks([small_deck]))
    one, two = repo.find_card("toy/one"), repo.find_card("toy/two")
    for day in range(4):
        repo.answer(one, 5 - day % 3)
        repo.answer(two, 2)
        repo.answer(two, 4)  # a drill
        if day == 2:
            repo.undo()
        clock.advance(timedelta(days=1))
    whole, deck = repo.stats_data(), repo.stats_data("toy")
    assert whole.per_day == deck.per_day and sum(whole.per_day.values()) == 11
    horizon = whole.forecast[-1][0]
    due = [repo.card(i).state.due for i in (one, two)]
    expected = sum(d is not None and d <= horizon for d in due)
    assert whole.forecast == deck.forecast and sum(n for _, n in whole.forecast) == expected
