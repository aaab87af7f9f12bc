"""An answer can never be a second review of a card on one study day (issue 10, item 5):
not after the day-start hour moves, not with the clock set back."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

from studykb.app.store import Store, open_store
from studykb.core.clock import FixedClock
from studykb.decks.toml_deck import read_decks
from studykb.settings import Settings
from tests.conftest import UTC1


def test_moving_the_day_start_later_mid_day_gives_no_second_review(
    store: Store, small_deck: Path, clock: FixedClock
) -> None:
    repo = store.repo
    repo.import_decks(read_decks([small_deck]))
    one = repo.find_card("toy/one")
    clock.set(datetime(2026, 1, 5, 10, 0, tzinfo=UTC1))
    first = repo.answer(one, 5)
    assert first.kind == "review" and first.after.interval == 1
    # The settings screen moves the start from 4 to 12 an hour later.
    repo.day_start_hour = 12
    clock.set(datetime(2026, 1, 5, 11, 0, tzinfo=UTC1))
    assert repo.today() == date(2026, 1, 5)
    again = repo.answer(one, 5)
    assert again.kind == "drill" and again.after == first.after
    assert repo.card(one).state.interval == 1
    # From the next study day on, the new hour holds: 11:00 on the 7th is still the 6th.
    clock.set(datetime(2026, 1, 7, 11, 0, tzinfo=UTC1))
    assert repo.today() == date(2026, 1, 6)
    clock.set(datetime(2026, 1, 7, 12, 0, tzinfo=UTC1))
    assert repo.today() == date(2026, 1, 7)


def test_the_change_is_recorded_for_other_processes(
    db_path: Path, small_deck: Path, clock: FixedClock
) -> None:
    first = open_store(db_path, clock=clock, settings=Settings(), seed_bundled=False)
    first.repo.import_decks(read_decks([small_deck]))
    first.repo.answer(first.repo.find_card("toy/one"), 4)
    first.close()
    # Later that day another process starts with the new hour configured and answers.
    clock.set(datetime(2026, 1, 5, 11, 0, tzinfo=UTC1))
    second = open_store(
        db_path, clock=clock, settings=Settings(day_start_hour=12), seed_bundled=False
    )
    assert second.repo.answer(second.repo.find_card("toy/two"), 4).study_day == date(2026, 1, 5)
    second.close()
    # The next day a new process reads the recorded change: at 11:00 the 6th, which
    # began at 04:00 under the old hour, is still running (not yet the 5th's end).
    clock.set(datetime(2026, 1, 6, 11, 0, tzinfo=UTC1))
    third = open_store(
        db_path, clock=clock, settings=Settings(day_start_hour=12), seed_bundled=False
    )
    assert third.repo.today() == date(2026, 1, 6)
    third.close()


def test_an_answer_with_the_clock_set_back_is_not_a_review(
    store: Store, small_deck: Path, clock: FixedClock
) -> None:
    repo = store.repo
    repo.import_decks(read_decks([small_deck]))
    one = repo.find_card("toy/one")
    repo.answer(one, 5)
    clock.set(datetime(2026, 1, 6, 10, 0, tzinfo=UTC1))
    reviewed = repo.answer(one, 5)
    assert reviewed.kind == "review" and reviewed.after.interval == 6
    clock.set(datetime(2026, 1, 6, 10, 0, tzinfo=UTC1) - timedelta(days=2))
    back = repo.answer(one, 5)
    assert back.kind == "drill" and back.after == reviewed.after
    assert repo.check().ok


def test_the_lean_due_path_agrees_after_a_change(
    db_path: Path,
    small_deck: Path,
    clock: FixedClock,
    monkeypatch: object,
    capsys: object,
) -> None:
    """`studykb due` (the shell-prompt path) reads the recorded day-start history too."""
    import json

    import pytest

    from studykb.app.lean_due import lean_due

    assert isinstance(monkeypatch, pytest.MonkeyPatch)
    assert isinstance(capsys, pytest.CaptureFixture)
    store = open_store(db_path, clock=clock, settings=Settings(), seed_bundled=False)
    store.repo.import_decks(read_decks([small_deck]))
    store.repo.day_start_hour = 12
    store.repo.answer(store.repo.find_card("toy/one"), 4)
    store.close()
    config = db_path.parent / "config.toml"
    config.write_text("day_start_hour = 12\n", encoding="utf-8")
    monkeypatch.setenv("STUDYKB_CONFIG", str(config))
    monkeypatch.setenv("STUDYKB_NOW", "2026-01-05T11:00:00+01:00")
    assert lean_due(["--db", str(db_path), "due", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["day"] == "2026-01-05"
