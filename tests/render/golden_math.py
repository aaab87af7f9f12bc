"""Every math span of the bundled decks with its rendering, kept in golden_math.txt.

The file was reviewed once by reading each rendering against its LaTeX; the test
in test_golden_math.py fails when a rendering changes. After an intended change
to the renderer, regenerate it and read the diff:

    .venv/bin/python -m tests.render.golden_math
"""

from __future__ import annotations

from pathlib import Path

from studykb.app.bundled import bundled_deck_paths
from studykb.core import cloze
from studykb.decks.toml_deck import read_decks
from studykb.paths import bundled_decks_dir
from studykb.render.latex import latex_to_unicode, math_spans

GOLDEN = Path(__file__).with_name("golden_math.txt")
HEADER = """\
# Every math span ($...$) in the bundled decks (decks/*.toml, then the opt-in
# decks/next/*.toml) and the text studykb shows for it, first card that uses it
# above each. Reviewed by reading every line against its LaTeX.
# tests/render/test_golden_math.py fails when one changes; after
# an intended renderer change run `.venv/bin/python -m tests.render.golden_math`
# and read the diff.
"""


def deck_paths() -> list[Path]:
    """The bundled decks, then the opt-in second list (decks/next/), which ships too."""
    return bundled_deck_paths() + sorted((bundled_decks_dir() / "next").glob("*.toml"))


def spans() -> dict[str, str]:
    """Each distinct span -> the first deck/card that has it, in deck order."""
    found: dict[str, str] = {}
    for deck in read_decks(deck_paths()):
        for card in deck.cards:
            shown = [card.front, card.back]
            if card.kind == "cloze" and card.cloze_number is not None:
                # as the review screen shows it: the deletion hidden, then revealed
                number = card.cloze_number
                shown = [cloze.front(card.front, number), cloze.back(card.front, number), card.back]
            for text in shown:
                for span in math_spans(text):
                    found.setdefault(span, f"{deck.deck_id}/{card.note_key}")
    return found


def render() -> str:
    lines = [HEADER]
    for span, where in spans().items():
        lines.append(f"{where}\n  latex: {span}\n  shows: {latex_to_unicode(span)}\n")
    return "\n".join(lines)


if __name__ == "__main__":
    GOLDEN.write_text(render(), encoding="utf-8")
    print(f"wrote {len(spans())} spans to {GOLDEN}")
