"""studykb.core is the pure domain: importing it loads no UI, ORM or database library."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import SMALL_DECK

FORBIDDEN = ("textual", "sqlmodel", "sqlalchemy", "alembic", "sqlite3", "rich", "click")


def test_core_imports_no_ui_or_storage_modules() -> None:
    code = (
        "import json, pkgutil, importlib, sys, studykb.core\n"
        "for m in pkgutil.walk_packages(studykb.core.__path__, 'studykb.core.'):\n"
        "    importlib.import_module(m.name)\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    loaded = json.loads(out)
    bad = [m for m in loaded if m.split(".")[0] in FORBIDDEN]
    assert bad == []
    assert "studykb.core.scheduler" in loaded


def test_studykb_due_takes_the_lean_path(tmp_path: Path) -> None:
    """`studykb due` (the console script's entry) answers from SQLite without loading
    click, pydantic, SQLAlchemy or Textual, and prints what the full CLI prints."""
    code = (
        "import sys, json\n"
        "from studykb.entry import main\n"
        "sys.argv = ['studykb'] + sys.argv[1:]\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(json.dumps(sorted(sys.modules)), file=sys.stderr)\n"
    )
    env = {
        **os.environ,
        "STUDYKB_NO_BUNDLED": "1",
        "STUDYKB_DB": str(tmp_path / "lean.db"),
        "STUDYKB_NOW": "2026-01-05T10:00:00+01:00",
    }
    deck = tmp_path / "toy.toml"
    deck.write_text(SMALL_DECK, encoding="utf-8")
    # The first run creates the database (full CLI); then lean and full must agree.
    subprocess.run(
        [sys.executable, "-m", "studykb.cli", "import", str(deck)],
        env=env,
        check=True,
        capture_output=True,
    )
    for args in (
        ["due", "--json"],
        ["due"],
        ["due", "--deck", "toy", "--json"],
        ["due", "--on", "2026-01-09", "--json"],
    ):
        lean = subprocess.run(
            [sys.executable, "-c", code, *args], capture_output=True, text=True, check=True, env=env
        )
        full = subprocess.run(
            [sys.executable, "-m", "studykb.cli", *args],
            capture_output=True,
            text=True,
            check=True,
            env=env,
        )
        assert lean.stdout == full.stdout, args
        loaded = json.loads(lean.stderr.strip().splitlines()[-1])
        heavy = {"textual", "sqlmodel", "sqlalchemy", "alembic", "pydantic", "rich", "click"}
        assert [m for m in loaded if m.split(".")[0] in heavy] == [], args
    assert json.loads(lean.stdout)["new"] == 4
