"""Every CSV/TSV file is hostile too: generated headers and rows, valid and broken,
end in a clean import (after which `check` is ok and no card was retired) or in
one line per problem naming the file, with the database's bytes unchanged; never
a traceback."""

from __future__ import annotations

import csv
import hashlib
import io
import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from studykb.app.library import apply_import, prepare_import
from studykb.app.store import open_store
from studykb.core.clock import FixedClock
from studykb.errors import BadInputError
from studykb.settings import Settings
from tests.conftest import SMALL_DECK, START, run_cli

SETTINGS = settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

text = st.text(alphabet=st.characters(codec="utf-8"), max_size=30)
# Text that is often meaningful to the parser: separators, quotes, clozes, ids.
cell = st.one_of(
    text,
    st.sampled_from(
        [
            "",
            " ",
            "Q?",
            "A.",
            '"',
            '""',
            "a,b",
            "a\tb",
            "x\ny",
            "{{c1::x}}",
            "{{c2::y}} and {{c1::z}}",
            "{{c1::",
            "<b>bold</b><br>",
            "toy/one",
            "toy/two",
            "toy",
            "diffusion.score-sde",
            "Papers::DDIM",
            "tag1 tag2",
            "\x00",
            "\u202e",
        ]
    ),
)
column_number = st.one_of(
    st.integers(-1, 8).map(str),
    st.sampled_from(["", "x", "²", "1.5", "99999999999999999999", "9" * 5000]),
)
column_names = st.lists(
    st.sampled_from(["Front", "Back", "Text", "Back Extra", "Tags", "GUID", "Deck", "Source"])
    | text,
    max_size=7,
)
header_line = st.one_of(
    st.builds(
        "#separator:{}".format,
        st.sampled_from(["tab", "comma", "semicolon", "pipe", "colon", "space", ",", '"', ""])
        | text,
    ),
    st.builds("#html:{}".format, st.sampled_from(["true", "false", "yes"])),
    st.builds(
        lambda names, sep: "#columns:" + sep.join(names), column_names, st.sampled_from(",\t;|")
    ),
    st.builds(
        "#{}:{}".format,
        st.sampled_from(["guid column", "tags column", "deck column", "GUID Column"]),
        column_number,
    ),
    st.builds("#deck:{}".format, cell),
    st.builds("#{}:{}".format, text, text),
)


filled = st.one_of(
    text.filter(lambda s: s.strip() != ""), st.sampled_from(["Q?", "{{c1::x}} y", "<i>A</i>"])
)
guids = st.one_of(text, st.sampled_from(["toy/one", "toy/two", "toy/eq", "Ab3$kP!", "x9Yz"]))
deck_names = st.one_of(
    text, st.sampled_from(["toy", "Toy", "Papers::DDIM", "diffusion.score-sde", "toy::sub"])
)
SEPARATOR_NAMES = {",": "comma", "\t": "tab", ";": "semicolon", "|": "pipe"}


@st.composite
def good_text_files(draw: st.DrawFn) -> tuple[str, bytes]:
    """Mostly well-formed files in the shapes Anki and studykb write, sometimes with
    a slice replaced by random text."""
    suffix = draw(st.sampled_from([".csv", ".tsv", ".txt"]))
    separator = draw(st.sampled_from(sorted(SEPARATOR_NAMES)))
    extra = draw(st.lists(st.sampled_from(["guid", "tags", "deck"]), unique=True))
    declared = separator not in ",\t" or draw(st.booleans())  # else guessed by the reader
    lines = [f"#separator:{SEPARATOR_NAMES[separator]}"] if declared else []
    if draw(st.booleans()):
        lines.append(f"#html:{draw(st.sampled_from(['true', 'false']))}")
    for i, what in enumerate(extra):
        lines.append(f"#{what} column:{i + 3}")
    if "deck" not in extra and draw(st.booleans()):
        lines.append(f"#deck:{draw(deck_names)}")
    cells = {"guid": guids, "tags": st.sampled_from(["", "a b", "x"]) | text, "deck": deck_names}
    rows = [
        [draw(filled), draw(filled), *(draw(cells[what]) for what in extra)]
        for _ in range(draw(st.integers(1, 6)))
    ]
    out = io.StringIO()
    out.write("".join(line + "\n" for line in lines))
    csv.writer(out, delimiter=separator, lineterminator="\n").writerows(rows)
    raw = out.getvalue()
    if draw(st.integers(0, 3)) == 0:
        i = draw(st.integers(0, len(raw)))
        raw = raw[:i] + draw(text) + raw[i + draw(st.integers(0, 10)) :]
    return suffix, raw.encode("utf-8", "surrogatepass")


@st.composite
def wild_text_files(draw: st.DrawFn) -> tuple[str, bytes]:
    """(suffix, bytes): any headers then rows, written properly or joined raw."""
    suffix = draw(st.sampled_from([".csv", ".tsv", ".txt"]))
    lines = draw(st.lists(header_line, max_size=6))
    separator = draw(st.sampled_from([",", "\t", ";", "|"]))
    width = draw(st.integers(1, 6))
    rows = draw(
        st.lists(
            st.lists(cell, min_size=width, max_size=width) | st.lists(cell, max_size=7),
            max_size=8,
        )
    )
    if draw(st.booleans()):
        out = io.StringIO()
        csv.writer(out, delimiter=separator, lineterminator="\n").writerows(rows)
        body = out.getvalue()
    else:
        body = "".join(separator.join(row) + "\n" for row in rows)
    raw = ("\n".join(lines) + "\n" + body).encode("utf-8", "surrogatepass")
    if draw(st.integers(0, 4)) == 0:
        i = draw(st.integers(0, len(raw)))
        raw = raw[:i] + draw(st.binary(max_size=8)) + raw[i:]
    return suffix, raw


text_files = good_text_files() | wild_text_files()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def active_cards(db: Path) -> set[tuple[str, str]]:
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute("SELECT deck_id, key FROM card WHERE retired_at IS NULL").fetchall()
    finally:
        conn.close()
    return {(str(d), str(k)) for d, k in rows}


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    """A database holding the small deck, which generated files often name."""
    db = tmp_path / "hostile.db"
    deck = tmp_path / "toy.toml"
    deck.write_text(SMALL_DECK, encoding="utf-8")
    store = open_store(db, clock=FixedClock(START), settings=Settings(), seed_bundled=False)
    try:
        apply_import(store.repo, prepare_import([deck]))
    finally:
        store.close()
    return db


@SETTINGS
@given(generated=text_files)
def test_text_files_import_cleanly_or_fail_cleanly(
    generated: tuple[str, bytes], store_path: Path, tmp_path: Path
) -> None:
    suffix, raw = generated
    path = tmp_path / f"generated{suffix}"
    path.write_bytes(raw)
    before, cards_before = digest(store_path), active_cards(store_path)
    try:
        prepared = prepare_import([path])
    except BadInputError as exc:
        assert exc.problems
        for problem in exc.problems:
            assert "\n" not in problem and problem.startswith(str(path)), problem
        assert digest(store_path) == before
        return
    store = open_store(store_path, clock=FixedClock(START), settings=Settings(), seed_bundled=False)
    try:
        lines = apply_import(store.repo, prepared)
        assert lines and all(" 0 retired" in line for line in lines), lines
        assert store.repo.check().ok
    finally:
        store.close()
    assert cards_before <= active_cards(store_path)  # a CSV never retires a card


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(generated=text_files, retire_missing=st.booleans())
def test_the_import_command_never_shows_a_traceback(
    generated: tuple[str, bytes],
    retire_missing: bool,
    store_path: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("STUDYKB_DB", str(store_path))
    monkeypatch.setenv("STUDYKB_NO_BUNDLED", "1")
    monkeypatch.setenv("STUDYKB_NOW", START.isoformat())
    suffix, raw = generated
    path = tmp_path / f"cli{suffix}"
    path.write_bytes(raw)
    before = digest(store_path)
    args = ["import", *(["--retire-missing"] if retire_missing else []), str(path)]
    code, _, err = run_cli(capsys, *args)
    if code == 2:
        assert err and all(
            line.startswith(f"studykb: error: {path}") for line in err.splitlines()
        ), err
        assert digest(store_path) == before
        return
    assert code == 0, err
    assert run_cli(capsys, "check")[0] == 0
