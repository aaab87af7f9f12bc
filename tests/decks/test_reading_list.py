from __future__ import annotations

from pathlib import Path

import pytest

from studykb.app.store import Store
from studykb.decks.reading_list import parse_reading_list, read_reading_list
from studykb.decks.toml_deck import read_decks
from studykb.errors import BadInputError
from tests.conftest import SMALL_DECK, write

SHARED = Path(__file__).resolve().parents[3] / "shared" / "knowledge-base.md"
BUNDLED = Path(__file__).resolve().parents[2] / "decks" / "reading-list.md"

AWESOME = """
# Awesome Things

A curated list.

## Resources

* [A Survey](https://arxiv.org/abs/2209.00796v3) - A broad survey of the field.
* [Blog: What are Diffusion Models?](https://lilianweng.github.io/posts/2021-07-11-diffusion-models/)
* Not a link, just a thought
* [Broken link](https://example.org/x

## Papers

### Vision

- **Score SDE** [[Paper](https://arxiv.org/pdf/2011.13456.pdf)] [[Code](https://github.com/x/y)]
- [FTP thing](ftp://example.org/file)

```
- [Not an entry](https://example.org/in-code)
```
"""


def test_knowledge_base_shape() -> None:
    parsed = parse_reading_list(BUNDLED.read_text(encoding="utf-8"), "kb.md")
    assert len(parsed.entries) == 11
    titles = [e.title for e in parsed.entries]
    assert titles[0] == "Understanding Diffusion Models: A Unified Perspective"
    cfg = parsed.entries[3]
    assert (cfg.title, cfg.worth_reading, cfg.year, cfg.section) == (
        "Classifier-Free Diffusion Guidance",
        3,
        2022,
        "Papers / Foundations",
    )
    assert parsed.entries[0].section == "Introductory materials"
    assert parsed.entries[0].year is None
    assert parsed.entries[-1].worth_reading == 1 and parsed.entries[-1].year == 2015
    assert "sohldickstein.com" in parsed.entries[-1].description
    assert parsed.entries[6].description.startswith("One of the most important papers")
    assert parsed.warnings == []  # the bundled copy has the blog's URL fixed


@pytest.mark.skipif(not SHARED.exists(), reason="shared knowledge base not beside the repo")
def test_shared_knowledge_base_warns_about_the_duplicate_url() -> None:
    parsed = read_reading_list(SHARED)
    assert len(parsed.entries) == 11
    assert parsed.warnings == [
        f"{SHARED}:8: 'Yang Song webpage' links to the same URL as "
        "'Understanding Diffusion Models: A Unified Perspective' (line 5); "
        "almost certainly a mistake"
    ]


def test_awesome_style_list() -> None:
    parsed = parse_reading_list(AWESOME, "awesome.md")
    assert [(e.title, e.url, e.section) for e in parsed.entries] == [
        ("A Survey", "https://arxiv.org/abs/2209.00796v3", "Resources"),
        (
            "Blog: What are Diffusion Models?",
            "https://lilianweng.github.io/posts/2021-07-11-diffusion-models/",
            "Resources",
        ),
        ("Score SDE", "https://arxiv.org/pdf/2011.13456.pdf", "Papers / Vision"),
    ]
    assert parsed.entries[0].description == "A broad survey of the field."
    assert parsed.warnings == [
        "awesome.md:10: skipped: list item without a [title](url) link",
        "awesome.md:11: skipped: cannot read the link in this list item",
        "awesome.md:18: skipped: 'FTP thing' links to 'ftp://example.org/file', not an http(s) URL",
    ]


def test_unreadable_files_are_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(BadInputError, match="binary data"):
        read_reading_list(write(tmp_path / "bin.md", "- [a](https://x.org)\x00"))
    with pytest.raises(BadInputError, match="no reading-list entries"):
        read_reading_list(write(tmp_path / "empty.md", "# Nothing\n\nJust text.\n"))


def test_import_is_idempotent_and_keeps_status(store: Store, tmp_path: Path) -> None:
    repo = store.repo
    text = BUNDLED.read_text(encoding="utf-8")
    entries = parse_reading_list(text, "kb.md").entries
    first = repo.import_reading_list(entries, "kb.md")
    assert (first.added, first.updated, first.unchanged) == (11, 0, 0)
    again = repo.import_reading_list(entries, "kb.md")
    assert (again.added, again.updated, again.unchanged) == (0, 0, 11)
    ddim = repo.find_paper("https://arxiv.org/pdf/2010.02502v2.pdf")
    repo.set_paper_status(ddim, "reading")
    edited = text.replace("**WR=3**  \nOne of the most important", "**WR=2**  \nAn important")
    assert edited != text
    changed = repo.import_reading_list(parse_reading_list(edited, "kb.md").entries, "kb.md")
    assert (changed.added, changed.updated, changed.unchanged) == (0, 1, 10)
    paper = next(p for p in repo.papers() if p.id == ddim)
    assert (paper.worth_reading, paper.status) == (2, "reading")
    assert paper.description.startswith("An important")


def test_papers_link_to_decks_by_any_arxiv_url(store: Store, tmp_path: Path) -> None:
    repo = store.repo
    listing = "## Papers\n\n- [Toy](https://arxiv.org/pdf/2001.00001v3.pdf) **WR=3**\n"
    repo.import_reading_list(parse_reading_list(listing, "l.md").entries, "l.md")
    repo.import_decks(read_decks([write(tmp_path / "toy.toml", SMALL_DECK)]))
    [paper] = repo.papers()
    assert paper.deck_id == "toy" and paper.cards == 4
    assert paper.title == "A Toy Paper"  # the deck's exact title
    assert paper.worth_reading == 2  # the deck declares 2; it was imported last
