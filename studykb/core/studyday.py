"""Study days start at a configurable hour: 1 a.m. still counts for the evening before."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

DEFAULT_DAY_START_HOUR = 4


@dataclass(frozen=True, slots=True)
class Moment:
    """When an answer was given: UTC time, the local offset then, and its study day."""

    utc: datetime
    utc_offset_minutes: int
    study_day: date


def study_day(moment: datetime, day_start_hour: int = DEFAULT_DAY_START_HOUR) -> date:
    """The study day a local moment belongs to (its local date, shifted back by the start hour)."""
    if moment.tzinfo is None:
        raise ValueError("study_day needs an aware datetime")
    if not 0 <= day_start_hour <= 23:
        raise ValueError("day_start_hour must be from 0 to 23")
    return (moment - timedelta(hours=day_start_hour)).date()


def moment_of(now: datetime, day_start_hour: int = DEFAULT_DAY_START_HOUR) -> Moment:
    offset = now.utcoffset()
    assert offset is not None  # study_day() below rejects naive datetimes first
    day = study_day(now, day_start_hour)
    return Moment(
        utc=now.astimezone(UTC),
        utc_offset_minutes=int(offset.total_seconds() // 60),
        study_day=day,
    )


@dataclass(frozen=True, slots=True)
class DayStarts:
    """The day-start hour over time: ``changes`` holds (first study day, hour) pairs,
    oldest first. A new hour takes effect from the study day after the one in which
    it was chosen, so study days never go backwards (moving the start from 4 to
    12 at 10:00 would otherwise turn today back into yesterday)."""

    changes: tuple[tuple[date, int], ...] = ((date.min, DEFAULT_DAY_START_HOUR),)

    @classmethod
    def fixed(cls, hour: int) -> DayStarts:
        return cls(((date.min, hour),))

    @property
    def current_hour(self) -> int:
        """The hour most recently chosen (in effect now or from the next study day)."""
        return self.changes[-1][1]

    def study_day(self, moment: datetime) -> date:
        for first_day, hour in reversed(self.changes):
            day = study_day(moment, hour)
            if day >= first_day:
                return day
        return study_day(moment, self.changes[0][1])

    def moment_of(self, now: datetime) -> Moment:
        offset = now.utcoffset()
        if offset is None:
            raise ValueError("moment_of needs an aware datetime")
        return Moment(
            utc=now.astimezone(UTC),
            utc_offset_minutes=int(offset.total_seconds() // 60),
            study_day=self.study_day(now),
        )

    def with_hour(self, hour: int, now: datetime) -> DayStarts:
        """These day starts after choosing ``hour`` at ``now``: from tomorrow's study day."""
        if not 0 <= hour <= 23:
            raise ValueError("day_start_hour must be from 0 to 23")
        if hour == self.current_hour:
            return self
        first_day = self.study_day(now) + timedelta(days=1)
        kept = tuple(c for c in self.changes if c[0] < first_day)
        if kept and kept[-1][1] == hour:
            return DayStarts(kept)
        return DayStarts((*kept, (first_day, hour)) if kept else ((date.min, hour),))

    def to_json(self) -> str:
        return json.dumps([[d.isoformat(), h] for d, h in self.changes])

    @classmethod
    def from_json(cls, text: str | None, default_hour: int) -> DayStarts:
        """Read what :meth:`to_json` wrote; anything unreadable means no history."""
        if not text:
            return cls.fixed(default_hour)
        try:
            raw = json.loads(text)
            changes = tuple((date.fromisoformat(d), int(h)) for d, h in raw)
        except (ValueError, TypeError):
            return cls.fixed(default_hour)
        if not changes or any(not 0 <= h <= 23 for _, h in changes):
            return cls.fixed(default_hour)
        return cls(tuple(sorted(changes)))
