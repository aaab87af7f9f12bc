"""The words and JSON of `studykb due`, shared by the lean path (lean_due.py) and
the full CLI so they print the same thing. Imports nothing: the lean path must
stay light enough for a shell prompt."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from studykb.render.words import plural  # a few lines, no imports: still light

if TYPE_CHECKING:
    from studykb.app.views import DueCounts


def due_json(counts: DueCounts) -> dict[str, Any]:
    """The documented JSON shape of `studykb due --json`."""
    return {
        "day": counts.day.isoformat(),
        "reviews": counts.reviews,
        "new": counts.new,
        "drills": counts.drills,
        "total": counts.total,
        "decks": [
            {"id": d.deck_id, "title": d.title, "reviews": d.reviews, "new": d.new}
            for d in counts.decks
        ],
    }


def due_text(counts: DueCounts) -> str:
    lines = [
        f"{counts.day.isoformat()}: {plural(counts.reviews, 'review')}, {counts.new} new"
        + (f", {plural(counts.drills, 'drill')}" if counts.drills else "")
    ]
    for d in counts.decks:
        if d.reviews or d.new:
            lines.append(f"  {d.deck_id:<26} {d.reviews:>4} reviews {d.new:>4} new")
    return "\n".join(lines)
