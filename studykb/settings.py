"""User settings: a TOML file under the platformdirs config dir, validated with pydantic."""

from __future__ import annotations

import os
import tempfile
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from studykb.core.queue import Limits
from studykb.errors import BadInputError


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    new_per_day: int = Field(default=20, ge=0, le=100_000, description="New cards per study day")
    reviews_per_day: int = Field(
        default=200, ge=0, le=1_000_000, description="Reviews per study day"
    )
    day_start_hour: int = Field(
        default=4, ge=0, le=23, description="Hour (local time) a study day starts"
    )

    @property
    def limits(self) -> Limits:
        return Limits(new_per_day=self.new_per_day, reviews_per_day=self.reviews_per_day)


def load_settings(path: Path) -> Settings:
    """The settings in ``path``, defaults if it does not exist. One clear line on a bad value."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Settings()
    except OSError as exc:
        raise BadInputError([f"{path}: cannot read: {exc.strerror}"]) from exc
    try:
        data: dict[str, Any] = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise BadInputError([f"{path}: not UTF-8 text"]) from exc
    except tomllib.TOMLDecodeError as exc:
        raise BadInputError([f"{path}: TOML syntax error: {exc}"]) from exc
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            key = ".".join(str(p) for p in error["loc"]) or "(file)"
            message = "unknown setting" if error["type"] == "extra_forbidden" else error["msg"]
            problems.append(f"{path}: {key}: {message}")
        raise BadInputError(problems) from exc


def save_settings(settings: Settings, path: Path) -> None:
    """Write the settings file atomically: a temporary file in the same directory, then rename."""
    lines = ["# studykb settings", ""]
    for name, field in Settings.model_fields.items():
        if field.description:
            lines.append(f"# {field.description}")
        lines.append(f"{name} = {getattr(settings, name)}")
    atomic_write_text(path, "\n".join(lines) + "\n")


def atomic_write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
