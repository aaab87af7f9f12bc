"""A deck's choice of scheduler and its settings, and the scheduler built from them.

SM-2 has no settings (it is exact to Wozniak's text). FSRS takes the recall it
aims at (``desired_retention``), the longest interval, and whether to fuzz
intervals (off by default, so that replays are exact; when on, the fuzz is seeded
from the state and the moment, so a replay still reproduces it).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any, Literal

from studykb.core.scheduling.protocol import Scheduler
from studykb.core.scheduling.retention import check_retention
from studykb.core.scheduling.sm2 import Sm2Scheduler
from studykb.core.studyday import DEFAULT_DAY_START_HOUR, DayStarts

SchedulerName = Literal["sm2", "fsrs"]
SCHEDULER_NAMES: tuple[SchedulerName, ...] = ("sm2", "fsrs")
DEFAULT_RETENTION = 0.9
DEFAULT_MAXIMUM_INTERVAL = 36500


@dataclass(frozen=True, slots=True)
class SchedulerOptions:
    scheduler: SchedulerName = "sm2"
    desired_retention: float = DEFAULT_RETENTION
    maximum_interval: int = DEFAULT_MAXIMUM_INTERVAL
    fuzz: bool = False

    def __post_init__(self) -> None:
        if self.scheduler not in SCHEDULER_NAMES:
            raise ValueError(
                f"scheduler must be one of {', '.join(SCHEDULER_NAMES)}, got {self.scheduler!r}"
            )
        check_retention(self.desired_retention)
        days = self.maximum_interval
        if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 36500:
            raise ValueError(f"maximum_interval must be from 1 to 36500 days, got {days!r}")
        if not isinstance(self.fuzz, bool):
            raise ValueError(f"fuzz must be true or false, got {self.fuzz!r}")

    def to_json(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> SchedulerOptions:
        """Options :meth:`to_json` wrote; ValueError (one line) for anything else."""
        try:
            data: Any = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"scheduler options are not JSON ({exc.msg})") from None
        if not isinstance(data, dict):
            raise ValueError("scheduler options must be a JSON object")
        unknown = sorted(set(data) - set(cls.__dataclass_fields__))
        if unknown:
            raise ValueError(f"unknown scheduler option(s): {', '.join(unknown)}")
        return cls(**data)

    def describe(self) -> str:
        if self.scheduler == "sm2":
            return "SM-2"
        fuzz = ", fuzz" if self.fuzz else ""
        return (
            f"FSRS-6, retention {self.desired_retention:.2f}, "
            f"maximum interval {self.maximum_interval} d{fuzz}"
        )


def build_scheduler(
    options: SchedulerOptions, day_starts: DayStarts | int = DEFAULT_DAY_START_HOUR
) -> Scheduler[Any]:
    """The scheduler a deck's options describe; study days start at the hours of
    ``day_starts`` (the store's history of them, or one fixed hour)."""
    if options.scheduler == "sm2":
        return Sm2Scheduler()
    # py-fsrs is loaded only for a deck that uses it: not on every start.
    from studykb.core.scheduling.fsrs import FsrsScheduler

    starts = DayStarts.fixed(day_starts) if isinstance(day_starts, int) else day_starts
    return FsrsScheduler(
        desired_retention=options.desired_retention,
        maximum_interval=options.maximum_interval,
        fuzz=options.fuzz,
        day_start_hour=starts.current_hour,
        day_starts=starts,
    )
