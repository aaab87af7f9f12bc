"""Reset to new (issue 12 item 1): the schedule back to the scheduler's initial state,
the whole history kept, a 'reset' row in the log so the state stays its replay; one
action for many cards, which one undo takes back; counts and statistics unchanged."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from studykb.app.collection import Collection
from studykb.app.store import Store
from studykb.core.clock import FixedClock
from studykb.core.scheduling.options import SchedulerOptions
from studykb.decks.toml_deck import read_decks
from studykb.errors import NotFoundError
from studykb.storage.counts import recount_by_deck, recount_deck_done, recount_done
from tests.storage.test_due_histogram import deck_done, done, kept


@pytest.fixture
def col(store: Store, small_deck: Path) -> Iterator[Collection]:
    store.repo.import_decks(read_decks([small_deck]))
    yield Collection(store)


def _consistent(col: Collection) -> None:
    store = col._store
    report = store.repo.check()
    assert report.ok, report.problems
    assert kept(store) == recount_by_deck(store.repo.conn)
    assert done(store) == recount_done(store.repo.conn)
    assert deck_done(store) == recount_deck_done(store.repo.conn)


def _kinds(col: Collection, ref: str) -> list[str]:
    return [a.kind for a in col.authoring.history(ref).answers]


@pytest.mark.parametrize("scheduler", ["sm2", "fsrs"])
def test_reset_to_new_keeps_history_and_one_undo_takes_it_back(
    col: Collection, clock: FixedClock, scheduler: str
) -> None:
    if scheduler == "fsrs":
        col._store.repo.set_scheduler("toy", SchedulerOptions("fsrs"))
    good = 4 if scheduler == "sm2" else 3
    col.review.answer("toy/one", good)
    col.review.answer("toy/two", good)
    new_state = col.review.card("toy/eq:c1").state
    before = {r: col.review.card(r).state for r in ("toy/one", "toy/two")}
    counts, stats = col.review.due_counts(), col._store.repo.stats()
    heat = done(col._store)
    clock.advance(timedelta(minutes=5))

    assert col.authoring.reset(["toy/one", "toy/two", "toy/eq:c1"]) == 2  # eq:c1 is new
    for ref in ("toy/one", "toy/two"):
        assert col.review.card(ref).state == new_state
        assert _kinds(col, ref) == ["review", "reset"]
    assert col.review.due_counts().new == counts.new + 2
    after = col._store.repo.stats()
    assert after.cards_by_state["new"] == 4  # the only change: two cards are new again
    assert replace(after, cards_by_state=stats.cards_by_state) == stats
    assert done(col._store) == heat  # the heatmap and the day's counts
    _consistent(col)

    assert col.authoring.undo_last() == "Undone: reset of 2 cards"
    for ref, state in before.items():
        assert col.review.card(ref).state == state
    assert col.review.due_counts() == counts
    assert col._store.repo.stats() == stats and done(col._store) == heat
    _consistent(col)
    # Under it, the answers undo one by one again.
    assert col.authoring.undo_last() == f"Undone: answer to toy/two (grade {good})"


def test_an_answer_after_a_reset_on_the_same_day_is_a_review(
    col: Collection, clock: FixedClock
) -> None:
    col.review.answer("toy/one", 4)
    clock.advance(timedelta(minutes=1))
    col.authoring.reset(["toy/one"])
    clock.advance(timedelta(minutes=1))
    answer = col.review.answer("toy/one", 5)
    assert answer.kind == "review" and answer.before == col.review.card("toy/two").state
    _consistent(col)
    # The reset cannot be undone under the answer given since; the answer can.
    assert col.authoring.undo_last() == "Undone: answer to toy/one (grade 5)"
    assert col.authoring.undo_last() == "Undone: reset of toy/one"
    _consistent(col)


def test_two_resets_are_two_actions(col: Collection, clock: FixedClock) -> None:
    col.review.answer("toy/one", 4)
    col.review.answer("toy/two", 4)
    clock.advance(timedelta(minutes=1))
    col.authoring.reset(["toy/one"])
    clock.advance(timedelta(minutes=1))
    col.authoring.reset(["toy/two"])
    assert col.authoring.undo_last() == "Undone: reset of toy/two"
    assert col.review.card("toy/one").state == col.review.card("toy/eq:c1").state
    assert col.authoring.undo_last() == "Undone: reset of toy/one"
    _consistent(col)


def test_an_unknown_card_resets_nothing(col: Collection) -> None:
    col.review.answer("toy/one", 4)
    rows = col._store.repo.conn.execute("SELECT COUNT(*) FROM review_log").fetchone()[0]
    with pytest.raises(NotFoundError):
        col.authoring.reset(["toy/one", "toy/nope"])
    assert col._store.repo.conn.execute("SELECT COUNT(*) FROM review_log").fetchone()[0] == rows


def test_a_json_backup_with_a_reset_round_trips(
    col: Collection,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    clock: FixedClock,
) -> None:
    monkeypatch.setenv("STUDYKB_NO_BUNDLED", "1")
    from studykb.app.exports import write_json_backup
    from studykb.storage.backup_json import check_backup
    from tests.conftest import run_cli

    col.review.answer("toy/one", 4)
    clock.advance(timedelta(minutes=1))
    col.authoring.reset(["toy/one"])
    out = tmp_path / "backup.json"
    write_json_backup(col._store, out)
    data = json.loads(out.read_text(encoding="utf-8"))
    check_backup(data)
    assert [r["kind"] for r in data["review_log"]] == ["review", "reset"]
    new = tmp_path / "new.db"
    code, _, err = run_cli(capsys, "--db", str(new), "import", str(out))
    assert code == 0, err
    assert run_cli(capsys, "--db", str(new), "check")[0] == 0
    code, text, _ = run_cli(capsys, "--db", str(new), "undo")
    assert code == 0 and text.strip() == "Undone: reset of toy/one"
    assert run_cli(capsys, "--db", str(new), "check")[0] == 0
