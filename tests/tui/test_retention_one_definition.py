"""Issue 16 item 7: retention has one definition, one number in the CLI and on screen."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from studykb.app.collection import Collection
from studykb.app.store import Store
from studykb.core.clock import FixedClock
from studykb.tui.screens.stats import StatsScreen
from tests.conftest import run_cli
from tests.tui.screen_text import squeezed


def _two_days_of_answers(store: Store, clock: FixedClock) -> None:
    """Day 1: two first answers (not counted). Day 2: each card again, one passed and
    one failed (counted), and a drill of the failed one (not counted)."""
    repo = store.repo
    one, two = repo.find_card("toy/one"), repo.find_card("toy/two")
    repo.answer(one, 4, 0)
    repo.answer(two, 1, 0)
    clock.advance(timedelta(days=1))
    repo.answer(one, 5, 0)
    repo.answer(two, 2, 0)
    repo.answer(two, 4, 0)  # the same day: a drill (SM-2 rule 7)


async def test_cli_and_statistics_screen_show_the_same_retention(
    toy_store: Store,
    clock: FixedClock,
    make_app,  # type: ignore[no-untyped-def]
    db_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _two_days_of_answers(toy_store, clock)
    summary = Collection(toy_store).statistics.summary()
    assert (summary.retention_30d, summary.reviews_30d) == (0.5, 2)

    monkeypatch.setenv("STUDYKB_NOW", clock.now().isoformat())
    code, out, err = run_cli(capsys, "--db", str(db_path), "stats")
    assert code == 0, err
    assert "Retention, last 30 days: 50% of 2 reviews" in out

    app = make_app(toy_store)
    async with app.run_test(size=(120, 40)) as pilot:
        app.go("stats")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, StatsScreen)
        await pilot.pause()
        text = "\n".join(squeezed(app))
        assert "all 50% of 2" in text
        assert "young (< 21 d) 50% of 2" in text
