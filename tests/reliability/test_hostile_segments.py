"""Hostile sync folders (issue 14): segments a device cannot trust are skipped with
one line naming the file, and nothing of them is applied (the database compared
whole before and after); `studykb sync` then exits non-zero."""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil
import sqlite3
import zlib
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from studykb.app.authoring import CardFields
from studykb.app.collection import Collection
from studykb.core.clock import FixedClock
from studykb.decks import sync_segment
from tests.conftest import run_cli
from tests.storage.test_sync_replicas import START, open_replica, snapshot

OTHER = "c" * 32  # a third device's id


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[tuple[Collection, Collection, Path]]:
    """A and B with the same deck; A has answered, suspended, edited and read, and
    synced into tmp/good. Returns (A, B, A's folder in tmp/good)."""
    clock_a = FixedClock(START)
    a = open_replica(tmp_path / "a.db", clock_a)
    b = open_replica(tmp_path / "b.db", FixedClock(START + timedelta(hours=1)))
    # B's first sync records its decks (deck_import events): done here, so that what
    # a test's sync changes in B is only what it applied.
    b.sync.folder(tmp_path / "b-first")
    a.review.answer("toy/one", 4)
    clock_a.advance(timedelta(minutes=1))
    a.review.answer("toy/two", 1)
    a.review.suspend(["toy/three"])
    a.authoring.edit("toy/two", CardFields("Question two, edited?", "Answer two."))
    a.reading.set_status("toy", "reading")
    report = a.sync.folder(tmp_path / "good")
    assert report.written and not report.skipped
    mine = tmp_path / "good" / a.sync.status().device
    yield a, b, mine
    a.close()
    b.close()


def good_bytes(mine: Path) -> bytes:
    return (mine / sync_segment.segment_name(1)).read_bytes()


def payload(data: bytes) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(gzip.decompress(data))
    return loaded


def sealed(body: dict[str, Any]) -> bytes:
    """A segment with a checksum that matches whatever it holds now."""
    body = {k: v for k, v in body.items() if k != "sha256"}
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    body["sha256"] = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    return gzip.compress(json.dumps(body).encode("utf-8"), mtime=0)


def rows(body: dict[str, Any], section: str) -> list[dict[str, Any]]:
    fields = body["log_fields" if section == "log" else "event_fields"]
    return [dict(zip(fields, values, strict=True)) for values in body[section]]


def put_rows(body: dict[str, Any], section: str, found: list[dict[str, Any]]) -> None:
    fields = body["log_fields" if section == "log" else "event_fields"]
    body[section] = [[row[f] for f in fields] for row in found]


def sync_device_count(collection: Collection) -> int:
    conn: sqlite3.Connection = collection._store.repo.conn
    return int(conn.execute("SELECT count(*) FROM sync_segment").fetchone()[0])


def offer(
    b: Collection,
    folder: Path,
    device: str,
    tag: int,
    files: dict[str, bytes],
) -> list[str]:
    """Put ``files`` in ``folder/device`` and sync B there: nothing may change; the
    skipped lines are returned (each must name its file)."""
    where = folder / device
    where.mkdir(parents=True, exist_ok=True)
    (where / "device.json").write_text(json.dumps({"device": device, "tag": tag, "name": "evil"}))
    for name, data in files.items():
        (where / name).write_bytes(data)
    before, applied = (
        snapshot(b, with_card_times=True, with_positions=True, with_voided_states=True),
        sync_device_count(b),
    )
    report = b.sync.folder(folder)
    assert (
        snapshot(b, with_card_times=True, with_positions=True, with_voided_states=True) == before
    ), "something was applied"
    assert sync_device_count(b) == applied
    assert not report.applied
    # A file a sync tool is still copying is named too, but is no refusal (the exit
    # code stays 0: the next sync reads it once it is whole).
    named_lines = report.skipped + report.in_flight
    for name in files:
        assert [line for line in named_lines if name in line], (name, named_lines)
    assert len(named_lines) == len(files), named_lines
    return named_lines


def a_tag(mine: Path) -> int:
    return int(json.loads((mine / "device.json").read_text())["tag"])


Hostile = Callable[[bytes], bytes]


def _truncated(data: bytes) -> bytes:
    return data[: len(data) // 2]


def _flipped(data: bytes) -> bytes:
    middle = len(data) // 2
    return data[:middle] + bytes([data[middle] ^ 0x40]) + data[middle + 1 :]


def _bad_checksum(data: bytes) -> bytes:
    body = payload(data)
    body["log"][0][body["log_fields"].index("quality")] = 0
    return gzip.compress(json.dumps(body).encode("utf-8"), mtime=0)


def _newer(data: bytes) -> bytes:
    body = payload(data)
    body["version"] = sync_segment.VERSION + 1
    return sealed(body)


def _not_a_segment(data: bytes) -> bytes:
    return gzip.compress(b'{"format": "something-else"}', mtime=0)


def _foreign_tag(data: bytes) -> bytes:
    body = payload(data)
    found = rows(body, "log")
    found[-1]["seq"] = (found[-1]["seq"] >> 21 << 21) | ((body["tag"] + 1) & (2**21 - 1))
    put_rows(body, "log", found)
    return sealed(body)


def _renumbered(data: bytes) -> bytes:
    body = payload(data)
    body["number"] = 7
    return sealed(body)


def _empty(data: bytes) -> bytes:
    return b""


def _not_gzip(data: bytes) -> bytes:
    return json.dumps(payload(data)).encode()


def _bad_day(data: bytes) -> bytes:
    body = payload(data)
    found = rows(body, "events")
    found[-1]["study_day"] = "yesterday"
    put_rows(body, "events", found)
    return sealed(body)


DAMAGE: dict[str, Hostile] = {
    "truncated": _truncated,
    "flipped byte": _flipped,
    "bad checksum": _bad_checksum,
    "newer format version": _newer,
    "not a segment": _not_a_segment,
    "seq tag of another device": _foreign_tag,
    "numbered as another file": _renumbered,
    "empty file": _empty,
    "JSON without gzip": _not_gzip,
    "bad study day": _bad_day,
}


@pytest.mark.parametrize("damage", DAMAGE, ids=list(DAMAGE))
def test_a_damaged_segment_is_skipped_whole(
    pair: tuple[Collection, Collection, Path], tmp_path: Path, damage: str
) -> None:
    _, b, mine = pair
    data = good_bytes(mine)
    folder = tmp_path / "hostile"
    name = sync_segment.segment_name(1)
    skipped = offer(b, folder, mine.name, a_tag(mine), {name: DAMAGE[damage](data)})
    assert len(skipped[0].splitlines()) == 1
    # The sync tool finishes the copy: the next sync applies the whole segment.
    (folder / mine.name / name).write_bytes(data)
    report = b.sync.folder(folder)
    assert report.applied and not report.skipped
    assert b.review.card("toy/three").suspended


def test_a_segment_in_another_devices_folder_is_skipped(
    pair: tuple[Collection, Collection, Path], tmp_path: Path
) -> None:
    _, b, mine = pair
    skipped = offer(b, tmp_path / "f", OTHER, 77, {sync_segment.segment_name(1): good_bytes(mine)})
    assert "written by device" in skipped[0]


def test_rows_naming_an_unknown_card_refuse_the_whole_segment(
    pair: tuple[Collection, Collection, Path], tmp_path: Path
) -> None:
    _, b, mine = pair
    body = payload(good_bytes(mine))
    found = rows(body, "log")
    assert len(found) == 2  # the first is good: it must not be applied alone
    found[-1]["card_ref"] = "toy/nowhere"
    put_rows(body, "log", found)
    skipped = offer(
        b, tmp_path / "f", mine.name, a_tag(mine), {"00000001.seg.json.gz": sealed(body)}
    )
    assert "toy/nowhere" in skipped[0]


@pytest.mark.parametrize("target", ["toy/nowhere", "deck:nowhere", "paper:nowhere"])
def test_events_naming_an_unknown_card_deck_or_paper_refuse_the_segment(
    pair: tuple[Collection, Collection, Path], tmp_path: Path, target: str
) -> None:
    _, b, mine = pair
    body = payload(good_bytes(mine))
    found = rows(body, "events")
    # The last event A made (not the deck it recorded at its first sync).
    last = max(i for i, e in enumerate(found) if e["kind"] != "deck_import")
    found[last]["target"] = target
    put_rows(body, "events", found)
    skipped = offer(
        b, tmp_path / "f", mine.name, a_tag(mine), {"00000001.seg.json.gz": sealed(body)}
    )
    assert "nowhere" in skipped[0]


def test_a_duplicate_uid_with_other_content_is_refused(
    pair: tuple[Collection, Collection, Path], tmp_path: Path
) -> None:
    """A's segment applied; then a second one of A's holding the same answer with
    another grade (and a new row before it, which must not be applied either)."""
    _, b, mine = pair
    folder = tmp_path / "f"
    shutil.copytree(mine, folder / mine.name)
    assert b.sync.folder(folder).applied
    body = payload(good_bytes(mine))
    found = rows(body, "log")
    changed = dict(found[0], quality=0)
    extra = dict(found[-1], uid="e" * 32, seq=found[-1]["seq"] + (5 << 21))
    put_rows(body, "log", [extra, changed])
    body["number"] = 2
    skipped = offer(b, folder, mine.name, a_tag(mine), {"00000002.seg.json.gz": sealed(body)})
    assert "different content" in skipped[0] or "another" in skipped[0]


def test_a_seq_taken_by_another_row_is_refused(
    pair: tuple[Collection, Collection, Path], tmp_path: Path
) -> None:
    _, b, mine = pair
    folder = tmp_path / "f"
    shutil.copytree(mine, folder / mine.name)
    assert b.sync.folder(folder).applied
    body = payload(good_bytes(mine))
    found = rows(body, "log")
    put_rows(body, "log", [dict(found[0], uid="d" * 32)])
    body["events"], body["number"] = [], 2
    skipped = offer(b, folder, mine.name, a_tag(mine), {"00000002.seg.json.gz": sealed(body)})
    assert "another row" in skipped[0]


def test_a_segment_changed_after_it_was_applied_is_named(
    pair: tuple[Collection, Collection, Path], tmp_path: Path
) -> None:
    _, b, mine = pair
    folder = tmp_path / "f"
    shutil.copytree(mine, folder / mine.name)
    assert b.sync.folder(folder).applied
    skipped = offer(
        b, folder, mine.name, a_tag(mine), {"00000001.seg.json.gz": _newer(good_bytes(mine))}
    )
    assert "changed since it was applied" in skipped[0]


def test_a_gzip_bomb_is_refused(
    pair: tuple[Collection, Collection, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """More than the limit once inflated: refused (the limit made small here so the
    test does not inflate 512 MiB)."""
    _, b, mine = pair
    monkeypatch.setattr(sync_segment, "MAX_SEGMENT_BYTES", 4 * 2**20)
    deflate = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    chunk = b" " * 2**20
    bomb = b"".join(deflate.compress(chunk) for _ in range(64)) + deflate.flush()
    assert len(bomb) < 100_000
    skipped = offer(b, tmp_path / "f", mine.name, a_tag(mine), {"00000001.seg.json.gz": bomb})
    assert "MiB" in skipped[0]


def test_a_device_claiming_this_devices_tag_is_skipped(
    pair: tuple[Collection, Collection, Path], tmp_path: Path
) -> None:
    _, b, mine = pair
    tag = b.sync.status().device  # make B's own tag known
    conn: sqlite3.Connection = b._store.repo.conn
    b_tag = int(conn.execute("SELECT value FROM meta WHERE key = 'device_tag'").fetchone()[0])
    assert tag
    folder = tmp_path / "f"
    where = folder / mine.name
    where.mkdir(parents=True)
    (where / "device.json").write_text(json.dumps({"device": mine.name, "tag": b_tag}))
    (where / "00000001.seg.json.gz").write_bytes(good_bytes(mine))
    before = snapshot(b, with_card_times=True, with_positions=True, with_voided_states=True)
    report = b.sync.folder(folder)
    assert snapshot(b, with_card_times=True, with_positions=True, with_voided_states=True) == before
    assert len(report.skipped) == 1 and "this device's tag" in report.skipped[0]


@pytest.mark.parametrize(
    "name",
    [
        ".syncthing.00000002.seg.json.gz.tmp",
        "~syncthing~00000002.seg.json.gz.tmp",
        "00000002.seg.json.gz.partial",
        "00000002.seg.json.gz.part",
        "00000002.seg.json.gz.sync-conflict-20260105-1",
        "notes.txt",
    ],
)
def test_a_sync_tools_temporary_files_are_skipped(
    pair: tuple[Collection, Collection, Path], tmp_path: Path, name: str
) -> None:
    """Beside a good segment (applied), a file still being copied or a stranger: one
    line naming it, nothing read from it."""
    _, b, mine = pair
    folder = tmp_path / "f"
    shutil.copytree(mine, folder / mine.name)
    assert b.sync.folder(folder).applied
    offer(b, folder, mine.name, a_tag(mine), {name: _truncated(good_bytes(mine))})


def test_the_cli_names_the_skipped_file_and_exits_non_zero(
    pair: tuple[Collection, Collection, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, b, mine = pair
    folder = tmp_path / "cli"
    (folder / mine.name).mkdir(parents=True)
    shutil.copy(mine / "device.json", folder / mine.name / "device.json")
    bad = folder / mine.name / "00000001.seg.json.gz"
    bad.write_bytes(_truncated(good_bytes(mine)))
    before = snapshot(b, with_card_times=True, with_positions=True, with_voided_states=True)
    path = b.path
    b.close()
    monkeypatch.setenv("STUDYKB_NOW", (START + timedelta(hours=2)).isoformat())
    monkeypatch.setenv("STUDYKB_NO_BUNDLED", "1")
    code, out, err = run_cli(capsys, "--db", str(path), "sync", "--folder", str(folder))
    assert code != 0, (out, err)
    lines = [line for line in out.splitlines() if str(bad) in line]
    assert len(lines) == 1 and lines[0].startswith("skipped"), out
    again = open_replica(path, FixedClock(START))
    try:
        assert (
            snapshot(again, with_card_times=True, with_positions=True, with_voided_states=True)
            == before
        )
    finally:
        again.close()


def _event_value(kind: str, value: str) -> Hostile:
    def change(data: bytes) -> bytes:
        body = payload(data)
        found = rows(body, "events")
        paper = next(e for e in found if e["kind"] == "paper_status")
        paper["kind"], paper["value"] = kind, value
        put_rows(body, "events", found)
        return sealed(body)

    return change


def _log_value(name: str, value: Any) -> Hostile:
    def change(data: bytes) -> bytes:
        body = payload(data)
        found = rows(body, "log")
        found[-1][name] = value
        put_rows(body, "log", found)
        return sealed(body)

    return change


NONSENSE: dict[str, Hostile] = {
    "unknown event kind": _event_value("explode", "x"),
    "paper status nobody knows": _event_value("paper_status", "burnt"),
    "grade 99": _log_value("quality", 99),
    "grade -1": _log_value("quality", -1),
    "answered at no time": _log_value("answered_at", "not a time"),
    "a scheduler nobody knows": _log_value("scheduler", "quantum"),
}


@pytest.mark.parametrize("damage", NONSENSE, ids=list(NONSENSE))
def test_well_formed_nonsense_is_skipped_whole(
    pair: tuple[Collection, Collection, Path], tmp_path: Path, damage: str
) -> None:
    """A checksum that matches content no studykb writes: skipped with one line (the
    sync goes on), nothing applied, never a crash half way."""
    _, b, mine = pair
    data = NONSENSE[damage](good_bytes(mine))
    offer(b, tmp_path / "f", mine.name, a_tag(mine), {"00000001.seg.json.gz": data})
    assert b.maintenance.check().ok
