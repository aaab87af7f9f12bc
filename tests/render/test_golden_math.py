"""No change to the renderer alters a bundled formula unnoticed (issue 10 item 18)."""

from __future__ import annotations

import difflib

from studykb.render.latex import leftover_markup
from tests.render.golden_math import GOLDEN, render, spans


def test_every_bundled_formula_renders_as_reviewed() -> None:
    expected = GOLDEN.read_text(encoding="utf-8")
    actual = render()
    if actual != expected:
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(keepends=True),
                actual.splitlines(keepends=True),
                "golden_math.txt (reviewed)",
                "rendered now",
                n=1,
            )
        )
        raise AssertionError(
            "a bundled formula renders differently; if intended, run "
            "`.venv/bin/python -m tests.render.golden_math` and review the diff:\n" + diff
        )


def test_the_golden_file_covers_every_span_and_none_keeps_markup() -> None:
    found = spans()
    assert len(found) > 300
    assert GOLDEN.read_text(encoding="utf-8").count("\n  latex: ") == len(found)
    assert {span: leftover_markup(span) for span in found if leftover_markup(span)} == {}
