"""How a card's scheduling state is stored, whatever its scheduler.

Every state is its scheduler's name plus the scheduler's own ``to_dict``. The
fields every scheduler shares (the :class:`Schedule`: due study day, interval,
repetitions, lapses) are kept in columns, so that the queue, the counts and the
statistics can index and sum them in SQL; the rest (SM-2's easiness, FSRS's
stability and difficulty) is a small JSON object in ``state``. ``card_state``
also keeps ``due_at``, the moment within the due day for schedulers with steps
shorter than a day, so the queue can order by it.

The log keeps the same split for the states before and after each row
(``before_*``/``after_*`` columns and ``before_state``/``after_state``).
"""

from __future__ import annotations

import functools
import json
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from studykb.core.scheduling import scheduler_named
from studykb.core.scheduling.protocol import Scheduler

# The Schedule's fields, under the keys every scheduler's to_dict uses for them.
SHARED = ("repetitions", "interval", "due", "lapses")


@dataclass(frozen=True, slots=True)
class StoredState:
    """One state as the columns hold it."""

    repetitions: int
    interval: int
    due: str | None
    lapses: int
    state: str  # JSON: the scheduler's own fields
    due_at: str | None  # ISO UTC moment, or None: any time on the due day

    def values(self) -> tuple[int, int, str | None, int, str]:
        """(repetitions, interval, due, lapses, state): the order of the log's columns."""
        return (self.repetitions, self.interval, self.due, self.lapses, self.state)


_ENCODED: dict[tuple[str, Any], StoredState] = {}


def encode(scheduler: Scheduler[Any], state: Any) -> StoredState:
    """The columns for ``state``. Memoised by scheduler name and state (states are
    frozen and hashable; how a state is stored does not depend on a scheduler's
    settings): the answer path encodes the same states twice, and SM-2's repeat."""
    key = (scheduler.name, state)
    stored = _ENCODED.get(key)
    if stored is None:
        if len(_ENCODED) >= 4096:
            _ENCODED.clear()
        stored = _ENCODED[key] = _encode(scheduler, state)
    return stored


def _encode(scheduler: Scheduler[Any], state: Any) -> StoredState:
    data = scheduler.to_dict(state)
    schedule = scheduler.schedule(state)
    rest = {k: v for k, v in data.items() if k not in SHARED}
    return StoredState(
        repetitions=int(data["repetitions"]),
        interval=int(data["interval"]),
        due=data["due"],
        lapses=int(data["lapses"]),
        state=json.dumps(rest, separators=(",", ":"), sort_keys=True),
        due_at=None if schedule.due_at is None else moment_key(schedule.due_at),
    )


def moment_key(moment: datetime) -> str:
    """A moment as ``due_at`` stores it: UTC, fixed width, so text order is time order."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def decode(scheduler: Scheduler[Any], row: sqlite3.Row, prefix: str = "") -> Any:
    """The state in a row read by name: columns ``repetitions``, ``interval``,
    ``due``, ``lapses`` and ``state``, each led by ``prefix`` (``before_``,
    ``after_``). ValueError when the stored state is not one the scheduler reads."""
    try:
        rest = _state_fields(row[f"{prefix}state"])
    except (TypeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{prefix}state is not JSON: {exc}") from exc
    if rest is None:
        raise ValueError(f"{prefix}state is not a JSON object")
    shared = {key: row[f"{prefix}{key}"] for key in SHARED}
    return scheduler.from_dict({**dict(rest), **shared})


@functools.lru_cache(maxsize=4096)
def _state_fields(text: str) -> tuple[tuple[str, Any], ...] | None:
    """A state column's JSON object as its items (None: not an object). Cached: the
    answer path decodes a state each time, and SM-2's states share few JSON texts."""
    value = json.loads(text)
    return tuple(value.items()) if isinstance(value, dict) else None


def decode_named(row: sqlite3.Row, prefix: str = "") -> Any:
    """As :func:`decode`, with the scheduler named by the row's ``scheduler`` column."""
    return decode(scheduler_named(str(row["scheduler"])), row, prefix)


def state_columns(alias: str, prefix: str = "") -> str:
    """The SELECT list that :func:`decode` reads, from table alias ``alias``."""
    return ", ".join(f"{alias}.{prefix}{c} AS {prefix}{c}" for c in (*SHARED, "state"))


@functools.lru_cache(maxsize=1024)
def sm2_easiness_x100(sm2_state: str | None) -> int | None:
    """SM-2's easiness from its state JSON, for statistics and Anki's "factor" (None
    for a card of another scheduler, passed as None, or an unreadable state).
    Cached: SM-2 states with the same easiness have the same JSON."""
    if sm2_state is None:
        return None
    try:
        value = json.loads(sm2_state).get("easiness_x100")
    except (json.JSONDecodeError, AttributeError):
        return None
    return value if isinstance(value, int) and not isinstance(value, bool) else None
