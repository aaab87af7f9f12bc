"""Draft cards from an extracted paper (decks.latex_source): each numbered equation,
each theorem-like statement and the abstract's claim, with provenance (section number
and title, equation or statement number) in the card's source. Pure."""

from __future__ import annotations

from dataclasses import dataclass

from studykb.decks.latex_source import LatexPaper, Section

_ABSTRACT_SENTENCES = 2


@dataclass(frozen=True, slots=True)
class DraftCard:
    kind: str  # equation | statement | abstract
    front: str
    back: str
    source: str


def short_title(title: str, slug: str = "") -> str:
    """What the cards call a paper: the acronym its slug spells when the title's
    initials spell it too ("Denoising Diffusion Implicit Models", ddim -> "DDIM"),
    else the title up to its colon ("DDIM: Denoising ..." -> "DDIM")."""
    head = title.split(":", 1)[0].strip() or title.strip()
    initials = "".join(w[0] for w in head.replace("-", " ").split() if w[:1].isalnum())
    if slug and slug.isalnum() and len(slug) <= 6 and initials.casefold() == slug.casefold():
        return slug.upper()
    return head


def _where(section: Section | None) -> str:
    return f" ({section.title})" if section is not None and section.title else ""


def _source(section: Section | None, item: str) -> str:
    return f"{section.heading}, {item}" if section is not None else item


def _sentences(text: str, count: int) -> str:
    """The first ``count`` sentences of a paragraph (a period, ! or ? then a space and
    a capital letter ends one)."""
    words = text.split("\n\n", 1)[0].split(" ")
    out: list[str] = []
    found = 0
    for i, word in enumerate(words):
        out.append(word)
        after = words[i + 1] if i + 1 < len(words) else ""
        if word.endswith((".", "!", "?")) and (not after or after[:1].isupper()):
            found += 1
            if found == count:
                break
    return " ".join(out)


def draft_cards(paper: LatexPaper, title: str) -> list[DraftCard]:
    """The drafts for ``paper``, called ``title`` on the cards (its short title)."""
    cards: list[DraftCard] = []
    if paper.abstract:
        cards.append(
            DraftCard(
                "abstract",
                f"What does {title} claim?",
                _sentences(paper.abstract, _ABSTRACT_SENTENCES),
                "Abstract",
            )
        )
    for statement in paper.statements:
        if not statement.text:
            continue
        named = f"{statement.kind} {statement.number}" if statement.number else statement.kind
        label = f" ({statement.name})" if statement.name else ""
        article = "" if statement.number else "the "
        cards.append(
            DraftCard(
                "statement",
                f"State {article}{named}{label} of {title}{_where(statement.section)}",
                statement.text,
                _source(statement.section, named),
            )
        )
    for equation in paper.equations:
        if not equation.latex:
            continue
        cards.append(
            DraftCard(
                "equation",
                f"State Eq. ({equation.number}) of {title}{_where(equation.section)}",
                f"${equation.latex}$",
                _source(equation.section, f"Eq. ({equation.number})"),
            )
        )
    return cards
