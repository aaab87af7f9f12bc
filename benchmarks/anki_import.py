"""Anki's process for `studykb import` into a new database: a fresh Python process that
reads the same deck file, creates a new Anki collection and adds every card as a note
in one call (Anki's engine, Rust backend). Timed from outside as a whole process.

Usage: python -m benchmarks.anki_import DECK.toml NEW-COLLECTION.anki2
"""

from __future__ import annotations

import sys
import tomllib


def main(deck_path: str, collection_path: str) -> None:
    from anki.collection import AddNoteRequest, Collection

    with open(deck_path, "rb") as f:
        cards = tomllib.load(f)["cards"]
    col = Collection(collection_path)
    try:
        deck = col.decks.id("Bench")
        assert deck is not None
        model = col.models.by_name("Basic")
        assert model is not None
        requests = []
        for card in cards:
            note = col.new_note(model)
            note["Front"] = card["front"]
            note["Back"] = card["back"]
            requests.append(AddNoteRequest(note, deck))
        col.add_notes(requests)
    finally:
        col.close()
    print(f"added {len(cards)} notes")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
