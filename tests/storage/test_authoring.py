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
