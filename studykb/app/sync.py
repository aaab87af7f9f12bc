"""Sync through a shared folder or a git repository (issue 14).

Each device writes only its own files (decks.sync_segment): the rows it made since
its last sync, as a new segment written to a temporary name, fsynced and renamed,
never rewritten. It then applies every other device's segments it has not applied
yet, each in one unit of work (storage.sync). No file is ever written by two
devices, so neither a folder sync tool nor git sees a conflict, and no question of
which side wins is ever asked: the replay of the union decides.

The live database file is never what gets synced (a sync tool copying a SQLite
file mid-write corrupts it): only segments go into the folder.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from studykb.app.store import UseCases, backup_before
from studykb.core.clock import Clock
from studykb.decks.sync_segment import (
    DEVICE_NAME,
    SEGMENT_NAME,
    SegmentError,
    decode_segment,
    encode_segment,
    segment_name,
)
from studykb.errors import StudykbError
from studykb.settings import Settings
from studykb.storage.sync import EVENT_FIELDS, LOG_FIELDS, SegmentRefused
from studykb.storage.sync_store import SyncMarks
from studykb.storage.tempfiles import fsync_dir

DEVICE_FILE = "device.json"
# Files a sync tool leaves while it copies: never read (one line each in the report).
_IN_FLIGHT = re.compile(r"(^\.syncthing\..*\.tmp$|^~syncthing~.*\.tmp$|\.partial$|\.tmp$|^\.)")


@dataclass
class SyncReport:
    """What one sync did, for the CLI and the TUI."""

    folder: str
    device: str
    written: str | None = None  # the segment this device wrote (none: nothing new)
    sent: int = 0
    applied: list[str] = field(default_factory=list)  # "device-name #n: a answers, e events"
    answers: int = 0
    events: int = 0
    skipped: list[str] = field(default_factory=list)  # refused: one line each
    in_flight: list[str] = field(default_factory=list)  # a sync tool still copying
    drills: list[str] = field(default_factory=list)
    edits_lost: list[str] = field(default_factory=list)
    backup: str | None = None
    git: list[str] = field(default_factory=list)  # what git did

    def lines(self) -> list[str]:
        out = []
        if self.backup:
            out.append(f"backup before joining: {self.backup}")
        out.append(
            f"wrote {self.written} ({self.sent} rows)" if self.written else "nothing new to send"
        )
        out += [f"applied {a}" for a in self.applied]
        if not self.applied:
            out.append("nothing new from other devices")
        out += [f"both devices answered {d}: the later answer is a drill" for d in self.drills]
        out += [
            f"{ref}: edited on two devices, the later edit wins (the other is in its history)"
            for ref in self.edits_lost
        ]
        out += [f"skipped {s}" for s in self.skipped]
        out += [f"not read yet {s}" for s in self.in_flight]
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "folder": self.folder,
            "device": self.device,
            "written": self.written,
            "sent": self.sent,
            "applied": self.applied,
            "answers": self.answers,
            "events": self.events,
            "skipped": self.skipped,
            "in_flight": self.in_flight,
            "drills": self.drills,
            "edits_lost": self.edits_lost,
            "backup": self.backup,
        }


@dataclass
class SyncStatus:
    device: str
    name: str
    last_sync: str | None
    pending: int
    devices: list[dict[str, Any]]
    waiting: int  # segments in the folder not applied yet (None folder: 0)

    def to_json(self) -> dict[str, Any]:
        return {
            "device": self.device,
            "name": self.name,
            "last_sync": self.last_sync,
            "pending": self.pending,
            "waiting": self.waiting,
            "devices": self.devices,
        }


class Sync(UseCases):
    """`studykb sync`, the TUI's `S`, and the status in its header."""

    def status(self, folder: Path | None = None) -> SyncStatus:
        marks = self._repo.sync_marks()
        waiting = 0
        if folder is not None and folder.is_dir():
            for device_dir in _device_dirs(folder, marks.device):
                applied = self._repo.applied_segments(device_dir.name)
                waiting += sum(
                    1
                    for f in device_dir.iterdir()
                    if (m := SEGMENT_NAME.match(f.name)) and int(m.group(1)) not in applied
                )
        return SyncStatus(
            marks.device,
            marks.name,
            marks.last_sync,
            self._repo.pending(marks),
            self._repo.sync_devices(),
            waiting,
        )

    def pending(self) -> int:
        """This device's rows not yet in a segment (the TUI header)."""
        return self._repo.pending(self._repo.sync_marks())

    def folder(self, folder: Path) -> SyncReport:
        """Write this device's segment into ``folder``, then apply the others'."""
        folder = folder.expanduser()
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StudykbError(f"{folder}: cannot use as a sync folder: {exc.strerror}") from exc
        if not os.access(folder, os.W_OK):
            raise StudykbError(f"{folder}: cannot write there")
        marks = self._repo.sync_marks()
        report = SyncReport(str(folder), marks.device)
        mine = folder / marks.device
        mine.mkdir(exist_ok=True)
        _remove_dead_temps(mine)
        self._write_device_file(mine, marks)
        self._catch_up_own(mine, marks)
        marks = self._repo.sync_marks()
        self._join_backup(folder, marks, report)
        self._repo.record_decks()
        self._write_segment(mine, marks, report)
        while True:
            skipped, applied = len(report.skipped), len(report.applied)
            for device_dir in _device_dirs(folder, marks.device):
                self._apply_device(device_dir, marks, report)
            if len(report.applied) == applied or len(report.skipped) == skipped:
                break
            # A segment refused because it names a card or deck that another device's
            # segment, applied later in this pass, adds: once more, with those applied.
            del report.skipped[skipped:]
        self._repo.synced()
        return report

    def git(self, url: str, work: Path | None = None) -> SyncReport:
        """Sync through a git repository: a clone beside the database (made on first
        use), pulled with rebase, the folder sync run in it, committed and pushed,
        retried when another device pushed first."""
        # One clone per database and repository: two databases in one folder syncing
        # at the same time must not share a work tree.
        key = f"{self._store.path.name}\n{url}"
        clone = (
            work
            or self._store.path.parent
            / "sync-git"
            / hashlib.sha1(key.encode("utf-8")).hexdigest()[:12]
        )
        notes: list[str] = []
        if not (clone / ".git").is_dir():
            clone.parent.mkdir(parents=True, exist_ok=True)
            _git(["clone", "--quiet", url, str(clone)], clone.parent)
            notes.append(f"cloned {url}")
        branch = _git(["symbolic-ref", "--short", "HEAD"], clone).strip() or "main"
        self._pull(clone, branch)
        report = self.folder(clone)
        report.git = notes
        for attempt in range(5):
            _git(["add", "-A", "."], clone)
            if _git(["status", "--porcelain"], clone).strip():
                _git(
                    [
                        "-c",
                        "user.name=studykb",
                        "-c",
                        f"user.email=studykb@{report.device[:8]}.invalid",
                        "commit",
                        "--quiet",
                        "-m",
                        f"studykb: {report.written or 'device'} from {report.device[:8]}",
                    ],
                    clone,
                )
            if not _git(["log", "--oneline", "-1"], clone, check=False).strip():
                break  # an empty repository and nothing to send
            pushed = subprocess.run(
                ["git", "push", "--quiet", "origin", f"HEAD:{branch}"],
                cwd=clone,
                capture_output=True,
                text=True,
                env=_git_env(),
                check=False,
            )
            if pushed.returncode == 0:
                report.git.append("pushed" if attempt == 0 else f"pushed after {attempt} retries")
                break
            # Another device pushed first: take its commits (they never touch our
            # files), apply them, and push again.
            time.sleep(0.2 * (attempt + 1))
            self._pull(clone, branch)
            more = self.folder(clone)
            report.applied += more.applied
            report.answers += more.answers
            report.events += more.events
        else:
            raise StudykbError(f"{url}: push refused five times: {pushed.stderr.strip()[:200]}")
        return report

    # ------------------------------------------------------------------ steps
    def _pull(self, clone: Path, branch: str) -> None:
        heads = _git(["ls-remote", "--heads", "origin", branch], clone)
        if heads.strip():
            _git(["pull", "--quiet", "--rebase", "origin", branch], clone)

    def _write_device_file(self, mine: Path, marks: SyncMarks) -> None:
        path = mine / DEVICE_FILE
        if path.exists():
            return
        text = json.dumps({"device": marks.device, "tag": marks.tag, "name": marks.name})
        _write_new(path, (text + "\n").encode("utf-8"))

    def _catch_up_own(self, mine: Path, marks: SyncMarks) -> None:
        """A segment of ours in the folder that the database does not know it wrote
        (the process was killed after the rename, before recording it): its rows are
        recorded as sent, so that the file is never rewritten."""
        number = marks.next_segment
        while (path := mine / segment_name(number)).exists():
            try:
                segment = decode_segment(path.read_bytes(), device=marks.device, number=number)
            except SegmentError as exc:
                raise StudykbError(f"{path}: this device's own segment: {exc}") from exc
            log_top = max((r["seq"] for r in segment.log), default=marks.sent_log)
            event_top = max((e["seq"] for e in segment.events), default=marks.sent_event)
            self._repo.mark_sent(
                number,
                hashlib.sha256(path.read_bytes()).hexdigest(),
                len(segment.log) + len(segment.events),
                max(log_top, marks.sent_log),
                max(event_top, marks.sent_event),
                self._repo.clock.now().isoformat(timespec="seconds"),
            )
            number += 1

    def _join_backup(self, folder: Path, marks: SyncMarks, report: SyncReport) -> None:
        """A device joining a folder with others' segments takes a backup first."""
        if marks.last_sync is not None or not any(_device_dirs(folder, marks.device)):
            return
        saved = backup_before(self._repo, self._store.path, "sync")
        report.backup = None if saved is None else str(saved)

    def _write_segment(self, mine: Path, marks: SyncMarks, report: SyncReport) -> None:
        log, events = self._repo.unsent_rows(marks)
        if not log and not events:
            return
        made_at = max([str(r[3]) for r in log] + [str(e[2]) for e in events])
        data = encode_segment(
            device=marks.device,
            tag=marks.tag,
            number=marks.next_segment,
            made_at=made_at,
            log_fields=LOG_FIELDS,
            log=log,
            event_fields=EVENT_FIELDS,
            events=events,
            applied=self._repo.knowledge(),
        )
        name = segment_name(marks.next_segment)
        _write_new(mine / name, data)
        self._repo.mark_sent(
            marks.next_segment,
            hashlib.sha256(data).hexdigest(),
            len(log) + len(events),
            max([int(r[0]) for r in log], default=marks.sent_log),
            max([int(e[0]) for e in events], default=marks.sent_event),
            self._repo.clock.now().isoformat(timespec="seconds"),
        )
        report.written = f"{marks.device[:8]}/{name}"
        report.sent = len(log) + len(events)

    def _apply_device(self, device_dir: Path, marks: SyncMarks, report: SyncReport) -> None:
        device = device_dir.name
        info = _device_info(device_dir)
        name = str(info.get("name") or device[:8])
        tag = info.get("tag")
        if tag == marks.tag:
            report.skipped.append(
                f"{device_dir}: device {name} has this device's tag; its rows could "
                "collide: make a new database there and sync again"
            )
            return
        applied = self._repo.applied_segments(device)
        for path in sorted(device_dir.iterdir()):
            if path.name == DEVICE_FILE:
                continue
            match = SEGMENT_NAME.match(path.name)
            if match is None:
                if _IN_FLIGHT.search(path.name):
                    report.in_flight.append(f"{path}: a file still being copied")
                else:
                    report.skipped.append(f"{path}: not a segment file")
                continue
            number = int(match.group(1))
            if number in applied:
                # Never read again (a sync with nothing new reads no segment); a file
                # whose size changed since is named: segments are never rewritten.
                try:
                    size = path.stat().st_size
                except OSError:
                    continue
                if applied[number] and size != applied[number]:
                    report.skipped.append(
                        f"{path}: changed since it was applied (segments are never rewritten)"
                    )
                continue
            try:
                data = path.read_bytes()
            except OSError as exc:
                report.skipped.append(f"{path}: cannot read: {exc.strerror}")
                continue
            sha = hashlib.sha256(data).hexdigest()
            try:
                segment = decode_segment(data, device=device, number=number)
                done = self._repo.apply_segment(
                    device,
                    segment.tag,
                    name,
                    number,
                    sha,
                    segment.log,
                    segment.events,
                    segment.applied,
                    size=len(data),
                )
            except (SegmentError, SegmentRefused) as exc:
                report.skipped.append(f"{path}: {exc}")
                continue
            report.applied.append(f"{name} #{number}: {done.answers} answers, {done.events} events")
            report.answers += done.answers
            report.events += done.events
            report.drills += done.drills
            report.edits_lost += done.edits_lost


def _device_dirs(folder: Path, mine: str) -> list[Path]:
    return sorted(
        p for p in folder.iterdir() if p.is_dir() and DEVICE_NAME.match(p.name) and p.name != mine
    )


def _device_info(device_dir: Path) -> dict[str, Any]:
    try:
        data = json.loads((device_dir / DEVICE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _remove_dead_temps(mine: Path) -> None:
    """Temporary files of this device's syncs that were killed before their rename
    (``_write_new``): other devices would name them at every sync. Only this machine
    writes in this folder, so a temporary file whose process is gone is a leftover."""
    for path in mine.glob(".*.tmp"):
        _, _, rest = path.name[1:].rpartition(".tmp")[0].rpartition(".")
        if not rest.isdigit() or _alive(int(rest)):
            continue
        try:
            path.unlink()
        except OSError:
            continue


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


def _write_new(path: Path, data: bytes) -> None:
    """A new file: a temporary name in the same folder (starting with a dot, so no
    device ever reads it), fsync, rename, fsync the folder."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    fsync_dir(path.parent)


def _git_env() -> dict[str, str]:
    return {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}


def _git(args: list[str], cwd: Path, *, check: bool = True) -> str:
    try:
        done = subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, text=True, env=_git_env(), check=False
        )
    except FileNotFoundError as exc:
        raise StudykbError("sync --git needs the git command; install git") from exc
    if check and done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["failed"])[-1]
        raise StudykbError(f"git {args[0]}: {last[:200]}")
    return done.stdout


def configured(settings: Settings) -> bool:
    return settings.sync_folder is not None or settings.sync_git is not None


def sync_in_worker(db_path: Path, clock: Clock, settings: Settings) -> tuple[bool, list[str]]:
    """A sync with the configured folder or repository, off the UI thread, on a
    connection of its own. Returns (ok, lines)."""
    from studykb.app.store import open_store

    try:
        store = open_store(db_path, clock=clock, settings=settings, seed_bundled=False)
    except StudykbError as exc:
        return False, [exc.message]
    try:
        sync = Sync(store)
        if settings.sync_git is not None:
            report = sync.git(settings.sync_git)
        elif settings.sync_folder is not None:
            report = sync.folder(Path(settings.sync_folder))
        else:
            return False, ["no sync folder or repository configured (studykb sync --folder PATH)"]
        return not report.skipped, report.lines()
    except StudykbError as exc:
        return False, [exc.message]
    except (sqlite3.Error, OSError) as exc:
        return False, [f"sync: {exc}"]
    finally:
        store.close()
