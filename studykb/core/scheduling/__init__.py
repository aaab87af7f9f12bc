"""Schedulers behind one seam (see protocol.py): SM-2 (the default) and FSRS-6.

The store keeps each card's scheduler by name, and each deck's choice as
:class:`~studykb.core.scheduling.options.SchedulerOptions`; :func:`scheduler_named`
gives the scheduler with its default settings, for reading states.
"""

from __future__ import annotations

from typing import Any

from studykb.core.scheduling.protocol import Scheduler
from studykb.core.scheduling.sm2 import Sm2Scheduler

SM2 = Sm2Scheduler()
_KNOWN: dict[str, Scheduler[Any]] = {SM2.name: SM2}
NAMES = ("sm2", "fsrs")


def scheduler_named(name: str) -> Scheduler[Any]:
    """The scheduler stored under ``name`` (default settings: reading a state does
    not depend on them); ValueError for a name this version lacks. FSRS (py-fsrs)
    is loaded the first time a state of it is read, not on every start."""
    if name not in _KNOWN and name == "fsrs":
        from studykb.core.scheduling.fsrs import FsrsScheduler

        _KNOWN[name] = FsrsScheduler()
    try:
        return _KNOWN[name]
    except KeyError:
        known = ", ".join(NAMES)
        raise ValueError(f"unknown scheduler {name!r} (this version knows {known})") from None
