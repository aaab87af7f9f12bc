"""studykb's .apkg opened by Anki's own Python package."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from studykb.decks.anki_export import to_anki_html
from tests.conftest import run_cli

anki = pytest.importorskip("anki")


def import_into_anki(package: Path, folder: Path) -> object:
    from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest

    col = Collection(str(folder / "collection.anki2"))
    col.import_anki_package(
        ImportAnkiPackageRequest(package_path=str(package), options=ImportAnkiPackageOptions())
    )
    return col


def test_bundled_decks_export_to_a_package_anki_opens(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("STUDYKB_DB", str(tmp_path / "s.db"))
    monkeypatch.setenv("STUDYKB_NOW", "2026-01-05T10:00:00+01:00")
    out = tmp_path / "all.apkg"
    code, text, err = run_cli(capsys, "export", str(out))
    assert code == 0, err
    notes, cards = (int(x) for x in re.findall(r"(\d+) notes \((\d+) cards\)", text)[0])
    assert (notes, cards) == (322, 335)
    col = import_into_anki(out, tmp_path)
    try:
        assert col.note_count() == notes  # type: ignore[attr-defined]
        assert col.card_count() == cards  # type: ignore[attr-defined]
        names = {d.name for d in col.decks.all_names_and_ids()}  # type: ignore[attr-defined]
        assert "Denoising Diffusion Implicit Models" in names
        ddim = col.find_notes('"deck:Denoising Diffusion Implicit Models"')  # type: ignore[attr-defined]
        assert len(ddim) == 34
        note = col.get_note(ddim[0])  # type: ignore[attr-defined]
        assert "\\(" in "".join(note.fields) or note.fields[0]
        assert set(note.tags)  # tags kept
        # A second import of a second export updates, never duplicates.
        again = tmp_path / "again.apkg"
        run_cli(capsys, "export", str(again))
        from anki.collection import ImportAnkiPackageOptions, ImportAnkiPackageRequest

        col.import_anki_package(  # type: ignore[attr-defined]
            ImportAnkiPackageRequest(package_path=str(again), options=ImportAnkiPackageOptions())
        )
        assert col.note_count() == notes  # type: ignore[attr-defined]
    finally:
        col.close()  # type: ignore[attr-defined]


def test_markdown_and_math_become_anki_html() -> None:
    assert to_anki_html("**a** < *b*\n$x_t$") == "<b>a</b> &lt; <i>b</i><br>\\(x_t\\)"
    assert to_anki_html("{{c1::$\\frac{a}{\\sqrt{b}}$}}", cloze=True) == (
        "{{c1::\\(\\frac{a}{\\sqrt{b} }\\)}}"
    )
