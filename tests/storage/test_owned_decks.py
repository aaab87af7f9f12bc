"""Decks made, renamed and retired, drafts decided (storage.drafts): each an event, and
`check` proves the columns are the replay of those events."""

from __future__ import annotations

import json
from pathlib import Path

from studykb.app.authoring import CardFields
from studykb.app.collection import Collection
from studykb.app.store import Store, open_store
from studykb.decks.toml_deck import read_decks
from studykb.storage.drafts import NewDraft


def _toy(store: Store, small_deck: Path) -> Collection:
    store.repo.import_decks(read_decks([small_deck]))
    return Collection(store)


def test_undoing_a_retirement_brings_back_only_the_cards_it_retired(
    store: Store, small_deck: Path
) -> None:
    collection = _toy(store, small_deck)
    conn = store.repo.conn
    conn.execute("UPDATE card SET retired_at = 'earlier' WHERE key = 'one'")  # retired before
    collection.decks.retire("toy")
    live = "SELECT COUNT(*) FROM card WHERE deck_id = 'toy' AND retired_at IS NULL"
    assert conn.execute(live).fetchone()[0] == 0
    assert [d.id for d in collection.library.decks()] == []
    collection.decks.unretire("toy")
    assert conn.execute(live).fetchone()[0] == 3  # not "one", retired before
    assert conn.execute("SELECT retired_at FROM card WHERE key = 'one'").fetchone()[0] == "earlier"
    kinds = [r[0] for r in conn.execute("SELECT kind FROM event WHERE target = 'deck:toy'")]
    assert kinds == ["deck_retire", "deck_unretire"]
    assert store.repo.check().ok


def test_check_proves_decks_and_drafts_against_their_events(store: Store, small_deck: Path) -> None:
    collection = _toy(store, small_deck)
    repo, conn = store.repo, store.repo.conn
    collection.decks.rename("toy", "Toy, renamed")
    collection.decks.retire("toy")
    collection.decks.unretire("toy")
    repo.add_drafts("toy", None, [NewDraft("equation", "f", "b", "Eq. (1)")], "x.tex")
    [draft] = repo.drafts()
    collection.drafts.drop([draft.id])
    assert repo.check().ok
    conn.execute("UPDATE deck SET title = 'Toy deck', retired_at = 'now' WHERE id = 'toy'")
    conn.execute("UPDATE draft SET status = 'pending'")
    report = repo.check()
    assert sorted(report.problems) == [
        "deck toy: retired_at is 'now' but its events say None",
        "deck toy: title is 'Toy deck' but its events say 'Toy, renamed'",
        f"draft {draft.id}: status is 'pending' but its events say 'dropped'",
    ]
    assert repo.check(repair=True).repaired == 3
    assert repo.check().ok
    assert repo.draft(draft.id).status == "dropped"


def test_a_paper_added_by_hand_gets_a_free_slug(store: Store, small_deck: Path) -> None:
    collection = _toy(store, small_deck)
    first = collection.decks.add_paper("Flow Matching", "https://arxiv.org/abs/2210.02747", 3)
    second = collection.decks.add_paper("Flow  matching", "https://example.org/fm", None)
    assert (first, second) == ("flow-matching", "flow-matching-2")
    made = collection.decks.new_deck(second)
    assert (made.deck_id, made.title) == ("flow-matching-2", "Flow matching")


def test_importing_a_retired_deck_again_does_not_bring_it_back(
    store: Store, small_deck: Path
) -> None:
    collection = _toy(store, small_deck)
    collection.decks.retire("toy")
    [report] = store.repo.import_decks(read_decks([small_deck]))
    assert "the deck is retired here, nothing imported" in report.summary()
    live = "SELECT COUNT(*) FROM card WHERE deck_id = 'toy' AND retired_at IS NULL"
    assert store.repo.conn.execute(live).fetchone()[0] == 0
    assert store.repo.check().ok


# --- one model of undo (issue 12 item 7): decks and drafts through Authoring.undo_last ---

_LIVE = "SELECT COUNT(*) FROM card WHERE deck_id = 'toy' AND retired_at IS NULL"


def _ok(store: Store) -> None:
    report = store.repo.check()
    assert report.ok, report.problems


def test_undo_takes_back_a_whole_deck_retirement(store: Store, small_deck: Path) -> None:
    collection = _toy(store, small_deck)
    conn = store.repo.conn
    new_before = len(collection.review.queue().new)
    assert new_before == 4
    collection.decks.retire("toy")
    events = [
        (str(k), str(t), a is None)
        for k, t, a in conn.execute("SELECT kind, target, action FROM event ORDER BY seq")
    ]
    assert events == [
        ("deck_retire", "deck:toy", True),
        ("card_retire", "toy/one", False),
        ("card_retire", "toy/two", False),
        ("card_retire", "toy/eq:c1", False),
        ("card_retire", "toy/eq:c2", False),
    ]
    _ok(store)
    assert len(collection.review.queue().new) == 0
    assert collection.authoring.undo_last() == "Undone: retirement of deck toy (4 cards)"
    assert conn.execute(_LIVE).fetchone()[0] == 4
    assert [d.id for d in collection.library.decks()] == ["toy"]
    assert len(collection.review.queue().new) == new_before
    _ok(store)
    assert collection.authoring.undo_last() is None
    # check --repair sets them back from the replay, the undo events included
    conn.execute("UPDATE card SET retired_at = 'x' WHERE deck_id = 'toy'")
    conn.execute("UPDATE deck SET retired_at = 'x' WHERE id = 'toy'")
    problems = store.repo.check().problems
    assert "deck toy: retired_at is 'x' but its events say None" in problems
    assert "toy/one: retired is True but its events say False" in problems
    assert store.repo.check(repair=True).repaired == 5
    assert conn.execute(_LIVE).fetchone()[0] == 4
    _ok(store)


def test_retire_deck_undo_is_an_action_undo_takes_back(store: Store, small_deck: Path) -> None:
    collection = _toy(store, small_deck)
    conn = store.repo.conn
    collection.decks.retire("toy")
    assert collection.decks.unretire("toy") == "Brought back deck toy and its 4 cards"
    assert ("card_restore", "toy/one") in [
        (str(k), str(t)) for k, t in conn.execute("SELECT kind, target FROM event")
    ]
    _ok(store)
    said = collection.authoring.undo_last()
    assert said == "Undone: return of deck toy (4 cards retired again)"
    assert conn.execute(_LIVE).fetchone()[0] == 0
    assert store.repo.deck_row("toy")[2] is not None
    _ok(store)
    assert collection.authoring.undo_last() == "Undone: retirement of deck toy (4 cards)"
    assert conn.execute(_LIVE).fetchone()[0] == 4
    _ok(store)


def test_undo_of_a_rename_brings_the_old_title_back(store: Store, small_deck: Path) -> None:
    collection = _toy(store, small_deck)
    collection.decks.rename("toy", "First")
    collection.decks.rename("toy", "Second")
    _ok(store)
    assert (
        collection.authoring.undo_last()
        == "Undone: renaming of deck toy (its title is First again)"
    )
    _ok(store)
    assert collection.authoring.undo_last() == (
        "Undone: renaming of deck toy (its title is Toy deck again)"
    )
    assert store.repo.deck_row("toy")[0] == "Toy deck"
    _ok(store)
    # check proves the title against the replay, undo events included
    store.repo.conn.execute("UPDATE deck SET title = 'Second' WHERE id = 'toy'")
    assert store.repo.check().problems == [
        "deck toy: title is 'Second' but its events say 'Toy deck'"
    ]


def test_undo_of_an_accepted_draft_takes_back_the_card_and_the_status(
    store: Store, small_deck: Path
) -> None:
    collection = _toy(store, small_deck)
    repo, conn = store.repo, store.repo.conn
    repo.add_drafts(
        "toy",
        None,
        [NewDraft("equation", "f1", "b1", "Eq. (1)"), NewDraft("equation", "f2", "b2", "")],
        "x.tex",
    )
    first, second = repo.drafts()
    [ref] = collection.drafts.accept([first.id])
    assert conn.execute(_LIVE).fetchone()[0] == 5
    _ok(store)
    said = collection.authoring.undo_last()
    assert said == f"Undone: acceptance of draft {first.id} ({ref} taken back; pending again)"
    assert repo.draft(first.id).status == "pending" and repo.draft(first.id).card_ref == ""
    assert conn.execute(_LIVE).fetchone()[0] == 4  # no live card left of it
    _ok(store)
    collection.drafts.drop([first.id, second.id])
    assert collection.authoring.undo_last() == "Undone: drop of 2 drafts (pending again)"
    assert [d.id for d in repo.drafts()] == [first.id, second.id]
    _ok(store)
    # accepted again later: a new card, the draft accepted again
    [again] = collection.drafts.accept([first.id])
    assert again != ref and repo.draft(first.id).status == "accepted"
    _ok(store)


def test_undo_of_a_deck_creation_hides_it_with_its_drafts(store: Store, small_deck: Path) -> None:
    collection = _toy(store, small_deck)
    repo = store.repo
    made = collection.decks.new_deck(None, "notes", "My notes")
    repo.add_drafts("notes", None, [NewDraft("statement", "f", "b", "")], "x.tex")
    assert collection.authoring.undo_last() == (
        "Undone: creation of deck notes (hidden like a retired deck, with any drafts of it; "
        "`studykb retire-deck notes --undo` brings it back)"
    )
    assert made.deck_id not in [d.id for d in collection.library.decks()]
    assert repo.drafts() == []
    _ok(store)
    collection.decks.unretire("notes")
    assert "notes" in [d.id for d in collection.library.decks()]
    assert len(repo.drafts()) == 1
    _ok(store)


def test_a_deck_creation_with_cards_of_its_own_is_not_undone(
    store: Store, small_deck: Path
) -> None:
    collection = _toy(store, small_deck)
    collection.decks.new_deck(None, "notes", "My notes")
    store.repo.conn.execute("UPDATE card SET deck_id = 'notes' WHERE key = 'one'")
    refused = collection.authoring.undo_last_action()
    assert refused is not None and not refused.done
    said = refused.sentence
    assert said == (
        "Nothing undone: the last action created deck notes, which has 1 card now; "
        "retire it with `studykb retire-deck notes`"
    )


def test_a_purge_is_not_undone_and_a_deck_imported_again_starts_afresh(
    store: Store, small_deck: Path
) -> None:
    collection = _toy(store, small_deck)
    conn = store.repo.conn
    collection.authoring.edit("toy/one", CardFields("Edited?", "Yes."))
    collection.decks.rename("toy", "Mine")
    collection.decks.purge("toy")
    before = conn.execute("SELECT COUNT(*) FROM event").fetchone()[0]
    assert [str(k) for (k,) in conn.execute("SELECT kind FROM event")] == ["deck_purge"]
    said = collection.authoring.undo_last()
    assert said == (
        "Nothing undone: the last action, the purge of deck toy (4 cards), cannot be undone; "
        "restore the backup taken before it (`studykb backups`, `studykb restore FILE`)"
    )
    assert conn.execute("SELECT COUNT(*) FROM event").fetchone()[0] == before
    store.repo.import_decks(read_decks([small_deck]))
    assert conn.execute(_LIVE).fetchone()[0] == 4
    assert store.repo.deck_row("toy")[0] == "Toy deck"
    _ok(store)


def test_a_deck_retired_the_old_way_checks_and_undoes(store: Store, small_deck: Path) -> None:
    """A deck_retire without card events (as this branch's main wrote it): its cards
    read it as their retirement, so check reports nothing and undo brings them back."""
    collection = _toy(store, small_deck)
    conn = store.repo.conn
    [ref] = collection.authoring.add("toy", CardFields("Mine?", "Yes.")).refs
    collection.authoring.set_flagged(["toy/two"], True)
    conn.execute("UPDATE card SET retired_at = '2026-01-05T09:00:00+00:00' WHERE deck_id = 'toy'")
    conn.execute("UPDATE deck SET retired_at = '2026-01-05T09:00:00+00:00' WHERE id = 'toy'")
    keys = [str(k) for (k,) in conn.execute("SELECT key FROM card WHERE deck_id = 'toy'")]
    conn.execute(
        "INSERT INTO event (uid, at, utc_offset_minutes, study_day, kind, target, value) "
        "VALUES ('0' || lower(hex(randomblob(15))), '2026-01-05T09:00:00.000+00:00', 60, "
        "'2026-01-05', 'deck_retire', 'deck:toy', ?)",
        (json.dumps(keys),),
    )
    _ok(store)
    assert collection.authoring.undo_last() == "Undone: retirement of deck toy (5 cards)"
    assert conn.execute(_LIVE).fetchone()[0] == 5
    assert ref in [f"toy/{k}" for k in keys]
    _ok(store)


def test_an_import_keeps_your_title_and_theirs_takes_the_files(
    store: Store, small_deck: Path
) -> None:
    collection = _toy(store, small_deck)
    collection.decks.rename("toy", "Mine")
    small_deck.write_text(
        small_deck.read_text(encoding="utf-8").replace('"Toy deck"', '"Toy deck v2"'),
        encoding="utf-8",
    )
    [report] = store.repo.import_decks(read_decks([small_deck]))
    assert "kept your title 'Mine' (the file's: 'Toy deck v2')" in report.summary()
    assert store.repo.deck_row("toy")[0] == "Mine"
    _ok(store)
    store.repo.import_decks(read_decks([small_deck]), theirs=True)
    assert store.repo.deck_row("toy")[0] == "Toy deck v2"
    _ok(store)
    said = collection.authoring.undo_last()
    assert said == "Undone: renaming of deck toy (its title is Mine again)"
    _ok(store)
    collection.authoring.undo_last()
    small_deck.write_text(
        small_deck.read_text(encoding="utf-8").replace('"Toy deck v2"', '"Toy deck v3"'),
        encoding="utf-8",
    )
    store.repo.import_decks(read_decks([small_deck]))  # not renamed here: the file's
    assert store.repo.deck_row("toy")[0] == "Toy deck v3"
    _ok(store)


def test_a_json_backup_keeps_deck_and_draft_events_and_undo_goes_on(
    store: Store, small_deck: Path, tmp_path: Path
) -> None:
    from studykb.core.clock import FixedClock
    from studykb.settings import Settings
    from studykb.storage.backup_json import export_backup, import_backup

    collection = _toy(store, small_deck)
    repo = store.repo
    collection.decks.new_deck(None, "notes", "My notes")
    collection.decks.rename("toy", "Mine")
    repo.add_drafts("toy", None, [NewDraft("equation", "f", "b", "")], "x.tex")
    [draft] = repo.drafts()
    collection.drafts.accept([draft.id])
    collection.decks.retire("toy")
    data = json.loads(json.dumps(export_backup(repo.conn, {}, repo.clock.now())))
    assert isinstance(repo.clock, FixedClock)
    other = open_store(
        tmp_path / "restored.db", clock=repo.clock, settings=Settings(), seed_bundled=False
    )
    try:
        import_backup(other.repo.conn, data)
        _ok(other)
        restored = Collection(other)
        said = restored.authoring.undo_last()
        assert said == "Undone: retirement of deck toy (5 cards)"
        _ok(other)
    finally:
        other.close()
