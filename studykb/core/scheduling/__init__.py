"""Schedulers behind one seam (see protocol.py): SM-2 today, FSRS beside it.

The store keeps each card's scheduler by name; :func:`scheduler_named` turns the
name back into the object that reads its state.
"""

from __future__ import annotations

from typing import Any

from studykb.core.scheduling.protocol import Scheduler
from studykb.core.scheduling.sm2 import Sm2Scheduler

SM2 = Sm2Scheduler()
_KNOWN: dict[str, Scheduler[Any]] = {SM2.name: SM2}


def scheduler_named(name: str) -> Scheduler[Any]:
    """The scheduler stored under ``name``; ValueError for a name this version lacks."""
    try:
        return _KNOWN[name]
    except KeyError:
        known = ", ".join(_KNOWN)
        raise ValueError(f"unknown scheduler {name!r} (this version knows {known})") from None
