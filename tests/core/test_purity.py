"""studykb.core is the pure domain: importing it loads no UI, ORM or database library."""

from __future__ import annotations

import json
import os
import subprocess
import sys

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


def test_cli_due_does_not_load_textual_or_orm() -> None:
    code = (
        "import sys, json\n"
        "from studykb.cli import main\n"
        "try:\n"
        "    main(['due', '--json'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(json.dumps(sorted(sys.modules)), file=sys.stderr)\n"
    )
    env = {**os.environ, "STUDYKB_NO_BUNDLED": "1"}
    # The first run creates the database through Alembic; the second must be lean.
    for _ in range(2):
        result = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
        )
        assert json.loads(result.stdout)["total"] == 0
    loaded = json.loads(result.stderr.strip().splitlines()[-1])
    heavy = {"textual", "sqlmodel", "sqlalchemy", "alembic", "pydantic", "rich"}
    assert [m for m in loaded if m.split(".")[0] in heavy] == []
