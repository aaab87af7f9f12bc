"""FSRS through the store: the states and due moments py-fsrs gives, switching as a
replay (and back, exactly), the queue bringing steps within a day back on time."""

from __future__ import annotations

from datetime import UTC, timedelta
from pathlib import Path

import fsrs as py_fsrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from studykb.app.store import Store, open_store
from studykb.core.clock import FixedClock
from studykb.core.scheduling.fsrs import FsrsState
from studykb.core.scheduling.options import SchedulerOptions
from studykb.decks.toml_deck import read_decks
from studykb.errors import BadInputError
from studykb.settings import Settings
from tests.conftest import SMALL_DECK, START, write

FSRS = SchedulerOptions("fsrs")


def _imported(store: Store, deck: Path) -> dict[str, int]:
    repo = store.repo
    repo.import_decks(read_decks([deck]))
    return {key: repo.find_card(f"toy/{key}") for key in ("one", "two")}


def test_answers_in_an_fsrs_deck_give_what_py_fsrs_gives(
    store: Store, small_deck: Path, clock: FixedClock
) -> None:
    repo = store.repo
    ids = _imported(store, small_deck)
    assert repo.set_scheduler("toy", FSRS) == 4  # the deck's cards, the cloze's two included
    reference = py_fsrs.Scheduler(enable_fuzzing=False)
    card = py_fsrs.Card()
    # Learning steps within the day, a lapse weeks later, relearning, a long gap.
    plan = [
        (0, 3),
        (timedelta(minutes=1), 3),
        (timedelta(minutes=10), 3),
        (timedelta(days=3), 3),
        (timedelta(days=20), 1),
        (timedelta(minutes=10), 3),
        (timedelta(days=90), 4),
    ]
    for wait, rating in plan:
        clock.advance(wait or timedelta(0))
        repo.answer(ids["one"], rating)
        card, _ = reference.review_card(card, py_fsrs.Rating(rating), clock.now().astimezone(UTC))
        state = repo.card(ids["one"]).state
        assert isinstance(state, FsrsState)
        assert state.stability == card.stability and state.difficulty == card.difficulty
        assert state.due_at == card.due and state.step == card.step
        assert state.phase == card.state.name.lower()
    assert repo.check().ok


def test_a_grade_outside_the_decks_scale_is_one_line_and_writes_nothing(
    store: Store, small_deck: Path
) -> None:
    repo = store.repo
    ids = _imported(store, small_deck)
    repo.set_scheduler("toy", FSRS)
    with pytest.raises(BadInputError, match=r"^toy/one: grade 0: its deck uses FSRS"):
        repo.answer(ids["one"], 0)
    assert repo.log_for_card(ids["one"]) == []


def test_a_step_within_the_day_comes_back_when_its_moment_comes(
    store: Store, small_deck: Path, clock: FixedClock
) -> None:
    repo = store.repo
    ids = _imported(store, small_deck)
    repo.set_scheduler("toy", FSRS)
    repo.answer(ids["one"], 1)  # Again: back in a minute
    assert ids["one"] not in repo.day_queue().reviews
    assert repo.next_step_at() == clock.now().astimezone(UTC) + timedelta(minutes=1)
    clock.advance(timedelta(seconds=61))
    assert repo.day_queue().reviews == (ids["one"],)
    assert repo.next_card() == ids["one"]
    # Steps are not drills and do not count against the day's review limit.
    repo.answer(ids["one"], 3)
    assert repo.done_on(repo.today()).reviews == 0
    assert repo.pending_drills(repo.today()) == []


def test_undo_in_an_fsrs_deck_replays_the_card(
    store: Store, small_deck: Path, clock: FixedClock
) -> None:
    repo = store.repo
    ids = _imported(store, small_deck)
    repo.set_scheduler("toy", FSRS)
    repo.answer(ids["one"], 3)
    before = repo.card(ids["one"]).state
    clock.advance(timedelta(minutes=11))
    repo.answer(ids["one"], 4)
    undone = repo.undo()
    assert undone is not None and undone.quality == 4
    assert repo.card(ids["one"]).state == before
    assert repo.check().ok


# A day offset (0: the same study day) and a grade for each answer, SM-2's 0-5.
_histories = st.lists(
    st.tuples(st.sampled_from([0, 0, 1, 2, 5, 14]), st.integers(0, 5)), min_size=1, max_size=12
)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(history=_histories, retention=st.sampled_from([0.8, 0.9, 0.95]))
def test_switching_to_fsrs_and_back_gives_the_states_of_a_deck_never_switched(
    tmp_path_factory: pytest.TempPathFactory, history: list[tuple[int, int]], retention: float
) -> None:
    root = tmp_path_factory.mktemp("switch")
    deck = write(root / "toy.toml", SMALL_DECK)
    results = []
    for switch in (False, True):
        clock = FixedClock(START)
        store = open_store(
            root / f"{switch}.db", clock=clock, settings=Settings(), seed_bundled=False
        )
        try:
            repo = store.repo
            ids = _imported(store, deck)
            for days, grade in history:
                clock.advance(timedelta(days=days, minutes=5))
                repo.answer(ids["one"], grade)
                repo.answer(ids["two"], max(0, grade - 1))
            if switch:
                repo.set_scheduler("toy", SchedulerOptions("fsrs", desired_retention=retention))
                assert repo.check().ok
                assert all(repo.card(i).scheduler == "fsrs" for i in ids.values())
                repo.set_scheduler("toy", SchedulerOptions())
                assert repo.check().ok
            results.append([repo.card(i).state for i in ids.values()])
        finally:
            store.close()
    assert results[0] == results[1]


def test_answers_given_under_fsrs_replay_under_sm2_with_mapped_grades(
    store: Store, small_deck: Path, clock: FixedClock
) -> None:
    repo = store.repo
    ids = _imported(store, small_deck)
    repo.set_scheduler("toy", FSRS)
    repo.answer(ids["one"], 3)  # Good -> SM-2 grade 4
    clock.advance(timedelta(days=2))
    repo.answer(ids["one"], 1)  # Again -> SM-2 grade 1
    repo.set_scheduler("toy", SchedulerOptions())
    state = repo.card(ids["one"]).state
    assert (state.repetitions, state.interval, state.lapses) == (0, 1, 1)
    assert repo.check().ok


def test_a_json_backup_of_an_fsrs_deck_restores_and_checks(
    store: Store, small_deck: Path, clock: FixedClock, tmp_path: Path
) -> None:
    import json

    from studykb.storage.backup_json import export_backup, import_backup

    repo = store.repo
    ids = _imported(store, small_deck)
    repo.answer(ids["one"], 4)  # under SM-2
    clock.advance(timedelta(days=1))
    repo.set_scheduler("toy", SchedulerOptions("fsrs", desired_retention=0.85))
    repo.answer(ids["one"], 3)
    clock.advance(timedelta(minutes=30))
    repo.answer(ids["two"], 2)
    data = json.loads(json.dumps(export_backup(repo.conn, {}, clock.now())))
    other = open_store(
        tmp_path / "restored.db", clock=clock, settings=Settings(), seed_bundled=False
    )
    try:
        import_backup(other.repo.conn, data)
        assert other.repo.check().ok
        for card_id in ids.values():
            ref = repo.card(card_id).ref
            assert other.repo.card(other.repo.find_card(ref)).state == repo.card(card_id).state
        assert other.repo.scheduler_options("toy").desired_retention == 0.85
    finally:
        other.close()
    # A backup whose FSRS state was altered is refused, naming the card.
    card = next(c for c in data["cards"] if c["key"] == "one")
    card["state"]["interval"] += 3
    with pytest.raises(BadInputError, match=r"cards\[0\] \(toy/one\): state"):
        import_backup(
            open_store(
                tmp_path / "x.db", clock=clock, settings=Settings(), seed_bundled=False
            ).repo.conn,
            data,
        )


def test_check_names_an_fsrs_state_that_differs_from_its_log(
    store: Store, small_deck: Path
) -> None:
    repo = store.repo
    ids = _imported(store, small_deck)
    repo.set_scheduler("toy", FSRS)
    repo.answer(ids["one"], 3)
    repo.conn.execute("UPDATE card_state SET lapses = 4 WHERE card_id = ?", (ids["one"],))
    repo.conn.commit()
    report = repo.check()
    assert any(p.startswith("toy/one: stored state FsrsState(") for p in report.problems)
    assert repo.check(repair=True).repaired >= 1 and repo.check().ok
