from __future__ import annotations

from pathlib import Path

import pytest

from studykb.app.bundled import bundled_deck_paths
from studykb.decks.lint import (
    enumeration_size,
    lint_paths,
    math_problems,
    render_problems,
    two_asks,
    words,
)
from studykb.errors import BadInputError
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


TWO_ASK_FRONTS = [
    "What Inception score and FID did NCSN achieve on unconditional CIFAR-10?",
    "What FID and Inception score did NCSN++ cont. (deep, VE) reach on CIFAR-10?",
    "What are the FID and IS of NCSN++ on CIFAR-10?",
    "What is NCSN's Inception score and FID on CIFAR-10?",
    "Which values of $w$ give the best FID and the best Inception score?",
    "What FID does it reach on ImageNet, and how does it compare with ADM-G?",
    "Which objective gives better codelengths, and which gives the best samples?",
    "In what order are noise levels used and how is each level initialized?",
    "What does $L_0$ measure? Why is it discrete?",
]
ONE_ASK_FRONTS = [
    "What is the relation between the mean and variance of $q(x_t|x_0)$?",
    "What do DDPM and NCSN have in common?",
    "Which values of $\\eta$ give DDPM and DDIM?",
    "What is the trade-off between sample quality and diversity in guidance?",
    "In Score SDE, what do the predictor and the corrector do?",
    "Why does training at a single noise level fail?",
    "What does $\\mathrm{FID} \\text{ and why?}$ denote?",
    "What is Ho and Salimans' best FID on 64×64 ImageNet?",
    "Which baseline do Dhariwal and Nichol beat on LSUN Bedrooms?",
    "What did Ho and Salimans conclude about model capacity?",
]


@pytest.mark.parametrize("front", TWO_ASK_FRONTS)
def test_two_asks_flags_fronts_that_ask_for_two_facts(front: str) -> None:
    """Issue 17 item 2: a front joining two asks is flagged."""
    assert two_asks(front) is not None


@pytest.mark.parametrize("front", ONE_ASK_FRONTS)
def test_two_asks_leaves_one_fact_questions_alone(front: str) -> None:
    assert two_asks(front) is None


TWO_ASKS_DECK = """
[deck]
id = "asks"
title = "Asks"

[paper]
title = "P"
authors = ["A"]
year = 2020
url = "https://example.org/p"
worth_reading = 2
section = "S"

[[cards]]
id = "pair"
front = "What Inception score and FID did NCSN achieve on CIFAR-10?"
back = "8.87 and 25.32."
source = "§5"

[[cards]]
id = "silenced"
front = "What FID and Inception score pair did the paper call its headline?"
back = "One pair, quoted as one fact."
source = "§5"
lint_ignore = ["two-asks"]

[[cards]]
id = "stale"
front = "What does the decoder $L_0$ model?"
back = "A discrete decoder."
source = "§3.3"
lint_ignore = ["two-asks", "no-such-rule"]

[[cards]]
id = "cloze"
text = "NCSN reaches an Inception score of {{c1::8.87}} and an FID of {{c2::25.32}}."
source = "§5"
"""


def test_two_asks_warns_and_lint_ignore_silences_it_per_card(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 17 item 2: `lint_ignore = ["two-asks"]` silences the rule on one card only;
    an exemption that names no rule, or silences nothing, is itself a warning."""
    deck = write(tmp_path / "asks.toml", TWO_ASKS_DECK)
    findings = lint_paths([deck])
    assert sorted((f.card, f.rule, f.message) for f in findings) == [
        ("pair", "two-asks", "'What Inception score and FID did' asks for two things"),
        ("stale", "lint-ignore", "'two-asks' finds nothing here"),
        ("stale", "lint-ignore", "no lint rule 'no-such-rule'"),
    ]
    code, _, err = run_cli(capsys, "lint", "--strict", str(deck))
    assert code == 2
    assert "card pair: two-asks:" in err


def test_lint_ignore_must_be_rule_shaped_names(tmp_path: Path) -> None:
    deck = write(tmp_path / "bad-ignore.toml", TWO_ASKS_DECK.replace('["two-asks"]', '"two-asks"'))
    with pytest.raises(BadInputError) as caught:
        lint_paths([deck])
    assert "lint_ignore" in str(caught.value.problems)
