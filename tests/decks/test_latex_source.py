"""A paper's LaTeX source read into drafts' material (decks.latex_source), on sources
written for the tests (tests/data/latex) and on hostile archives built here."""

from __future__ import annotations

import gzip
import io
import shutil
import tarfile
from pathlib import Path

import pytest

from studykb.decks import latex_source
from studykb.decks.latex_drafts import draft_cards, short_title
from studykb.decks.latex_source import SourceFiles, extract, find_main, load_paper, read_source
from studykb.errors import BadInputError

DATA = Path(__file__).parents[1] / "data" / "latex"
PAPER = DATA / "paper"
SINGLE = DATA / "single" / "paper.tex"


def _tar(path: Path, root: Path) -> Path:
    with tarfile.open(path, "w:gz") as archive:
        for file in sorted(root.rglob("*")):
            archive.add(file, arcname=file.relative_to(root).as_posix(), recursive=False)
    return path


def test_several_files_macros_and_numbering_per_section(tmp_path: Path) -> None:
    paper = load_paper(_tar(tmp_path / "2010.02502.tar.gz", PAPER))
    assert paper.main == "main.tex"
    assert paper.title == "Denoising Diffusion Implicit Models"  # \thanks dropped
    assert paper.abstract == (
        "We present *denoising diffusion implicit models* (DDIM), a faster sampler: it "
        "produces samples $10\\times$ to $50\\times$ faster than DDPM with the same training."
    )
    assert [(s.number, s.title, s.level) for s in paper.sections] == [
        ("1", "Introduction", 1),
        ("2", "Background", 1),  # from sections/background.tex (\input without .tex)
        ("2.1", "The training objective", 2),
        ("3", "Method", 1),  # from \include{sections/method.tex}
        ("3.1", "The generative step", 2),
        (None, "Acknowledgements", 1),  # starred: no number, counters unchanged
        ("A", "Proofs", 1),  # after \appendix
    ]
    # \numberwithin{equation}{section}: numbers restart in each section; equation*,
    # \[...\] and the \nonumber line of the align take none; \tag prints its own.
    assert [(e.number, e.label) for e in paper.equations] == [
        ("2.1", "eq:forward"),
        ("2.2", "eq:loss"),
        ("2.3", "eq:opt"),
        ("3.1", "eq:gen"),
        ("$\\star$", "eq:star"),
        ("3.2", None),
        ("A.1", "eq:appendix"),
    ]
    by_label = {e.label: e for e in paper.equations}
    # Macros without arguments (\E, \vx, \eps via \def), with arguments (\norm, \KL),
    # with an optional argument (\at), \def with parameters (\pair), an operator.
    assert by_label["eq:loss"].latex == (
        "L = \\mathbb{E}_{t, \\mathbf{x}_0, \\epsilon} \\left\\lVert \\epsilon - "
        "\\epsilon_\\theta(\\mathbf{x}_{t}, t) \\right\\rVert^2"
    )
    assert by_label["eq:opt"].latex == "\\theta^\\ast = \\operatorname{arg\\,min}_\\theta L"
    assert by_label["eq:gen"].latex.endswith("\\sigma_t \\epsilon_t + (a, b)")
    assert "\\label" not in by_label["eq:forward"].latex
    assert by_label["eq:gen"].section is not None
    assert by_label["eq:gen"].section.heading == "§3.1 The generative step"
    # Theorem-like environments: \newtheorem with a shared counter, per section, starred.
    assert [(s.kind, s.number, s.name) for s in paper.statements] == [
        ("Definition", "2.1", "Forward marginal"),
        ("Theorem", "3.1", ""),
        ("Lemma", "3.2", ""),
        ("Remark", None, ""),
    ]
    # \eqref and \ref resolved to the numbers as printed, forward references too.
    theorem = paper.statements[1]
    assert theorem.text == (
        "For every $\\sigma_t \\ge 0$, the marginals of (3.1) match those of Eq. (2.1)."
    )
    assert paper.labels["sec:background"] == "2" and paper.labels["def:marginal"] == "2.1"
    assert paper.labels["app:proofs"] == "A"


def test_one_file_plain_numbering_def_with_arguments_eqnarray_multline() -> None:
    paper = load_paper(SINGLE)
    assert paper.title == "Score Matching: A Short Note"
    assert [(e.number, e.label) for e in paper.equations] == [
        ("1", "eq:esm"),
        ("2", None),  # eqnarray: the \nonumber and \notag lines take no number
        ("3", "eq:ism"),  # multline: one number for its lines
        ("4", "eq:last"),  # align* took none
    ]
    assert paper.equations[1].latex == "a = \\langle \\mathbf{x}, \\mathbf{y} \\rangle"
    # \score[\phi] overrides the optional argument's default \theta
    assert "s_{\\phi}(\\mathbf{x})" in paper.equations[2].latex
    assert "\\\\" not in paper.equations[2].latex
    assert [(s.kind, s.number, s.name) for s in paper.statements] == [
        ("Definition", "1", ""),
        ("Theorem", "1", "Hyvärinen"),
    ]
    assert paper.statements[1].text == "Eq. (1) equals Eq. (3) up to a constant."


def test_a_gzipped_single_file_is_read(tmp_path: Path) -> None:
    gz = tmp_path / "2101.00001"  # arXiv names it without a suffix
    gz.write_bytes(gzip.compress(SINGLE.read_bytes()))
    paper = load_paper(gz)
    assert len(paper.equations) == 4


def test_the_main_file_is_the_one_with_documentclass_and_begin_document() -> None:
    files = {
        "appendix.tex": "\\section{A}",
        "old.tex": "\\documentclass{article}\\begin{document}old\\end{document}" * 3,
        "ms.tex": "\\documentclass{article}\n\\begin{document}\nnew\n\\end{document}",
        "notes.tex": "% \\documentclass{article}\\begin{document}",
    }
    assert find_main(SourceFiles("x", files)) == "ms.tex"  # conventional name wins
    del files["ms.tex"]
    assert find_main(SourceFiles("x", files)) == "old.tex"
    del files["old.tex"]
    with pytest.raises(BadInputError, match="no main file"):
        find_main(SourceFiles("x", files))


def test_drafts_carry_their_provenance() -> None:
    paper = load_paper(PAPER)
    cards = draft_cards(paper, short_title("DDIM: Denoising Diffusion Implicit Models"))
    fronts = {c.front: c for c in cards}
    eq = fronts["State Eq. (3.1) of DDIM (The generative step)"]
    assert eq.back.startswith("$\\mathbf{x}_{t-1} = ") and eq.back.endswith("$")
    assert eq.source == "§3.1 The generative step, Eq. (3.1)"
    definition = fronts["State Definition 2.1 (Forward marginal) of DDIM (The training objective)"]
    assert definition.source == "§2.1 The training objective, Definition 2.1"
    abstract = fronts["What does DDIM claim?"]
    assert abstract.source == "Abstract" and abstract.back.startswith("We present")
    assert {c.kind for c in cards} == {"abstract", "statement", "equation"}


# --- Hostile sources: one clear line each, nothing read, nothing written ----------------


def _archive(path: Path, members: list[tarfile.TarInfo], data: bytes = b"") -> Path:
    with tarfile.open(path, "w:gz") as archive:
        for member in members:
            archive.addfile(member, io.BytesIO(data) if member.isfile() else None)
    return path


def _file(name: str, size: int = 0) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size = size
    return info


def _link(name: str, target: str, kind: bytes = tarfile.SYMTYPE) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = target
    return info


def _refused(path: Path) -> str:
    before = sorted(p.name for p in path.parent.iterdir())
    with pytest.raises(BadInputError) as caught:
        load_paper(path)
    assert len(caught.value.problems) == 1
    assert sorted(p.name for p in path.parent.iterdir()) == before  # nothing written
    line = caught.value.problems[0]
    assert "\n" not in line and line.startswith(str(path))
    return line


def test_a_traversal_name_is_refused(tmp_path: Path) -> None:
    path = _archive(tmp_path / "a.tar.gz", [_file("../evil.tex", 3)], b"abc")
    assert "path escaping the archive" in _refused(path)


def test_an_absolute_name_is_refused(tmp_path: Path) -> None:
    path = _archive(tmp_path / "a.tar.gz", [_file("/tmp/evil.tex", 3)], b"abc")
    assert "absolute path" in _refused(path)


def test_a_symlink_out_of_the_archive_is_refused(tmp_path: Path) -> None:
    path = _archive(tmp_path / "a.tar.gz", [_link("main.tex", "../../etc/passwd")])
    assert "link escaping the archive" in _refused(path)
    path = _archive(tmp_path / "b.tar.gz", [_link("main.tex", "/etc/passwd", tarfile.LNKTYPE)])
    assert "link escaping the archive" in _refused(path)


def test_a_device_is_refused(tmp_path: Path) -> None:
    device = tarfile.TarInfo("dev.tex")
    device.type = tarfile.CHRTYPE
    path = _archive(tmp_path / "a.tar.gz", [device])
    assert "device or FIFO" in _refused(path)


def test_a_decompression_bomb_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(latex_source, "MAX_TOTAL_BYTES", 2**20)
    zeros = 2 * 2**20  # 2 MiB of zeros: a few kB packed
    path = _archive(tmp_path / "bomb.tar.gz", [_file("zeros.bin", zeros)], bytes(zeros))
    assert path.stat().st_size < 20_000
    assert "decompression bomb" in _refused(path)
    many = [_file(f"f{i}.tex") for i in range(latex_source.MAX_MEMBERS + 1)]
    assert "members" in _refused(_archive(tmp_path / "many.tar.gz", many))
    gz = tmp_path / "bomb.gz"
    gz.write_bytes(gzip.compress(bytes(latex_source.MAX_TEX_BYTES + 1)))
    assert "bomb" in _refused(gz)


def test_a_file_that_is_no_archive_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "paper.tar.gz"
    path.write_bytes(b"PK\x03\x04 this is a zip, not a tar" * 10)
    assert "not a LaTeX source" in _refused(path)
    broken = tmp_path / "broken.tar.gz"
    broken.write_bytes(gzip.compress(b"x" * 600)[:-10])
    _refused(broken)


def test_a_directory_with_a_link_leading_out_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "src"
    shutil.copytree(PAPER, root)
    (root / "secret.tex").symlink_to("/etc/hostname")
    with pytest.raises(BadInputError, match="link escaping the directory"):
        read_source(root)


def test_a_source_without_a_main_file_is_one_line(tmp_path: Path) -> None:
    path = _archive(tmp_path / "a.tar.gz", [_file("intro.tex", 3)], b"abc")
    assert "no main file" in _refused(path)


def test_extract_on_files_in_memory() -> None:
    files = {
        "main.tex": "\\documentclass{article}\\begin{document}\\input{a}\\end{document}",
        "a.tex": "\\begin{equation}x\\label{e}\\end{equation} see \\eqref{e}",
    }
    paper = extract(SourceFiles("mem", files))
    assert [(e.number, e.latex) for e in paper.equations] == [("1", "x")]


def test_input_without_braces_and_subequations() -> None:
    files = {
        "main.tex": (
            "\\documentclass{article}\\begin{document}\n"
            "\\input sections/a  % no braces, as TeX allows\n"
            "\\begin{equation}z\\end{equation}\n\\end{document}"
        ),
        "sections/a.tex": (
            "\\begin{subequations}\\label{eq:pair}\n"
            "\\begin{align}x &= 1 \\label{eq:x}\\\\ y &= 2\\end{align}\n"
            "\\end{subequations}\nSee \\eqref{eq:pair} and \\eqref{eq:x}."
        ),
    }
    paper = extract(SourceFiles("mem", files))
    assert [(e.number, e.label, e.latex) for e in paper.equations] == [
        ("1a", "eq:x", "x = 1"),
        ("1b", None, "y = 2"),
        ("2", None, "z"),
    ]
    assert paper.labels["eq:pair"] == "1"


def test_hostile_tex_is_one_line_not_a_hang_or_a_crash() -> None:
    head = "\\documentclass{article}\\begin{document}"
    endless = {
        "main.tex": head + "\\def\\a{\\a\\a}\\begin{equation}\\a\\end{equation}\\end{document}"
    }
    with pytest.raises(BadInputError, match="expands without end"):
        extract(SourceFiles("endless.tex", endless))
    deep = {"main.tex": head + "{" * 50_000 + "x" + "}" * 50_000 + "\\end{document}"}
    with pytest.raises(BadInputError, match="nested too deeply"):
        extract(SourceFiles("deep.tex", deep))
