"""User settings: a TOML file under the platformdirs config dir, validated with pydantic.

``Settings`` is a plain dataclass so that commands run without a settings file
never load pydantic (``studykb due`` is meant for shell prompts); the file, when
there is one, is validated by the pydantic model in ``_SettingsFile``.
"""

from __future__ import annotations

import functools
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from studykb.core.queue import Limits
from studykb.errors import BadInputError

DESCRIPTIONS = {
    "new_per_day": "New cards per study day",
    "reviews_per_day": "Reviews per study day",
    "day_start_hour": "Hour (local time, 0-23) at which a study day starts",
}
# The settings above are numbers the settings screen edits; the TUI keeps these two.
THEME_DESCRIPTION = "The TUI's colour theme (chosen with ctrl+p → Theme…)"
LEECH_DESCRIPTION = (
    "A card lapsed leech_lapses times (0: never) is tagged leech, and suspended if leech_suspend"
)
SYNC_DESCRIPTION = (
    "Sync with your other machines: folder = a folder another tool keeps in step, "
    "or git = a repository URL or path (`studykb sync` records the first one you use)"
)
KEYMAP_DESCRIPTION = "Your keys: binding id = keys (comma-separated); `?` lists the ids' actions"


@dataclass(frozen=True, slots=True)
class Settings:
    new_per_day: int = 20
    reviews_per_day: int = 200
    day_start_hour: int = 4
    theme: str | None = None  # None: Textual's default
    # binding id -> keys, as Textual's App.set_keymap takes it (issue 16 item 12)
    keymap: dict[str, str] = field(default_factory=dict)
    # A card that has lapsed this many times is tagged leech (0: never); and suspended?
    leech_lapses: int = 8
    leech_suspend: bool = False
    # [sync] folder / git: where `studykb sync` and the TUI sync (issue 14)
    sync_folder: str | None = None
    sync_git: str | None = None

    @property
    def limits(self) -> Limits:
        return Limits(new_per_day=self.new_per_day, reviews_per_day=self.reviews_per_day)


@functools.lru_cache(maxsize=1)
def _settings_model() -> Any:
    """The pydantic model of the settings file, built once (building it costs more
    than validating a file: `studykb sync` loads the settings twice)."""
    from pydantic import BaseModel, ConfigDict, Field

    class _SettingsFile(BaseModel):
        model_config = ConfigDict(extra="forbid", strict=True)

        new_per_day: int = Field(default=20, ge=0, le=100_000)
        reviews_per_day: int = Field(default=200, ge=0, le=1_000_000)
        day_start_hour: int = Field(default=4, ge=0, le=23)
        theme: str | None = Field(default=None, min_length=1, max_length=64)
        keymap: dict[str, str] = Field(default_factory=dict)
        leech_lapses: int = Field(default=8, ge=0, le=1000)
        leech_suspend: bool = False
        sync: _Sync | None = None

    class _Sync(BaseModel):
        model_config = ConfigDict(extra="forbid", strict=True)

        folder: str | None = Field(default=None, min_length=1, max_length=4096)
        git: str | None = Field(default=None, min_length=1, max_length=4096)

    _SettingsFile.model_rebuild()
    return _SettingsFile


# name -> (lowest, highest) of the whole-number settings: what _settings_model says.
_RANGES = {
    "new_per_day": (0, 100_000),
    "reviews_per_day": (0, 1_000_000),
    "day_start_hour": (0, 23),
    "leech_lapses": (0, 1000),
}


def _plainly_valid(data: dict[str, Any]) -> bool:
    """Whether the settings are valid by rules that accept nothing the pydantic model
    refuses: then they are taken without building the model (building it is most
    of a `studykb due` run with a settings file). Anything else goes to the model,
    which accepts it or names the problem."""

    def text(value: object, longest: int) -> bool:
        return isinstance(value, str) and 1 <= len(value) <= longest

    for key, value in data.items():
        if key in _RANGES:
            low, high = _RANGES[key]
            if type(value) is not int or not low <= value <= high:
                return False
        elif key == "leech_suspend":
            if type(value) is not bool:
                return False
        elif key == "theme":
            if value is not None and not text(value, 64):
                return False
        elif key == "keymap":
            if not isinstance(value, dict) or not all(
                type(k) is str and type(v) is str for k, v in value.items()
            ):
                return False
        elif key == "sync":
            if value is None:
                continue
            if not isinstance(value, dict) or not set(value) <= {"folder", "git"}:
                return False
            if not all(v is None or text(v, 4096) for v in value.values()):
                return False
        else:
            return False
    return True


def validate_settings(data: dict[str, Any], origin: str) -> Settings:
    """Settings from untrusted data; BadInputError names each bad key."""
    data = dict(data)
    # The dataclass's flat names, as save_settings validates them, are the [sync] table.
    flat = {k: data.pop(k) for k in ("sync_folder", "sync_git") if k in data}
    if any(v is not None for v in flat.values()):
        data["sync"] = {k.removeprefix("sync_"): v for k, v in flat.items() if v is not None}
    if _plainly_valid(data):
        values = dict(data)
        sync = values.pop("sync", None) or {}
        return Settings(**values, sync_folder=sync.get("folder"), sync_git=sync.get("git"))
    from pydantic import ValidationError

    _SettingsFile = _settings_model()
    try:
        model = _SettingsFile.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            key = ".".join(str(p) for p in error["loc"]) or "(file)"
            message = "unknown setting" if error["type"] == "extra_forbidden" else error["msg"]
            problems.append(f"{origin}: {key}: {message}")
        raise BadInputError(problems) from exc
    values = model.model_dump()
    sync = values.pop("sync") or {}
    return Settings(**values, sync_folder=sync.get("folder"), sync_git=sync.get("git"))


def load_settings(path: Path) -> Settings:
    """The settings in ``path``, defaults if it does not exist. One clear line on a bad value."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Settings()
    except OSError as exc:
        raise BadInputError([f"{path}: cannot read: {exc.strerror}"]) from exc
    import tomllib  # only with a config file: `studykb due` on every prompt skips it

    try:
        data: dict[str, Any] = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise BadInputError([f"{path}: not UTF-8 text"]) from exc
    except tomllib.TOMLDecodeError as exc:
        raise BadInputError([f"{path}: TOML syntax error: {exc}"]) from exc
    return validate_settings(data, str(path))


def save_settings(settings: Settings, path: Path) -> None:
    """Write the settings file atomically: a temporary file in the same directory, then rename."""
    validate_settings(asdict(settings), str(path))
    lines = ["# studykb settings", ""]
    for name in DESCRIPTIONS:
        lines.append(f"# {DESCRIPTIONS[name]}")
        lines.append(f"{name} = {getattr(settings, name)}")
    if settings.theme is not None:
        lines += [f"# {THEME_DESCRIPTION}", f"theme = {_toml_string(settings.theme)}"]
    if (settings.leech_lapses, settings.leech_suspend) != (8, False):
        lines += [
            f"# {LEECH_DESCRIPTION}",
            f"leech_lapses = {settings.leech_lapses}",
            f"leech_suspend = {str(settings.leech_suspend).lower()}",
        ]
    if settings.sync_folder is not None or settings.sync_git is not None:
        lines += ["", f"# {SYNC_DESCRIPTION}", "[sync]"]
        if settings.sync_folder is not None:
            lines.append(f"folder = {_toml_string(settings.sync_folder)}")
        if settings.sync_git is not None:
            lines.append(f"git = {_toml_string(settings.sync_git)}")
    if settings.keymap:
        lines += ["", f"# {KEYMAP_DESCRIPTION}", "[keymap]"]
        lines += [f"{_toml_string(k)} = {_toml_string(v)}" for k, v in settings.keymap.items()]
    atomic_write_text(path, "\n".join(lines) + "\n")


def _toml_string(text: str) -> str:
    """A TOML basic string: JSON's escapes are TOML's for these characters."""
    import json

    return json.dumps(text, ensure_ascii=False)


def atomic_write_text(path: Path, text: str) -> None:
    import tempfile

    from studykb.storage.tempfiles import temp_prefix

    path.parent.mkdir(parents=True, exist_ok=True)
    # The process id in the name lets a later run remove it if this one is killed.
    fd, tmp = tempfile.mkstemp(prefix=temp_prefix(path), suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
