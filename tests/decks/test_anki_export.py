"""studykb's .apkg opened by Anki's own Python package."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest

from studykb.decks.anki_export import to_anki_html
from studykb.services import Store
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
    assert (notes, cards) == (206, 211)
    col = import_into_anki(out, tmp_path)
    try:
        assert col.note_count() == notes  # type: ignore[attr-defined]
        assert col.card_count() == cards  # type: ignore[attr-defined]
        names = {d.name for d in col.decks.all_names_and_ids()}  # type: ignore[attr-defined]
        assert "Denoising Diffusion Implicit Models" in names
        ddim = col.find_notes('"deck:Denoising Diffusion Implicit Models"')  # type: ignore[attr-defined]
        assert len(ddim) == 26
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
    assert to_anki_html("**a** < *b*\n$x_t$") == "<b>a</b> &lt; <i>b</i><br>\n\\(x_t\\)"
    assert to_anki_html("{{c1::$\\frac{a}{\\sqrt{b}}$}}", cloze=True) == (
        "{{c1::\\(\\frac{a}{\\sqrt{b} }\\)}}"
    )


def _decks(capsys: pytest.CaptureFixture[str]) -> dict[str, dict[str, object]]:
    code, out, err = run_cli(capsys, "decks", "--json")
    assert code == 0, err
    return {d["id"]: d for d in json.loads(out)}


def test_own_package_keeps_each_deck_linked_to_its_paper(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("STUDYKB_DB", str(tmp_path / "s.db"))
    monkeypatch.setenv("STUDYKB_NOW", "2026-01-05T10:00:00+01:00")
    assert run_cli(capsys, "papers", "set", "ddpm", "reading")[0] == 0
    before = _decks(capsys)
    assert before["ddpm"]["paper_id"] is not None
    package = tmp_path / "all.apkg"
    assert run_cli(capsys, "export", str(package))[0] == 0
    code, out, err = run_cli(capsys, "import", str(package))
    assert code == 0, err
    assert _decks(capsys) == before  # paper, WR and reading status all still there
    # Into a database that has never seen the papers: they come with the decks.
    monkeypatch.setenv("STUDYKB_DB", str(tmp_path / "fresh.db"))
    monkeypatch.setenv("STUDYKB_NO_BUNDLED", "1")
    assert run_cli(capsys, "import", str(package))[0] == 0
    fresh = _decks(capsys)
    assert set(fresh) == set(before)
    assert all(d["paper_id"] is not None for d in fresh.values())
    assert fresh["ddpm"]["worth_reading"] == before["ddpm"]["worth_reading"]
    code, out, _ = run_cli(capsys, "papers", "--json")
    ddpm = next(p for p in json.loads(out) if p["title"] == before["ddpm"]["title"])
    assert ddpm["url"].startswith("https://") and ddpm["authors"]


def test_a_package_without_a_paper_keeps_the_decks_paper(store: Store, small_deck: Path) -> None:
    from studykb.decks.toml_deck import read_decks

    [spec] = read_decks([small_deck])
    store.repo.import_decks([spec])
    linked = store.repo.conn.execute("SELECT paper_id FROM deck WHERE id = 'toy'").fetchone()[0]
    assert linked is not None
    # What a package from Anki says about the deck: its cards, no paper.
    store.repo.import_decks([replace(spec, paper=None, source="from-anki.apkg")])
    kept = store.repo.conn.execute("SELECT paper_id FROM deck WHERE id = 'toy'").fetchone()[0]
    assert kept == linked
