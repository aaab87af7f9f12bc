"""Sync segment files (issue 14): what one device wrote between two syncs.

A sync folder holds one sub-folder per device, named by its id; each device writes
only into its own, and never rewrites a file::

    SYNC/<device id>/device.json          {"device", "tag", "name"}
    SYNC/<device id>/00000001.seg.json.gz  the rows of its first sync, and so on

A segment is gzip-compressed JSON: the format and version, the device, its tag
and the segment's number, the column names of its rows (a later version may add
columns), the rows as lists, and a SHA-256 of everything else so that a truncated
or altered file is refused whole (gzip's own CRC catches most damage first).
Reading checks every row's shape and that every row's seq carries the segment's
device tag: a device's segment holds only that device's rows.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import zlib
from dataclasses import dataclass
from typing import Any

FORMAT = "studykb-sync-segment"
VERSION = 1
SEGMENT_NAME = re.compile(r"^(\d{8})\.seg\.json\.gz$")
DEVICE_NAME = re.compile(r"^[0-9a-f]{32}$")
TAG_BITS = 21  # storage.uids: the device tag in a seq's low bits
MAX_SEGMENT_BYTES = 512 * 1024 * 1024  # uncompressed: a bomb is refused, not inflated

# Columns a segment must carry (storage.sync names them in this order).
REQUIRED_LOG = {
    "seq": int,
    "uid": str,
    "card_ref": str,
    "answered_at": str,
    "utc_offset_minutes": int,
    "study_day": str,
    "quality": int,
    "kind": str,
    "answer_ms": int,
    "scheduler": str,
    "voids": (str, type(None)),
    "before_repetitions": int,
    "before_interval": int,
    "before_due": (str, type(None)),
    "before_lapses": int,
    "before_state": str,
    "after_repetitions": int,
    "after_interval": int,
    "after_due": (str, type(None)),
    "after_lapses": int,
    "after_state": str,
}
REQUIRED_EVENT = {
    "seq": int,
    "uid": str,
    "at": str,
    "utc_offset_minutes": int,
    "study_day": str,
    "kind": str,
    "target": str,
    "value": str,
    "action": (str, type(None)),
    "after_answer": (str, type(None)),
}
LOG_KINDS = {"review", "drill", "import", "void", "practice", "reset"}
_UID = re.compile(r"^[0-9a-f]{32}$")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class SegmentError(ValueError):
    """A segment that cannot be trusted: the message is the one line saying why."""


@dataclass(frozen=True)
class Segment:
    device: str
    tag: int
    number: int
    made_at: str
    log: list[dict[str, Any]]
    events: list[dict[str, Any]]
    # The newest segment of each other device its writer had applied when writing it.
    applied: dict[str, int]


def segment_name(number: int) -> str:
    return f"{number:08d}.seg.json.gz"


def _digest(payload: dict[str, Any]) -> str:
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def encode_segment(
    *,
    device: str,
    tag: int,
    number: int,
    made_at: str,
    log_fields: tuple[str, ...],
    log: list[list[Any]],
    event_fields: tuple[str, ...],
    events: list[list[Any]],
    applied: dict[str, int] | None = None,
) -> bytes:
    payload: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "device": device,
        "tag": tag,
        "number": number,
        "made_at": made_at,
        "log_fields": list(log_fields),
        "log": log,
        "event_fields": list(event_fields),
        "events": events,
        "applied": applied or {},
    }
    payload["sha256"] = _digest(payload)
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    # mtime=0: the same rows give the same bytes.
    return gzip.compress(text.encode("utf-8"), compresslevel=6, mtime=0)


def decode_segment(data: bytes, *, device: str, number: int) -> Segment:
    """The segment in ``data``, found as ``device``'s number ``number``; SegmentError
    (one line) for anything that cannot be trusted."""
    try:
        raw = _gunzip(data)
    except (OSError, EOFError, zlib.error) as exc:
        raise SegmentError(f"not a complete gzip file ({exc})") from exc
    try:
        payload = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise SegmentError(f"not JSON ({exc})") from exc
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise SegmentError(f'not a studykb sync segment (no "format": "{FORMAT}")')
    version = payload.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise SegmentError("version: not a number")
    if version > VERSION:
        raise SegmentError(
            f"format version {version} is newer than this studykb reads ({VERSION}): "
            "upgrade studykb on this machine"
        )
    claimed = payload.pop("sha256", None)
    if claimed != _digest(payload):
        raise SegmentError("checksum does not match its content (altered or damaged)")
    if payload.get("device") != device:
        raise SegmentError(f"written by device {str(payload.get('device'))[:40]!r}, not {device}")
    if payload.get("number") != number:
        raise SegmentError(f"numbered {payload.get('number')!r}, not {number}")
    tag = payload.get("tag")
    if not isinstance(tag, int) or isinstance(tag, bool) or not 0 < tag < (1 << TAG_BITS):
        raise SegmentError("tag: not a device tag")
    log = _rows(payload, "log", REQUIRED_LOG, tag)
    events = _rows(payload, "events", REQUIRED_EVENT, tag)
    for row in log:
        if row["kind"] not in LOG_KINDS:
            raise SegmentError(f"answer {row['uid']}: kind {row['kind'][:20]!r} unknown")
        if "/" not in row["card_ref"]:
            raise SegmentError(f"answer {row['uid']}: card_ref {row['card_ref'][:80]!r}")
    applied = payload.get("applied", {})
    if not isinstance(applied, dict) or not all(
        isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool)
        for k, v in applied.items()
    ):
        raise SegmentError("applied: not a map of device to segment number")
    return Segment(device, tag, number, str(payload.get("made_at", "")), log, events, applied)


def _gunzip(data: bytes) -> bytes:
    """Decompress, refusing more than MAX_SEGMENT_BYTES (a gzip bomb)."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    out = inflater.decompress(data, MAX_SEGMENT_BYTES + 1)
    if len(out) > MAX_SEGMENT_BYTES:
        raise OSError(f"more than {MAX_SEGMENT_BYTES // 2**20} MiB uncompressed")
    if not inflater.eof:
        raise EOFError("truncated")
    return out


def _rows(
    payload: dict[str, Any], section: str, required: dict[str, Any], tag: int
) -> list[dict[str, Any]]:
    fields_key = "log_fields" if section == "log" else "event_fields"
    fields = payload.get(fields_key)
    rows = payload.get(section)
    if not isinstance(fields, list) or not all(isinstance(f, str) for f in fields):
        raise SegmentError(f"{fields_key}: not a list of names")
    missing = [name for name in required if name not in fields]
    if missing:
        raise SegmentError(f"{fields_key}: missing {', '.join(missing)}")
    if not isinstance(rows, list):
        raise SegmentError(f"{section}: not a list")
    what = "answer" if section == "log" else "event"
    found: list[dict[str, Any]] = []
    for index, values in enumerate(rows, start=1):
        if not isinstance(values, list) or len(values) != len(fields):
            raise SegmentError(f"{what} {index}: {len(fields)} values expected")
        row = dict(zip(fields, values, strict=True))
        for name, kind in required.items():
            value = row[name]
            if not isinstance(value, kind) or isinstance(value, bool):
                raise SegmentError(f"{what} {index}: {name}: wrong type")
        if not _UID.match(row["uid"]):
            raise SegmentError(f"{what} {index}: uid {row['uid'][:40]!r}")
        if not _DAY.match(row["study_day"]):
            raise SegmentError(f"{what} {index}: study_day {row['study_day'][:20]!r}")
        if row["seq"] <= 0 or row["seq"] >= 2**63 or row["seq"] & ((1 << TAG_BITS) - 1) != tag:
            raise SegmentError(f"{what} {row['uid']}: seq {row['seq']} is not this device's")
        when = "answered_at" if section == "log" else "at"
        if not _is_moment(row[when]):
            raise SegmentError(f"{what} {row['uid']}: {when} {row[when][:40]!r} is not a time")
        if not -24 * 60 < row["utc_offset_minutes"] < 24 * 60:
            raise SegmentError(f"{what} {row['uid']}: utc_offset_minutes out of range")
        if section == "log" and not 0 <= row["quality"] <= 5:
            raise SegmentError(f"{what} {row['uid']}: quality {row['quality']} is not 0 to 5")
        found.append({name: row[name] for name in required})
    return found


def _is_moment(text: str) -> bool:
    """An ISO-8601 time with its offset (as studykb writes a row's time)."""
    from datetime import datetime

    try:
        return datetime.fromisoformat(text).tzinfo is not None
    except ValueError:
        return False
