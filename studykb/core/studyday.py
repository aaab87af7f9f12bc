"""Study days start at a configurable hour: 1 a.m. still counts for the evening before."""

from __future__ import annotations

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
