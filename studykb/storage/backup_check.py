"""Validating a JSON backup before a single row of it is written.

A backup is untrusted input like a deck file: every row is checked against a
pydantic model (types, ranges, ISO dates, id character sets, control
characters, field lengths), references between rows must resolve, and every
card's state must equal the replay of its review log. Each problem is one line
naming the row (``cards[12] (deck/card)``) and the field.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from studykb.core import cloze
from studykb.core.deck_limits import DeckOptions, StudyMore
from studykb.core.scheduler import MIN_EASINESS_X100
from studykb.core.scheduling import SM2, scheduler_named
from studykb.core.scheduling.options import SchedulerOptions, build_scheduler
from studykb.core.scheduling.protocol import Scheduler
from studykb.core.scheduling.replay import RecordedRow, recorded_row, same_settings, verify_log
from studykb.core.studyday import DEFAULT_DAY_START_HOUR, DayStarts
from studykb.decks.schema import CARD_ID_PATTERN, ID_PATTERN, MAX_FIELD_CHARS
from studykb.errors import BadInputError
from studykb.storage.card_events import (
    CONTENT_KINDS,
    RETIRE_KINDS,
    CardContent,
    replay,
)
from studykb.storage.card_events import EventRow as CardEvent
from studykb.storage.events import PAPER_TARGET_PREFIX, EventKind
from studykb.storage.records import _fmt

# Enough lines to find the pattern; a backup broken in every row is not listed whole.
MAX_PROBLEMS = 50
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
# Papers get their slug from a deck id or a title, with "-2", "-3"... when taken.
_SLUG_PATTERN = r"^[a-z0-9][a-z0-9_.\-]{0,99}$"
# A card is its note (a deck-file card id), the note's reverse, or one cloze deletion.
_CARD_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,79}(?:-rev|:c[0-9]{1,6})?$")
_UID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:\-]{0,79}$"
# Wide enough for any real history; small enough for SQLite's 64-bit integers and
# for a due date (today + interval) that Python's date can hold.
_COUNT = 10_000_000
_MAX_INTERVAL = 3_600_000


def _no_control(value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError("contains control characters")
    return value


def _no_nul(value: str) -> str:
    # Card text may hold tabs or form feeds (deck files allow them; screens neutralise them).
    if "\x00" in value:
        raise ValueError("contains a NUL character")
    return value


def _iso_day(value: str) -> str:
    try:
        if _DAY.match(value):
            date.fromisoformat(value)  # ValueError for 2026-02-30
            return value
    except ValueError:
        pass
    raise ValueError("must be a date YYYY-MM-DD")


def _iso_moment(value: str) -> str:
    if value == "":
        return value  # the table's default for "not recorded"
    try:
        if len(value) <= 40 and _MOMENT.match(value):
            datetime.fromisoformat(value)
            return value
    except ValueError:
        pass
    raise ValueError("must be an ISO-8601 date and time")


def _aware_moment(value: str) -> str:
    if _iso_moment(value) == "" or datetime.fromisoformat(value).tzinfo is None:
        raise ValueError("must be an ISO-8601 date and time with its UTC offset")
    return value


def _json_list(check: Callable[[Any], bool], what: str, limit: int) -> Callable[[str], str]:
    """A column holding a JSON list (tags, authors): parsed and checked item by item."""

    def validate(value: str) -> str:
        try:
            items = json.loads(value)
        except (ValueError, RecursionError):
            raise ValueError(f"must be a JSON list of {what}") from None
        if not isinstance(items, list) or len(items) > limit or not all(map(check, items)):
            raise ValueError(f"must be a JSON list of at most {limit} {what}")
        return value

    return validate


def _json_object(value: str) -> str:
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError:
        raise ValueError("must be a JSON object") from None
    if not isinstance(parsed, dict):
        raise ValueError("must be a JSON object")
    return value


def _known_scheduler(value: str) -> str:
    scheduler_named(value)  # ValueError naming the schedulers this version knows
    return value


def _is_tag(item: Any) -> bool:
    return isinstance(item, str) and 0 < len(item) <= 200 and not re.search(r"[\s\x00-\x1f]", item)


def _is_name(item: Any) -> bool:
    return isinstance(item, str) and 0 < len(item) <= 1000 and not _CONTROL.search(item)


def _is_deck_id(item: Any) -> bool:
    return isinstance(item, str) and re.match(ID_PATTERN, item) is not None


def _flag(value: Any) -> Any:
    return int(value) if isinstance(value, bool) else value


def _card_key(value: str) -> str:
    if not _CARD_KEY.match(value):
        raise ValueError(
            "must be a card id (letters, digits, '-', '_' or '.', at most 80), "
            "optionally followed by -rev or :cN"
        )
    return value


# Text the user reads: no control characters (deck-file rule for titles).
Plain = Annotated[str, StringConstraints(max_length=MAX_FIELD_CHARS), AfterValidator(_no_control)]
# Card text: the deck-file rule for fronts and backs (length, no NUL).
CardText = Annotated[str, StringConstraints(max_length=MAX_FIELD_CHARS), AfterValidator(_no_nul)]
Title = Annotated[
    str, StringConstraints(min_length=1, max_length=MAX_FIELD_CHARS), AfterValidator(_no_control)
]
DeckId = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
NoteKey = Annotated[str, StringConstraints(pattern=CARD_ID_PATTERN)]
CardKey = Annotated[str, AfterValidator(_card_key)]
Slug = Annotated[str, StringConstraints(pattern=_SLUG_PATTERN)]
Day = Annotated[str, AfterValidator(_iso_day)]
Moment = Annotated[str, AfterValidator(_iso_moment)]
Hash = Annotated[str, StringConstraints(pattern=r"^[0-9A-Za-z:_\-]{0,200}$")]
Count = Annotated[int, Field(ge=0, le=_COUNT)]
Easiness = Annotated[int, Field(ge=MIN_EASINESS_X100, le=_COUNT)]
Interval = Annotated[int, Field(ge=0, le=_MAX_INTERVAL)]
Position = Annotated[int, Field(ge=-_COUNT, le=_COUNT)]
# A scheduler's own fields (storage.states): a small JSON object.
StateJson = Annotated[str, StringConstraints(max_length=2000), AfterValidator(_json_object)]
SchedulerName = Annotated[str, AfterValidator(_known_scheduler)]
NEW_SM2_STATE = '{"easiness_x100":250}'
# Fields of backups from before schema 0007, read and moved into the state JSON.
LEGACY_FIELDS = frozenset({"easiness_x100", "before_easiness_x100", "after_easiness_x100"})
Flag = Annotated[int, BeforeValidator(_flag), Field(ge=0, le=1)]


class _Row(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, str_strip_whitespace=False)


class PaperRow(_Row):
    slug: Slug
    title: Title
    list_title: Title | None = None
    authors: Annotated[str, AfterValidator(_json_list(_is_name, "names", 1000))] = "[]"
    year: int | None = Field(default=None, ge=1000, le=9999)
    url: Annotated[
        str,
        StringConstraints(pattern=r"^https?://[^\s/]+", max_length=MAX_FIELD_CHARS),
        AfterValidator(_no_control),
    ]
    url_key: Annotated[
        str, StringConstraints(max_length=MAX_FIELD_CHARS), AfterValidator(_no_control)
    ]
    worth_reading: int | None = Field(default=None, ge=1, le=3)
    section: Plain = ""
    description: CardText = ""
    after: Annotated[str, AfterValidator(_json_list(_is_deck_id, "deck ids", 100))] = "[]"
    position: Position | None = None
    status: Literal["unread", "reading", "read"] = "unread"
    status_changed_at: Moment | None = None
    started_on: Day | None = None
    read_on: Day | None = None
    note: CardText = ""


class DeckRow(_Row):
    id: DeckId
    title: Title
    description: Plain = ""
    paper: Slug | None = None
    position: Position = 0
    source: Plain = ""
    content_hash: Hash = ""
    file_hash: Hash = ""
    imported_at: Moment = ""


class StateRow(_Row):
    repetitions: Count = 0
    interval: Interval = 0
    due: Day | None = None
    lapses: Count = 0
    scheduler: SchedulerName = "sm2"
    state: StateJson = NEW_SM2_STATE
    due_at: Moment | None = None
    easiness_x100: Easiness | None = None  # backups from before schema 0007


class CardRow(_Row):
    deck: DeckId
    key: CardKey
    note_key: NoteKey
    kind: Literal["basic", "cloze"]
    cloze_number: int | None = Field(default=None, ge=1, le=999_999)
    front: CardText
    back: CardText
    tags: Annotated[str, AfterValidator(_json_list(_is_tag, "tags without spaces", 1000))] = "[]"
    source: CardText = ""
    position: Position = 0
    content_hash: Hash = ""
    suspended: Flag = 0
    flagged: Flag = 0  # schema 0010
    buried_until: Day | None = None
    retired_at: Moment | None = None
    created_at: Moment = ""
    updated_at: Moment = ""
    state: StateRow


class LogRow(_Row):
    uid: Annotated[str, StringConstraints(pattern=_UID_PATTERN)]
    card: Annotated[str, StringConstraints(max_length=200)]
    answered_at: Annotated[str, AfterValidator(_aware_moment)]
    utc_offset_minutes: int = Field(ge=-1440, le=1440)
    study_day: Day
    quality: int = Field(ge=0, le=5)
    kind: Literal["review", "drill", "import", "void", "practice", "reset"]
    answer_ms: Annotated[int, Field(ge=0, le=2**40)] = 0
    before_repetitions: Count
    before_interval: Interval
    before_due: Day | None = None
    before_lapses: Count = 0
    after_repetitions: Count
    after_interval: Interval
    after_due: Day | None = None
    after_lapses: Count = 0
    scheduler: SchedulerName = "sm2"
    before_state: StateJson = NEW_SM2_STATE
    after_state: StateJson = NEW_SM2_STATE
    before_easiness_x100: Easiness | None = None  # backups from before schema 0007
    after_easiness_x100: Easiness | None = None
    card_ref: Annotated[str, StringConstraints(max_length=200)] = ""
    voids: Annotated[str, StringConstraints(pattern=_UID_PATTERN)] | None = None
    # Its place in the log, the same on every machine (storage.uids); backups from
    # before schema 0013 have none: the restore numbers them in the backup's order.
    seq: Annotated[int, Field(ge=1, le=2**63 - 1)] | None = None


class EventRow(_Row):
    uid: Annotated[str, StringConstraints(pattern=_UID_PATTERN)]
    at: Annotated[str, AfterValidator(_aware_moment)]
    utc_offset_minutes: int = Field(ge=-1440, le=1440)
    study_day: Day
    kind: EventKind  # every kind the log writes (storage.events), one list
    target: Annotated[str, StringConstraints(max_length=200)]
    # A deck_import carries a whole deck (up to 10,000 cards): its own limit.
    value: Annotated[str, StringConstraints(max_length=64 * 2**20), AfterValidator(_no_nul)] = ""
    seq: Annotated[int, Field(ge=1, le=2**63 - 1)] | None = None

    @model_validator(mode="after")
    def _field_sized(self) -> EventRow:
        if self.kind != "deck_import" and len(self.value) > MAX_FIELD_CHARS:
            raise ValueError(f"value: at most {MAX_FIELD_CHARS} characters")
        return self


class _Top(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    format: Literal["studykb-backup"]
    version: Literal[1]
    schema_: Annotated[str, StringConstraints(max_length=80)] | None = Field(
        default=None, alias="schema"
    )
    exported_at: Moment | None = None
    settings: dict[str, Any] = Field(default_factory=dict)
    meta: dict[Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.\-]{1,80}$")], Plain] = (
        Field(default_factory=dict)
    )
    papers: list[Any]
    decks: list[Any]
    cards: list[Any]
    review_log: list[Any]
    events: list[Any] | None = None  # backups from before events have none


# backup section -> (row model, table, columns of that table the backup leaves out)
_SECTIONS: dict[str, tuple[type[_Row], str, frozenset[str]]] = {
    "papers": (PaperRow, "paper", frozenset({"id"})),
    "decks": (DeckRow, "deck", frozenset({"paper_id"})),
    "cards": (CardRow, "card", frozenset({"id", "deck_id"})),
    "review_log": (LogRow, "review_log", frozenset({"card_id"})),
    "events": (EventRow, "event", frozenset()),
}


_FIELDS = {model: frozenset(model.model_fields) for model, _, _ in _SECTIONS.values()}


class ValidatedBackup(dict[str, Any]):
    """A backup that passed :func:`validate_backup`: its rows can be inserted as they are."""


def validate_backup(data: Any) -> ValidatedBackup:
    """Every problem of a backup, one line each; the backup's rows if there is none."""
    if not isinstance(data, dict) or data.get("format") != "studykb-backup":
        raise BadInputError(['not a studykb JSON backup (no "format": "studykb-backup")'])
    if data.get("version") != 1:
        version = data.get("version")
        shown = repr(version) if isinstance(version, (int, str)) and len(str(version)) < 20 else "?"
        raise BadInputError([f"backup version {shown}: this studykb reads 1"])
    problems: list[str] = []
    try:
        _Top.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            where = _loc(error["loc"]) or "(file)"
            problems.append(f"{where}: {_message(error)}")
        raise BadInputError(_capped(problems)) from None
    rows: dict[str, list[dict[str, Any]]] = {}
    for section, (model, table, local) in _SECTIONS.items():
        if data.get(section) is None:
            continue  # only "events" may be left out (see _Top)
        rows[section] = [
            row
            for index, raw in enumerate(data[section])
            if (row := _check_row(section, index, raw, model, table, local, problems)) is not None
        ]
        if len(problems) > MAX_PROBLEMS:
            break
    if not problems:
        problems.extend(_check_references(rows))
    if not problems:
        problems.extend(_check_seqs(rows))
    if not problems:
        problems.extend(_check_replay(rows, data.get("meta") or {}))
    if not problems and "events" in rows:
        problems.extend(_check_event_replay(rows))
    if problems:
        raise BadInputError(_capped(problems))
    return ValidatedBackup({**data, **rows})


def _check_seqs(rows: dict[str, list[dict[str, Any]]]) -> list[str]:
    """A log's seqs (schema 0013 on): on every row or on none, rising in the order
    written (the backup's order is the replay's, as the seqs are in the database)."""
    problems: list[str] = []
    for section in ("review_log", "events"):
        found = rows.get(section) or []
        having = [r.get("seq") is not None for r in found]
        if any(having) and not all(having):
            index = having.index(False)
            problems.append(f"{section}[{index}]: seq: missing (the other rows have one)")
            continue
        last = 0
        for index, row in enumerate(found):
            seq = row.get("seq")
            if seq is None:
                break
            if seq <= last:
                problems.append(f"{section}[{index}]: seq: not after the row before it")
                break
            last = seq
    return problems


def _check_row(
    section: str,
    index: int,
    raw: Any,
    model: type[_Row],
    table: str,
    local: frozenset[str],
    problems: list[str],
) -> dict[str, Any] | None:
    if not isinstance(raw, dict):
        problems.append(f"{_where(section, index, raw)}: must be an object")
        return None
    fields = _FIELDS[model]
    known = {k: v for k, v in raw.items() if k in fields}
    other = {k: v for k, v in raw.items() if k not in fields}
    found = len(problems)
    if other:
        # Columns added after this validator was written are still checked as plain values.
        columns = _table_columns(table) - local
        for name, value in other.items():
            if name not in columns:
                problems.append(f"{_where(section, index, raw)}: {_field(name)}: unknown field")
            elif (problem := _plain_value_problem(value)) is not None:
                problems.append(f"{_where(section, index, raw)}: {name}: {problem}")
    try:
        row = model.model_validate(known)
    except ValidationError as exc:
        for error in exc.errors():
            field = _loc(error["loc"]) or "(row)"
            problems.append(f"{_where(section, index, raw)}: {field}: {_message(error)}")
        return None
    if isinstance(row, CardRow) and (problem := _card_shape_problem(row)) is not None:
        problems.append(f"{_where(section, index, raw)}: {problem}")
    if len(problems) > found:
        return None
    # Strict validation took every value as given (no conversions): keep the row as it is.
    for flag in ("suspended", "flagged"):
        if isinstance(known.get(flag), bool):
            known[flag] = int(known[flag])
    if isinstance(row, CardRow):
        known["state"] = _legacy_easiness(dict(known["state"]), "", raw, section, index, problems)
    elif isinstance(row, LogRow):
        for side in ("before_", "after_"):
            known = _legacy_easiness(known, side, raw, section, index, problems)
    if len(problems) > found:
        return None
    return {**known, **other}


def _legacy_easiness(
    row: dict[str, Any], prefix: str, raw: Any, section: str, index: int, problems: list[str]
) -> dict[str, Any]:
    """A backup from before schema 0007 gives SM-2's easiness as a column: it moves
    into the state JSON, as migration 0007 moves it."""
    easiness = row.pop(prefix + "easiness_x100", None)
    if easiness is None:
        # Nothing given: the SM-2 starting state, as a missing easiness used to mean.
        if prefix + "state" not in row and row.get("scheduler", "sm2") == "sm2":
            return {**row, prefix + "state": NEW_SM2_STATE}
        return row
    if prefix + "state" in row or row.get("scheduler", "sm2") != "sm2":
        problems.append(
            f"{_where(section, index, raw)}: {prefix}easiness_x100: given beside "
            f"{prefix}state or another scheduler (a backup has one or the other)"
        )
        return row
    return {**row, prefix + "state": json.dumps({"easiness_x100": easiness}, separators=(",", ":"))}


def _card_shape_problem(card: CardRow) -> str | None:
    """The key follows from the note and the kind, as every importer builds it."""
    if card.kind == "cloze":
        if card.cloze_number is None or card.key != f"{card.note_key}:c{card.cloze_number}":
            return "key: a cloze card's key is NOTE:cN with its cloze_number N"
        numbers = _cloze_numbers(card.front)
        if isinstance(numbers, str):
            return f"front: {numbers}"
        if card.cloze_number not in numbers:
            return f"front: no cloze deletion c{card.cloze_number} in the text"
    elif card.cloze_number is not None or card.key not in (card.note_key, f"{card.note_key}-rev"):
        return "key: a basic card's key is its note_key (or note_key-rev), without cloze_number"
    return None


@functools.lru_cache(maxsize=1024)
def _cloze_numbers(text: str) -> frozenset[int] | str:
    """The deletions of a cloze text (its cards come one after another: cached), or why not."""
    try:
        return frozenset(cloze.numbers(text))
    except cloze.ClozeError as exc:
        return str(exc)


def _check_references(rows: dict[str, list[dict[str, Any]]]) -> Iterator[str]:
    slugs: set[str] = set()
    for index, paper in enumerate(rows["papers"]):
        if paper["slug"] in slugs:
            yield f"papers[{index}] ({paper['slug']}): slug: appears twice"
        slugs.add(paper["slug"])
    decks: set[str] = set()
    for index, deck in enumerate(rows["decks"]):
        where = f"decks[{index}] ({deck['id']})"
        if deck["id"] in decks:
            yield f"{where}: id: appears twice"
        decks.add(deck["id"])
        if deck.get("paper") is not None and deck["paper"] not in slugs:
            yield f"{where}: paper: no paper {deck['paper']!r} in this backup"
    refs: set[str] = set()
    for index, card in enumerate(rows["cards"]):
        ref = f"{card['deck']}/{card['key']}"
        where = f"cards[{index}] ({ref})"
        if card["deck"] not in decks:
            yield f"{where}: deck: no deck {card['deck']!r} in this backup"
        if ref in refs:
            yield f"{where}: key: appears twice in its deck"
        refs.add(ref)
    uids: set[str] = set()
    for index, answer in enumerate(rows["review_log"]):
        where = f"review_log[{index}] (answer {answer['uid']})"
        if answer["uid"] in uids:
            yield f"{where}: uid: appears twice"
        uids.add(answer["uid"])
        if answer["card"] not in refs:
            yield f"{where}: card: no card {answer['card']!r} in this backup"
        if answer.get("card_ref") and answer["card_ref"] != answer["card"]:
            yield f"{where}: card_ref: names another card than card"
        if (answer["kind"] == "void") != (answer.get("voids") is not None):
            yield f"{where}: voids: a void names the answer it takes back, and only a void does"
    yield from _check_event_references(rows.get("events", []), refs, slugs, decks)


def _check_event_references(
    events: list[dict[str, Any]], refs: set[str], slugs: set[str], decks: set[str]
) -> Iterator[str]:
    """Each event names a card or paper of this backup, with a value fit for its kind."""
    uids: set[str] = set()
    for index, event in enumerate(events):
        where = f"events[{index}] (event {event['uid']})"
        if event["uid"] in uids:
            yield f"{where}: uid: appears twice"
        uids.add(event["uid"])
        kind, target, value = event["kind"], event["target"], event.get("value", "")
        deck_kind = (
            kind.startswith("deck_")
            or kind == "study_more"
            or (kind == "undo" and target.startswith("deck:"))
        )
        if kind.startswith("paper_"):
            slug = target.removeprefix(PAPER_TARGET_PREFIX)
            if not target.startswith(PAPER_TARGET_PREFIX) or slug not in slugs:
                yield f"{where}: target: no paper {_field(slug)} in this backup (paper:SLUG)"
        elif kind == "deck_purge":  # the deck is gone: only the purge says it was there
            if not target.startswith("deck:"):
                yield f"{where}: target: a deck_purge names a deck (deck:ID)"
        elif deck_kind:
            deck = target.removeprefix("deck:")
            if not target.startswith("deck:") or deck not in decks:
                yield f"{where}: target: no deck {_field(deck)} in this backup (deck:ID)"
        elif kind.startswith("draft_") or (kind == "undo" and target.startswith("draft:")):
            # drafts are not in a JSON backup (they are the source's, drafted again)
            if not target.startswith("draft:") or not target[6:].isdigit():
                yield f"{where}: target: a draft event names a draft (draft:ID)"
        elif target not in refs:
            yield f"{where}: target: no card {_field(target)} in this backup (deck-id/card-id)"
        if kind in ("suspend", "unsuspend") and value != "":
            yield f"{where}: value: a {kind} event has no value"
        elif kind == "bury" and not _is_day(value):
            yield f"{where}: value: a bury event's value is the day YYYY-MM-DD it comes back"
        elif kind == "paper_status" and value not in ("unread", "reading", "read"):
            yield f"{where}: value: a paper_status event's value is unread, reading or read"
        elif kind in ("deck_options", "study_more"):
            try:
                if kind == "deck_options":
                    DeckOptions.from_json(value)
                else:
                    StudyMore.from_json(value)
            except (ValueError, TypeError) as exc:
                yield f"{where}: value: {exc}"


def _is_day(value: str) -> bool:
    try:
        _iso_day(value)
    except ValueError:
        return False
    return True


def _check_event_replay(rows: dict[str, list[dict[str, Any]]]) -> Iterator[str]:
    """Every card's suspended flag and buried day, and every paper's status and note,
    is the replay of its events (the last of each kind), as `studykb check` demands."""
    last: dict[tuple[str, str], str] = {}
    undone = {e.get("value", "") for e in rows["events"] if e["kind"] == "undo"}
    authored: dict[str, list[CardEvent]] = {}
    for event in rows["events"]:
        if event["kind"] in (*CONTENT_KINDS, *RETIRE_KINDS, "undo"):
            authored.setdefault(event["target"], []).append(
                CardEvent(event["uid"], event["kind"], event.get("value", ""))
            )
    for event in rows["events"]:
        kind = event["kind"]
        if kind == "undo" or event["uid"] in undone:
            continue  # taken back: the replay leaves it out
        group = "suspended" if kind in ("suspend", "unsuspend") else kind
        if kind in ("flag", "unflag"):
            last[("flag", event["target"])] = kind
            continue
        last[(group, event["target"])] = "1" if kind == "suspend" else event.get("value", "")
    for index, card in enumerate(rows["cards"]):
        ref = f"{card['deck']}/{card['key']}"
        wanted = int(last.get(("suspended", ref), "0") == "1")
        if card.get("suspended", 0) != wanted:
            yield (
                f"cards[{index}] ({ref}): suspended: {card.get('suspended', 0)} differs from "
                f"the replay of its events {wanted}"
            )
        if card.get("buried_until") != last.get(("bury", ref)):
            yield f"cards[{index}] ({ref}): buried_until: differs from the replay of its events"
        if bool(card.get("flagged", 0)) != (last.get(("flag", ref)) == "flag"):
            yield f"cards[{index}] ({ref}): flagged: differs from the replay of its events"
        if ref in authored:
            yield from _check_authored(index, ref, card, authored[ref])
    for index, paper in enumerate(rows["papers"]):
        target = PAPER_TARGET_PREFIX + paper["slug"]
        for column, kind, default in (
            ("status", "paper_status", "unread"),
            ("note", "paper_note", ""),
        ):
            if paper.get(column, default) != last.get((kind, target), default):
                yield (
                    f"papers[{index}] ({paper['slug']}): {column}: differs from the replay "
                    "of its events"
                )


def _check_authored(
    index: int, ref: str, card: dict[str, Any], events: list[CardEvent]
) -> Iterator[str]:
    """A card's retirement and content are the replay of its authoring events."""
    where = f"cards[{index}] ({ref})"
    for event in events:
        if event.kind in CONTENT_KINDS:
            try:
                CardContent.from_json(event.value)
            except ValueError as exc:
                yield f"{where}: event {event.uid}: value: not a card's fields ({exc})"
                return
    state = replay(events)
    retired = card.get("retired_at") is not None
    if state.retired is not None and state.retired != retired:
        yield f"{where}: retired_at: differs from the replay of its events"
    if state.content is not None:
        have = CardContent(
            card["front"], card["back"], tuple(json.loads(card.get("tags", "[]"))),
            card.get("source", ""),
        )  # fmt: skip
        if have != state.content:
            yield f"{where}: front/back/tags/source: differ from the replay of its events"


def _deck_schedulers(
    rows: dict[str, list[dict[str, Any]]], meta: dict[str, Any]
) -> tuple[dict[str, tuple[Scheduler[Any], str]], list[str]]:
    """Each deck's scheduler as the backup's events set it (the last deck_scheduler
    event; none: SM-2), under the backup's day-start history."""
    starts = DayStarts.from_json(meta.get("day_starts"), DEFAULT_DAY_START_HOUR)
    chosen: dict[str, tuple[Scheduler[Any], str]] = {}
    problems: list[str] = []
    for index, event in enumerate(rows.get("events") or ()):
        if event["kind"] != "deck_scheduler":
            continue
        try:
            options = SchedulerOptions.from_json(event["value"])
        except (ValueError, TypeError) as exc:
            problems.append(f"events[{index}]: value: {exc}")
            continue
        deck = str(event["target"]).removeprefix("deck:")
        chosen[deck] = (build_scheduler(options, starts), str(event["at"]))
    return chosen, problems


def _check_replay(rows: dict[str, list[dict[str, Any]]], meta: dict[str, Any]) -> Iterator[str]:
    """Every card's state is the replay of its log, as `studykb check` demands."""
    schedulers, problems = _deck_schedulers(rows, meta)
    yield from problems
    logs: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    for index, answer in enumerate(rows["review_log"]):
        logs.setdefault(answer["card"], []).append((index, answer))
    for index, card in enumerate(rows["cards"]):
        ref = f"{card['deck']}/{card['key']}"
        where = f"cards[{index}] ({ref})"
        entries = logs.get(ref, [])
        scheduler, since = schedulers.get(card["deck"], (SM2, None))
        stored_under = card["state"].get("scheduler", "sm2")
        if stored_under != scheduler.name:
            yield f"{where}: state: stored under {stored_under}, its deck uses {scheduler.name}"
            continue
        try:
            stored = _state(scheduler, card["state"], "")
        except ValueError as exc:
            yield f"{where}: state: {exc}"
            continue
        try:
            recorded = [_recorded(scheduler, since, answer) for _, answer in entries]
            result = verify_log(scheduler, recorded)
        except (ValueError, OverflowError) as exc:
            yield f"{where}: its review log cannot be replayed ({exc})"
            continue
        for problem in result.problems:
            number, _, text = problem.partition(": ")
            found = re.fullmatch(r"answer (\d+)", number)
            if found and int(found.group(1)) <= len(entries):
                log_index = entries[int(found.group(1)) - 1][0]
                yield f"review_log[{log_index}] (card {ref}): {text}"
            else:
                yield f"{where}: {problem}"
        if result.state != stored:
            yield (
                f"{where}: state: {_fmt(stored)} differs from the replay of its log "
                f"{_fmt(result.state)}"
            )


def _recorded(
    scheduler: Scheduler[Any], since: str | None, answer: dict[str, Any]
) -> RecordedRow[Any]:
    """A backed-up row for the replay; compared with it only when written under the
    card's scheduler (a row from before a switch recorded what the old one did)."""
    written_under = scheduler_named(answer.get("scheduler", "sm2"))
    return recorded_row(
        written_under,
        uid=answer["uid"],
        at=datetime.fromisoformat(answer["answered_at"]),
        utc_offset_minutes=answer["utc_offset_minutes"],
        study_day=date.fromisoformat(answer["study_day"]),
        kind=answer["kind"],
        rating=answer["quality"],
        before=_state(written_under, answer, "before_"),
        after=_state(written_under, answer, "after_"),
        voids=answer.get("voids"),
        verify=same_settings(written_under.name, scheduler.name, answer["answered_at"], since),
    )


def _state(scheduler: Scheduler[Any], row: dict[str, Any], prefix: str) -> Any:
    """A validated row's state, read as the store reads it (storage.states)."""
    rest = json.loads(row.get(prefix + "state", NEW_SM2_STATE))
    shared = {
        "repetitions": row.get(prefix + "repetitions", 0),
        "interval": row.get(prefix + "interval", 0),
        "due": row.get(prefix + "due"),
        "lapses": row.get(prefix + "lapses", 0),
    }
    return scheduler.from_dict({**rest, **shared})


def _plain_value_problem(value: Any) -> str | None:
    """A column this validator has no model for: a plain, bounded value."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return None if -(2**63) <= value < 2**63 else "number too large"
    if isinstance(value, float):
        return None if value == value and abs(value) != float("inf") else "not a finite number"
    if isinstance(value, str):
        if len(value) > MAX_FIELD_CHARS:
            return f"longer than {MAX_FIELD_CHARS} characters"
        return "contains a NUL character" if "\x00" in value else None
    return "must be text, a number, true/false or null"


_COLUMNS: dict[str, frozenset[str]] = {}


def _table_columns(table: str) -> frozenset[str]:
    """The columns of a table in this studykb's schema (loads SQLModel: only for odd rows)."""
    if table not in _COLUMNS:
        from studykb.storage import tables

        models = {
            "paper": tables.Paper,
            "deck": tables.Deck,
            "card": tables.Card,
            "review_log": tables.ReviewLog,
            "event": tables.Event,
        }
        _COLUMNS[table] = frozenset(c.name for c in models[table].__table__.columns)  # type: ignore[attr-defined]
    return _COLUMNS[table]


_PLAIN_KEY = re.compile(r"[A-Za-z0-9_.\[\]-]{1,60}")


def _loc(parts: Sequence[int | str]) -> str:
    """Where a problem is, one line whatever the keys hold: a key from the file that
    is not plain is shown JSON-escaped and cut short (never a raw newline or escape)."""
    shown = []
    for part in parts:
        text = str(part)
        shown.append(text if _PLAIN_KEY.fullmatch(text) else json.dumps(text[:40]))
    return ".".join(shown)


def _where(section: str, index: int, raw: Any) -> str:
    """``cards[12] (deck/card)``: the index always, the row's own name when it is a safe one."""
    label = ""
    if isinstance(raw, dict):
        if section == "cards":
            deck, key = raw.get("deck"), raw.get("key")
            if _safe_id(deck) and _safe_id(key):
                label = f"{deck}/{key}"
        elif section in ("review_log", "events"):
            uid = raw.get("uid")
            what = "answer" if section == "review_log" else "event"
            label = f"{what} {uid}" if _safe_id(uid) else ""
        else:
            name = raw.get("slug" if section == "papers" else "id")
            label = str(name) if _safe_id(name) else ""
    return f"{section}[{index}]" + (f" ({label})" if label else "")


def _safe_id(value: Any) -> bool:
    return (
        isinstance(value, str)
        and re.match(r"^[A-Za-z0-9][A-Za-z0-9_.:\-]{0,99}$", value) is not None
    )


def _field(name: Any) -> str:
    text = str(name)
    return text if _safe_id(text) else repr(text[:40])


def _message(error: Any) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "missing":
        return "missing"
    if kind == "string_pattern_mismatch":
        last = error["loc"][-1] if error["loc"] else ""
        if last in ("id", "deck", "paper", "slug", "after"):
            return "must be letters, digits, '-', '_' or '.' (lowercase), at most 80"
        if last in ("note_key", "uid"):
            return "must be letters, digits, '-', '_' or '.', at most 80"
        return "has characters or a length this field does not allow"
    message = str(error["msg"]).removeprefix("Value error, ")
    # pydantic quotes the input in some messages: keep lines short and plain.
    return message if len(message) <= 200 else message[:200] + "…"


def _capped(problems: list[str]) -> list[str]:
    if len(problems) <= MAX_PROBLEMS:
        return problems
    return [*problems[:MAX_PROBLEMS], f"... and {len(problems) - MAX_PROBLEMS} more problems"]
