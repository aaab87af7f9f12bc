"""JSON backups are hostile input too: mutated copies of a real backup, and made-up
ones, either import cleanly (and then `check` is ok) or fail with one clean line
per problem and the database's bytes unchanged; never a traceback."""

from __future__ import annotations

import copy
import functools
import hashlib
import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from studykb.app.library import apply_import, prepare_import
from studykb.app.store import open_store
from studykb.core.clock import FixedClock
from studykb.errors import BadInputError
from studykb.settings import Settings
from tests.conftest import START
from tests.storage.test_backup_json import small_backup

SETTINGS = settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@functools.cache
def base_backup() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        return small_backup(Path(folder))


text = st.text(alphabet=st.characters(codec="utf-8"), max_size=30)
hostile_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**80), 2**80),
    st.integers(-3, 300),
    st.floats(),
    text,
    st.sampled_from(
        [
            "not-a-date",
            "2026-02-30",
            "2026-01-06",
            "9999-12-31",
            "2026-01-05T10:00:00",
            "2026-01-05T10:00:00+01:00",
            "[]",
            '["a b"]',
            '["ok"]',
            "{",
            "../../evil [@click=app.quit]x[/]",
            "toy",
            "toy/one",
            "one",
            "x" * 20_001,
            "a\x00b",
            "a\x1bb",
            "review",
            "import",
            "cloze",
        ]
    ),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(text, st.integers(), max_size=3),
)


def _slots(node: Any) -> list[tuple[Any, Any]]:
    """Every (container, key-or-index) in the tree, the root's entries included."""
    found: list[tuple[Any, Any]] = []
    items = node.items() if isinstance(node, dict) else enumerate(node)
    for key, value in items:
        found.append((node, key))
        if isinstance(value, (dict, list)):
            found.extend(_slots(value))
    return found


@st.composite
def mutated_backups(draw: st.DrawFn) -> bytes:
    data = copy.deepcopy(base_backup())
    for _ in range(draw(st.integers(1, 3))):
        container, key = draw(st.sampled_from(_slots(data)))
        action = draw(st.sampled_from(["replace", "replace", "delete", "add", "copy"]))
        if action == "replace":
            container[key] = draw(hostile_values)
        elif action == "delete":
            del container[key]
        elif action == "add" and isinstance(container, dict):
            container[draw(st.sampled_from(["x", "id", "seq", "card_id", "paper_id"]))] = draw(
                hostile_values
            )
        elif isinstance(container, list):
            container.append(copy.deepcopy(container[key]))  # a duplicated row
    raw = json.dumps(data, ensure_ascii=False).encode("utf-8", "surrogatepass")
    if draw(st.integers(0, 9)) == 0:  # now and then, bytes broken below the JSON level
        i = draw(st.integers(0, len(raw)))
        raw = raw[:i] + draw(st.binary(max_size=8)) + raw[i + draw(st.integers(0, 8)) :]
    return raw


made_up_backups = st.builds(
    lambda rows: json.dumps(
        {"format": "studykb-backup", "version": 1, **rows}, ensure_ascii=False
    ).encode("utf-8", "surrogatepass"),
    st.dictionaries(
        st.sampled_from(["papers", "decks", "cards", "review_log", "meta", "settings", "x"]),
        st.one_of(hostile_values, st.lists(st.dictionaries(text, hostile_values), max_size=3)),
    ),
)


@pytest.fixture(scope="module")
def empty_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("template") / "empty.db"
    open_store(db, clock=FixedClock(START), settings=Settings(), seed_bundled=False).close()
    return db


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _import_or_refuse(raw: bytes, empty_db: Path, tmp_path: Path) -> bool:
    """True when the backup imported (and checks ok); False when cleanly refused."""
    # A folder of its own per example: hypothesis reuses tmp_path, and a previous
    # example's -wal file beside a fresh copy would be replayed into it.
    folder = Path(tempfile.mkdtemp(dir=tmp_path))
    backup = folder / "backup.json"
    backup.write_bytes(raw)
    db = folder / "target.db"
    shutil.copy(empty_db, db)
    before = digest(db)
    try:
        prepared = prepare_import([backup])
    except BadInputError as exc:
        assert exc.problems and all("\n" not in p for p in exc.problems)
        assert all(p.startswith(f"{backup}: ") for p in exc.problems), exc.problems
        assert digest(db) == before
        return False
    store = open_store(db, clock=FixedClock(START), settings=Settings(), seed_bundled=False)
    try:
        try:
            lines = apply_import(store.repo, prepared)
        except BadInputError as exc:  # refused at write time: the transaction rolled back
            assert exc.problems and all("\n" not in p for p in exc.problems)
            store.close()
            assert digest(db) == before
            return False
        assert lines and "backup" in lines[0]
        report = store.repo.check()
        assert report.ok, report.problems
        # What crashed after an unchecked backup: the queue, the statistics, the decks.
        store.repo.due_counts()
        store.repo.stats()
        store.repo.deck_summaries()
        store.repo.papers()
    finally:
        store.close()
    return True


@SETTINGS
@given(raw=mutated_backups())
def test_mutated_backups_import_cleanly_or_fail_cleanly(
    raw: bytes, empty_db: Path, tmp_path: Path
) -> None:
    _import_or_refuse(raw, empty_db, tmp_path)


@SETTINGS
@given(raw=made_up_backups)
def test_made_up_backups_import_cleanly_or_fail_cleanly(
    raw: bytes, empty_db: Path, tmp_path: Path
) -> None:
    _import_or_refuse(raw, empty_db, tmp_path)


def test_the_unmutated_backup_imports(empty_db: Path, tmp_path: Path) -> None:
    raw = json.dumps(base_backup()).encode()
    assert _import_or_refuse(raw, empty_db, tmp_path)
