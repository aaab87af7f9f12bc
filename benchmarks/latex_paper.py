"""A synthetic arXiv source of about 30 pages for timing `studykb draft` (issue 12:
under 1 s, whole process): a main file, a macros file and one file per section
(\\input), running text with inline math, citations and references, numbered and
unnumbered equations, align blocks with per-line numbers, theorem environments.

Usage: python -m benchmarks.latex_paper OUT.tar.gz [PAGES]
"""

from __future__ import annotations

import io
import sys
import tarfile
from pathlib import Path

MACROS = r"""
\newcommand{\E}{\mathbb{E}}
\newcommand{\vx}{\mathbf{x}}
\newcommand{\veps}{\boldsymbol{\epsilon}}
\newcommand{\norm}[1]{\left\lVert #1 \right\rVert}
\newcommand{\KL}[2]{D_{\mathrm{KL}}\left(#1 \,\middle\|\, #2\right)}
\newcommand{\at}[2][t]{#2_{#1}}
\def\eps{\epsilon}
\DeclareMathOperator*{\argmin}{arg\,min}
"""

PARAGRAPH = r"""
The forward process of a diffusion model adds Gaussian noise in $T$ steps, so that
$q(\at{\vx} \mid \vx_{t-1}) = \mathcal{N}(\sqrt{1-\beta_t}\,\vx_{t-1}, \beta_t I)$ for a
schedule $\beta_1, \dots, \beta_T$ chosen in advance~\cite{ho2020,song2021}. As shown in
Eq.~\eqref{eq:loss-%(s)d-1} and Section~\ref{sec:%(s)d}, the reverse process is learnt by
a network $\veps_\theta$ that predicts the noise; its \emph{variational bound} reduces to
a weighted sum of denoising score matching terms, one per step, and the weights matter
less than one would think for sample quality, which is what we measure below.
"""

EQUATIONS = r"""
\begin{equation}\label{eq:loss-%(s)d-%(k)d}
  L_{%(k)d} = \E_{t, \vx_0, \veps} \norm{\veps - \veps_\theta(\at{\vx}, t)}^2
\end{equation}
\begin{align}
  \at{\vx} &= \sqrt{\bar\alpha_t}\, \vx_0 + \sqrt{1 - \bar\alpha_t}\, \veps \label{eq:marg-%(s)d-%(k)d} \\
  &\approx \vx_0 + \sigma_t \eps \nonumber \\
  \theta^\ast &= \argmin_\theta \KL{q}{p_\theta}
\end{align}
\[ \bar\alpha_t = \prod_{s \le t} (1 - \beta_s) \]
"""

THEOREM = r"""
\begin{theorem}[Marginals %(s)d]\label{thm:%(s)d}
For every schedule, the marginals of \eqref{eq:marg-%(s)d-1} match those of the forward
process, and Theorem~\ref{thm:%(s)d} holds for every $t \le T$.
\end{theorem}
\begin{definition}
A schedule is \emph{admissible} when $\bar\alpha_T \approx 0$.
\end{definition}
"""


def source_files(pages: int = 30) -> dict[str, str]:
    sections = max(1, pages // 3)
    files = {"macros.tex": MACROS}
    inputs = []
    for s in range(1, sections + 1):
        parts = [f"\\section{{Section {s}}}\\label{{sec:{s}}}\n"]
        for sub in range(1, 4):
            parts.append(f"\\subsection{{Part {s}.{sub}}}\n")
            parts.append(PARAGRAPH % {"s": s} * 5)
            parts.append(EQUATIONS % {"s": s, "k": sub})
        parts.append(THEOREM % {"s": s})
        files[f"sections/s{s}.tex"] = "".join(parts)
        inputs.append(f"\\input{{sections/s{s}}}")
    files["main.tex"] = (
        "\\documentclass{article}\n\\usepackage{amsmath,amsthm}\n\\input{macros}\n"
        "\\numberwithin{equation}{section}\n\\newtheorem{theorem}{Theorem}[section]\n"
        "\\newtheorem{definition}[theorem]{Definition}\n\\title{A Synthetic Paper}\n"
        "\\begin{document}\n\\maketitle\n\\begin{abstract}\nWe time the drafts. "
        "They are fast.\n\\end{abstract}\n" + "\n".join(inputs) + "\n\\end{document}\n"
    )
    return files


def write_archive(out: Path, pages: int = 30) -> int:
    """Write the source as a .tar.gz; returns the LaTeX's size in bytes."""
    files = source_files(pages)
    with tarfile.open(out, "w:gz") as archive:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return sum(len(t.encode()) for t in files.values())


if __name__ == "__main__":
    size = write_archive(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 30)
    print(f"{size} bytes of LaTeX")
