"""The drafts screen and the papers screen's new keys (issue 12 items 4-5): drafts
reached from the papers screen, accepted or dropped, asserted on the database; a deck
made for the highlighted paper (c); a paper added through the modal (A)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from studykb.app.collection import Collection
from studykb.app.store import Store
from studykb.tui.screens.drafts import DraftsScreen
from studykb.tui.screens.papers import PapersScreen
from tests.tui.screen_text import screen_text

SIZE = (100, 30)
PAPER = Path(__file__).parents[1] / "data" / "latex" / "paper"


def _statuses(store: Store) -> dict[int, str]:
    return {int(r[0]): str(r[1]) for r in store.repo.conn.execute("SELECT id, status FROM draft")}


async def test_drafts_are_accepted_and_dropped_from_the_drafts_screen(
    toy_store: Store, make_app: Any
) -> None:
    report = Collection(toy_store).drafts.draft(PAPER, "toy")
    assert report.added == 12
    cards_before = toy_store.repo.conn.execute("SELECT COUNT(*) FROM card").fetchone()[0]
    app = make_app(toy_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("p")
        assert isinstance(app.screen, PapersScreen)
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, DraftsScreen)
        text = screen_text(app)
        assert "12 drafts waiting" in text
        assert "What does A Toy Paper claim?" in text  # the first draft, previewed
        assert "Abstract" in text
        await pilot.press("a")  # accept the abstract's draft
        await pilot.pause()
        assert "11 drafts waiting" in screen_text(app)
        await pilot.press("x")  # drop the next one (Definition 2.1)
        await pilot.pause()
        assert "10 drafts waiting" in screen_text(app)
        await pilot.press("escape")
        assert isinstance(app.screen, PapersScreen)
    statuses = _statuses(toy_store)
    assert statuses[1] == "accepted" and statuses[2] == "dropped"
    assert sum(s == "pending" for s in statuses.values()) == 10
    conn = toy_store.repo.conn
    assert conn.execute("SELECT COUNT(*) FROM card").fetchone()[0] == cards_before + 1
    ref = conn.execute("SELECT card_ref FROM draft WHERE id = 1").fetchone()[0]
    deck, key = ref.split("/")
    front, source = conn.execute(
        "SELECT front, source FROM card WHERE deck_id = ? AND key = ?", (deck, key)
    ).fetchone()
    assert (front, source) == ("What does A Toy Paper claim?", "Abstract")
    # The event log says what happened to each.
    events = conn.execute(
        "SELECT kind, target FROM event WHERE kind LIKE 'draft_%' ORDER BY seq"
    ).fetchall()
    assert events == [("draft_accept", "draft:1"), ("draft_drop", "draft:2")]


async def test_c_makes_a_deck_for_the_paper_and_a_adds_a_paper(
    toy_store: Store, make_app: Any
) -> None:
    app = make_app(toy_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("p")
        await pilot.press("c")
        await pilot.pause()
        await pilot.press("A")
        await pilot.pause()
        assert "Add a paper to the reading list" in screen_text(app)
        await pilot.press(*"Flow Matching", "tab", *"https://arxiv.org/abs/2210.02747")
        await pilot.press("tab", "5", "2", "enter")  # 5 is refused: 1-3 only
        await pilot.pause()
        assert isinstance(app.screen, PapersScreen)
        assert "Flow Matching" in screen_text(app)
    conn = toy_store.repo.conn
    assert conn.execute("SELECT id, title, paper_id FROM deck WHERE id = 'toy-2'").fetchone()[
        1:
    ] == ("A Toy Paper", conn.execute("SELECT id FROM paper WHERE slug = 'toy'").fetchone()[0])
    assert conn.execute(
        "SELECT slug, url, worth_reading, status FROM paper WHERE title = 'Flow Matching'"
    ).fetchone() == ("flow-matching", "https://arxiv.org/abs/2210.02747", 2, "unread")
    kinds = [r[0] for r in conn.execute("SELECT kind FROM event ORDER BY seq")]
    assert kinds[-2:] == ["deck_create", "paper_add"]


async def test_the_palette_offers_the_drafts(toy_store: Store, make_app: Any) -> None:
    app = make_app(toy_store)
    async with app.run_test(size=SIZE) as pilot:
        app.go("drafts")
        await pilot.pause()
        assert isinstance(app.screen, DraftsScreen)
        assert "No drafts" in screen_text(app)
