"""Sync's merge rules (issue 14 item 4, 6), through real segment files in a folder:
two databases, each its own device with its own clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from studykb.app.authoring import CardFields
from studykb.app.collection import Collection, open_collection
from studykb.core.clock import FixedClock
from studykb.decks.toml_deck import read_decks
from studykb.settings import Settings
from tests.conftest import SMALL_DECK, write

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class Device:
    def __init__(self, path: Path, clock: FixedClock, settings: Settings | None = None) -> None:
        self.clock = clock
        self.col: Collection = open_collection(
            path, clock=clock, settings=settings or Settings(), seed_bundled=False
        )

    def sync(self, folder: Path) -> list[str]:
        return self.col.sync.folder(folder).lines()

    def history(self, ref: str) -> list[tuple[str, int, str]]:
        return [
            (str(a.study_day), a.grade, a.kind) for a in self.col.authoring.history(ref).answers
        ]


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[tuple[Device, Device, Path]]:
    deck = write(tmp_path / "decks" / "toy.toml", SMALL_DECK)
    laptop = Device(tmp_path / "laptop" / "s.db", FixedClock(T0))
    laptop.col._store.repo.import_decks(read_decks([deck]))
    desktop = Device(tmp_path / "desktop" / "s.db", FixedClock(T0))
    folder = tmp_path / "shared"
    laptop.sync(folder)
    desktop.sync(folder)  # the desktop gets the deck from the laptop
    yield laptop, desktop, folder
    laptop.col.close()
    desktop.col.close()


def test_a_deck_imported_on_one_machine_reaches_the_other(pair) -> None:  # type: ignore[no-untyped-def]
    laptop, desktop, _ = pair
    refs = sorted(c.ref for c in desktop.col.browser.search("").rows)
    assert refs == sorted(c.ref for c in laptop.col.browser.search("").rows)
    assert "toy/one" in refs
    assert desktop.col.maintenance.check().ok


def test_the_same_card_answered_on_both_the_same_day_the_later_is_a_drill(pair) -> None:  # type: ignore[no-untyped-def]
    laptop, desktop, folder = pair
    laptop.clock.set(T0 + timedelta(hours=1))
    desktop.clock.set(T0 + timedelta(hours=2))
    laptop.col.review.answer("toy/one", 4)
    desktop.col.review.answer("toy/one", 1)  # later, without knowing the laptop's
    laptop.sync(folder)
    lines = desktop.sync(folder)
    laptop.sync(folder)
    assert any("toy/one" in line and "drill" in line for line in lines)
    want = [("2026-03-02", 4, "review"), ("2026-03-02", 1, "drill")]
    assert laptop.history("toy/one") == desktop.history("toy/one") == want
    assert laptop.col.review.card("toy/one") == desktop.col.review.card("toy/one")
    # The day's counts follow the replay: one review done on each machine, not two.
    for device in (laptop, desktop):
        assert device.col.maintenance.check().ok
        assert device.col.review.overview().stats.reviews_today == 1


def test_the_later_edit_wins_and_the_report_names_the_card(pair) -> None:  # type: ignore[no-untyped-def]
    laptop, desktop, folder = pair
    laptop.clock.set(T0 + timedelta(hours=1))
    desktop.clock.set(T0 + timedelta(hours=3))
    laptop.col.authoring.edit("toy/one", CardFields("Laptop's question?", "Laptop's answer."))
    desktop.col.authoring.edit("toy/one", CardFields("Desktop's question?", "Desktop's answer."))
    laptop.sync(folder)
    desktop.sync(folder)
    lines = laptop.sync(folder)
    assert any("toy/one" in line and "later edit wins" in line for line in lines)
    for device in (laptop, desktop):
        assert device.col.review.card("toy/one").raw_front == "Desktop's question?"
        assert device.col.maintenance.check().ok


def test_a_papers_later_status_wins_and_an_undo_travels(pair) -> None:  # type: ignore[no-untyped-def]
    laptop, desktop, folder = pair
    paper = laptop.col.reading.papers()[0].id
    laptop.clock.set(T0 + timedelta(hours=1))
    desktop.clock.set(T0 + timedelta(hours=2))
    laptop.col.reading.set_status(paper, "read")
    desktop.col.reading.set_status(desktop.col.reading.papers()[0].id, "reading")
    desktop.col.review.suspend(["toy/two"])
    laptop.sync(folder)
    desktop.sync(folder)
    laptop.sync(folder)
    assert laptop.col.reading.papers()[0].status == "reading"
    assert desktop.col.reading.papers()[0].status == "reading"
    assert laptop.col.review.card("toy/two").suspended
    desktop.clock.set(T0 + timedelta(hours=4))
    desktop.col.authoring.undo_last()  # the suspension
    desktop.sync(folder)
    laptop.sync(folder)
    assert not laptop.col.review.card("toy/two").suspended


def test_each_answer_keeps_the_study_day_of_the_machine_that_gave_it(tmp_path: Path) -> None:
    """A machine in Tokyo with a day starting at 4:00 and one in New York: an answer
    keeps its own study day everywhere, so streaks and heatmaps agree."""
    deck = write(tmp_path / "decks" / "toy.toml", SMALL_DECK)
    tokyo_now = datetime(2026, 3, 2, 23, 30, tzinfo=timezone(timedelta(hours=9)))
    york_now = datetime(2026, 3, 2, 3, 30, tzinfo=timezone(timedelta(hours=-5)))
    tokyo = Device(tmp_path / "t" / "s.db", FixedClock(tokyo_now))
    york = Device(tmp_path / "y" / "s.db", FixedClock(york_now), Settings(day_start_hour=4))
    tokyo.col._store.repo.import_decks(read_decks([deck]))
    folder = tmp_path / "shared"
    tokyo.sync(folder)
    york.sync(folder)
    tokyo.col.review.answer("toy/one", 5)  # 2026-03-02 in Tokyo
    york.col.review.answer("toy/two", 5)  # 03:30 before a 04:00 start: 2026-03-01
    tokyo.sync(folder)
    york.sync(folder)
    tokyo.sync(folder)
    for device in (tokyo, york):
        assert device.history("toy/one") == [("2026-03-02", 5, "review")]
        assert device.history("toy/two") == [("2026-03-01", 5, "review")]


def test_an_edit_made_after_seeing_the_other_is_no_conflict(pair) -> None:  # type: ignore[no-untyped-def]
    laptop, desktop, folder = pair
    laptop.clock.set(T0 + timedelta(hours=1))
    laptop.col.authoring.edit("toy/one", CardFields("First?", "First."))
    laptop.sync(folder)
    desktop.sync(folder)  # the desktop sees the laptop's edit...
    desktop.clock.set(T0 + timedelta(hours=2))
    desktop.col.authoring.edit("toy/one", CardFields("Second?", "Second."))  # ...and edits it
    desktop.sync(folder)
    lines = laptop.sync(folder)
    assert not any("later edit wins" in line for line in lines), lines
    assert laptop.col.review.card("toy/one").raw_front == "Second?"
