"""Layering: the TUI calls use cases (studykb.app) only, never storage.

A stand-in until import-linter contracts run in `make test`: every module under
studykb/tui is parsed and each import it makes (at the top, in a function, under
TYPE_CHECKING alike) is checked.
"""

from __future__ import annotations

import ast
from pathlib import Path

import studykb.tui

TUI = Path(studykb.tui.__file__).parent
FORBIDDEN = "studykb.storage"


def imported_modules(source: str) -> list[str]:
    names: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
            # `from studykb import storage` names the package as an attribute
            names.extend(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def storage_imports(source: str) -> list[str]:
    return [
        name
        for name in imported_modules(source)
        if name == FORBIDDEN or name.startswith(FORBIDDEN + ".")
    ]


def test_the_check_sees_every_form_of_import() -> None:
    source = (
        "import studykb.storage.db\n"
        "from studykb.storage.repository import Repository\n"
        "from studykb import storage\n"
        "def f():\n    from studykb.storage import counts\n"
        "from studykb.app.views import CardView\n"
    )
    assert storage_imports(source) == [
        "studykb.storage.db",
        "studykb.storage.repository",
        "studykb.storage.repository.Repository",
        "studykb.storage",
        "studykb.storage",
        "studykb.storage.counts",
    ]


def test_no_tui_module_imports_storage() -> None:
    modules = sorted(TUI.rglob("*.py"))
    assert len(modules) > 10  # the walk found the package
    offenders = {
        str(path.relative_to(TUI.parent.parent)): found
        for path in modules
        if (found := storage_imports(path.read_text(encoding="utf-8")))
    }
    assert offenders == {}
