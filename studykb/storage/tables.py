"""The schema, as SQLModel tables.

These classes are the single description of the database: the Alembic
migrations build exactly this (a test compares them), and the repository
queries these tables with plain SQL through the standard sqlite3 module, so
that hot paths such as ``studykb due`` never load SQLAlchemy.

Dates are ISO strings (``YYYY-MM-DD``) and moments ISO-8601 UTC strings.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlmodel import Field, SQLModel

from studykb.storage.db import SCHEMA_HEAD  # one place: db.py, light enough for `due`

__all__ = ["SCHEMA_HEAD"]


class Meta(SQLModel, table=True):
    __tablename__ = "meta"

    key: str = Field(primary_key=True)
    value: str


class Paper(SQLModel, table=True):
    """A paper or tutorial on the reading list, with the user's progress on it."""

    __tablename__ = "paper"

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(sa_column=Column(String, unique=True, nullable=False))
    title: str
    authors: str = Field(default="[]", description="JSON list of names")
    year: int | None = None
    url: str
    url_key: str = Field(index=True, description="paper_key(url): one key per paper")
    worth_reading: int | None = None
    section: str = ""
    description: str = ""
    after: str = Field(default="[]", description="JSON list of deck ids best read first")
    position: int | None = Field(default=None, description="order in the reading list")
    status: str = "unread"
    status_changed_at: str | None = None
    started_on: date | None = None
    read_on: date | None = None
    note: str = ""
    list_title: str | None = Field(default=None, description="the title a reading list gives it")


class Deck(SQLModel, table=True):
    __tablename__ = "deck"

    id: str = Field(primary_key=True)
    title: str
    description: str = ""
    paper_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("paper.id", ondelete="SET NULL"), nullable=True),
    )
    position: int = 0
    source: str = ""
    content_hash: str = ""
    file_hash: str = Field(default="", description="sha256 of the file's bytes when imported")
    imported_at: str = ""
    retired_at: str | None = Field(
        default=None, description="when retire-deck hid it (the replay of deck_retire events)"
    )


class Card(SQLModel, table=True):
    """One reviewable card. Identity is (deck_id, key): ``key`` is the card id in
    the deck file, ``note-id:cN`` for the N-th deletion of a cloze note."""

    __tablename__ = "card"
    __table_args__ = (
        UniqueConstraint("deck_id", "key", name="uq_card_deck_key"),
        # The few buried cards, found at once (the day's counts take them back out).
        Index("ix_card_buried", "buried_until", sqlite_where=text("buried_until IS NOT NULL")),
        # The few flagged cards (the browser's filter), found at once.
        Index("ix_card_flagged", "id", sqlite_where=text("flagged = 1")),
    )

    id: int | None = Field(default=None, primary_key=True)
    deck_id: str = Field(
        sa_column=Column(String, ForeignKey("deck.id", ondelete="CASCADE"), nullable=False)
    )
    key: str
    note_key: str
    kind: str = Field(description="basic | cloze")
    cloze_number: int | None = None
    front: str = Field(sa_column=Column(Text, nullable=False))
    back: str = Field(sa_column=Column(Text, nullable=False))
    tags: str = "[]"
    source: str = ""
    position: int = 0
    content_hash: str = ""
    suspended: bool = False
    flagged: bool = Field(
        default=False,
        sa_column=Column(Boolean, nullable=False, server_default=text("0")),
        description="the replay of its flag/unflag events: marked to fix later",
    )
    buried_until: date | None = None
    retired_at: str | None = None
    created_at: str = ""
    updated_at: str = ""
    guid: str | None = Field(
        default=None, description="the note's GUID in the Anki collection it came from"
    )


class CardState(SQLModel, table=True):
    """The current scheduling state of a card, always equal to the replay of its log:
    its scheduler's name, the fields every scheduler shares in columns, and the
    scheduler's own fields as JSON (see storage.states)."""

    __tablename__ = "card_state"
    __table_args__ = (
        # The queue walks these in order and stops at its limit: no sorting.
        Index("ix_card_state_due", "due", "card_id"),
        Index("ix_card_state_new", "card_id", sqlite_where=text("due IS NULL")),
        # Steps within a day (FSRS learning): the few cards due at a moment.
        Index("ix_card_state_due_at", "due_at", sqlite_where=text("due_at IS NOT NULL")),
    )

    card_id: int = Field(
        sa_column=Column(Integer, ForeignKey("card.id", ondelete="CASCADE"), primary_key=True)
    )
    repetitions: int = 0
    interval: int = 0
    due: date | None = None
    lapses: int = 0
    scheduler: str = Field(
        default="sm2", sa_column=Column(String, nullable=False, server_default="sm2")
    )
    state: str = Field(
        default="{}",
        sa_column=Column(String, nullable=False, server_default="{}"),
        description="JSON: the scheduler's own fields (SM-2: easiness_x100)",
    )
    due_at: str | None = Field(default=None, description="ISO-8601 UTC moment within the due day")


class ReviewLog(SQLModel, table=True):
    """The log only grows: one row per answer, and undo is a row of kind 'void' that
    names the answer it takes back (``voids``). Each row has a global uid and names
    its card by a stable reference (``card_ref``: deck-id/card-id) besides the local id.
    The states around it are stored as card_state's are (see storage.states)."""

    __tablename__ = "review_log"
    __table_args__ = (
        Index("ix_review_log_card", "card_id", "seq"),
        # Covers the day's lookups and the statistics' date ranges (index-only reads).
        Index("ix_review_log_day", "study_day", "card_id", "kind", "quality", "before_interval"),
        # The few voided answers, found at once (see storage.counts.live).
        Index("ix_review_log_voids", "voids", sqlite_where=text("voids IS NOT NULL")),
    )

    seq: int | None = Field(default=None, primary_key=True)
    uid: str = Field(sa_column=Column(String, unique=True, nullable=False))
    card_id: int = Field(
        sa_column=Column(Integer, ForeignKey("card.id", ondelete="CASCADE"), nullable=False)
    )
    card_ref: str = Field(
        default="",
        sa_column=Column(String, nullable=False, server_default=""),
        description="deck-id/card-id: the card, whatever its local id",
    )
    voids: str | None = Field(default=None, description="kind 'void': the uid it takes back")
    answered_at: str = Field(description="ISO-8601 UTC")
    utc_offset_minutes: int
    study_day: date
    quality: int
    kind: str = Field(description="review | drill | import | void")
    answer_ms: int = 0
    before_repetitions: int
    before_interval: int
    before_due: date | None = None
    before_lapses: int = 0
    after_repetitions: int
    after_interval: int
    after_due: date | None = None
    after_lapses: int = 0
    scheduler: str = Field(
        default="sm2",
        sa_column=Column(String, nullable=False, server_default="sm2"),
        description="the scheduler whose rating scale ``quality`` is in",
    )
    before_state: str = Field(
        default="{}", sa_column=Column(String, nullable=False, server_default="{}")
    )
    after_state: str = Field(
        default="{}", sa_column=Column(String, nullable=False, server_default="{}")
    )


class Event(SQLModel, table=True):
    """Suspend, unsuspend, bury and a paper's status or note, as a log that only grows
    (see storage.events): the card and paper columns are always its replay."""

    __tablename__ = "event"
    __table_args__ = (
        Index("ix_event_target", "target", "seq"),
        # The events of one action (undo takes them back together), found at once.
        Index("ix_event_action", "action", sqlite_where=text("action IS NOT NULL")),
    )

    seq: int | None = Field(default=None, primary_key=True)
    uid: str = Field(sa_column=Column(String, unique=True, nullable=False))
    at: str = Field(description="ISO-8601 UTC, with milliseconds")
    utc_offset_minutes: int
    study_day: date
    kind: str = Field(
        description="suspend | unsuspend | bury | paper_status | paper_note | deck_scheduler"
        " | deck_options | study_more | card_add | card_edit | card_base | card_retire"
        " | card_restore | flag | unflag | undo | deck_create | deck_title | deck_base"
        " | deck_retire"
        " | deck_unretire | deck_purge | paper_add | deck_import | draft_accept | draft_drop"
    )
    target: str = Field(description="a card's deck-id/card-id, or paper:<slug>")
    value: str = Field(
        default="",
        sa_column=Column(String, nullable=False, server_default=""),
        description="bury: the day it comes back; paper_status: the status; paper_note: the "
        "note; card_add/card_edit/card_base: the card's fields as JSON; undo: the uid taken back",
    )
    action: str | None = Field(
        default=None,
        description="the uid of the action it belongs to (its first event, or an answer)",
    )
    after_answer: str | None = Field(
        default=None, description="the uid of the newest review_log row when it was written"
    )


class DueHistogram(SQLModel, table=True):
    """How many shown cards (neither suspended nor retired) each deck has due on each
    study day ('' for new cards), kept by triggers (migration 0008) so that the day's
    counts add up a few rows; `studykb check` compares it with a recount."""

    __tablename__ = "due_histogram"
    __table_args__ = {"sqlite_with_rowid": False}

    # Due day first: the day's counts read the few rows due up to that day.
    due: str = Field(primary_key=True, description="ISO study day, or '' for new cards")
    deck_id: str = Field(primary_key=True)
    n: int


class DayDone(SQLModel, table=True):
    """Answers given on each study day, and the reviews and new cards among them, undos
    taken off, kept by triggers (migration 0008): the heatmap and the daily limits'
    "done so far" in one row."""

    __tablename__ = "day_done"
    __table_args__ = {"sqlite_with_rowid": False}

    study_day: date = Field(primary_key=True)
    answers: int = Field(description="live answers, reviews and drills (the heatmap)")
    reviews: int
    new: int


class DeckDayDone(SQLModel, table=True):
    """Reviews and new cards answered in each deck on each study day, undos taken
    off, kept by triggers (migration 0012): each deck's daily limits (its options,
    "study more") read a few rows."""

    __tablename__ = "deck_day_done"
    __table_args__ = {"sqlite_with_rowid": False}

    study_day: date = Field(primary_key=True)
    deck_id: str = Field(primary_key=True)
    reviews: int
    new: int


class SyncSegment(SQLModel, table=True):
    """A segment file this device applied or wrote (migration 0013): never applied
    twice; a file whose checksum changed since is refused."""

    __tablename__ = "sync_segment"

    device: str = Field(primary_key=True)
    number: int = Field(primary_key=True)
    sha256: str
    rows: int
    # The file's size when applied: a segment changed since is named (read no more).
    bytes: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    applied_at: str
    # Own segments: the newest event seq in it (which of our edits another device
    # had seen, from the segments its header says it had applied).
    top_event_seq: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class SyncDevice(SQLModel, table=True):
    """A device seen in the sync folder, for `studykb sync --status`."""

    __tablename__ = "sync_device"

    device: str = Field(primary_key=True)
    tag: int
    name: str
    last_event_at: str | None = None
    last_seen_at: str | None = None


class CardRendered(SQLModel, table=True):
    """Each card's text as the TUI shows it (math as Unicode), for search: written by
    storage.search, dropped by a trigger when the card's text changes. The FTS5
    tables over card and over this one are made by migration 0009 alone (SQLModel
    cannot describe a virtual table)."""

    __tablename__ = "card_rendered"

    card_id: int = Field(
        sa_column=Column(Integer, ForeignKey("card.id", ondelete="CASCADE"), primary_key=True)
    )
    text: str = Field(sa_column=Column(Text, nullable=False))


class Draft(SQLModel, table=True):
    """A card drafted from a paper's LaTeX source (issue 12 item 5), waiting for the
    user: never in the review queue. Accepting one makes a real card (``card_ref``);
    the status is the replay of its draft_accept/draft_drop events."""

    __tablename__ = "draft"
    __table_args__ = (Index("ix_draft_status", "status", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    paper_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("paper.id", ondelete="SET NULL"), nullable=True),
    )
    deck_id: str = Field(
        sa_column=Column(String, ForeignKey("deck.id", ondelete="CASCADE"), nullable=False)
    )
    kind: str = Field(description="equation | statement | abstract")
    front: str = Field(sa_column=Column(Text, nullable=False))
    back: str = Field(sa_column=Column(Text, nullable=False))
    source: str = ""
    origin: str = Field(default="", description="the LaTeX source it was drafted from")
    status: str = Field(default="pending", description="pending | accepted | dropped")
    card_ref: str = Field(default="", description="the card accepting it made (deck-id/card-id)")
    created_at: str = ""
    decided_at: str | None = None
