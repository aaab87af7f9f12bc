"""Global ids for log rows and events (a module of its own: the repository's base and
the events both need it, and neither should import the other for it)."""

from __future__ import annotations


def _new_uid() -> str:
    """A globally unique id for a log row or event (logs of two databases can be merged)."""
    import uuid  # imported on first write: `studykb due` never pays for it

    return uuid.uuid4().hex
