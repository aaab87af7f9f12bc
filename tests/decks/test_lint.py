from __future__ import annotations

from pathlib import Path

from studykb.decks.lint import enumeration_size, lint_paths, math_problems, words
from studykb.services import bundled_deck_paths
from tests.conftest import write

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
