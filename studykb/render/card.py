"""Card and paper text as the TUI shows it, for every interface (the TUI, `studykb next`)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from studykb.core import cloze
from studykb.render.figures import IMAGE, Figure, figures
from studykb.render.latex import math_to_unicode
from studykb.render.safe_text import neutralise


def card_markdown(text: str) -> str:
    """Markdown for a card face (or a paper's description): math as Unicode,
    controls neutralised, each image as its caption in words (``[image: caption]``)."""
    if "![" in text:
        text = IMAGE.sub(lambda m: f"[image: {caption_of(_figure(m))}]", text)
    return math_to_unicode(neutralise(text))


def card_face(text: str) -> tuple[str, list[Figure]]:
    """A face as review shows it: its Markdown without the images, and the images
    (shown below the text, each with its caption)."""
    if "![" not in text:
        return math_to_unicode(neutralise(text)), []
    shown = figures(text)
    return math_to_unicode(neutralise(IMAGE.sub("", text).strip())), shown


def caption_of(figure: Figure) -> str:
    """The words shown with an image: its caption, or its name when it has none."""
    return neutralise(figure.caption or figure.name)


def _figure(match: re.Match[str]) -> Figure:
    return Figure(match.group("caption").strip(), match.group("angled") or match.group("bare"))


@dataclass(frozen=True, slots=True)
class Face:
    """One card a note makes, as review asks it: the question, then the answer."""

    label: str  # "c1" for a cloze deletion, "back → front" for a reversed note's second card
    question: str
    answer: str
    hidden: tuple[str, ...] = ()  # what a cloze card hides (its deletions' answers)


def note_faces(kind: str, front: str, back: str) -> list[Face]:
    """The cards a note's fields make, each with the sides review shows (the same
    sides storage gives a card: a cloze deletion hidden as ``[...]`` on the question
    and shown in brackets on the answer, the note's back under it). Raises
    cloze.ClozeError for a malformed cloze."""
    if kind == "cloze":
        return [
            Face(
                f"c{n}",
                cloze.front(front, n),
                cloze.back(front, n) + (f"\n\n{back}" if back else ""),
                tuple(cloze.answers(front, n)),
            )
            for n in cloze.numbers(front)
        ]
    faces = [Face("front → back", front, back)]
    if kind == "reversed":
        faces.append(Face("back → front", back, front))
    return faces
