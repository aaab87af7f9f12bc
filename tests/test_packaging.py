"""The bundled decks are package data: found after installing a wheel outside the source tree."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_wheel_carries_bundled_decks(tmp_path: Path) -> None:
    out = tmp_path / "dist"
    subprocess.run(
        [
            sys.executable,
            "-c",
            f"from hatchling.build import build_wheel; build_wheel({str(out)!r})",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    [wheel] = out.glob("*.whl")
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        archive.extractall(site)
    assert "studykb/_bundled/decks/ddim.toml" in names
    assert "studykb/storage/schema.sql" in names  # a new database's schema
    code = (
        "import json, studykb, studykb.paths as p\n"
        "print(json.dumps([studykb.__file__, str(p.bundled_decks_dir()),"
        " sorted(x.name for x in p.bundled_decks_dir().glob('*.toml'))]))"
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=elsewhere,
        env={**os.environ, "PYTHONPATH": str(site)},
        capture_output=True,
        text=True,
        check=True,
    )
    module_file, decks_dir, decks = json.loads(result.stdout)
    assert module_file.startswith(str(site))
    assert decks_dir.startswith(str(site))
    assert "ddim.toml" in decks
