from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from studykb.core.studyday import moment_of, study_day

BERLIN = ZoneInfo("Europe/Berlin")


def test_day_starts_at_four_by_default() -> None:
    assert study_day(datetime(2026, 3, 10, 3, 59, tzinfo=BERLIN)) == date(2026, 3, 9)
    assert study_day(datetime(2026, 3, 10, 4, 0, tzinfo=BERLIN)) == date(2026, 3, 10)
    assert study_day(datetime(2026, 3, 10, 1, 0, tzinfo=BERLIN)) == date(2026, 3, 9)


def test_configurable_start_hour() -> None:
    moment = datetime(2026, 3, 10, 5, 30, tzinfo=BERLIN)
    assert study_day(moment, 6) == date(2026, 3, 9)
    assert study_day(moment, 0) == date(2026, 3, 10)
    with pytest.raises(ValueError):
        study_day(moment, 24)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError):
        study_day(datetime(2026, 1, 1, 12, 0))


def test_daylight_saving_night_is_one_study_day() -> None:
    # Clocks go forward at 02:00 on 2026-03-29 in Berlin: 23:00 and 03:30 both
    # belong to the 28th, 04:30 to the 29th.
    assert study_day(datetime(2026, 3, 28, 23, 0, tzinfo=BERLIN)) == date(2026, 3, 28)
    assert study_day(datetime(2026, 3, 29, 3, 30, tzinfo=BERLIN)) == date(2026, 3, 28)
    assert study_day(datetime(2026, 3, 29, 4, 30, tzinfo=BERLIN)) == date(2026, 3, 29)


def test_moment_records_utc_offset_and_day() -> None:
    tokyo = timezone(timedelta(hours=9))
    m = moment_of(datetime(2026, 5, 1, 2, 0, tzinfo=tokyo))
    assert m.utc == datetime(2026, 4, 30, 17, 0, tzinfo=UTC)
    assert m.utc_offset_minutes == 540
    assert m.study_day == date(2026, 4, 30)
