from __future__ import annotations

from pathlib import Path

import pytest

from studykb.app.library import bundled_deck_paths
from studykb.decks.lint import enumeration_size, lint_paths, math_problems, render_problems, words
from tests.conftest import run_cli, write

BAD = """
[deck]
id = "bad"
title = "Bad"

[paper]
title = "P"
url = "https://example.org/p"
after = ["nonexistent"]

[[cards]]
id = "a"
front = "What is the forward process of DDPM?"
back = "A fixed Markov chain that adds Gaussian noise according to a variance schedule, one small step at a time, over a thousand steps, with nothing learned in it, which keeps training simple and cheap for everyone."

[[cards]]
id = "b"
front = "What is the forward process in DDPM?"
back = "alpha, beta, gamma, and delta"
source = "§2"

[[cards]]
id = "c"
front = "Which?"
back = "$\\\\frac{a}{b$"
source = "§3"
"""


def test_each_rule_fires(tmp_path: Path) -> None:
    findings = lint_paths([write(tmp_path / "bad.toml", BAD)])
    rules = sorted(((f.card or ""), f.rule) for f in findings)
    assert rules == [
        ("", "paper-fields"),
        ("", "unknown-after"),
        ("a", "answer-length"),
        ("a", "missing-source"),
        ("b", "enumeration"),
        ("b", "near-duplicate-front"),
        ("c", "math"),
    ]
    assert str(findings[0]).startswith(f"{tmp_path / 'bad.toml'}: paper-fields: missing authors")


def test_helpers() -> None:
    assert words("The $x_t = \\sqrt{a} x_0$ term") == 3
    assert math_problems("$a$ and $b") != []
    assert math_problems("$\\{x\\}$ and $y_{1}$") == []
    assert enumeration_size("- a\n- b\n- c\n- d") == 4
    assert enumeration_size("It uses $x_{a,b,c,d}$, a, and b.") == 0
    assert enumeration_size("Three: a, b, and c.") == 0


def test_every_bundled_deck_passes_strict_lint() -> None:
    paths = bundled_deck_paths()
    assert len(paths) == 10
    assert lint_paths(paths) == []


LEFTOVER = """
[deck]
id = "leftover"
title = "Leftover"

[paper]
title = "P"
authors = ["A"]
year = 2020
url = "https://example.org/p"
worth_reading = 2
section = "S"

[[cards]]
id = "unknown-command"
front = "What is $\\\\operatorname{KL} = \\\\kldiv{p}{q}$?"
back = "A divergence, with $x_{t-1} \\\\gets x_t$ and set braces $\\\\{a\\\\}$ meant."
source = "§1"

[[cards]]
id = "cloze-with-leftover"
text = "The score is {{c1::$\\\\nabla_x \\\\log p$}} and {{c2::$\\\\weird x$}}."
source = "§2"
"""


def test_a_formula_that_keeps_latex_after_rendering_is_flagged(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 10 item 18: lint warns when a rendered formula still shows a command or a brace."""
    deck = write(tmp_path / "leftover.toml", LEFTOVER)
    findings = [f for f in lint_paths([deck]) if f.rule == "math-render"]
    assert [(f.card, f.message) for f in findings] == [
        (
            "unknown-command",
            "front: $\\operatorname{KL} = \\kldiv{p}{q}$ shows as "
            '"KL = \\kldiv{p}{q}", keeping \\kldiv, braces',
        ),
        ("cloze-with-leftover", 'front: $\\weird x$ shows as "\\weird x", keeping \\weird'),
    ]
    assert render_problems("$x_{t-1} \\gets \\mathbf{x}$ and $\\{a\\}$") == []

    code, _, err = run_cli(capsys, "lint", str(deck))
    assert code == 0
    assert "warning: " + str(findings[0]) in err
    code, _, err = run_cli(capsys, "lint", "--strict", str(deck))
    assert code == 2
