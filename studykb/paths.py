"""Every path studykb uses, in one place. Nothing is created at import time.

``STUDYKB_DB`` overrides the database file, ``STUDYKB_CONFIG`` the settings
file and ``STUDYKB_HOME`` puts both (data and config) under one directory,
which is how the tests keep away from the real user directories.
"""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "studykb"


def _home() -> Path | None:
    home = os.environ.get("STUDYKB_HOME")
    return Path(home).expanduser() if home else None


def data_dir() -> Path:
    home = _home()
    if home is not None:
        return home / "data"
    from platformdirs import user_data_path

    return user_data_path(APP_NAME, appauthor=False)


def config_dir() -> Path:
    home = _home()
    if home is not None:
        return home / "config"
    from platformdirs import user_config_path

    return user_config_path(APP_NAME, appauthor=False)


def default_db_path() -> Path:
    env = os.environ.get("STUDYKB_DB")
    if env:
        return Path(env).expanduser()
    return data_dir() / "studykb.db"


def config_path() -> Path:
    env = os.environ.get("STUDYKB_CONFIG")
    if env:
        return Path(env).expanduser()
    return config_dir() / "config.toml"


def bundled_decks_dir() -> Path:
    """The decks shipped with studykb: package data in an installed wheel,
    the repository's ``decks/`` folder in a source checkout."""
    package_dir = Path(__file__).resolve().parent
    installed = package_dir / "_bundled" / "decks"
    if installed.is_dir():
        return installed
    return package_dir.parent / "decks"


def ensure_private_dir(path: Path) -> None:
    """Create a directory (and parents) readable by the user alone."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
