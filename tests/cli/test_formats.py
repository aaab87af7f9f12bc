"""The format registry (studykb.app.formats): one entry per format, chosen by suffix,
and the help of `studykb import` and `studykb export` lists exactly its entries."""

from __future__ import annotations

from pathlib import Path

import pytest

from studykb.app.formats import (
    DIRECTORY,
    EXPORT_FORMATS,
    IMPORT_FORMATS,
    TOML_DECK,
    export_format,
    import_format_for,
)
from studykb.errors import BadInputError
from tests.conftest import run_cli


@pytest.mark.parametrize(
    ("name", "format_name"),
    [
        ("a.toml", "deck"),
        ("a.md", "reading list"),
        ("a.Markdown", "reading list"),
        ("a.csv", "text cards"),
        ("a.TSV", "text cards"),
        ("a.txt", "text cards"),
        ("a.apkg", "Anki package"),
        ("a.colpkg", "Anki package"),
        ("a.json", "backup"),
        ("a.deck", "deck"),  # anything else is read as a deck file, whose parser explains
    ],
)
def test_a_file_is_read_by_its_suffix(tmp_path: Path, name: str, format_name: str) -> None:
    assert import_format_for(tmp_path / name).name == format_name


def test_a_directory_is_a_container_whatever_its_name(tmp_path: Path) -> None:
    folder = tmp_path / "decks.md"
    folder.mkdir()
    (folder / "b.toml").write_text("", encoding="utf-8")
    (folder / "a.toml").write_text("", encoding="utf-8")
    (folder / "c.md").write_text("", encoding="utf-8")
    assert import_format_for(folder) is DIRECTORY
    assert DIRECTORY.expand is not None and DIRECTORY.read is None
    assert [p.name for p in DIRECTORY.expand(folder)] == ["a.toml", "b.toml"]
    assert import_format_for(tmp_path / "missing") is TOML_DECK


def test_every_suffix_has_one_reader() -> None:
    suffixes = [s for f in IMPORT_FORMATS for s in f.suffixes]
    assert len(suffixes) == len(set(suffixes))
    assert all(s == s.lower() and s.startswith(".") for s in suffixes)
    assert all((f.read is None) != (f.expand is None) for f in IMPORT_FORMATS)


@pytest.mark.parametrize(
    ("fmt", "out", "expected"),
    [
        (None, "x.json", "json"),
        (None, "x.csv", "csv"),
        (None, "x.tsv", "tsv"),
        (None, "x.TXT", "tsv"),
        (None, "x.apkg", "apkg"),
        (None, "x.backup", "json"),  # any other suffix: the whole backup
        ("csv", "x.json", "csv"),  # --format wins over the suffix
    ],
)
def test_an_export_is_written_by_name_or_suffix(fmt: str | None, out: str, expected: str) -> None:
    assert export_format(fmt, Path(out)).name == expected


def test_an_unknown_export_format_is_named() -> None:
    with pytest.raises(BadInputError, match="'xml': not one of json, csv, tsv, apkg"):
        export_format("xml", Path("x.xml"))


def test_the_help_lists_exactly_the_registry(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "import", "--help")
    assert code == 0
    for f in IMPORT_FORMATS:
        assert f.description in out
        for suffix in f.suffixes:
            assert suffix in out
    code, out, _ = run_cli(capsys, "export", "--help")
    assert code == 0
    assert "[" + "|".join(f.name for f in EXPORT_FORMATS) + "]" in out
    flat = " ".join(out.split())
    for f in EXPORT_FORMATS:
        assert f"{f.name}: " in flat
        for suffix in f.suffixes:
            assert suffix in flat
