"""`studykb export OUT.toml --deck ID`: a deck file that imports back to identical
content, for generated cards (hypothesis), including text TOML must escape."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from studykb.core.specs import ExportCard, ExportDeck, ExportNote, PaperSpec
from studykb.decks.toml_deck import deck_toml, parse_deck_bytes

# Text a card may hold: anything printable and more (LaTeX, quotes, newlines, tabs,
# DEL, ''' and trailing quotes), but no other control characters (the format refuses
# them nowhere in cards, and TOML can escape them: they are in too).
_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    max_size=60,
)
_PIECES = st.sampled_from(["\\alpha", "'''", "'", '"', "\n", "\t", "\\", "$x$", "\x7f", "\r\n"])
_FIELD = st.lists(st.one_of(_TEXT, _PIECES), max_size=6).map("".join)
_ID = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.]{0,12}", fullmatch=True)
_TAG = st.from_regex(r"[^\s]{1,10}", fullmatch=True)


@st.composite
def notes(draw: st.DrawFn) -> list[ExportNote]:
    keys = draw(st.lists(_ID, min_size=1, max_size=6, unique_by=str.lower))
    out = []
    for key in keys:
        kind = draw(st.sampled_from(["basic", "reversed", "cloze"]))
        tags = tuple(draw(st.lists(_TAG, max_size=3)))
        source = draw(_FIELD.filter(lambda s: len(s) < 200 and "\x7f" not in s))
        if kind == "cloze":
            numbers = draw(st.lists(st.integers(1, 4), min_size=1, max_size=3, unique=True))
            front = " ".join(
                f"{{{{c{n}::{draw(st.from_regex(r'[a-z][a-z ]{0,7}', fullmatch=True))}}}}}"
                for n in numbers
            )
            back = draw(_FIELD.filter(lambda s: "{{" not in s and "}}" not in s))
            cards = tuple(ExportCard(f"{key}:c{n}", n, False, 250, 0, None, 0) for n in numbers)
        else:
            front = draw(_FIELD.filter(lambda s: s.strip() and "{{" not in s))
            back = draw(_FIELD.filter(lambda s: s.strip() and "{{" not in s))
            keys_made = [key] + ([key + "-rev"] if kind == "reversed" else [])
            cards = tuple(ExportCard(k, None, False, 250, 0, None, 0) for k in keys_made)
        out.append(
            ExportNote(
                key,
                "cloze" if kind == "cloze" else "basic",
                front,
                back,
                tags,
                source,
                cards=cards,
            )
        )
    return out


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(notes=notes(), title=_FIELD.filter(lambda s: s.strip() and len(s) < 300))
def test_an_exported_deck_file_imports_back_to_the_same_cards(
    notes: list[ExportNote], title: str
) -> None:
    title = "".join(ch for ch in title if ch >= " " and ch != "\x7f") or "t"
    paper = PaperSpec("P", "https://example.org/p", ("A. B",), 2020, 2, "S", (), "d\nx")
    deck = ExportDeck("deck-1", title, tuple(notes), "", paper)
    spec = parse_deck_bytes(deck_toml(deck).encode("utf-8"), "out.toml")
    assert spec.deck_id == "deck-1" and spec.title == title and spec.paper == paper
    made = [(c.key, c.note_key, c.kind, c.front, c.back, c.tags, c.source) for c in spec.cards]
    wanted = []
    for note in notes:
        for card in note.cards:
            if note.kind == "cloze":
                wanted.append(
                    (card.key, note.key, "cloze", note.front, note.back, note.tags, note.source)
                )
            elif card.key.endswith("-rev"):
                wanted.append(
                    (card.key, note.key, "basic", note.back, note.front, note.tags, note.source)
                )
            else:
                wanted.append(
                    (card.key, note.key, "basic", note.front, note.back, note.tags, note.source)
                )
    assert sorted(made) == sorted(wanted)
