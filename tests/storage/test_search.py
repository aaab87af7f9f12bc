"""Full-text search over cards (migration 0009, storage.search): words, LaTeX words,
rendered math, hostile queries, filters, sorts, and an index kept in step."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from studykb.app.collection import Collection
from studykb.app.store import Store, open_store
from studykb.core.clock import FixedClock
from studykb.decks.toml_deck import read_decks
from studykb.settings import Settings
from studykb.storage.search import match_phrases, search_form
from tests.conftest import write

MATH_DECK = r"""
[deck]
id = "diff"
title = "Diffusion"

[[cards]]
id = "tweedie"
front = "What does Tweedie's formula give?"
back = "$\\mathbb{E}[x_0 \\mid x_t] = x_t + \\sigma^2 \\nabla \\log p(x_t)$"
tags = ["score", "denoising"]
source = "Efron 2011, Eq. (2)"

[[cards]]
id = "alphabar"
front = "What is $\\bar\\alpha_t$ in DDPM?"
back = "The product $\\prod_{s \\le t} (1 - \\beta_s)$."
tags = ["ddpm"]
source = "Ho et al., §2"

[[cards]]
id = "plain"
front = "Who wrote AND NEAR the paper?"
back = "Nobody in particular."
"""


@pytest.fixture
def collection(db_path: Path, clock: FixedClock, tmp_path: Path) -> Collection:
    store = open_store(db_path, clock=clock, settings=Settings(), seed_bundled=False)
    store.repo.import_decks(read_decks([write(tmp_path / "diff.toml", MATH_DECK)]))
    return Collection(store)


def refs(collection: Collection, query: str, **filters: object) -> list[str]:
    return [r.ref for r in collection.browser.search(query, **filters).rows]  # type: ignore[arg-type]


def test_a_word_of_the_front_back_tags_or_source_finds_the_card(collection: Collection) -> None:
    assert refs(collection, "tweedie") == ["diff/tweedie"]
    assert refs(collection, "particular") == ["diff/plain"]
    assert refs(collection, "denoising") == ["diff/tweedie"]  # a tag
    assert refs(collection, "efron") == ["diff/tweedie"]  # the source
    assert refs(collection, "DDPM product") == ["diff/alphabar"]  # every word must match
    assert refs(collection, "tweedie product") == []


def test_the_last_word_is_a_prefix_while_typed(collection: Collection) -> None:
    assert refs(collection, "twee") == ["diff/tweedie"]
    assert refs(collection, "twee ") == []  # a finished word is a whole word


def test_math_is_found_by_the_words_of_its_latex(collection: Collection) -> None:
    assert refs(collection, "alpha") == ["diff/alphabar"]
    assert refs(collection, "mathbb") == ["diff/tweedie"]
    assert refs(collection, r"\bar\alpha") == ["diff/alphabar"]  # as typed in a deck


def test_math_is_found_by_its_rendered_form(collection: Collection) -> None:
    assert refs(collection, "ᾱ") == ["diff/alphabar"]
    assert refs(collection, "ᾱₜ") == ["diff/alphabar"]
    assert refs(collection, "𝔼") == ["diff/tweedie"]
    assert refs(collection, "σ² tweedie") == ["diff/tweedie"]  # rendered and written together


@pytest.mark.parametrize(
    "query",
    [
        "AND",
        "OR",
        "NOT",
        '"',
        '""',
        "*",
        "NEAR(",
        "NEAR(a b",
        "a OR",
        "(",
        ")",
        "-x",
        "^",
        "col:x",
        "front:",
        "{",
        "\\",
        "'",
        "a AND",
        '"unterminated',
        "x*y",
        "+",
        ":",
        "''",
    ],
)
def test_hostile_queries_never_raise(collection: Collection, query: str) -> None:
    collection.browser.search(query)  # no sqlite3.OperationalError: fts5 syntax error


def test_fts_operators_are_plain_words(collection: Collection) -> None:
    assert refs(collection, "AND") == ["diff/plain"]  # the word "and", not an operator
    assert refs(collection, "NEAR(") == ["diff/plain"]
    assert len(refs(collection, "*")) == 3  # no word at all: every card


def test_match_phrases_quote_every_word() -> None:
    assert match_phrases('say "hi') == ['"say"', '"""hi"*']
    assert match_phrases("a * b ") == ['"a"', '"b"']
    assert match_phrases("") == []
    assert search_form("ᾱₜ") == "ᾱ ₜ "


def test_filters_and_sorts(collection: Collection) -> None:
    review = collection.review
    review.answer("diff/tweedie", 5)
    review.answer("diff/plain", 1)
    review.suspend(["diff/alphabar"])
    assert refs(collection, "", state="suspended") == ["diff/alphabar"]
    assert refs(collection, "", state="new") == []
    assert refs(collection, "", state="young") == ["diff/tweedie"]
    assert refs(collection, "", state="learning") == ["diff/plain"]
    assert refs(collection, "", tag="ddpm") == ["diff/alphabar"]
    assert refs(collection, "", deck_id="diff", sort="last") == [
        "diff/plain",
        "diff/tweedie",
        "diff/alphabar",
    ]
    # Hardest first (SM-2's easiness fell with the failure); new cards last.
    assert refs(collection, "", sort="ease") == ["diff/plain", "diff/tweedie", "diff/alphabar"]
    assert refs(collection, "", sort="added")  # every sort runs
    assert refs(collection, "", sort="lapses")
    page = collection.browser.search("", limit=1)
    assert (len(page.rows), page.total) == (1, 3)


def test_the_index_follows_edits_and_deletes(
    collection: Collection, db_path: Path, tmp_path: Path
) -> None:
    assert refs(collection, "ᾱ") == ["diff/alphabar"]
    changed = MATH_DECK.replace("What is $\\\\bar\\\\alpha_t$ in DDPM?", "What is $\\\\gamma$?")
    store: Store = collection._store  # the deck imported again, edited
    store.repo.import_decks(read_decks([write(tmp_path / "diff.toml", changed)]))
    assert refs(collection, "ᾱ") == []
    assert refs(collection, "γ") == ["diff/alphabar"]
    assert refs(collection, "gamma") == ["diff/alphabar"]
    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("DELETE FROM card WHERE key = 'alphabar'")
    conn.commit()
    for table in ("card_fts", "card_rendered_fts"):
        conn.execute(f"INSERT INTO {table}({table}) VALUES ('integrity-check')")
    conn.close()
    assert refs(collection, "gamma") == []


V0003_DB = Path(__file__).parents[1] / "data" / "studykb-v0003.db"


def test_an_upgraded_v0003_database_has_its_cards_indexed(
    tmp_path: Path, clock: FixedClock
) -> None:
    path = tmp_path / "v3.db"
    shutil.copy(V0003_DB, path)
    raw = sqlite3.connect(path)
    fronts = raw.execute("SELECT id, front FROM card ORDER BY id").fetchall()
    raw.close()
    store = open_store(path, clock=clock, settings=Settings(), seed_bundled=False)
    try:
        # Straight from the migration, before any rendered copy is written.
        conn = store.repo.conn
        conn.execute("INSERT INTO card_fts(card_fts) VALUES ('integrity-check')")
        for card_id, front in fronts:
            word = next(w for w in front.replace("$", " ").split() if w.isalpha())
            found = conn.execute(
                "SELECT rowid FROM card_fts WHERE card_fts MATCH ?", (f'"{word}"',)
            ).fetchall()
            assert (card_id,) in found, (word, found)
        assert Collection(store).browser.search(word).total >= 1
    finally:
        store.close()


def test_a_dense_search_walks_the_due_order_and_bounds_its_count(
    collection: Collection, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Words matching many cards take another plan (the due index walked to the
    limit, the count bounded): the same cards in the same order."""
    from studykb.storage import search

    collection.review.answer("diff/plain", 4)
    sparse = collection.browser.search("the", limit=10)
    monkeypatch.setattr(search, "DENSE", 1)
    dense = collection.browser.search("the", limit=10)
    assert [r.ref for r in dense.rows] == [r.ref for r in sparse.rows]
    assert [r.ref for r in dense.rows] == ["diff/plain", "diff/alphabar"]  # due, then new
    assert (sparse.total, sparse.exact) == (dense.total, dense.exact) == (2, True)
    monkeypatch.setattr(search, "COUNT_BOUND", 1)
    first = collection.browser.search("the", limit=1)
    assert [r.ref for r in first.rows] == ["diff/plain"]
    assert (first.total, first.exact) == (1, False)  # "1+ cards": more than counted


def test_a_large_import_indexes_every_card_in_the_files_order(
    db_path: Path, clock: FixedClock, tmp_path: Path
) -> None:
    """Cards go in by one INSERT ... SELECT (storage.decks.insert_cards): each is in
    the search index, ids follow the file, a second deck leaves the index whole
    and the temporary table empty."""

    def deck(deck_id: str, words: list[str]) -> str:
        cards = "".join(
            f'\n[[cards]]\nid = "k{i}"\nfront = "Front {w}?"\nback = "Back {i}."\n'
            for i, w in enumerate(words)
        )
        return f'[deck]\nid = "{deck_id}"\ntitle = "{deck_id}"\n{cards}'

    words = [f"w{i:04d}x" for i in range(1500)]
    store = open_store(db_path, clock=clock, settings=Settings(), seed_bundled=False)
    try:
        repo = store.repo
        repo.import_decks(read_decks([write(tmp_path / "a.toml", deck("a", words[:1000]))]))
        repo.import_decks(read_decks([write(tmp_path / "b.toml", deck("b", words[1000:]))]))
        conn = repo.conn
        conn.execute("INSERT INTO card_fts(card_fts) VALUES ('integrity-check')")
        keys = [r[0] for r in conn.execute("SELECT deck_id || '/' || key FROM card ORDER BY id")]
        assert keys == [f"a/k{i}" for i in range(1000)] + [f"b/k{i}" for i in range(500)]
        for i in (0, 499, 999, 1000, 1499):
            found = conn.execute(
                "SELECT deck_id || '/' || key FROM card WHERE id IN "
                "(SELECT rowid FROM card_fts WHERE card_fts MATCH ?)",
                (f'"{words[i]}"',),
            ).fetchall()
            assert found == [(f"a/k{i}" if i < 1000 else f"b/k{i - 1000}",)]
        leftover = conn.execute("SELECT COUNT(*) FROM temp.new_card").fetchone()[0]
        assert leftover == 0
    finally:
        store.close()
    assert refs(
        Collection(open_store(db_path, clock=clock, settings=Settings(), seed_bundled=False)),
        words[1234],
    ) == ["b/k234"]
