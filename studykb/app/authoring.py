"""Writing cards where you study: add, edit (in the editor or in $EDITOR as TOML),
flag, retire, a card's history, and undo of the last action of any kind.

Each method is one unit of work. An edit keeps the card's id, key and whole review
history; every change is an event (storage.card_events), so undo takes it back.
The contract with the TUI is AUTHORING_API.md.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal, get_args

from studykb.app.store import UseCases
from studykb.app.views import CardView
from studykb.core import cloze
from studykb.core.specs import CardSpec
from studykb.decks.toml_deck import REVERSED_SUFFIX, toml_string, toml_text
from studykb.errors import BadInputError, NotFoundError
from studykb.storage.authoring import HistoryEntry, NoteCard, Undone

CardKind = Literal["basic", "reversed", "cloze"]
KINDS: tuple[str, ...] = get_args(CardKind)
MAX_FIELD_CHARS = 20_000
MAX_SOURCE_CHARS = 1000
MAX_TAGS = 50
_TAG = re.compile(r"^[^\s]{1,60}$")
_FIELDS = ("kind", "front", "back", "tags", "source")


@dataclass(frozen=True, slots=True)
class CardFields:
    """What the editor edits: a note's fields (a cloze note's text with its {{c1::…}}
    markers in `front`; a reversed note makes two cards)."""

    front: str
    back: str
    tags: tuple[str, ...] = ()
    source: str = ""
    kind: CardKind = "basic"


@dataclass(frozen=True, slots=True)
class Saved:
    refs: tuple[str, ...]  # the cards written ("deck/id"; a cloze note one per deletion)
    sentence: str  # what to tell the user: "Edited ddim/eta-role", "Added ddim/u-3f2a"


@dataclass(frozen=True, slots=True)
class CardHistory:
    """One card with its whole history (`studykb card`)."""

    card: CardView
    answers: tuple[HistoryEntry, ...]


class Authoring(UseCases):
    """Each method is one unit of work: a consistent read, or one atomic write."""

    # ------------------------------------------------------------------ reading
    def fields(self, ref: str) -> CardFields:
        """The fields of the note the card belongs to; NotFoundError for no such card."""
        with self._reading():
            card = self._card(ref)
            note = self._repo.note_key_of(card.id)
            return _fields_of(card, note, self._repo.note_cards(card.deck_id, note))

    def history(self, ref: str) -> CardHistory:
        with self._reading():
            card = self._card(ref)
            return CardHistory(card, tuple(self._repo.card_history(card.id)))

    def _card(self, ref: str) -> CardView:
        repo = self._repo
        return repo.card(repo.find_card(ref))

    # ------------------------------------------------------------------ checking
    def problems(self, fields: CardFields) -> list[str]:
        """What blocks saving, one line each ("front: ..."); empty when it can be saved."""
        out: list[str] = []
        if fields.kind not in KINDS:
            return [f"kind: {fields.kind!r} is not one of {', '.join(KINDS)}"]
        for name, text, limit in (
            ("front", fields.front, MAX_FIELD_CHARS),
            ("back", fields.back, MAX_FIELD_CHARS),
            ("source", fields.source, MAX_SOURCE_CHARS),
        ):
            if len(text) > limit:
                out.append(f"{name}: longer than {limit} characters")
            if "\x00" in text:
                out.append(f"{name}: contains a NUL character")
        if fields.kind == "cloze":
            if not fields.front.strip():
                out.append("front: empty (a cloze card's text, with {{c1::...}})")
            else:
                try:
                    if not cloze.numbers(fields.front):
                        out.append("front: no cloze deletion ({{c1::...}}) in a cloze card")
                except cloze.ClozeError as exc:
                    out.append(f"front: {exc}")
        else:
            if not fields.front.strip():
                out.append("front: empty")
            if not fields.back.strip():
                out.append("back: empty")
            for name, text in (("front", fields.front), ("back", fields.back)):
                try:
                    if cloze.parse(text):
                        out.append(f"{name}: cloze markers belong to a card of kind cloze")
                except cloze.ClozeError as exc:
                    out.append(f"{name}: {exc}")
        from studykb.decks.lint import math_problems

        for name, text in (("front", fields.front), ("back", fields.back)):
            out.extend(f"{name}: {p}" for p in math_problems(text))
        if len(fields.tags) > MAX_TAGS:
            out.append(f"tags: more than {MAX_TAGS}")
        for tag in fields.tags:
            if not _TAG.match(tag):
                out.append(f"tags: {tag[:40]!r}: one word of 1 to 60 characters, no spaces")
        return out

    def warnings(self, fields: CardFields) -> list[str]:
        """The deck linter's warnings for these fields ("rule: message"); pure."""
        from studykb.core.specs import DeckSpec
        from studykb.decks.lint import PAPER_FIELDS, lint_decks

        if self.problems(fields):
            return []
        specs = _specs("card", fields)
        paper: dict[str, object] = dict.fromkeys(PAPER_FIELDS, "x")
        findings = lint_decks(
            [DeckSpec(deck_id="editor", title="editor", source="editor", cards=tuple(specs))],
            {"editor": paper},
            (),
        )
        return list(dict.fromkeys(f"{f.rule}: {f.message}" for f in findings))

    def _require_valid(self, fields: CardFields, where: str) -> None:
        problems = self.problems(fields)
        if problems:
            raise BadInputError([f"{where}: {p}" for p in problems])

    # ------------------------------------------------------------------ writing
    def edit(self, ref: str, fields: CardFields) -> Saved:
        """Save the note's new fields: one unit of work; the card keeps its id, key and
        history; undoable. BadInputError lists the problems."""
        repo = self._repo
        with self._writing():
            card = self._card(ref)
            self._require_valid(fields, card.ref)
            note = repo.note_key_of(card.id)
            cards = repo.note_cards(card.deck_id, note)
            current = _fields_of(card, note, cards)
            if (current.kind == "cloze") != (fields.kind == "cloze"):
                raise BadInputError(
                    [
                        f"{card.ref}: kind: a {current.kind} card cannot become "
                        f"{fields.kind}; add a new card instead (and retire this one)"
                    ]
                )
            written = repo.write_note(card.deck_id, note, _specs(note, fields))
            shown = f"{card.deck_id}/{note}" if current.kind == "cloze" else card.ref
            if not written:
                return Saved((), f"No change to {shown}")
            return Saved(tuple(written), f"Edited {shown}")

    def add(self, deck_id: str, fields: CardFields) -> Saved:
        """New card(s) in the deck (a cloze note, one per deletion); undoable."""
        repo = self._repo
        with self._writing():
            if not repo.deck_exists(deck_id):
                raise NotFoundError(f"no deck {deck_id!r} (see `studykb decks`)")
            self._require_valid(fields, deck_id)
            note = _new_note_key(lambda key: repo.key_taken(deck_id, key))
            written = repo.write_note(deck_id, note, _specs(note, fields))
            count = f" ({len(written)} cards)" if len(written) > 1 else ""
            return Saved(tuple(written), f"Added {deck_id}/{note}{count}")

    def set_flagged(self, refs: Sequence[str], flagged: bool) -> int:
        """Flag cards to fix later (or unflag them); how many changed; undoable."""
        repo = self._repo
        with self._writing():
            return repo.set_flagged([repo.find_card(r) for r in refs], flagged)

    def change_tags(
        self, refs: Sequence[str], add: Sequence[str] = (), remove: Sequence[str] = ()
    ) -> int:
        """Add and remove tags on cards: one action (one undo takes it all back); how
        many cards changed. BadInputError for a tag that is not one word."""
        bad = [
            f"tags: {tag[:40]!r}: one word of 1 to 60 characters, no spaces"
            for tag in (*add, *remove)
            if not _TAG.match(tag)
        ]
        if bad:
            raise BadInputError(bad[:1])
        if not add and not remove:
            raise BadInputError(["tags: nothing to add or remove"])
        repo = self._repo
        with self._writing():
            return repo.change_tags([repo.find_card(r) for r in refs], add, remove)

    def retire(self, refs: Sequence[str]) -> int:
        """Hide cards from review, history kept; how many were live; undoable."""
        repo = self._repo
        with self._writing():
            return repo.retire_cards([repo.find_card(r) for r in refs])

    def restore(self, refs: Sequence[str]) -> int:
        """Bring retired cards back; how many were retired; undoable."""
        repo = self._repo
        with self._writing():
            return repo.restore_cards([repo.find_card(r) for r in refs])

    def reset(self, refs: Sequence[str]) -> int:
        """Reset cards to new: each card's schedule back to its scheduler's initial
        state, its whole history kept (a 'reset' row in the log). One action: one undo
        takes back all of them. How many cards changed (a new card stays as it is)."""
        repo = self._repo
        with self._writing():
            return repo.reset_cards([repo.find_card(r) for r in refs])

    def undo_last(self) -> str | None:
        """Take back the last action of any kind (answer, suspend, bury, flag, edit,
        add, retire): "Undone: edit of ddim/eta-role"; None if there is nothing."""
        undone = self.undo_last_action()
        return None if undone is None else undone.sentence

    def undo_last_action(self) -> Undone | None:
        """The same, saying also what it was and which cards it touched (an answer's
        card id, so that review can show that card again)."""
        with self._writing():
            return self._repo.undo_last()

    # ------------------------------------------------------------------ $EDITOR
    def to_toml(self, ref: str) -> str:
        """The card's note as a small TOML document, for $EDITOR."""
        with self._reading():
            card = self._card(ref)
            note = self._repo.note_key_of(card.id)
            fields = _fields_of(card, note, self._repo.note_cards(card.deck_id, note))
            title = card.deck_title
        lines = [
            f"# studykb card {card.ref} (deck {title!r}).",
            "# Edit and save. An unchanged or emptied file cancels; nothing is half saved.",
            "# kind: basic, reversed (two cards: front to back and back to front) or cloze",
            "# (a cloze card's text, with {{c1::...}}, is in front).",
            f"kind = {toml_string(fields.kind)}",
            f"front = {toml_text(fields.front)}",
            f"back = {toml_text(fields.back)}",
            f"tags = [{', '.join(toml_string(t) for t in fields.tags)}]",
            f"source = {toml_text(fields.source)}",
        ]
        return "\n".join(lines) + "\n"

    def from_toml(self, text: str, origin: str) -> CardFields:
        """Fields from an edited TOML document; BadInputError "origin:line: field: problem"."""
        import tomllib

        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            message = str(exc)
            found = re.search(r"\(at line (\d+), column \d+\)", message)
            line = found.group(1) if found else "1"
            message = re.sub(r"\s*\(at line \d+, column \d+\)", "", message)
            raise BadInputError([f"{origin}:{line}: TOML syntax error: {message}"]) from None
        problems: list[str] = []

        def where(name: str) -> str:
            return f"{origin}:{_line_of(text, name)}: {name}"

        for name in data:
            if name not in _FIELDS:
                problems.append(f"{where(name)}: unknown field (fields: {', '.join(_FIELDS)})")
        values: dict[str, str] = {}
        for name in ("kind", "front", "back", "source"):
            value = data.get(name, "basic" if name == "kind" else "")
            if not isinstance(value, str):
                problems.append(f"{where(name)}: must be text")
                continue
            values[name] = value
        tags = data.get("tags", [])
        if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
            problems.append(f'{where("tags")}: must be a list of words, as ["a", "b"]')
            tags = []
        if "kind" in values and values["kind"] not in KINDS:
            problems.append(f"{where('kind')}: must be one of {', '.join(KINDS)}")
        if problems:
            raise BadInputError(problems)
        fields = CardFields(
            front=values["front"],
            back=values["back"],
            tags=tuple(tags),
            source=values["source"],
            kind=values["kind"],  # type: ignore[arg-type]  # checked against KINDS above
        )
        found_problems = self.problems(fields)
        if found_problems:
            raise BadInputError(
                [f"{where(p.split(':', 1)[0])}:{p.split(':', 1)[1]}" for p in found_problems]
            )
        return fields


def _fields_of(card: CardView, note: str, cards: Sequence[NoteCard]) -> CardFields:
    """A note's fields from its stored cards (the live ones, else any)."""
    live = [c for c in cards if not c.retired] or list(cards)
    if card.kind == "cloze":
        if not live:
            return CardFields(card.raw_front, card.raw_back, card.tags, card.source, "cloze")
        content = live[0].content
        return CardFields(content.front, content.back, content.tags, content.source, "cloze")
    forward = next((c for c in cards if c.key == note), None)
    reverse = next((c for c in live if c.key == note + REVERSED_SUFFIX), None)
    if forward is None:
        # Only the back-to-front card: its sides, turned round.
        turned = card.key == note + REVERSED_SUFFIX
        front, back = (card.raw_back, card.raw_front) if turned else (card.raw_front, card.raw_back)
        return CardFields(front, back, card.tags, card.source, "basic")
    content = forward.content
    kind: CardKind = "reversed" if reverse is not None else "basic"
    return CardFields(content.front, content.back, content.tags, content.source, kind)


def _specs(note: str, fields: CardFields) -> list[CardSpec]:
    """The cards a note's fields make."""
    tags = tuple(fields.tags)
    if fields.kind == "cloze":
        return [
            CardSpec(
                key=f"{note}:c{n}",
                note_key=note,
                kind="cloze",
                front=fields.front,
                back=fields.back,
                tags=tags,
                source=fields.source,
                cloze_number=n,
            )
            for n in cloze.numbers(fields.front)
        ]
    specs = [CardSpec(note, note, "basic", fields.front, fields.back, tags, fields.source)]
    if fields.kind == "reversed":
        specs.append(
            CardSpec(
                note + REVERSED_SUFFIX,
                note,
                "basic",
                fields.back,
                fields.front,
                tags,
                fields.source,
            )
        )
    return specs


def _new_note_key(taken: Callable[[str], bool]) -> str:
    """A key no card of the deck has ("u-3f2a9c81d07b"): random enough (48 bits) that
    cards added on two devices between syncs never draw the same one (each device can
    only check its own cards); longer if one is taken."""
    for size in (6, 6, 8):
        key = f"u-{secrets.token_hex(size)}"
        if not taken(key) and not taken(key + REVERSED_SUFFIX):
            return key
    raise RuntimeError("no free card key")  # pragma: no cover: 2**64 keys


def _line_of(text: str, name: str) -> int:
    """The line where a field is set (1 when it is not)."""
    for number, line in enumerate(text.splitlines(), start=1):
        if re.match(rf"^\s*{re.escape(name)}\s*=", line):
            return number
    return 1


__all__ = ["Authoring", "CardFields", "CardHistory", "CardKind", "Saved", "Undone"]
