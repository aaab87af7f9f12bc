from __future__ import annotations

import pytest

from studykb.render.latex import latex_to_unicode, math_to_unicode


@pytest.mark.parametrize(
    ("latex", "expected"),
    [
        (
            r"x_t = \sqrt{\bar\alpha_t}\,x_0 + \sqrt{1-\bar\alpha_t}\,\epsilon",
            "x_t = √ᾱ_t x₀ + √(1−ᾱ_t) ϵ",
        ),
        (
            r"\mathcal{N}(x_t; \sqrt{1-\beta_t} x_{t-1}, \beta_t \mathbf{I})",
            "𝒩(x_t; √(1−β_t) x_{t−1}, β_t I)",
        ),
        (
            r"\tilde\beta_t = \frac{1-\bar\alpha_{t-1}}{1-\bar\alpha_t}\beta_t",
            "β̃_t = (1−ᾱ_{t−1})/(1−ᾱ_t) β_t",
        ),
        (r"\nabla_x \log p(x)", "∇_x log p(x)"),
        (r"\mathbb{E}\left[\|\epsilon - \epsilon_\theta\|^2\right]", "𝔼[‖ϵ − ϵ_θ‖²]"),
        (r"\sigma_t = 0", "σ_t = 0"),
        (r"256 \times 256", "256 × 256"),
        (r"\lambda(\sigma) = \sigma^2", "λ(σ) = σ²"),
        (r"\frac{1}{2}", "1/2"),
        (r"\epsilon^*", "ϵ*"),
        (r"L_\text{simple}", "L_{simple}"),
        (r"W^T x", "Wᵀ x"),
    ],
)
def test_readable_unicode(latex: str, expected: str) -> None:
    assert latex_to_unicode(latex) == expected


def test_bad_latex_never_raises() -> None:
    for broken in (r"\frac{a}{", r"x_", "}{", r"\sqrt", "\\"):
        assert isinstance(latex_to_unicode(broken), str)


def test_math_in_text_is_converted_and_escaped_for_markdown() -> None:
    text = r"With $\sigma_t = 0$ the *sampler* is deterministic; it costs \$0."
    assert math_to_unicode(text) == r"With σ\_t = 0 the *sampler* is deterministic; it costs \$0."
    assert (
        math_to_unicode(text, markdown=False)
        == r"With σ_t = 0 the *sampler* is deterministic; it costs \$0."
    )
