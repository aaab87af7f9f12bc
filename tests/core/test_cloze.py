from __future__ import annotations

import pytest

from studykb.core import cloze


def test_numbers_and_rendering() -> None:
    text = "DDPM by {{c1::Ho}} et al. trains on {{c2::$L_\\text{simple}$::a loss}}; {{c1::2020}}."
    assert cloze.numbers(text) == [1, 2]
    assert cloze.front(text, 1) == "DDPM by [...] et al. trains on $L_\\text{simple}$; [...]."
    assert cloze.front(text, 2) == "DDPM by Ho et al. trains on [a loss]; 2020."
    assert cloze.back(text, 2) == "DDPM by Ho et al. trains on [$L_\\text{simple}$]; 2020."


def test_braces_in_latex_balance() -> None:
    text = "{{c1::$\\frac{a}{\\sqrt{b}}$}} and {{c2::\\frac{a}{\\sqrt{b}}}}"
    assert cloze.answers(text, 1) == ["$\\frac{a}{\\sqrt{b}}$"]
    assert cloze.answers(text, 2) == ["\\frac{a}{\\sqrt{b}}"]


def test_plain_double_braces_are_not_clozes() -> None:
    assert cloze.parse("$x^{{2}}$ is fine") == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{{c1::open", "not closed"),
        ("{{c0::zero}}", "start at c1"),
        ("{{x1::bad}}", "unknown cloze marker"),
        ("{{c1:one colon}}", "unknown cloze marker"),
        ("{{c1::}}", "empty answer"),
        ("{{c1::a{b}}", "not closed"),
    ],
)
def test_malformed(text: str, message: str) -> None:
    with pytest.raises(cloze.ClozeError, match=message):
        cloze.parse(text)
