from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from studykb.app.collection import Collection
from studykb.app.store import Store, open_store
from studykb.core.clock import FixedClock
from studykb.decks.toml_deck import read_decks
from studykb.settings import Settings
from studykb.tui.app import StudyApp


@pytest.fixture
def toy_store(db_path: Path, clock: FixedClock, small_deck: Path) -> Iterator[Store]:
    store = open_store(db_path, clock=clock, settings=Settings(), seed_bundled=False)
    store.repo.import_decks(read_decks([small_deck]))
    yield store
    store.close()


@pytest.fixture
def tree_store(db_path: Path, clock: FixedClock, tmp_path: Path) -> Iterator[Store]:
    """Decks whose ids make a tree (tests/tree_decks.py): issue 16 item 13."""
    from tests.tree_decks import tree_decks

    store = open_store(db_path, clock=clock, settings=Settings(), seed_bundled=False)
    store.repo.import_decks(read_decks(tree_decks(tmp_path / "decks")))
    yield store
    store.close()


@pytest.fixture
def make_app(tmp_path: Path, clock: FixedClock):  # type: ignore[no-untyped-def]
    def make(store: Store, **kwargs: object) -> StudyApp:
        # The app holds a Collection over the test's store, which the tests inspect.
        return StudyApp(
            Collection(store),
            clock=clock,
            config_path=tmp_path / "config.toml",
            **kwargs,  # type: ignore[arg-type]
        )

    return make
