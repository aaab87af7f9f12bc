"""Every imported file is hostile: generated deck files, reading lists and settings,
valid and broken, end in a clean import or a clean error, never a traceback or a
partial write (the database's bytes are compared before and after)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from studykb.app.library import apply_import, prepare_import
from studykb.app.store import open_store
from studykb.core.clock import FixedClock
from studykb.decks.reading_list import parse_reading_list
from studykb.errors import BadInputError
from studykb.settings import Settings, load_settings
from tests.conftest import SMALL_DECK, START

SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

text = st.text(alphabet=st.characters(codec="utf-8"), max_size=40)
toml_value = st.one_of(
    text.map(
        lambda s: '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    ),
    st.integers(-5, 5).map(str),
    st.just("[]"),
    st.just('["a", 1]'),
    st.just("true"),
    text,  # raw, often invalid TOML
)
field_names = st.sampled_from(
    ["id", "front", "back", "text", "tags", "source", "title", "url", "x"]
)


@st.composite
def deck_files(draw: st.DrawFn) -> bytes:
    """Deck files from valid to badly broken: mutated copies of a real deck, or made up."""
    if draw(st.booleans()):
        base = SMALL_DECK
        for _ in range(draw(st.integers(0, 3))):
            i = draw(st.integers(0, len(base)))
            j = draw(st.integers(i, min(len(base), i + 30)))
            base = base[:i] + draw(text) + base[j:]
        return base.encode("utf-8", "surrogatepass")
    lines = ["[deck]", f"id = {draw(toml_value)}", f"title = {draw(toml_value)}"]
    for _ in range(draw(st.integers(0, 4))):
        lines.append("[[cards]]")
        for _ in range(draw(st.integers(0, 4))):
            lines.append(f"{draw(field_names)} = {draw(toml_value)}")
    raw = "\n".join(lines).encode("utf-8", "surrogatepass")
    if draw(st.booleans()):
        raw += draw(st.binary(max_size=20))
    return raw


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    db = tmp_path / "hostile.db"
    store = open_store(db, clock=FixedClock(START), settings=Settings(), seed_bundled=False)
    store.close()
    return db


@SETTINGS
@given(raw=deck_files())
def test_deck_files_import_cleanly_or_fail_cleanly(
    raw: bytes, store_path: Path, tmp_path: Path
) -> None:
    deck = tmp_path / "generated.toml"
    deck.write_bytes(raw)
    before = digest(store_path)
    try:
        prepared = prepare_import([deck])
    except BadInputError as exc:
        assert exc.problems and all("\n" not in p for p in exc.problems)
        assert digest(store_path) == before
        return
    store = open_store(store_path, clock=FixedClock(START), settings=Settings(), seed_bundled=False)
    try:
        lines = apply_import(store.repo, prepared)
        assert lines and "deck" in lines[0]
        assert store.repo.check().ok
    finally:
        store.close()


@SETTINGS
@given(
    lines=st.lists(
        st.one_of(
            text,
            st.builds(lambda t, u: f"- [{t}]({u})", text, text),
            st.builds(lambda t: f"- [{t}](https://arxiv.org/abs/2006.11239) **WR={t}**", text),
            st.sampled_from(["## Papers", "#### 2020", "```", "<!--", "-->", "- [x](", "*"]),
        ),
        max_size=30,
    )
)
def test_reading_lists_never_crash(lines: list[str]) -> None:
    parsed = parse_reading_list("\n".join(lines), "list.md")
    for entry in parsed.entries:
        assert entry.url.startswith(("http://", "https://"))
        assert entry.worth_reading in (None, 1, 2, 3)
    assert all(w.startswith("list.md:") for w in parsed.warnings)


@SETTINGS
@given(
    raw=st.one_of(
        st.binary(max_size=60),
        text.map(str.encode),
        st.builds(
            lambda k, v: f"{k} = {v}\n".encode(),
            st.sampled_from(["new_per_day", "reviews_per_day", "day_start_hour", "colour"]),
            toml_value,
        ),
    )
)
def test_settings_files_load_or_give_one_line_per_problem(raw: bytes, tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(raw)
    try:
        loaded = load_settings(path)
    except BadInputError as exc:
        assert exc.problems and all(p.startswith(str(path)) for p in exc.problems)
        return
    assert 0 <= loaded.day_start_hour <= 23 and loaded.new_per_day >= 0


def test_limits_have_clear_errors(tmp_path: Path) -> None:
    big = tmp_path / "big.toml"
    big.write_bytes(b"# " + b"x" * (3 * 1024 * 1024))
    with pytest.raises(BadInputError, match="larger than 2 MiB"):
        prepare_import([big])
    long_field = SMALL_DECK.replace("Answer one.", "a" * 20_001)
    (tmp_path / "long.toml").write_text(long_field, encoding="utf-8")
    with pytest.raises(BadInputError, match=r"card one: back: String should have at most 20000"):
        prepare_import([tmp_path / "long.toml"])
