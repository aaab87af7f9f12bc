"""The CLI asks use cases (studykb.app) only: it never imports studykb.storage,
at module level or inside a function, nor reaches a store's internals through
studykb.app.store (issue 11, item 7)."""

from __future__ import annotations

import ast
from pathlib import Path

import studykb

PACKAGE = Path(studykb.__file__).parent
INTERFACE_MODULES = ("cli.py", "entry.py")
FORBIDDEN = "studykb.storage"
# The use cases' own plumbing: the store and its repository are not for interfaces.
PLUMBING = "studykb.app.store"
INTERNALS = {"repo", "conn", "_store"}


def imported_modules(source: str, module: str) -> set[str]:
    """Every module an import statement anywhere in ``source`` names (relative
    imports resolved against ``module``, the dotted name of the file)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = module.split(".")[: -node.level]
                base = ".".join([*parent, base] if base else parent)
            names.add(base)
            # `from studykb import storage` names the package as well
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def reaches_storage(names: set[str]) -> list[str]:
    return sorted(n for n in names if n == FORBIDDEN or n.startswith(FORBIDDEN + "."))


def test_the_cli_never_imports_storage() -> None:
    for name in INTERFACE_MODULES:
        path = PACKAGE / name
        module = f"studykb.{path.stem}"
        found = reaches_storage(imported_modules(path.read_text(encoding="utf-8"), module))
        assert found == [], f"{path} imports {found}: ask a use case in studykb.app instead"


def test_the_cli_never_reaches_into_a_store() -> None:
    for name in INTERFACE_MODULES:
        path = PACKAGE / name
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = imported_modules(path.read_text(encoding="utf-8"), f"studykb.{path.stem}")
        assert not [n for n in names if n == PLUMBING or n.startswith(PLUMBING + ".")], path
        reached = sorted(
            {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)} & INTERNALS
        )
        assert reached == [], f"{path} reaches {reached}: ask a use case instead"


def test_the_check_sees_imports_inside_functions_and_relative_ones() -> None:
    source = (
        "import click\n"
        "def f():\n"
        "    from studykb.storage.db import connect\n"
        "def g():\n"
        "    from . import storage\n"
        "    import studykb.storage.backup as b\n"
        "from studykb.app import errors\n"
    )
    found = reaches_storage(imported_modules(source, "studykb.cli"))
    assert {"studykb.storage", "studykb.storage.backup", "studykb.storage.db"} <= set(found)
