"""Deck ids for deck names from other programs (Anki, CSV): valid ids, and distinct
ids for distinct names.

A name is turned into an id by lowercasing it, transliterating accented Latin
letters (``Café`` -> ``cafe``), joining words with '-' and ``::`` levels with '.'.
Where that would lose what tells two names apart, a short hash of the exact name
is appended, so the id is still stable (the same name always gives the same id):

* a name with letters outside the Latin alphabet (``日本語``, ``Ελληνικά``) always
  gets one, since its letters cannot be spelled in an id;
* names of one file that differ only in case or punctuation (``Bio::Cell`` and
  ``bio::cell``) each get one.

The deck's title keeps the original name.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable

from studykb.decks.schema import ID_PATTERN

_MAX_ID = 80
_SUFFIX_HEX = 8
_ID = re.compile(ID_PATTERN)


def _plain_id(name: str) -> tuple[str, bool]:
    """The id spelled from the name's Latin letters and digits, and whether letters or
    digits were left out because they have no such spelling."""
    decomposed = unicodedata.normalize("NFKD", name)
    # Accents are combining marks after NFKD: dropping them loses nothing that matters.
    latin = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    lost = any(ch.isalnum() and not ch.isascii() for ch in latin)
    parts = [re.sub(r"[^a-z0-9]+", "-", p).strip("-") for p in latin.split("::")]
    joined = ".".join(p for p in parts if p)[:_MAX_ID].strip(".-")
    return joined, lost


def _with_hash(base: str, name: str) -> str:
    digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:_SUFFIX_HEX]
    base = base[: _MAX_ID - _SUFFIX_HEX - 1].strip(".-") or "deck"
    return f"{base}-{digest}"


def deck_id_for(name: str) -> str:
    """A valid deck id for one name, without regard to other names."""
    base, lost = _plain_id(name)
    if lost:
        return _with_hash(base, name)
    return base or "imported"


def deck_ids_for(names: Iterable[str]) -> dict[str, str]:
    """Ids for the deck names of one file: distinct names get distinct ids."""
    ids = {name: deck_id_for(name) for name in set(names)}
    by_id: dict[str, list[str]] = {}
    for name, deck_id in ids.items():
        by_id.setdefault(deck_id, []).append(name)
    for deck_id, same in by_id.items():
        if len(same) > 1:
            for name in same:
                ids[name] = _with_hash(deck_id, name)
    for name, deck_id in ids.items():
        assert _ID.match(deck_id), (name, deck_id)  # the rules deck files obey
    return ids
