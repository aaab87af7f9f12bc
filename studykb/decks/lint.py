"""``studykb lint``: checks deck files beyond the schema, after SuperMemo's rules
for formulating knowledge (one fact per card, short answers, no long lists).

Each finding is ``FILE: card ID: rule: message``. Parse errors are errors;
rule findings are warnings unless ``strict``.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import Path

from studykb.core import cloze
from studykb.core.specs import CardSpec, DeckSpec
from studykb.decks.toml_deck import read_deck_file
from studykb.errors import BadInputError
from studykb.render.latex import latex_to_unicode, leftover_markup, math_spans

MAX_ANSWER_WORDS = 35
MAX_LIST_ITEMS = 3
NEAR_DUPLICATE_RATIO = 0.9
PAPER_FIELDS = ("title", "authors", "year", "url", "worth_reading", "section")

RULES = {
    "duplicate-front": "two cards ask the same question",
    "near-duplicate-front": "two cards ask nearly the same question",
    "answer-length": f"answers should be under {MAX_ANSWER_WORDS} words",
    "missing-source": "every card names where in the paper it comes from",
    "math": "math is LaTeX between balanced $...$ with balanced braces",
    "math-render": "a formula renders without leftover LaTeX commands or braces",
    "enumeration": f"no lists of more than {MAX_LIST_ITEMS} items to recall at once",
    "paper-fields": "a deck's [paper] table is complete",
    "unknown-after": "`after` names existing decks",
    "two-asks": "a front asks one thing (no two questions, no ', and why ...', no 'X and Y of')",
    "lint-ignore": "a card's `lint_ignore` names rules that exist and that it needs",
}


@dataclass(frozen=True, slots=True)
class Finding:
    file: str
    card: str | None
    rule: str
    message: str

    def __str__(self) -> str:
        where = f"card {self.card}: " if self.card else ""
        return f"{self.file}: {where}{self.rule}: {self.message}"


_TOKEN = re.compile(r"[^\s]+")
_MATH = re.compile(r"\$[^$]*\$")
_LIST_LINE = re.compile(r"^\s*(?:[-*+]|\d{1,2}[.)])\s+")


def words(text: str) -> int:
    """Words as a reader counts them: a formula between $...$ counts as one."""
    return len(_TOKEN.findall(_MATH.sub(" formula ", text)))


_QUESTION_WORD = r"(?:why|how|what|which|when|where|who|whose)"
_AUX = r"(?-i:is|are|was|were|do|does|did|has|have|had|can|could|would|should)\b"  # not "IS"
_WORD = rf"(?!{_AUX})[A-Za-z][\w-]*"
_PHRASE = rf"{_WORD}(?:\s+{_WORD}){{0,2}}?"  # one to three words, none of them a verb like "do"
# "..., and why does it help?": a second question joined to the first.
_AND_QUESTION = re.compile(rf"\band\s+{_QUESTION_WORD}\b", re.I)
# "What are the FID and IS of ...": two quantities asked of one thing.
_PAIR_OF = re.compile(
    rf"^(?:what|which)\s+(?:is|are|was|were)\s+(?:the\s+|its\s+|their\s+|[\w-]+'s\s+)?"
    rf"{_PHRASE}\s+and\s+(?:the\s+|its\s+)?{_PHRASE}\s+(?:of|on|for|in|at)\b",
    re.I,
)
# "What Inception score and FID did NCSN achieve": the pair is the object of "what".
_PAIR_ASKED = re.compile(rf"^(?:what|which)\s+{_PHRASE}\s+and\s+{_PHRASE}\s+{_AUX}", re.I)
# "... give the best FID and the best Inception score?"
_TWO_BESTS = re.compile(rf"\bbest\s+{_PHRASE}\s+and\s+(?:the\s+)?best\b", re.I)


def two_asks(front: str) -> str | None:
    """Why a question front reads as asking two things, or None. Deliberately narrow:
    a one-fact question flagged is worse than a two-fact question missed."""
    prose = _MATH.sub(" formula ", front)
    if prose.count("?") >= 2:
        return "two question marks"
    joined = _AND_QUESTION.search(prose)
    if joined:
        return f"'{joined.group(0)}' joins a second question"
    for sentence in re.split(r"(?<=[.:;])\s+", prose):
        for pattern in (_PAIR_OF, _PAIR_ASKED, _TWO_BESTS):
            pair = pattern.search(sentence.strip())
            if pair and not re.search(r"\bbetween\b|\bboth\b", pair.group(0), re.I):
                return f"'{pair.group(0)}' asks for two things"
    return None


def _unescaped_dollars(text: str) -> int:
    return len(re.findall(r"(?<!\\)\$", text))


def math_problems(text: str) -> list[str]:
    problems = []
    if "$$" in text:
        problems.append("display math $$...$$ is not supported; use $...$")
    if _unescaped_dollars(text) % 2:
        problems.append("unbalanced $: math must open and close on the same field")
        return problems
    for segment in re.findall(r"(?<!\\)\$(.*?)(?<!\\)\$", text, flags=re.S):
        depth = 0
        for ch in re.sub(r"\\[{}]", "", segment):
            depth += ch == "{"
            depth -= ch == "}"
            if depth < 0:
                break
        if depth != 0:
            problems.append(f"unbalanced braces in ${segment[:40]}$")
    return problems


def render_problems(text: str) -> list[str]:
    """Formulas in ``text`` whose rendering still shows a LaTeX command or a brace."""
    problems = []
    for span in math_spans(text):
        leftovers = leftover_markup(span)
        if leftovers:
            shown = latex_to_unicode(span)
            problems.append(
                f'${span[:60]}$ shows as "{shown[:60]}", keeping {", ".join(leftovers)}'
            )
    return problems


def _shown_fields(card: CardSpec) -> list[tuple[str, str]]:
    """The card's sides as the review screen shows them (a cloze hidden, then revealed)."""
    if card.kind == "cloze" and card.cloze_number is not None:
        number = card.cloze_number
        return [
            ("front", cloze.front(card.front, number)),
            ("front", cloze.back(card.front, number)),
            ("back", card.back),
        ]
    return [("front", card.front), ("back", card.back)]


def _split_top_level(text: str) -> list[str]:
    """Split at commas/semicolons outside math and brackets."""
    parts: list[str] = []
    current: list[str] = []
    depth, in_math = 0, False
    for ch in text:
        if ch == "$":
            in_math = not in_math
        elif not in_math and ch in "([{":
            depth += 1
        elif not in_math and ch in ")]}":
            depth = max(0, depth - 1)
        if not in_math and depth == 0 and ch in ",;":
            parts.append("".join(current))
            current = []
            continue
        current.append(ch)
    parts.append("".join(current))
    return [p.strip() for p in parts if p.strip()]


def enumeration_size(answer: str) -> int:
    """How many items an answer asks to recall, when it is a list: Markdown list
    lines, or a run of short comma-separated items ending in 'and'/'or'."""
    lines = [line for line in answer.splitlines() if _LIST_LINE.match(line)]
    if len(lines) >= 2:
        return len(lines)
    for sentence in re.split(r"(?<=[.!?])\s+", answer):
        parts = _split_top_level(sentence)
        if len(parts) <= MAX_LIST_ITEMS:
            continue
        last = parts[-1]
        if re.match(r"^(and|or)\s", last) and all(words(p) <= 6 for p in parts):
            return len(parts)
    return 0


def _answers(card: CardSpec) -> list[str]:
    if card.kind == "cloze" and card.cloze_number is not None:
        out = cloze.answers(card.front, card.cloze_number)
        return out + ([card.back] if card.back else [])
    return [card.back]


def _normal(text: str) -> str:
    return re.sub(r"\W+", " ", text.casefold()).strip()


def lint_decks(
    decks: Sequence[DeckSpec],
    raw_papers: dict[str, dict[str, object]],
    known_decks: Iterable[str],
    ignored: Mapping[tuple[str, str], Sequence[str]] | None = None,
) -> list[Finding]:
    """``ignored`` maps (deck source, card id) to the rules that card is exempt from."""
    findings = _lint_all(decks, raw_papers, known_decks)
    return _apply_ignores(findings, ignored or {})


def _apply_ignores(
    findings: list[Finding], ignored: Mapping[tuple[str, str], Sequence[str]]
) -> list[Finding]:
    kept: list[Finding] = []
    used: set[tuple[str, str, str]] = set()
    for finding in findings:
        note = (finding.card or "").split(":c")[0]
        if finding.rule in ignored.get((finding.file, note), ()):
            used.add((finding.file, note, finding.rule))
        else:
            kept.append(finding)
    for (file, note), rules in ignored.items():
        for rule in rules:
            if rule not in RULES or rule == "lint-ignore":
                kept.append(Finding(file, note, "lint-ignore", f"no lint rule {rule!r}"))
            elif (file, note, rule) not in used:
                # A stale exemption would hide the next real problem on this card.
                kept.append(Finding(file, note, "lint-ignore", f"{rule!r} finds nothing here"))
    return kept


def _lint_all(
    decks: Sequence[DeckSpec], raw_papers: dict[str, dict[str, object]], known_decks: Iterable[str]
) -> list[Finding]:
    findings: list[Finding] = []
    known = set(known_decks) | {d.deck_id for d in decks}
    fronts: list[tuple[str, str, str, str]] = []  # (normalised, file, card, note)
    for deck in decks:
        paper = raw_papers.get(deck.source)
        if paper is None:
            findings.append(Finding(deck.source, None, "paper-fields", "no [paper] table"))
        else:
            missing = [f for f in PAPER_FIELDS if f not in paper or paper[f] in ("", [], None)]
            if missing:
                findings.append(
                    Finding(deck.source, None, "paper-fields", "missing " + ", ".join(missing))
                )
        if deck.paper is not None:
            for after in deck.paper.after:
                if after not in known:
                    findings.append(
                        Finding(deck.source, None, "unknown-after", f"no deck {after!r}")
                    )
        notes_seen: set[str] = set()
        render_seen: set[tuple[str, str, str]] = set()  # (note, field, problem): once per note
        for card in deck.cards:
            first_of_note = card.note_key not in notes_seen
            notes_seen.add(card.note_key)
            if not card.source.strip() and first_of_note:
                findings.append(Finding(deck.source, card.note_key, "missing-source", "no source"))
            if first_of_note:
                for field_name, text in (("front", card.front), ("back", card.back)):
                    for problem in math_problems(text):
                        findings.append(
                            Finding(deck.source, card.note_key, "math", f"{field_name}: {problem}")
                        )
            for field_name, text in _shown_fields(card):
                for problem in render_problems(text):
                    if (card.note_key, field_name, problem) not in render_seen:
                        render_seen.add((card.note_key, field_name, problem))
                        findings.append(
                            Finding(
                                deck.source,
                                card.note_key,
                                "math-render",
                                f"{field_name}: {problem}",
                            )
                        )
            if card.kind == "basic":
                reason = two_asks(card.front)
                if reason:
                    findings.append(Finding(deck.source, card.key, "two-asks", reason))
            if first_of_note:
                question = card.front if card.kind == "basic" else cloze.front(card.front, 1)
                fronts.append((_normal(question), deck.source, card.note_key, card.front))
            for answer in _answers(card):
                n = words(answer)
                if n > MAX_ANSWER_WORDS:
                    findings.append(
                        Finding(
                            deck.source,
                            card.key,
                            "answer-length",
                            f"{n} words (aim for under {MAX_ANSWER_WORDS})",
                        )
                    )
                items = enumeration_size(answer)
                if items > MAX_LIST_ITEMS:
                    findings.append(
                        Finding(
                            deck.source,
                            card.key,
                            "enumeration",
                            f"an answer of {items} items; split it into cards or clozes",
                        )
                    )
    findings.extend(_duplicates(fronts))
    return findings


def _duplicates(fronts: list[tuple[str, str, str, str]]) -> list[Finding]:
    findings = []
    for i, (a, file_a, card_a, _) in enumerate(fronts):
        for b, file_b, card_b, _ in fronts[i + 1 :]:
            if a == b:
                findings.append(
                    Finding(
                        file_b,
                        card_b,
                        "duplicate-front",
                        f"same question as {file_a} card {card_a}",
                    )
                )
            elif abs(len(a) - len(b)) < 0.2 * max(len(a), len(b), 1):
                ratio = SequenceMatcher(None, a, b).ratio()
                if ratio >= NEAR_DUPLICATE_RATIO:
                    findings.append(
                        Finding(
                            file_b,
                            card_b,
                            "near-duplicate-front",
                            f"{ratio:.0%} like {file_a} card {card_a}",
                        )
                    )
    return findings


def lint_paths(paths: Sequence[Path], known_decks: Iterable[str] = ()) -> list[Finding]:
    """Lint deck files; BadInputError if any file does not even parse."""
    decks: list[DeckSpec] = []
    problems: list[str] = []
    raw_papers: dict[str, dict[str, object]] = {}
    ignored: dict[tuple[str, str], list[str]] = {}
    for path in paths:
        try:
            spec = read_deck_file(path)
        except BadInputError as exc:
            problems.extend(exc.problems)
            continue
        decks.append(spec)
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        paper = data.get("paper")
        if isinstance(paper, dict):
            raw_papers[spec.source] = paper
        for card in data.get("cards", []):  # the schema has checked the shapes
            if card.get("lint_ignore"):
                ignored[(spec.source, card["id"])] = list(card["lint_ignore"])
    if problems:
        raise BadInputError(problems)
    return lint_decks(decks, raw_papers, known_decks, ignored)
