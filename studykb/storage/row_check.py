"""Rows whose values studykb cannot read: found by SQL, listed one line each.

SQLite stores whatever it is given, so a row written by another program (or by
a JSON backup imported before backups were validated) may hold a due of
"not-a-date" or an easiness of "abc". `studykb check` lists such rows instead
of crashing on them, and leaves the affected cards out of its replay.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field


def _int(col: str, low: int | None = None, high: int | None = None) -> str:
    bounds = "".join(
        [f" OR {col} < {low}" if low is not None else "", f" OR {col} > {high}" if high else ""]
    )
    return f"(typeof({col}) != 'integer'{bounds})"


def _day(col: str, nullable: bool = True) -> str:
    # date(x, '+0 days') normalises 2026-02-30 to 2026-03-02, and is NULL for no date.
    bad = (
        f"(typeof({col}) != 'text' OR {col} NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'"
        f" OR date({col}, '+0 days') IS NOT {col})"
    )
    return f"({col} IS NOT NULL AND {bad})" if nullable else bad


def _json_text_list(col: str) -> str:
    # CASE is evaluated lazily: json_each never sees malformed JSON.
    return (
        f"(CASE WHEN typeof({col}) = 'text' AND json_valid({col}) AND json_type({col}) = 'array' "
        f"THEN EXISTS (SELECT 1 FROM json_each({col}) WHERE type != 'text') ELSE 1 END)"
    )


def _one_of(col: str, values: tuple[str, ...]) -> str:
    return f"({col} IS NULL OR {col} NOT IN ({', '.join(repr(v) for v in values)}))"


def _json_object(col: str) -> str:
    # json_type() raises on malformed JSON, so it runs only when json_valid() said yes.
    return f"(CASE WHEN json_valid({col}) THEN json_type({col}) != 'object' ELSE 1 END)"


_STATE = ("repetitions", "interval", "lapses")
# table -> (what names a row, its FROM clause, {field: SQL true when the value is unusable})
_CHECKS: dict[str, tuple[str, str, dict[str, str]]] = {
    "card_state": (
        "s.card_id, c.deck_id || '/' || c.key",
        "card_state s LEFT JOIN card c ON c.id = s.card_id",
        {f"state.{c}": _int(f"s.{c}") for c in _STATE}
        | {"state.due": _day("s.due"), "state.state": _json_object("s.state")},
    ),
    "review_log": (
        "r.card_id, c.deck_id || '/' || c.key || ': answer ' || r.uid",
        "review_log r LEFT JOIN card c ON c.id = r.card_id",
        {
            "study_day": _day("r.study_day", nullable=False),
            "quality": _int("r.quality", 0, 5),
            "kind": _one_of("r.kind", ("review", "drill", "import", "void", "practice", "reset")),
        }
        | {f"{p}{c}": _int(f"r.{p}{c}") for p in ("before_", "after_") for c in _STATE}
        | {f"{p}due": _day(f"r.{p}due") for p in ("before_", "after_")}
        | {f"{p}state": _json_object(f"r.{p}state") for p in ("before_", "after_")},
    ),
    "card": (
        "c.id, c.deck_id || '/' || c.key",
        "card c",
        {
            "tags": _json_text_list("c.tags"),
            "kind": _one_of("c.kind", ("basic", "cloze")),
            "suspended": "(c.suspended IS NULL OR c.suspended NOT IN (0, 1))",
            "buried_until": _day("c.buried_until"),
            "position": _int("c.position"),
        },
    ),
    "paper": (
        "p.id, 'paper ' || p.slug",
        "paper p",
        {
            "authors": _json_text_list("p.authors"),
            "after": _json_text_list("p.after"),
            "year": "(p.year IS NOT NULL AND typeof(p.year) != 'integer')",
            "worth_reading": "(p.worth_reading IS NOT NULL AND p.worth_reading NOT IN (1, 2, 3))",
            "status": _one_of("p.status", ("unread", "reading", "read")),
            "started_on": _day("p.started_on"),
            "read_on": _day("p.read_on"),
        },
    ),
}


@dataclass
class BadRows:
    problems: list[str] = field(default_factory=list)
    # Cards whose state row cannot be read (a repair rebuilds it from the log) ...
    unreadable_states: set[int] = field(default_factory=set)
    # ... and cards with a log row that cannot be read (no replay is possible).
    unreadable_logs: set[int] = field(default_factory=set)


def find_bad_rows(conn: sqlite3.Connection) -> BadRows:
    found = BadRows()
    for table, (names, source, checks) in _CHECKS.items():
        fields = list(checks)
        flags = ", ".join(checks[f] for f in fields)
        values = ", ".join(_column(table, f) for f in fields)
        sql = (
            f"SELECT {names}, {flags}, {values} FROM {source} "
            f"WHERE {' OR '.join(checks[f] for f in fields)}"
        )
        for row in conn.execute(sql):
            row_id, label = row[0], row[1] or f"{table} row {row[0]}"
            bad = [
                f"{f} = {_shown(row[2 + len(fields) + i])}"
                for i, f in enumerate(fields)
                if row[2 + i]
            ]
            found.problems.append(f"{label}: unreadable value: {', '.join(bad)}")
            if table == "card_state":
                found.unreadable_states.add(int(row_id))
            elif table == "review_log" and row_id is not None:
                found.unreadable_logs.add(int(row_id))
    return found


def _column(table: str, name: str) -> str:
    alias = {"card_state": "s", "review_log": "r", "card": "c", "paper": "p"}[table]
    return f"{alias}.{name.removeprefix('state.')}"


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
