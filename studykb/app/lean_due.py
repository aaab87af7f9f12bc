"""`studykb due` for shell prompts and status bars, run on every prompt: a lean path
straight to SQLite (no click, no SQLAlchemy, no pydantic, no Textual) whenever the
database exists at the current schema. Anything else, every error case included,
goes to the full CLI, which explains."""

from __future__ import annotations


def lean_due(argv: list[str]) -> int | None:
    """Run `studykb due [--json] [--on DAY] [--deck ID]` directly; None to defer."""
    import os

    args = list(argv)
    db: str | None = None
    if len(args) >= 2 and args[0] == "--db":
        db, args = args[1], args[2:]
    if not args or args[0] != "due":
        return None
    as_json, on, deck = False, None, None
    rest = args[1:]
    while rest:
        flag = rest.pop(0)
        if flag == "--json":
            as_json = True
        elif flag in ("--on", "--deck") and rest:
            value = rest.pop(0)
            if flag == "--on":
                on = value
            else:
                deck = value
        else:
            return None  # --help, typos, anything unusual: the full CLI explains
    import json
    import sqlite3
    from datetime import date
    from pathlib import Path

    from studykb.app.due_format import due_json, due_text
    from studykb.core.clock import clock_from_env
    from studykb.core.studyday import DayStarts
    from studykb.errors import StudykbError
    from studykb.paths import config_path, default_db_path
    from studykb.settings import load_settings
    from studykb.storage.counts import due_counts
    from studykb.storage.db import SCHEMA_HEAD, connect, read_transaction

    path = Path(db or os.environ.get("STUDYKB_DB") or default_db_path()).expanduser()
    if not path.is_file():
        return None  # first run: the full CLI creates the database
    try:
        settings = load_settings(config_path())
        now = clock_from_env(os.environ).now()
        conn = connect(path, readonly=True)
    except (StudykbError, ValueError, sqlite3.Error):
        return None
    try:
        version = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        if version is None or version[0] != SCHEMA_HEAD:
            return None  # an older database: the full CLI upgrades it
        starts = conn.execute("SELECT value FROM meta WHERE key = 'day_starts'").fetchone()
        rule = DayStarts.from_json(starts and starts[0], settings.day_start_hour)
        today = rule.with_hour(settings.day_start_hour, now).study_day(now)
        day = date.fromisoformat(on) if on else today
        if day < today:
            return None
        if deck and conn.execute("SELECT 1 FROM deck WHERE id = ?", (deck,)).fetchone() is None:
            return None
        with read_transaction(conn):
            counts = due_counts(conn, day, today, settings.limits, deck)
    except (ValueError, sqlite3.Error):
        return None
    finally:
        conn.close()
    if as_json:
        print(json.dumps(due_json(counts), indent=2, ensure_ascii=False))
    else:
        print(due_text(counts))
    return 0
