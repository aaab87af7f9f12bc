from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from studykb.render.latex import (
    latex_to_unicode,
    leftover_markup,
    math_spans,
    math_to_unicode,
    render_unguarded,
)


@pytest.mark.parametrize(
    ("latex", "expected"),
    [
        (
            r"x_t = \sqrt{\bar\alpha_t}\,x_0 + \sqrt{1-\bar\alpha_t}\,\epsilon",
            "xₜ = √ᾱₜ x₀ + √(1−ᾱₜ) ϵ",
        ),
        (
            r"\mathcal{N}(x_t; \sqrt{1-\beta_t} x_{t-1}, \beta_t \mathbf{I})",
            "𝒩(xₜ; √(1−βₜ) xₜ₋₁, βₜ 𝐈)",
        ),
        (
            r"\tilde\beta_t = \frac{1-\bar\alpha_{t-1}}{1-\bar\alpha_t}\beta_t",
            "β̃ₜ = ((1−ᾱₜ₋₁)/(1−ᾱₜ))βₜ",
        ),
        (r"\nabla_x \log p(x)", "∇ₓ log p(x)"),
        (r"\mathbb{E}\left[\|\epsilon - \epsilon_\theta\|^2\right]", "𝔼[‖ϵ − ϵ_θ‖²]"),
        (r"\sigma_t = 0", "σₜ = 0"),
        (r"256 \times 256", "256 × 256"),
        (r"\lambda(\sigma) = \sigma^2", "λ(σ) = σ²"),
        (r"\frac{a}{b}", "a/b"),
        (r"\epsilon^*", "ϵ*"),
        (r"W^T x", "Wᵀ x"),
        (r"\mathbf{v}^\top \mathbf{s}", "𝐯ᵀ 𝐬"),
        (r"q(x_t|x_0)", "q(xₜ|x₀)"),  # a conditional bar is written as the author spaced it
        (r"p(\mathbf{x} \mid \mathbf{y})", "p(𝐱 | 𝐲)"),
        (r"\mathcal{N}(\cdot\,, \sigma^2)", "𝒩(·, σ²)"),
        (r"\exp(-\omega_\eta(t))", "exp(−ω_η(t))"),
    ],
)
def test_readable_unicode(latex: str, expected: str) -> None:
    assert latex_to_unicode(latex) == expected


# Issue 10 item 17: each example seen in the bundled cards.
ISSUE_EXAMPLES = [
    # \gets disappeared: x_{i+1} x_i + ...
    (
        r"\mathbf{x}_{i+1} \gets \mathbf{x}_i + \epsilon \nabla_\mathbf{x} \log p(\mathbf{x})",
        "𝐱ᵢ₊₁ ← 𝐱ᵢ + ϵ ∇_𝐱 log p(𝐱)",
    ),
    (r"x_{i+1} \leftarrow x_i", "xᵢ₊₁ ← xᵢ"),
    # a root of more than one symbol is parenthesised, like √(1−βₜ)
    (r"\sqrt{2\epsilon}\, \mathbf{z}_i", "√(2ϵ) 𝐳ᵢ"),
    (r"\sqrt{1-\beta_t}", "√(1−βₜ)"),
    (r"\sqrt{\beta(t)}", "√(β(t))"),
    (r"\sqrt{\bar\alpha_t}", "√ᾱₜ"),
    # spacing: around relations, and after a scripted symbol before a letter
    (
        r"\mathbf{z}_\lambda = \alpha_\lambda\mathbf{x} + \sigma_\lambda\epsilon",
        "𝐳_λ = α_λ 𝐱 + σ_λ ϵ",
    ),
    (r"J_\sigma = L_\gamma + C", "J_σ = Lᵧ + C"),
    (r"\nabla_x\log p_\theta(x)", "∇ₓ log p_θ(x)"),
    (r"\mathcal{N}(\tilde\mu_t, \tilde\beta_t\mathbf{I})", "𝒩(μ̃ₜ, β̃ₜ 𝐈)"),
    # no leaking braces: Unicode scripts where every character has one ...
    (r"x_{t-1}", "xₜ₋₁"),
    (r"\lambda_{\mathrm{min}}", "λₘᵢₙ"),
    (r"L_\mathrm{simple}", "Lₛᵢₘₚₗₑ"),
    (r"L_{\text{simple}}", "Lₛᵢₘₚₗₑ"),
    (r"x^{(t-1)}", "x⁽ᵗ⁻¹⁾"),
    (r"\sum_{t=1}^{T}", "∑ₜ₌₁ᵀ"),
    # ... else a word, or a parenthesised expression
    (r"D_{\mathrm{KL}}(q \,\|\, p)", "D_KL(q ‖ p)"),
    (r"D_{KL}", "D_KL"),
    (r"\mathbb{E}_{x_0,\epsilon}", "𝔼_(x₀,ϵ)"),
    (r"\nabla_{\mathbf{z}_\lambda} \log p", "∇_(𝐳_λ) log p"),
    (r"e^{-\frac{1}{2} x^2}", "e^(−½x²)"),
    (r"e^{-f_\theta(x)}", "e^(−f_θ(x))"),
    # a fraction beside a factor is parenthesised: never 1/√αₜ(...)
    (
        r"\frac{1}{\sqrt{\alpha_t}}\left(x_t - \frac{\beta_t}{\sqrt{1-\bar\alpha_t}}"
        r"\epsilon_\theta(x_t,t)\right)",
        "(1/√αₜ)(xₜ − (βₜ/√(1−ᾱₜ))ϵ_θ(xₜ,t))",
    ),
    (r"-\frac{1}{\sigma}[a - b]", "−(1/σ)[a − b]"),
    (r"\frac{1}{2\sigma^2}", "1/(2σ²)"),
    (r"\frac{\epsilon}{2}\nabla", "(ϵ/2)∇"),
    (r"-\frac{1}{2}\beta(t)\mathbf{x}", "−½β(t)𝐱"),
    (r"x/\sqrt{\alpha}", "x/√α"),
    # bold stays bold: mathematical bold letters and digits
    (r"\mathbf{x}", "𝐱"),
    (r"\mathcal{N}(\mathbf{0}, \mathbf{I})", "𝒩(𝟎, 𝐈)"),
    (r"\boldsymbol{\epsilon}", "𝛜"),
]


@pytest.mark.parametrize(("latex", "expected"), ISSUE_EXAMPLES)
def test_issue_examples_read_right(latex: str, expected: str) -> None:
    assert latex_to_unicode(latex) == expected


def test_unknown_commands_stay_visible_as_written() -> None:
    assert latex_to_unicode(r"\foo{a}{b} + x") == r"\foo{a}{b} + x"
    assert latex_to_unicode(r"a \foo b") == r"a \foo b"
    assert leftover_markup(r"\foo{a} + x") == [r"\foo", "braces"]
    assert leftover_markup(r"\gets x_{t-1} \mathbf{x}") == []
    # set braces written as \{ \} are meant, not leftovers
    assert latex_to_unicode(r"\{\sigma_i\}_{i=1}^L") == "{σᵢ}ᵢ₌₁ᴸ"
    assert leftover_markup(r"\{\sigma_i\}_{i=1}^L") == []


def test_every_symbol_pylatexenc_knows_is_shown() -> None:
    for latex, symbol in [
        (r"\varnothing", "∅"),
        (r"\propto", "∝"),
        (r"\succ", "≻"),
        (r"\ell", "ℓ"),
        (r"\infty", "∞"),
        (r"\partial", "∂"),
        (r"\mathfrak{g}", "𝔤"),
    ]:
        assert symbol in latex_to_unicode(f"a {latex} b"), latex


def test_bad_latex_never_raises() -> None:
    for broken in (r"\frac{a}{", r"x_", "}{", r"\sqrt", "\\", r"\left.", "^^", r"\sqrt[3]"):
        assert isinstance(latex_to_unicode(broken), str)


def test_math_in_text_is_converted_and_escaped_for_markdown() -> None:
    text = r"With $\sigma_i = 0$ the *sampler* is deterministic; it costs \$0."
    assert math_to_unicode(text) == r"With σᵢ = 0 the *sampler* is deterministic; it costs \$0."
    assert math_to_unicode(r"$D_{KL}$", markdown=False) == "D_KL"
    assert math_to_unicode(r"$D_{KL}$") == r"D\_KL"
    assert math_spans(r"a $x$ b $y_1$ \$3") == ["x", "y_1"]


_TOKENS = [*"\\{}_^$ ()[]|&~'-+=/xyα12", r"\frac", r"\sqrt", r"\mathbf", r"\left", r"\alpha"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_TOKENS), max_size=40).map("".join))
def test_any_input_renders_to_text_without_raising(latex: str) -> None:
    assert isinstance(render_unguarded(latex), str)  # no exception hidden by the fallback
    assert isinstance(leftover_markup(latex), list)


def test_long_formulas_render_in_linear_time() -> None:
    """A formula at the 20,000-character field limit renders at once (no quadratic pass)."""
    latex = r"x_{t} + \frac{a}{b} \, " * 800
    assert latex_to_unicode(latex).count("xₜ") == 800


def test_empty_delimiters_and_bracket_spacing() -> None:
    assert latex_to_unicode(r"\left. \frac{a}{b} \right|_{x=0}") == "a/b |ₓ₌₀"
    # a period after a real delimiter is kept
    assert latex_to_unicode(r"\left\{ x \right\}. y") == "{x}. y"
