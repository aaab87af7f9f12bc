"""Time is injected: code asks a clock, so tests and screenshots are deterministic."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current moment as an aware datetime in the user's local time zone."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now().astimezone()


@dataclass
class FixedClock:
    """A clock that stands still until told to move (tests, screenshots, demos)."""

    current: datetime
    _steps: list[timedelta] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        if self.current.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")

    def now(self) -> datetime:
        return self.current

    def advance(self, delta: timedelta) -> None:
        self.current = self.current + delta

    def set(self, moment: datetime) -> None:
        if moment.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self.current = moment


def clock_from_env(environ: Mapping[str, str]) -> Clock:
    """STUDYKB_NOW (ISO-8601, with or without an offset) fixes the clock, for tests,
    demos and screenshots; otherwise the system's. ValueError for a value that is not
    a date and time. The one place the environment chooses the clock."""
    value = environ.get("STUDYKB_NOW")
    if not value:
        return SystemClock()
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(f"STUDYKB_NOW: not an ISO-8601 date and time: {value!r}") from exc
    if moment.tzinfo is None:
        moment = moment.astimezone()
    return FixedClock(moment)
