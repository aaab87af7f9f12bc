"""The deck file format, as pydantic models: untrusted input is validated here."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_CARDS_PER_FILE = 10_000
MAX_FIELD_CHARS = 20_000
ID_PATTERN = r"^[a-z0-9][a-z0-9_.\-]{0,79}$"
CARD_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,79}$"

DeckId = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
CardId = Annotated[str, StringConstraints(pattern=CARD_ID_PATTERN)]
Text = Annotated[str, StringConstraints(max_length=MAX_FIELD_CHARS)]
ShortText = Annotated[str, StringConstraints(max_length=1000)]
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _no_control(value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError("contains control characters")
    return value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, str_strip_whitespace=False)


class DeckHeader(_Strict):
    id: DeckId
    title: Annotated[str, StringConstraints(min_length=1, max_length=300)]
    description: ShortText = ""

    _check = field_validator("title", "description")(_no_control)


class PaperTable(_Strict):
    title: Annotated[str, StringConstraints(min_length=1, max_length=500)]
    url: Annotated[str, StringConstraints(min_length=1, max_length=2000)]
    authors: list[Annotated[str, StringConstraints(min_length=1, max_length=200)]] = Field(
        default_factory=list, max_length=200
    )
    year: int | None = Field(default=None, ge=1600, le=2200)
    worth_reading: int | None = Field(default=None, ge=1, le=3)
    section: ShortText | None = None
    after: list[DeckId] = Field(default_factory=list, max_length=100)
    description: Text | None = None

    @field_validator("url")
    @classmethod
    def _web_url(cls, value: str) -> str:
        if not re.match(r"^https?://[^\s/]+", value):
            raise ValueError("must be an http(s) URL")
        return value


class CardEntry(_Strict):
    id: CardId
    front: Text | None = None
    back: Text | None = None
    text: Text | None = None
    tags: list[Annotated[str, StringConstraints(pattern=r"^[^\s]{1,60}$")]] = Field(
        default_factory=list, max_length=50
    )
    source: ShortText = ""
    # A basic card that is also asked back to front: a second card, ID-rev.
    reversed: bool = False
    # Lint rules this card is exempt from (e.g. "two-asks" on a front that reads as two
    # asks but is one fact); read only by `studykb lint`, which checks the names.
    lint_ignore: list[Annotated[str, StringConstraints(pattern=r"^[a-z][a-z-]{0,39}$")]] = Field(
        default_factory=list, max_length=10
    )


class DeckFile(_Strict):
    deck: DeckHeader
    paper: PaperTable | None = None
    cards: list[CardEntry] = Field(default_factory=list, max_length=MAX_CARDS_PER_FILE)
