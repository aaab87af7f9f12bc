"""studykb's .apkg opened by Anki's own Python package."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest

from studykb.app.store import Store
from studykb.core.clock import FixedClock
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
    assert (notes, cards) == (327, 340)
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


def test_notes_from_anki_go_back_with_their_own_guids(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest
    from anki.import_export_pb2 import ExportAnkiPackageOptions, ExportLimit

    col = Collection(str(tmp_path / "mine.anki2"))
    try:
        deck = col.decks.id("Bio::Cell")
        for i in range(3):
            note = col.new_note(col.models.by_name("Basic"))
            note["Front"], note["Back"] = f"Q{i}", f"A{i}"
            note.guid = f"a{i}!x<%,{i}"  # Anki's GUIDs hold punctuation
            col.add_note(note, deck)
        cz = col.new_note(col.models.by_name("Cloze"))
        cz["Text"] = "Cells {{c1::divide}} by {{c2::mitosis}}."
        col.add_note(cz, deck)
        guids = {col.get_note(n).guid for n in col.find_notes("")}
        package = tmp_path / "from-anki.apkg"
        col.export_anki_package(
            out_path=str(package),
            options=ExportAnkiPackageOptions(with_scheduling=False, with_media=False),
            limit=ExportLimit(),
        )
        monkeypatch.setenv("STUDYKB_DB", str(tmp_path / "s.db"))
        monkeypatch.setenv("STUDYKB_NO_BUNDLED", "1")
        assert run_cli(capsys, "import", str(package))[0] == 0
        back = tmp_path / "back.apkg"
        assert run_cli(capsys, "export", str(back))[0] == 0
        col.import_anki_package(
            ImportAnkiPackageRequest(package_path=str(back), options=ImportAnkiPackageOptions())
        )
        # Each note recognised by the collection it came from: no copies.
        assert col.note_count() == 4
        assert {col.get_note(n).guid for n in col.find_notes("")} == guids
    finally:
        col.close()
    # And the GUIDs are kept through studykb's own JSON backup.
    dump = tmp_path / "all.json"
    assert run_cli(capsys, "export", str(dump))[0] == 0
    assert {c["guid"] for c in json.loads(dump.read_text())["cards"]} == guids


def test_package_carries_review_state_and_history_into_anki(
    store: Store, clock: FixedClock, small_deck: Path, tmp_path: Path
) -> None:
    from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest

    from studykb.app.exports import export_decks
    from studykb.decks.anki_export import write_apkg
    from studykb.decks.toml_deck import read_decks

    repo = store.repo
    repo.import_decks(read_decks([small_deck]))
    ids = {k: repo.find_card(f"toy/{k}") for k in ("one", "two", "eq:c1", "eq:c2")}
    first = clock.now()
    repo.answer(ids["one"], 4, 3000)
    repo.answer(ids["two"], 3, 1000)
    repo.answer(ids["eq:c1"], 4, 90_000)
    clock.advance(timedelta(days=1))
    repo.answer(ids["one"], 5, 2000)
    clock.advance(timedelta(days=6))
    repo.answer(ids["one"], 2, 2500)  # a lapse
    repo.set_suspended(ids["two"])
    one = repo.card(ids["one"]).state
    assert (one.interval, one.easiness_x100, one.lapses, one.due) == (1, 228, 1, date(2026, 1, 13))
    package = tmp_path / "toy.apkg"
    write_apkg(export_decks(store, None), package)

    col = Collection(str(tmp_path / "phone.anki2"))
    try:
        col.import_anki_package(
            ImportAnkiPackageRequest(
                package_path=str(package), options=ImportAnkiPackageOptions(with_scheduling=True)
            )
        )
        anki_today = date.fromtimestamp(col.crt) + timedelta(days=col.sched.today)
        cards = {}
        for cid in col.find_cards(""):
            card = col.get_card(cid)
            cards[(card.note().fields[0][:12], card.ord)] = card
        c = cards[("Question one", 0)]
        assert (c.type, c.queue, c.ivl, c.factor, c.reps, c.lapses) == (2, 2, 1, 2280, 3, 1)
        assert anki_today + timedelta(days=c.due - col.sched.today) == one.due
        c = cards[("Question two", 0)]
        assert (c.type, c.queue, c.ivl, c.factor, c.reps) == (2, -1, 1, 2360, 1)  # suspended
        c = cards[("The forward ", 0)]
        assert (c.type, c.queue, c.ivl, c.factor, c.reps) == (2, 2, 1, 2500, 1)
        c = cards[("The forward ", 1)]
        assert (c.type, c.queue, c.reps) == (0, 0, 0)  # never answered: new
        one_id = cards[("Question one", 0)].id
        rows = col.db.all(
            "SELECT id, ease, ivl, lastIvl, factor, time, type FROM revlog WHERE cid = ? "
            "ORDER BY id",
            one_id,
        )
        start_ms = int(first.timestamp() * 1000)
        day_ms = 86_400_000
        assert rows == [
            [start_ms, 3, 1, 0, 2500, 3000, 0],  # learning: Good
            [start_ms + day_ms, 4, 6, 1, 2600, 2000, 1],  # review: Easy
            [start_ms + 7 * day_ms, 1, 1, 6, 2280, 2500, 1],  # review: Again (the lapse)
        ]
        assert col.db.scalar("SELECT count() FROM revlog") == 5
        assert col.db.scalar("SELECT max(time) FROM revlog") == 60_000  # Anki's cap
    finally:
        col.close()


def test_paper_link_survives_a_trip_through_anki(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from anki.import_export_pb2 import ExportAnkiPackageOptions, ExportLimit

    from studykb.decks.anki_import import read_anki_package

    monkeypatch.setenv("STUDYKB_DB", str(tmp_path / "s.db"))
    monkeypatch.setenv("STUDYKB_NOW", "2026-01-05T10:00:00+01:00")
    package = tmp_path / "ddpm.apkg"
    assert run_cli(capsys, "export", "--deck", "ddpm", str(package))[0] == 0
    col = import_into_anki(package, tmp_path)
    try:
        [ddpm] = [d for d in col.decks.all_names_and_ids() if "Denoising" in d.name]  # type: ignore[attr-defined]
        assert "arxiv.org" in col.decks.get(ddpm.id)["desc"]  # type: ignore[attr-defined]
        again = tmp_path / "from-anki.apkg"
        col.export_anki_package(  # type: ignore[attr-defined]
            out_path=str(again),
            options=ExportAnkiPackageOptions(with_scheduling=True, with_media=False),
            limit=ExportLimit(),
        )
    finally:
        col.close()  # type: ignore[attr-defined]
    [deck], _ = read_anki_package(again)
    assert deck.deck_id == "ddpm"
    assert deck.paper is not None and "arxiv.org" in deck.paper.url


def test_cloze_answers_ending_in_three_braces_come_back_unchanged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The export spaces closing braces apart inside a cloze; the import undoes every one."""
    deck = tmp_path / "braces.toml"
    deck.write_text(
        '[deck]\nid = "braces"\ntitle = "Braces"\n\n[[cards]]\nid = "nested"\n'
        "text = '''Scale: {{c1::$\\sqrt{1-\\alpha_{\\tau_{i-1}}}$}} and {{c2::$x^{a^{b}}$}}.'''\n"
        'source = "§1"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("STUDYKB_DB", str(tmp_path / "b.db"))
    monkeypatch.setenv("STUDYKB_NO_BUNDLED", "1")
    assert run_cli(capsys, "import", str(deck))[0] == 0
    package = tmp_path / "braces.apkg"
    assert run_cli(capsys, "export", str(package), "--deck", "braces")[0] == 0
    code, out, err = run_cli(capsys, "import", str(package))
    assert code == 0, err
    assert "0 added, 0 updated, 2 unchanged" in out
