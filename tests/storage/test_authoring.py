"""Authoring (issue 12 items 2, 3, 6, 7): cards added, edited, flagged and retired
as events, undo of the last action of any kind, leeches; asserted on the database."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from studykb.app.authoring import CardFields
from studykb.app.collection import Collection
from studykb.app.store import Store
from studykb.decks.toml_deck import read_decks
from studykb.errors import BadInputError, NotFoundError


@pytest.fixture
def col(store: Store, small_deck: Path) -> Iterator[Collection]:
    store.repo.import_decks(read_decks([small_deck]))
    yield Collection(store)


def _conn(col: Collection) -> sqlite3.Connection:
    return col._store.repo.conn


def _events(col: Collection) -> list[tuple[str, str]]:
    return [
        (str(k), str(t))
        for k, t in _conn(col).execute("SELECT kind, target FROM event ORDER BY seq")
    ]


def _check_ok(col: Collection) -> None:
    report = col.maintenance.check() if hasattr(col.maintenance, "check") else None
    report = col._store.repo.check()
    assert report.ok, report.problems


def test_an_edit_keeps_the_cards_id_key_and_log(col: Collection) -> None:
    before = col.review.card("toy/one")
    col.review.answer("toy/one", 4)
    saved = col.authoring.edit(
        "toy/one", CardFields("Question one, fixed?", "Answer one.", ("fix",), "§1")
    )
    assert saved.sentence == "Edited toy/one" and saved.refs == ("toy/one",)
    after = col.review.card("toy/one")
    assert after.id == before.id and after.key == "one"
    assert after.question == "Question one, fixed?" and after.tags == ("fix",)
    assert len(col.review.history(after.id)) == 1
    assert ("card_edit", "toy/one") in _events(col)
    _check_ok(col)


def test_undo_of_an_edit_brings_the_files_version_back(col: Collection) -> None:
    col.authoring.edit("toy/one", CardFields("New?", "New."))
    assert col.authoring.undo_last() == "Undone: edit of toy/one"
    card = col.review.card("toy/one")
    assert (card.question, card.answer, card.source) == ("Question one?", "Answer one.", "§1")
    _check_ok(col)
    assert col.authoring.undo_last() is None


def test_add_then_undo_hides_the_card(col: Collection) -> None:
    saved = col.authoring.add("toy", CardFields("What is new?", "This.", ("a",), "§3"))
    [ref] = saved.refs
    assert saved.sentence == f"Added {ref}" and ref.startswith("toy/u-")
    card = col.review.card(ref)
    assert not card.retired and card.tags == ("a",)
    _check_ok(col)
    assert col.authoring.undo_last() == f"Undone: add of {ref}"
    assert col.review.card(ref).retired
    _check_ok(col)


def test_retire_leaves_the_queue_and_undo_brings_it_back(col: Collection) -> None:
    def queued() -> set[str]:
        return {col.review.card_by_id(e.card_id).ref for e in col.review.queue().entries}

    assert "toy/two" in queued()
    assert col.authoring.retire(["toy/two"]) == 1
    assert "toy/two" not in queued()
    _check_ok(col)
    assert col.authoring.undo_last() == "Undone: retire of toy/two"
    assert "toy/two" in queued()
    _check_ok(col)


def test_undo_takes_back_each_kind_newest_first(col: Collection) -> None:
    col.review.answer("toy/one", 4)
    col.review.suspend(["toy/two"])
    col.authoring.set_flagged(["toy/one", "toy/two"], True)
    col.review.bury(col.review.card("toy/eq:c1").id)
    col.authoring.edit("toy/one", CardFields("Q?", "A."))
    col.authoring.retire(["toy/eq:c2"])
    assert col.authoring.undo_last() == "Undone: retire of toy/eq:c2"
    assert col.authoring.undo_last() == "Undone: edit of toy/one"
    assert col.authoring.undo_last() == "Undone: bury of toy/eq:c1"
    assert not col.review.card("toy/eq:c1").retired
    assert col.authoring.undo_last() == "Undone: flag of 2 cards"
    assert not col.review.card("toy/one").flagged
    assert col.authoring.undo_last() == "Undone: suspend of toy/two"
    assert not col.review.card("toy/two").suspended
    assert col.authoring.undo_last() == "Undone: answer to toy/one (grade 4)"
    assert col.authoring.undo_last() is None
    _check_ok(col)
    # The log only grew: every action and every undo is a row.
    kinds = [k for k, _ in _events(col)]
    assert kinds.count("undo") == 6 and "card_edit" in kinds


def test_flag_is_a_column_and_an_event(col: Collection) -> None:
    assert col.authoring.set_flagged(["toy/one"], True) == 1
    assert col.authoring.set_flagged(["toy/one"], True) == 0
    assert col.review.card("toy/one").flagged
    assert col.authoring.set_flagged(["toy/one"], False) == 1
    assert not col.review.card("toy/one").flagged
    assert [k for k, _ in _events(col)] == ["flag", "unflag"]
    _check_ok(col)


def test_bad_fields_are_refused_and_nothing_is_written(col: Collection) -> None:
    with pytest.raises(BadInputError) as err:
        col.authoring.edit("toy/one", CardFields("", "A."))
    assert err.value.problems == ["toy/one: front: empty"]
    with pytest.raises(BadInputError):
        col.authoring.add("toy", CardFields("no deletion", "", kind="cloze"))
    with pytest.raises(BadInputError):
        col.authoring.add("toy", CardFields("$x", "y"))
    with pytest.raises(NotFoundError):
        col.authoring.add("nope", CardFields("a", "b"))
    with pytest.raises(NotFoundError):
        col.authoring.fields("toy/none")
    assert _events(col) == []


def test_a_cloze_note_edit_adds_and_retires_deletions(col: Collection) -> None:
    fields = col.authoring.fields("toy/eq:c2")
    assert fields.kind == "cloze" and "{{c2::" in fields.front
    saved = col.authoring.edit(
        "toy/eq:c1", CardFields("{{c1::A}} and {{c3::C}}", "", fields.tags, fields.source, "cloze")
    )
    assert saved.sentence == "Edited toy/eq"
    assert set(saved.refs) == {"toy/eq:c1", "toy/eq:c3", "toy/eq:c2"}
    assert col.review.card("toy/eq:c2").retired
    assert not col.review.card("toy/eq:c3").retired
    _check_ok(col)
    assert col.authoring.undo_last() == "Undone: edit of toy/eq"
    assert not col.review.card("toy/eq:c2").retired
    assert col.review.card("toy/eq:c3").retired
    _check_ok(col)
    with pytest.raises(BadInputError, match="cannot become"):
        col.authoring.edit("toy/eq:c1", CardFields("a", "b"))


def test_a_reversed_note_makes_two_cards(col: Collection) -> None:
    saved = col.authoring.add("toy", CardFields("Front", "Back", kind="reversed"))
    forward, backward = saved.refs
    assert backward == forward + "-rev"
    rev = col.review.card(backward)
    assert (rev.question, rev.answer) == ("Back", "Front")
    assert col.authoring.fields(backward).kind == "reversed"
    col.authoring.edit(forward, CardFields("Front 2", "Back", kind="basic"))
    assert col.review.card(backward).retired
    _check_ok(col)


def test_toml_round_trip_and_errors(col: Collection) -> None:
    col.authoring.edit("toy/one", CardFields("Is $\\alpha$ ok?", "It's\nfine", ("x",), "§1"))
    text = col.authoring.to_toml("toy/one")
    assert col.authoring.from_toml(text, "card.toml") == col.authoring.fields("toy/one")
    with pytest.raises(BadInputError) as err:
        col.authoring.from_toml(text.replace('kind = "basic"', 'kind = "odd"'), "card.toml")
    assert err.value.problems[0].startswith("card.toml:5: kind: must be one of")
    with pytest.raises(BadInputError) as err:
        col.authoring.from_toml("front = \n", "card.toml")
    assert err.value.problems[0].startswith("card.toml:1: TOML syntax error")
    with pytest.raises(BadInputError) as err:
        col.authoring.from_toml('front = ""\nback = "b"\n', "card.toml")
    assert err.value.problems == ["card.toml:1: front: empty"]


def test_warnings_are_the_linters(col: Collection) -> None:
    found = col.authoring.warnings(CardFields("What is A, and why is B?", "x"))
    assert any(w.startswith("two-asks") for w in found)
    assert any(w.startswith("missing-source") for w in found)


def test_history_lists_answers(col: Collection) -> None:
    col.review.answer("toy/one", 4)
    col.authoring.edit("toy/one", CardFields("Q?", "A."))
    history = col.authoring.history("toy/one")
    assert [(a.grade, a.kind) for a in history.answers] == [(4, "review")]
    assert json.dumps(history.answers[0].interval_after) == "1"


def test_check_finds_and_repairs_columns_changed_behind_the_events(col: Collection) -> None:
    col.authoring.edit("toy/one", CardFields("Mine?", "Mine."))
    col.authoring.set_flagged(["toy/two"], True)
    conn = _conn(col)
    with conn:
        conn.execute("UPDATE card SET front = 'tampered', flagged = 1 WHERE key = 'one'")
        conn.execute("UPDATE card SET flagged = 0 WHERE key = 'two'")
    report = col._store.repo.check()
    assert not report.ok
    assert any(p.startswith("toy/one: front is 'tampered'") for p in report.problems)
    assert any(p.startswith("toy/one: flagged") for p in report.problems)
    assert any(p.startswith("toy/two: flagged") for p in report.problems)
    col._store.repo.check(repair=True)
    _check_ok(col)
    assert col.review.card("toy/one").question == "Mine?"
    assert col.review.card("toy/two").flagged and not col.review.card("toy/one").flagged


def test_a_reimport_keeps_the_local_edit_and_reports_it(col: Collection, small_deck: Path) -> None:
    repo = col._store.repo
    col.review.answer("toy/one", 4)
    col.authoring.edit("toy/one", CardFields("Mine?", "Mine.", (), "§1"))
    col.authoring.retire(["toy/two"])
    added = col.authoring.add("toy", CardFields("Added?", "Here.")).refs[0]
    # The file changed meanwhile: card one and two have new text upstream.
    text = small_deck.read_text().replace("Question one?", "Question one, v2?")
    small_deck.write_text(text.replace("Answer two.", "Answer two, v2."))
    [report] = repo.import_decks(read_decks([small_deck]))
    assert sorted(report.kept) == sorted(["toy/one", "toy/two", added])
    assert "kept your version: toy/one" in report.summary()
    assert col.review.card("toy/one").question == "Mine?"
    assert col.review.card("toy/two").retired
    assert not col.review.card(added).retired
    assert len(col.review.history(col.review.card("toy/one").id)) == 1
    _check_ok(col)
    # Importing the same file again still says so (the deck's hashes were forgotten).
    [again] = repo.import_decks(read_decks([small_deck]))
    assert "toy/one" in again.kept
    # --theirs: the file's version, as an edit you can undo.
    [taken] = repo.import_decks(read_decks([small_deck]), theirs=True)
    assert taken.kept == [] and taken.retired == 1  # the card added here is not in the file
    assert col.review.card("toy/one").question == "Question one, v2?"
    assert not col.review.card("toy/two").retired
    assert col.review.card("toy/two").answer == "Answer two, v2."
    _check_ok(col)
    # What --theirs took is one action: undo gives the cards back as you had them.
    assert col.authoring.undo_last() == "Undone: edit of 3 cards"
    assert col.review.card("toy/one").question == "Mine?"
    assert col.review.card("toy/two").retired
    assert not col.review.card(added).retired
    _check_ok(col)


def test_a_card_with_events_follows_its_file_when_not_edited(
    col: Collection, small_deck: Path
) -> None:
    repo = col._store.repo
    col.authoring.edit("toy/one", CardFields("Mine?", "Mine.", (), "§1"))
    col.authoring.undo_last()
    small_deck.write_text(small_deck.read_text().replace("Question one?", "Question 1?"))
    [report] = repo.import_decks(read_decks([small_deck]))
    assert report.kept == [] and report.updated == 1
    assert col.review.card("toy/one").question == "Question 1?"
    _check_ok(col)
    # A card the file drops is retired by the file, which undo passes by.
    small_deck.write_text(small_deck.read_text().replace('id = "two"', 'id = "deux"'))
    repo.import_decks(read_decks([small_deck]))
    assert col.review.card("toy/two").retired
    assert col.authoring.undo_last() is None
    _check_ok(col)


def test_a_json_backup_carries_the_authoring_events(
    col: Collection,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("STUDYKB_NO_BUNDLED", "1")
    from studykb.app.exports import write_json_backup
    from tests.conftest import run_cli

    col.review.answer("toy/one", 4)
    col.authoring.edit("toy/one", CardFields("Mine?", "Mine.", ("t",), "§1"))
    col.authoring.add("toy", CardFields("{{c1::New}} card", "", kind="cloze"))
    col.authoring.set_flagged(["toy/two"], True)
    col.authoring.retire(["toy/eq:c2"])
    col.authoring.set_flagged(["toy/eq:c1"], True)
    col.authoring.undo_last()  # the flag of eq:c1
    out = tmp_path / "backup.json"
    write_json_backup(col._store, out)
    data = json.loads(out.read_text(encoding="utf-8"))
    kinds = [e["kind"] for e in data["events"]]
    assert {"card_base", "card_edit", "card_add", "flag", "card_retire", "undo"} <= set(kinds)
    assert all("after_answer" in e and "action" in e for e in data["events"])
    new = tmp_path / "new.db"
    code, _, err = run_cli(capsys, "--db", str(new), "import", str(out))
    assert code == 0, err
    assert run_cli(capsys, "--db", str(new), "check")[0] == 0
    restored = sqlite3.connect(new)
    try:
        query = "SELECT uid, kind, target, value, action, after_answer FROM event ORDER BY seq"
        assert restored.execute(query).fetchall() == _conn(col).execute(query).fetchall()
        cards = "SELECT deck_id, key, front, flagged, retired_at IS NULL FROM card ORDER BY id"
        assert restored.execute(cards).fetchall() == _conn(col).execute(cards).fetchall()
    finally:
        restored.close()
    # Undo goes on working in the restored database: the retire is the last action.
    code, out_text, _ = run_cli(capsys, "--db", str(new), "undo")
    assert code == 0 and out_text.strip() == "Undone: retire of toy/eq:c2"


@pytest.mark.parametrize("suspend", [False, True])
def test_a_card_lapsing_eight_times_is_tagged_leech_with_the_answer(
    store: Store, small_deck: Path, suspend: bool
) -> None:
    from dataclasses import replace as changed
    from datetime import timedelta

    from studykb.core.clock import FixedClock

    store.settings = changed(store.settings, leech_suspend=suspend)
    store.repo.import_decks(read_decks([small_deck]))
    col = Collection(store)
    clock = store.repo.clock
    assert isinstance(clock, FixedClock)
    messages = []
    for _ in range(8):
        col.review.answer("toy/one", 5)  # learnt, then forgotten the next day
        clock.advance(timedelta(days=30))
        messages.append(col.review.answer("toy/one", 1).message)
        clock.advance(timedelta(days=1))
    assert messages[:7] == [None] * 7
    assert messages[7] == (
        "toy/one has lapsed 8 times: tagged leech"
        + (" and suspended" if suspend else "")
        + ". Re-read A Toy Paper, §1 before you rewrite or review it."
    )
    card = col.review.card("toy/one")
    assert "leech" in card.tags and card.suspended == suspend
    _check_ok(col)
    # Undoing that answer takes the tag (and the suspension) back with it.
    assert col.authoring.undo_last() == "Undone: answer to toy/one (grade 1)"
    card = col.review.card("toy/one")
    assert "leech" not in card.tags and not card.suspended
    _check_ok(col)


def test_suspending_or_burying_many_cards_is_one_action(col: Collection) -> None:
    col.review.suspend(["toy/one", "toy/two"])
    ids = [col.review.card(r).id for r in ("toy/eq:c1", "toy/eq:c2")]
    col.browser.bury(ids)
    assert col.authoring.undo_last() == "Undone: bury of 2 cards"
    assert col.authoring.undo_last() == "Undone: suspend of 2 cards"
    assert not col.review.card("toy/one").suspended
    _check_ok(col)


def test_practice_answers_are_logged_and_change_no_schedule(
    col: Collection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    col.review.answer("toy/one", 4)
    before = col.review.card("toy/one").state
    counts = col.review.due_counts()
    practice = col.review.practice("toy/one", 1)
    assert practice.kind == "practice" and practice.before == practice.after == before
    col.review.practice("toy/two", 5)  # a new card stays new
    assert col.review.card("toy/one").state == before
    assert col.review.card("toy/two").state == col.review.card("toy/eq:c1").state
    assert col.review.due_counts() == counts
    assert col._store.repo.stats().reviews_today == 1
    _check_ok(col)
    kinds = [a.kind for a in col.authoring.history("toy/one").answers]
    assert kinds == ["review", "practice"]
    assert col.authoring.undo_last() == "Undone: practice answer to toy/two (grade 5)"
    assert col.authoring.undo_last() == "Undone: practice answer to toy/one (grade 1)"
    assert col.authoring.undo_last() == "Undone: answer to toy/one (grade 4)"
    _check_ok(col)
    # A JSON backup with practice answers validates and restores.
    from studykb.app.exports import write_json_backup
    from studykb.storage.backup_json import check_backup

    col.review.practice("toy/one", 3)
    out = tmp_path / "b.json"
    write_json_backup(col._store, out)
    check_backup(json.loads(out.read_text(encoding="utf-8")))


def test_a_backup_whose_cards_differ_from_their_events_is_refused(
    col: Collection, tmp_path: Path
) -> None:
    from studykb.app.exports import write_json_backup
    from studykb.storage.backup_json import check_backup

    col.authoring.edit("toy/one", CardFields("Mine?", "Mine."))
    col.authoring.retire(["toy/two"])
    out = tmp_path / "b.json"
    write_json_backup(col._store, out)
    data = json.loads(out.read_text(encoding="utf-8"))
    check_backup(data)
    for card in data["cards"]:
        if card["key"] == "one":
            card["front"] = "Tampered?"
        if card["key"] == "two":
            card["retired_at"] = None
    with pytest.raises(BadInputError) as err:
        check_backup(data)
    assert sorted(p.split(": ")[1] for p in err.value.problems) == [
        "front/back/tags/source",
        "retired_at",
    ]


def test_a_card_whose_id_ends_in_rev_is_its_own_note(col: Collection, tmp_path: Path) -> None:
    deck = tmp_path / "rev.toml"
    deck.write_text(
        '[deck]\nid = "rev"\ntitle = "R"\n\n[[cards]]\nid = "x-rev"\nfront = "F"\nback = "B"\n'
        '\n[[cards]]\nid = "y"\nfront = "Y"\nback = "Z"\nreversed = true\n'
    )
    col._store.repo.import_decks(read_decks([deck]))
    assert col.authoring.fields("rev/x-rev") == CardFields("F", "B")
    assert col.authoring.edit("rev/x-rev", CardFields("F2", "B")).refs == ("rev/x-rev",)
    assert col.authoring.fields("rev/y-rev") == CardFields("Y", "Z", kind="reversed")
    assert col.review.card("rev/y-rev").question == "Z"
    _check_ok(col)


def test_undo_last_action_names_the_answers_card(col: Collection) -> None:
    card = col.review.card("toy/one")
    col.review.answer(card.id, 3)
    col.authoring.set_flagged(["toy/two"], True)
    undone = col.authoring.undo_last_action()
    assert undone is not None and (undone.what, undone.refs) == ("flag", ("toy/two",))
    undone = col.authoring.undo_last_action()
    assert undone is not None and (undone.what, undone.card_id) == ("answer", card.id)


def test_practice_selections_flagged_leech_failed_today(col: Collection) -> None:
    col.review.answer("toy/one", 1)  # forgotten today
    col.review.answer("toy/two", 4)
    col.authoring.set_flagged(["toy/eq:c1"], True)
    col.authoring.edit("toy/eq:c1", CardFields("{{c1::A}} {{c2::B}}", "", ("leech",), kind="cloze"))

    def refs(**filters: bool) -> list[str]:
        return [r.ref for r in col.browser.search(**filters).rows]  # type: ignore[arg-type]

    assert refs(failed_today=True) == ["toy/one"]
    assert refs(flagged=True) == ["toy/eq:c1"]
    assert [r.flagged for r in col.browser.search(flagged=True).rows] == [True]
    assert sorted(refs(leech=True)) == ["toy/eq:c1", "toy/eq:c2"]
    col.authoring.undo_last()  # the edit
    col.authoring.undo_last()  # the flag
    col.authoring.undo_last()  # toy/two's answer
    col.authoring.undo_last()  # toy/one's answer: no longer failed today
    assert refs(failed_today=True) == []


def _tags(col: Collection, ref: str) -> tuple[str, ...]:
    key = ref.partition("/")[2]
    (tags,) = _conn(col).execute("SELECT tags FROM card WHERE key = ?", (key,)).fetchone()
    return tuple(json.loads(tags))


def test_tags_added_and_removed_on_three_cards_one_undo_restores_all(col: Collection) -> None:
    refs = ["toy/one", "toy/two", "toy/eq:c1"]
    col.authoring.change_tags(["toy/one"], ["old"])
    before = {r: _tags(col, r) for r in refs}
    assert before["toy/one"][-1] == "old"
    assert col.authoring.change_tags(refs, ["a", "b"], ["old"]) == 3
    for ref in refs:
        assert "a" in _tags(col, ref) and "b" in _tags(col, ref)
        assert "old" not in _tags(col, ref)
    # one action: the three card_edit events share it
    last = (
        _conn(col)
        .execute(
            "SELECT COALESCE(action, uid), target FROM event WHERE kind = 'card_edit' "
            "ORDER BY seq DESC LIMIT 3"
        )
        .fetchall()
    )
    assert len({a for a, _ in last}) == 1 and sorted(t for _, t in last) == sorted(refs)
    assert col.authoring.change_tags(refs, ["a"]) == 0  # nothing to change: no event
    _check_ok(col)
    assert col.authoring.undo_last() == "Undone: edit of 3 cards"
    assert {r: _tags(col, r) for r in refs} == before
    _check_ok(col)


def test_a_bad_tag_is_refused_and_nothing_is_written(col: Collection) -> None:
    count = len(_events(col))
    with pytest.raises(BadInputError):
        col.authoring.change_tags(["toy/one"], ["two words"])
    with pytest.raises(BadInputError):
        col.authoring.change_tags(["toy/one"])
    with pytest.raises(NotFoundError):
        col.authoring.change_tags(["toy/one", "toy/nope"], ["a"])
    assert len(_events(col)) == count
