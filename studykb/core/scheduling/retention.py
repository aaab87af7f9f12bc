"""The recall FSRS may aim at: one definition for the options, the scheduler and
the TUI's field (a module of its own, so that the scheduler and its options do not
import each other)."""

from __future__ import annotations

MIN_RETENTION = 0.70
MAX_RETENTION = 0.99


def check_retention(value: object) -> None:
    """The recall FSRS may aim at: 0.70 to 0.99 (ValueError naming the field)."""
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not MIN_RETENTION <= value <= MAX_RETENTION
    ):
        raise ValueError(
            f"desired_retention must be from {MIN_RETENTION} to {MAX_RETENTION}, got {value!r}"
        )


__all__ = ["MAX_RETENTION", "MIN_RETENTION", "check_retention"]
