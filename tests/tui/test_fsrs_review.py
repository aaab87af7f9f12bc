"""Pilot: an FSRS review session, its learning steps brought back within the session
as a fixed clock moves on, graded Again/Hard/Good/Easy with keys 1-4."""

from __future__ import annotations

from datetime import timedelta

from studykb.app.store import Store
from studykb.core.clock import FixedClock
from studykb.core.scheduling.fsrs import FsrsState
from studykb.core.scheduling.options import SchedulerOptions
from studykb.tui.screens.review import ReviewScreen
from studykb.tui.screens.summary import SessionSummaryScreen
from studykb.tui.widgets.rating_bar import GradeCell


async def test_an_fsrs_session_brings_learning_steps_back_when_they_come_due(
    toy_store: Store,
    make_app,
    clock: FixedClock,  # type: ignore[no-untyped-def]
) -> None:
    repo = toy_store.repo
    repo.set_scheduler("toy", SchedulerOptions("fsrs"))
    repo.set_suspended(repo.find_card("toy/eq:c1"))
    repo.set_suspended(repo.find_card("toy/eq:c2"))
    app = make_app(toy_store)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("r")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        assert screen.card is not None and screen.card.ref == "toy/one"
        await pilot.press("space")
        await pilot.pause()
        # FSRS's four keys, each with the wait it gives: steps of minutes when new.
        cells = {c.quality: str(c.render()) for c in screen.query(GradeCell)}
        assert set(cells) == {1, 2, 3, 4}
        assert "1 again" in cells[1] and "1m" in cells[1]
        assert "3 good" in cells[3] and "10m" in cells[3]
        await pilot.press("0")  # not a key of this scale: nothing happens
        await pilot.press("5")
        await pilot.pause()
        assert screen.card is not None and screen.card.ref == "toy/one"
        await pilot.press("1")  # one: Again, back in a minute
        await pilot.press("space", "3")  # two: Good, back in ten minutes
        await pilot.pause()
        # Nothing is due this very moment: the screen waits for the next step.
        assert screen.card is None and screen.waiting_until is not None
        assert "comes due at" in str(screen.query_one("#review-empty").render())
        clock.advance(timedelta(minutes=1, seconds=1))
        screen.tick()
        await pilot.pause()
        assert screen.card is not None and screen.card.ref == "toy/one"
        await pilot.press("space", "3")  # one: Good, its next step in ten minutes
        await pilot.pause()
        clock.advance(timedelta(minutes=10))
        screen.tick()
        await pilot.pause()
        # Both steps are due now; the day's order holds (card order within a day).
        assert screen.card is not None and screen.card.ref == "toy/one"
        await pilot.press("space", "3")  # one graduates to days
        await pilot.pause()
        assert screen.card is not None and screen.card.ref == "toy/two"
        await pilot.press("space", "3")  # two graduates too
        await pilot.pause()
        assert isinstance(app.screen, SessionSummaryScreen)
    rows = repo.conn.execute(
        "SELECT c.key, r.quality, r.kind, r.scheduler FROM review_log r "
        "JOIN card c ON c.id = r.card_id ORDER BY r.seq"
    ).fetchall()
    assert rows == [
        ("one", 1, "review", "fsrs"),
        ("two", 3, "review", "fsrs"),
        ("one", 3, "review", "fsrs"),
        ("one", 3, "review", "fsrs"),
        ("two", 3, "review", "fsrs"),
    ]
    for ref in ("toy/one", "toy/two"):
        state = repo.card(repo.find_card(ref)).state
        assert isinstance(state, FsrsState) and state.phase == "review" and state.interval >= 1
    assert repo.check().ok
