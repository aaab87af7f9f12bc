"""Real Anki packages, built with Anki's own Python package, in both formats."""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import pytest

from studykb.decks.anki_import import read_anki_package
from studykb.errors import BadInputError
from tests.conftest import run_cli

anki = pytest.importorskip("anki")


def build_package(folder: Path, *, legacy: bool) -> Path:
    from anki.collection import Collection
    from anki.import_export_pb2 import ExportAnkiPackageOptions, ExportLimit

    col = Collection(str(folder / f"build-{legacy}.anki2"))
    try:
        child = col.decks.id("Diffusion::DDIM")
        basic = col.models.by_name("Basic")
        note = col.new_note(basic)
        note["Front"] = "What does <b>DDIM</b> enable?"
        note["Back"] = "Deterministic sampling with \\(\\sigma_t = 0\\)<br>in <i>fewer</i> steps"
        note.tags = ["ddim", "sampling"]
        col.add_note(note, child)
        rev = col.new_note(col.models.by_name("Basic (and reversed card)"))
        rev["Front"] = "x<sub>0</sub>"
        rev["Back"] = "the data"
        col.add_note(rev, child)
        cz = col.new_note(col.models.by_name("Cloze"))
        cz["Text"] = "DDPM's forward process is {{c1::fixed}}; it has {{c2::T}} steps."
        cz["Back Extra"] = "&amp; not learned <img src='fig.png'>"
        col.add_note(cz, col.decks.id("Diffusion"))
        out = folder / f"pkg-{'legacy' if legacy else 'modern'}.apkg"
        col.export_anki_package(
            out_path=str(out),
            options=ExportAnkiPackageOptions(with_scheduling=True, with_media=False, legacy=legacy),
            limit=ExportLimit(),
        )
        return out
    finally:
        col.close()


@pytest.mark.parametrize("legacy", [False, True])
def test_real_packages_import_with_text_cloze_tags_and_hierarchy(
    tmp_path: Path, legacy: bool
) -> None:
    package = build_package(tmp_path, legacy=legacy)
    members = zipfile.ZipFile(package).namelist()
    assert ("collection.anki21" in members) == legacy
    decks, warnings = read_anki_package(package)
    assert warnings == []
    by_id = {d.deck_id: d for d in decks}
    assert set(by_id) == {"diffusion.ddim", "diffusion"}
    assert by_id["diffusion.ddim"].title == "Diffusion › DDIM"
    cards = {c.front: c for c in by_id["diffusion.ddim"].cards}
    basic = cards["What does **DDIM** enable?"]
    assert basic.back == "Deterministic sampling with $\\sigma_t = 0$  \nin *fewer* steps"
    assert basic.tags == ("ddim", "sampling")
    assert "x₀" in cards and cards["the data"].back == "x₀"  # the reversed card
    clozes = by_id["diffusion"].cards
    assert [c.cloze_number for c in clozes] == [1, 2]
    assert clozes[0].back == "& not learned [image: fig.png]"


def test_importing_the_same_package_twice_updates_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    package = build_package(tmp_path, legacy=False)
    monkeypatch.setenv("STUDYKB_DB", str(tmp_path / "a.db"))
    monkeypatch.setenv("STUDYKB_NO_BUNDLED", "1")
    code, out, err = run_cli(capsys, "import", str(package))
    assert code == 0, err
    assert "deck diffusion.ddim: 3 added" in out and "deck diffusion: 2 added" in out
    code, out, _ = run_cli(capsys, "import", str(package))
    assert "0 added, 0 updated, 3 unchanged" in out
    decks = json.loads(run_cli(capsys, "decks", "--json")[1])
    assert sorted(d["id"] for d in decks) == ["diffusion", "diffusion.ddim"]


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return path


@pytest.mark.parametrize(
    ("members", "message"),
    [
        ({"readme.txt": b"hello"}, "no collection inside"),
        ({"collection.anki2": b"not sqlite at all"}, "not an SQLite database"),
        (
            {"../../etc/collection.anki2": b"x", "collection.anki21b": b"\x28\xb5\x2f\xfdgarbage"},
            "damaged collection",
        ),
        (
            {"collection.anki21": b"SQLite format 3\x00" + b"\x00" * 200},
            "not a readable Anki collection",
        ),
    ],
)
def test_hostile_archives_fail_cleanly(
    tmp_path: Path, members: dict[str, bytes], message: str
) -> None:
    with pytest.raises(BadInputError) as info:
        read_anki_package(_zip(tmp_path / "bad.apkg", members))
    assert message in info.value.problems[0]
    assert not (tmp_path.parent / "etc").exists()


def test_zip_bomb_and_truncated_archives(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import studykb.decks.anki_import as mod

    monkeypatch.setattr(mod, "MAX_COLLECTION_BYTES", 1024 * 1024)
    bomb = _zip(tmp_path / "bomb.apkg", {"collection.anki2": b"\x00" * (4 * 1024 * 1024)})
    with pytest.raises(BadInputError, match="unpack to more than 1 MiB; refused"):
        read_anki_package(bomb)
    good = build_package(tmp_path, legacy=True)
    truncated = tmp_path / "truncated.apkg"
    truncated.write_bytes(good.read_bytes()[: os.path.getsize(good) // 2])
    with pytest.raises(BadInputError, match="damaged or not a zip"):
        read_anki_package(truncated)
    text = tmp_path / "notes.apkg"
    text.write_text("just text", encoding="utf-8")
    with pytest.raises(BadInputError, match="damaged or not a zip"):
        read_anki_package(text)


def test_studykb_to_apkg_to_studykb_keeps_text_and_identity(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from studykb.app.bundled import bundled_deck_paths
    from studykb.decks.toml_deck import read_decks

    monkeypatch.setenv("STUDYKB_DB", str(tmp_path / "src.db"))
    monkeypatch.setenv("STUDYKB_NOW", "2026-01-05T10:00:00+01:00")
    package = tmp_path / "all.apkg"
    assert run_cli(capsys, "export", str(package))[0] == 0
    decks, warnings = read_anki_package(package)
    assert warnings == []
    original = {(d.deck_id, c.key): c for d in read_decks(bundled_deck_paths()) for c in d.cards}
    back = {(d.deck_id, c.key): c for d in decks for c in d.cards}
    assert set(back) == set(original)
    for ref, card in original.items():
        again = back[ref]
        assert (again.front, again.back, again.tags, again.source) == (
            card.front,
            card.back,
            card.tags,
            card.source,
        ), ref
    # Into the same database: every card recognised, nothing added or changed.
    code, out, err = run_cli(capsys, "import", str(package))
    assert code == 0, err
    assert " 0 added, 0 updated" in out and "updated, 0 unchanged" not in out


def test_with_scheduling_carries_anki_review_state_over(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from datetime import date, timedelta

    from anki.collection import Collection
    from anki.import_export_pb2 import ExportAnkiPackageOptions, ExportLimit

    col = Collection(str(tmp_path / "sched.anki2"))
    try:
        deck = col.decks.id("Sched")
        ids = []
        for i in range(3):
            note = col.new_note(col.models.by_name("Basic"))
            note["Front"], note["Back"] = f"Q{i}", f"A{i}"
            col.add_note(note, deck)
            ids.append(note.cards()[0].id)
        col.sched.set_due_date([ids[0]], "5!")  # a review card: interval 5, due in 5 days
        card = col.get_card(ids[0])
        card.factor = 2300
        card.lapses = 2
        col.update_card(card)
        col.sched.suspend_cards([ids[1]])
        package = tmp_path / "sched.apkg"
        col.export_anki_package(
            out_path=str(package),
            options=ExportAnkiPackageOptions(with_scheduling=True, with_media=False, legacy=False),
            limit=ExportLimit(),
        )
    finally:
        col.close()
    monkeypatch.setenv("STUDYKB_DB", str(tmp_path / "s.db"))
    monkeypatch.setenv("STUDYKB_NO_BUNDLED", "1")
    code, out, err = run_cli(capsys, "import", "--with-scheduling", str(package))
    assert code == 0, err
    assert "scheduling: carried over for 1 card\n" in out  # not "1 cards" (issue 16 item 11)
    from studykb.app.store import open_store

    store = open_store(tmp_path / "s.db", seed_bundled=False)
    try:
        repo = store.repo
        reviewed = repo.card(
            repo.find_card(
                next(
                    f"sched/{r[0]}"
                    for r in repo.conn.execute("SELECT key FROM card WHERE front = 'Q0'")
                )
            )
        )
        state = reviewed.state
        assert (state.interval, state.easiness_x100, state.lapses) == (5, 230, 2)
        assert state.due is not None
        assert abs((state.due - (date.today() + timedelta(days=5))).days) <= 1
        suspended = repo.conn.execute("SELECT suspended FROM card WHERE front = 'Q1'").fetchone()
        assert suspended == (1,)
        assert repo.conn.execute(
            "SELECT e.kind FROM event e JOIN card c ON e.target = c.deck_id || '/' || c.key "
            "WHERE c.front = 'Q1'"
        ).fetchall() == [("suspend",)]
        assert repo.check().ok  # the imported state is the replay of an 'import' row
        assert repo.stats().reviews_today == 0  # importing is not reviewing
    finally:
        store.close()
    # Without the flag the cards arrive new.
    monkeypatch.setenv("STUDYKB_DB", str(tmp_path / "plain.db"))
    run_cli(capsys, "import", str(package))
    due = json.loads(run_cli(capsys, "due", "--json")[1])
    assert due["new"] == 3


def test_colpkg_collection_package(tmp_path: Path) -> None:
    from anki.collection import Collection

    build_package(tmp_path, legacy=False)  # leaves its notes in build-False.anki2
    col = Collection(str(tmp_path / "build-False.anki2"))
    out = tmp_path / "whole.colpkg"
    col.export_collection_package(str(out), include_media=False, legacy=False)
    col.close()
    decks, warnings = read_anki_package(out)
    assert warnings == []
    assert sum(len(d.cards) for d in decks) == 5


@pytest.mark.parametrize("retire_missing", [False, True])
def test_a_package_adds_and_updates_but_never_retires_or_renames(
    tmp_path: Path,
    small_deck: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    retire_missing: bool,
) -> None:
    """Issue 10 item 6: two notes carrying studykb GUIDs, in Anki's "Default" deck,
    retired every other card of the deck and renamed it "Default"."""
    from anki.collection import Collection
    from anki.import_export_pb2 import ExportAnkiPackageOptions, ExportLimit

    col = Collection(str(tmp_path / "two.anki2"))
    try:
        for guid, front, back in [
            ("studykb:toy/one", "Question one?", "A better answer."),
            ("studykb:toy/fresh", "A new question?", "A new answer."),
        ]:
            note = col.new_note(col.models.by_name("Basic"))
            note["Front"], note["Back"] = front, back
            note.guid = guid
            col.add_note(note, col.decks.id("Default"))
        package = tmp_path / "two.apkg"
        col.export_anki_package(
            out_path=str(package),
            options=ExportAnkiPackageOptions(with_scheduling=False, with_media=False, legacy=False),
            limit=ExportLimit(),
        )
    finally:
        col.close()
    monkeypatch.setenv("STUDYKB_DB", str(tmp_path / "two.db"))
    monkeypatch.setenv("STUDYKB_NO_BUNDLED", "1")
    monkeypatch.setenv("STUDYKB_NOW", "2026-01-05T10:00:00+01:00")
    assert run_cli(capsys, "import", str(small_deck))[0] == 0
    assert run_cli(capsys, "answer", "toy/two", "5")[0] == 0
    args = ["import", *(["--retire-missing"] if retire_missing else []), str(package)]
    code, out, err = run_cli(capsys, *args)
    assert code == 0, err
    retired = 3 if retire_missing else 0  # two, and the cloze note's two cards
    assert f"deck toy: 1 added, 1 updated, 0 unchanged, {retired} retired" in out
    [toy] = json.loads(run_cli(capsys, "decks", "--json")[1])
    assert (toy["id"], toy["title"]) == ("toy", "Toy deck")
    assert (toy["cards"], toy["learned"]) == ((2, 0) if retire_missing else (5, 1))
    assert toy["paper_id"] is not None  # the deck keeps its paper
    assert run_cli(capsys, "check")[0] == 0
