from __future__ import annotations

import textwrap
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from studykb.app.store import Store, open_store
from studykb.core.clock import FixedClock
from studykb.settings import Settings

UTC1 = timezone(timedelta(hours=1))
# A fixed moment: 2026-01-05 10:00 at UTC+1, study day 2026-01-05.
START = datetime(2026, 1, 5, 10, 0, tzinfo=UTC1)


@pytest.fixture(autouse=True)
def _isolated_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No test ever touches the real user data or config directory."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("STUDYKB_HOME", str(home))
    for var in ("STUDYKB_DB", "STUDYKB_CONFIG", "STUDYKB_NOW", "STUDYKB_NO_BUNDLED"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "test.db"


@pytest.fixture
def store(db_path: Path, clock: FixedClock) -> Iterator[Store]:
    s = open_store(db_path, clock=clock, settings=Settings(), seed_bundled=False)
    yield s
    s.close()


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


SMALL_DECK = """
[deck]
id = "toy"
title = "Toy deck"

[paper]
title = "A Toy Paper"
url = "https://arxiv.org/abs/2001.00001"
authors = ["A. Author"]
year = 2020
worth_reading = 2

[[cards]]
id = "one"
front = "Question one?"
back = "Answer one."
source = "§1"

[[cards]]
id = "two"
front = "Question two?"
back = "Answer two."
source = "§2"

[[cards]]
id = "eq"
text = "The forward marginal is {{c1::$\\\\mathcal{N}(\\\\sqrt{\\\\bar\\\\alpha_t}x_0, (1-\\\\bar\\\\alpha_t)I)$}} for {{c2::every $t$}}."
source = "Eq. (4)"
"""


@pytest.fixture
def small_deck(tmp_path: Path) -> Path:
    return write(tmp_path / "decks" / "toy.toml", SMALL_DECK)


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run the studykb command in-process: (exit code, stdout, stderr)."""
    from studykb.cli import main

    code = 0
    try:
        main(list(args))
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err
