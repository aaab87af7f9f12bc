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
        return text


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
