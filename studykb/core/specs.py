"""What a deck file says, as plain data: parsed and validated in studykb.decks,
applied to the store by studykb.storage."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Literal

CardKind = Literal["basic", "cloze"]


@dataclass(frozen=True, slots=True)
class PaperSpec:
    title: str
    url: str
    authors: tuple[str, ...] = ()
    year: int | None = None
    worth_reading: int | None = None
    section: str | None = None
    after: tuple[str, ...] = ()
    description: str | None = None


@dataclass(frozen=True, slots=True)
class CardSpec:
    """One reviewable card. For a cloze card ``front`` is the note's text with its
    markers and ``back`` the optional extra; ``cloze_number`` says which deletion."""

    key: str
    note_key: str
    kind: CardKind
    front: str
    back: str
    tags: tuple[str, ...] = ()
    source: str = ""
    cloze_number: int | None = None
    guid: str = ""  # the note's GUID in the Anki collection it came from, if it did
    # Computed once: comparing it is how an import tells "unchanged" from "updated".
    content_hash: str = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        payload = "\x1f".join(
            (
                self.kind,
                self.front,
                self.back,
                "\x1e".join(self.tags),
                self.source,
                str(self.cloze_number),
            )
        )
        digest = hashlib.sha256(payload.encode("utf-8")).hexdigest()[:32]
        object.__setattr__(self, "content_hash", digest)


@dataclass(frozen=True, slots=True)
class DeckSpec:
    deck_id: str
    title: str
    source: str
    description: str = ""
    paper: PaperSpec | None = None
    cards: tuple[CardSpec, ...] = field(default=())
    file_hash: str = ""  # sha256 of the file it was read from, when it came from a file
    # Formats that only name a deck (CSV/TSV) keep the title an existing deck has.
    keep_title: bool = False
    # A deck file or a backup is the whole deck: cards it lacks are retired. CSV/TSV
    # and Anki packages are not (complete=False): they add and update cards and keep
    # the existing deck's title and description; they never retire.
    complete: bool = True

    @property
    def content_hash(self) -> str:
        payload = json.dumps(
            [
                self.title,
                self.description,
                None
                if self.paper is None
                else [
                    self.paper.title,
                    self.paper.url,
                    list(self.paper.authors),
                    self.paper.year,
                    self.paper.worth_reading,
                    self.paper.section,
                    list(self.paper.after),
                ],
                [c.key for c in self.cards],
                [c.content_hash for c in self.cards],
            ],
            ensure_ascii=False,
        )
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class ReadingListEntry:
    """One entry of a reading list: a paper or tutorial worth reading."""

    title: str
    url: str
    worth_reading: int | None = None
    section: str = ""
    year: int | None = None
    description: str = ""
    line: int = 0
    duplicate_of: int | None = None  # line of an earlier entry with the same paper URL


@dataclass
class ImportReport:
    """What an import did (or would do, in a dry run) for one file."""

    source: str
    deck_id: str = ""
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    retired: int = 0
    notes: list[str] = field(default_factory=list)
    # Cards you edited (or retired) here that the file has otherwise: your version kept
    # (``--theirs`` takes the file's).
    kept: list[str] = field(default_factory=list)

    def summary(self) -> str:
        text = (
            f"{self.added} added, {self.updated} updated, "
            f"{self.unchanged} unchanged, {self.retired} retired"
        )
        if self.kept:
            shown = ", ".join(self.kept[:10])
            more = f" and {len(self.kept) - 10} more" if len(self.kept) > 10 else ""
            text += f"; kept your version: {shown}{more} (--theirs takes the file's)"
        return "; ".join([text, *self.notes])


@dataclass(frozen=True, slots=True)
class ExportAnswer:
    """One answer from the review log, as a package's review history carries it."""

    answered_at: str  # ISO-8601 UTC
    quality: int
    kind: str  # review | drill | import
    answer_ms: int
    before_interval: int
    before_due: str | None
    before_repetitions: int
    after_interval: int
    after_easiness_x100: int


@dataclass(frozen=True, slots=True)
class ExportCard:
    """One card's review state and history (a package carries them for Anki)."""

    key: str
    cloze_number: int | None
    suspended: bool
    easiness_x100: int
    interval: int
    due: str | None  # the study day it is due (ISO), None while new
    lapses: int
    answers: tuple[ExportAnswer, ...] = ()


@dataclass(frozen=True, slots=True)
class ExportNote:
    """One note as exporters see it: a basic card, or a cloze note's text."""

    key: str
    kind: str  # basic | cloze
    front: str
    back: str
    tags: tuple[str, ...]
    source: str
    guid: str = ""  # its Anki GUID when it came from Anki
    cards: tuple[ExportCard, ...] = ()  # review states and history, for packages


@dataclass(frozen=True, slots=True)
class ExportDeck:
    deck_id: str
    title: str
    notes: tuple[ExportNote, ...]
    # Carried by packages so that importing one back keeps the deck's paper.
    description: str = ""
    paper: PaperSpec | None = None


# A deck as JSON: what a ``deck_import`` event carries to another device (issue 14:
# "deck imports, as the content they brought"). Read back with limits: a segment
# from another device is checked like any other input.
MAX_SYNCED_CARDS = 10_000
MAX_SYNCED_FIELD = 20_000


def deck_to_json(spec: DeckSpec) -> str:
    data = {
        "deck_id": spec.deck_id,
        "title": spec.title,
        "source": spec.source,
        "description": spec.description,
        "file_hash": spec.file_hash,
        "keep_title": spec.keep_title,
        "complete": spec.complete,
        "paper": None
        if spec.paper is None
        else {
            "title": spec.paper.title,
            "url": spec.paper.url,
            "authors": list(spec.paper.authors),
            "year": spec.paper.year,
            "worth_reading": spec.paper.worth_reading,
            "section": spec.paper.section,
            "after": list(spec.paper.after),
            "description": spec.paper.description,
        },
        "cards": [
            [
                c.key,
                c.note_key,
                c.kind,
                c.front,
                c.back,
                list(c.tags),
                c.source,
                c.cloze_number,
                c.guid,
            ]
            for c in spec.cards
        ],
    }
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def _text(value: object, name: str, *, optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str) or len(value) > MAX_SYNCED_FIELD:
        raise ValueError(f"{name}: not text (or longer than {MAX_SYNCED_FIELD} characters)")
    return value


def _int(value: object, name: str) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"{name}: not a whole number")
    return value


def _texts(value: object, name: str) -> tuple[str, ...]:
    if not isinstance(value, list) or len(value) > 1000:
        raise ValueError(f"{name}: not a list of text")
    return tuple(str(_text(v, name)) for v in value)


def deck_from_json(value: str) -> DeckSpec:
    """A deck from :func:`deck_to_json`; ValueError (one line) for anything else."""
    data = json.loads(value)
    if not isinstance(data, dict):
        raise ValueError("a deck is a JSON object")
    cards_data = data.get("cards")
    if not isinstance(cards_data, list) or len(cards_data) > MAX_SYNCED_CARDS:
        raise ValueError(f"cards: a list of at most {MAX_SYNCED_CARDS}")
    cards = []
    for i, c in enumerate(cards_data, start=1):
        if not isinstance(c, list) or len(c) != 9:
            raise ValueError(f"card {i}: nine values expected")
        key, note_key, kind, front, back, tags, source, cloze, guid = c
        if kind not in ("basic", "cloze"):
            raise ValueError(f"card {i}: kind {str(kind)[:20]!r}")
        cards.append(
            CardSpec(
                key=str(_text(key, f"card {i} key")),
                note_key=str(_text(note_key, f"card {i} note_key")),
                kind=kind,
                front=str(_text(front, f"card {i} front")),
                back=str(_text(back, f"card {i} back")),
                tags=_texts(tags, f"card {i} tags"),
                source=str(_text(source, f"card {i} source")),
                cloze_number=_int(cloze, f"card {i} cloze_number"),
                guid=str(_text(guid, f"card {i} guid")),
            )
        )
    paper = data.get("paper")
    paper_spec = None
    if paper is not None:
        if not isinstance(paper, dict):
            raise ValueError("paper: an object")
        paper_spec = PaperSpec(
            title=str(_text(paper.get("title"), "paper title")),
            url=str(_text(paper.get("url"), "paper url")),
            authors=_texts(paper.get("authors", []), "paper authors"),
            year=_int(paper.get("year"), "paper year"),
            worth_reading=_int(paper.get("worth_reading"), "paper worth_reading"),
            section=_text(paper.get("section"), "paper section", optional=True),
            after=_texts(paper.get("after", []), "paper after"),
            description=_text(paper.get("description"), "paper description", optional=True),
        )
    return DeckSpec(
        deck_id=str(_text(data.get("deck_id"), "deck_id")),
        title=str(_text(data.get("title"), "title")),
        source=str(_text(data.get("source", ""), "source")),
        description=str(_text(data.get("description", ""), "description")),
        paper=paper_spec,
        cards=tuple(cards),
        file_hash=str(_text(data.get("file_hash", ""), "file_hash")),
        keep_title=bool(data.get("keep_title", False)),
        complete=bool(data.get("complete", True)),
    )
