"""Images on cards (issue 16 item 15): deck files and Anki packages bring them into the
media folder, checked by content, capped, safely named; hostile media are one line with
nothing imported; .apkg exports carry them back out."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import struct
import zipfile
import zlib
from pathlib import Path

import pytest

from studykb.decks.media import (
    MAX_MEDIA_BYTES,
    MediaError,
    is_stored_name,
    stored_name,
    unsafe_name,
)
from tests.conftest import run_cli, write
from tests.decks.test_anki_hostile import BASIC, make_package
from tests.pngs import noise_to_image, png

PNG = png(8, 4)
GIF = (  # one white pixel
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00"
    b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims ``width`` x ``height`` pixels: a decompression bomb's header."""
    whole = png(1, 1)
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = (
        struct.pack(">I", len(ihdr))
        + b"IHDR"
        + ihdr
        + struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    )
    return whole[:8] + chunk + whole[8 + 25 :]


HASH = hashlib.sha256(PNG).hexdigest()[:16]

DECK = """
[deck]
id = "pics"
title = "Pictures"

[[cards]]
id = "unet"
front = "Which network does DDPM train?\\n\\n![The U-Net of DDPM](figs/unet.png)"
back = "A U-Net with attention."

[[cards]]
id = "plain"
front = "No picture here?"
back = "None."
"""


@pytest.fixture
def cli_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    db = tmp_path / "data" / "s.db"
    db.parent.mkdir()
    monkeypatch.setenv("STUDYKB_DB", str(db))
    monkeypatch.setenv("STUDYKB_NO_BUNDLED", "1")
    monkeypatch.setenv("STUDYKB_NOW", "2026-01-05T10:00:00+01:00")
    return db


def deck_with_image(folder: Path, data: bytes = PNG, deck: str = DECK) -> Path:
    (folder / "figs").mkdir(parents=True, exist_ok=True)
    (folder / "figs" / "unet.png").write_bytes(data)
    return write(folder / "pics.toml", deck)


def card_front(db: Path, key: str) -> str:
    conn = sqlite3.connect(db)
    try:
        row = conn.execute("SELECT front FROM card WHERE key = ?", (key,)).fetchone()
    finally:
        conn.close()
    return str(row[0]) if row else ""


def media(db: Path) -> list[str]:
    folder = db.parent / "media"
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def state(db: Path) -> tuple[int, list[str]]:
    """The cards in the database and the files in its media folder."""
    if not db.exists():
        return 0, media(db)
    conn = sqlite3.connect(db)
    try:
        (cards,) = conn.execute("SELECT count(*) FROM card").fetchone()
    finally:
        conn.close()
    return int(cards), media(db)


# The rules -------------------------------------------------------------------------


def test_an_image_is_named_by_its_stem_and_content_and_typed_by_its_bytes() -> None:
    assert stored_name("figs/U-Net (v2).PNG", PNG) == f"U-Net_v2-{HASH}.png"
    # A GIF's bytes named .png are stored as what they are.
    assert stored_name("x.png", GIF).endswith(".gif")
    assert stored_name("../../.hidden", PNG) == f"hidden-{HASH}.png"
    # Stored again, a stored name stays itself (a package round trip adds nothing).
    name = stored_name("unet.png", PNG)
    assert stored_name(name, PNG) == name and is_stored_name(name)
    assert not is_stored_name("../" + name) and not is_stored_name(".x-0123456789abcdef.png")


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "SVG"),
        (b"MZ\x90\x00 an executable", "not a PNG, JPEG, GIF or WebP"),
        (b"", "empty"),
        (b"GIF89a" + b"\0" * 20, "a damaged GIF image"),
        (PNG[:40] + b"\0" * 40, "a damaged PNG image"),
        (png_header_only(10_000, 10_000), "more than 40,000,000 pixels"),
        (png_header_only(8_000, 6_000), "8000x6000 pixels, more than 40,000,000"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * MAX_MEDIA_BYTES, "larger than 10 MiB"),
    ],
)
def test_what_is_not_an_image_studykb_shows_is_refused(data: bytes, why: str) -> None:
    with pytest.raises(MediaError, match=why):
        stored_name("fig.png", data)


@pytest.mark.parametrize(
    "name", ["../evil.png", "/etc/passwd", "a\\b.png", ".bashrc", "C:x.png", "a\x00b", "x" * 200]
)
def test_an_archive_name_with_a_path_or_a_leading_dot_is_refused(name: str) -> None:
    assert unsafe_name(name) is not None
    assert unsafe_name("my figure (1).png") is None


# Deck files --------------------------------------------------------------------------


def test_a_deck_file_image_is_copied_named_and_the_card_rewritten(
    tmp_path: Path, cli_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deck = deck_with_image(tmp_path / "decks")
    code, out, err = run_cli(capsys, "import", str(deck))
    assert code == 0, err
    stored = f"unet-{HASH}.png"
    assert media(cli_db) == [stored]
    assert (cli_db.parent / "media" / stored).read_bytes() == PNG
    assert f"![The U-Net of DDPM]({stored})" in card_front(cli_db, "unet")
    assert "images: 1 image (1 new) in" in out
    # Imported again: unchanged (the rewritten text is the same), no second file.
    code, out, _ = run_cli(capsys, "import", str(deck))
    assert code == 0 and "0 added, 0 updated, 2 unchanged" in out
    assert "images: 1 image (0 new) in" in out
    assert media(cli_db) == [stored]
    # `studykb next` prints the caption as text; --raw the source.
    code, out, _ = run_cli(capsys, "next")
    assert "[image: The U-Net of DDPM]" in out and stored not in out
    code, out, _ = run_cli(capsys, "next", "--raw")
    assert f"![The U-Net of DDPM]({stored})" in out


def test_a_changed_image_beside_an_unchanged_deck_file_is_imported(
    tmp_path: Path, cli_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deck = deck_with_image(tmp_path / "decks")
    assert run_cli(capsys, "import", str(deck))[0] == 0
    (tmp_path / "decks" / "figs" / "unet.png").write_bytes(png(4, 4))
    code, out, _ = run_cli(capsys, "import", str(deck))
    assert code == 0 and "1 updated" in out
    assert len(media(cli_db)) == 2


@pytest.mark.parametrize(
    ("image", "data", "why"),
    [
        ("figs/unet.png", b"GIF87 not quite", "not a PNG, JPEG, GIF or WebP"),
        ("figs/unet.png", b"<?xml version='1.0'?><svg/>", "SVG"),
        ("figs/missing.png", PNG, "cannot read"),
        ("../outside.png", PNG, "outside the deck file's folder"),
        ("/etc/hostname", PNG, "absolute path"),
        ("https://example.org/x.png", PNG, "not links"),
    ],
)
def test_a_bad_image_in_a_deck_file_is_one_line_and_nothing_is_imported(
    tmp_path: Path,
    cli_db: Path,
    capsys: pytest.CaptureFixture[str],
    image: str,
    data: bytes,
    why: str,
) -> None:
    (tmp_path / "outside.png").write_bytes(PNG)
    deck = deck_with_image(tmp_path / "decks", data, DECK.replace("figs/unet.png", image))
    code, out, err = run_cli(capsys, "import", str(deck))
    assert code == 2, (out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert str(deck) in lines[0] and "card unet: front: image" in lines[0] and why in lines[0]
    assert state(cli_db) == (0, [])


def test_an_image_too_large_is_refused_before_it_is_read_whole(
    tmp_path: Path, cli_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deck = deck_with_image(tmp_path / "decks", b"\x89PNG\r\n\x1a\n" + b"\0" * MAX_MEDIA_BYTES)
    code, _, err = run_cli(capsys, "import", str(deck))
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "card unet: front: image figs/unet.png: file is larger than 10 MiB" in err
    assert state(cli_db) == (0, [])


def test_a_dry_run_writes_no_image(
    tmp_path: Path, cli_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run_cli(capsys, "import", "--dry-run", str(deck_with_image(tmp_path / "d")))
    assert code == 0 and "1 image would be in" in out
    assert media(cli_db) == []


# Anki packages ---------------------------------------------------------------------


def with_media(package: Path, files: dict[str, bytes], names: dict[str, str]) -> Path:
    """Add a legacy media map (member -> name) and numbered members to a package."""
    with zipfile.ZipFile(package, "a") as archive:
        archive.writestr("media", json.dumps(names))
        for member, data in files.items():
            archive.writestr(member, data)
    return package


def img_package(tmp_path: Path, src: str = "fig.png", alt: str = "The U-Net") -> Path:
    return make_package(
        tmp_path / "pics.apkg",
        [("g1", BASIC, [f'Which net?<br><img src="{src}" alt="{alt}">', "A U-Net."], 1)],
        decks={"1": "Pics"},
    )


def test_an_anki_package_image_is_imported_and_the_field_rewritten(
    tmp_path: Path, cli_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    package = with_media(
        img_package(tmp_path), {"0": PNG, "1": b"ID3 a sound"}, {"0": "fig.png", "1": "s.mp3"}
    )
    code, _, err = run_cli(capsys, "import", str(package))
    assert code == 0, err
    stored = f"fig-{HASH}.png"
    assert media(cli_db) == [stored]  # only what a note shows: the sound is left out
    conn = sqlite3.connect(cli_db)
    (front,) = conn.execute("SELECT front FROM card").fetchone()
    conn.close()
    assert front.endswith(f"![The U-Net]({stored})")


def test_an_img_the_package_lacks_stays_text(
    tmp_path: Path, cli_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    package = img_package(tmp_path, src="absent.png")
    assert run_cli(capsys, "import", str(package))[0] == 0
    conn = sqlite3.connect(cli_db)
    (front,) = conn.execute("SELECT front FROM card").fetchone()
    conn.close()
    assert "[image: absent.png]" in front and media(cli_db) == []


@pytest.mark.parametrize(
    ("files", "names", "src", "why"),
    [
        (
            {"0": b"GIF00 no"},
            {"0": "fig.png"},
            "fig.png",
            "image fig.png: not a PNG, JPEG, GIF or WebP",
        ),
        ({"0": b"<svg onload='x'/>"}, {"0": "fig.png"}, "fig.png", "SVG"),
        (
            {"0": b"\x89PNG\r\n\x1a\n" + b"\0" * MAX_MEDIA_BYTES},
            {"0": "fig.png"},
            "fig.png",
            "larger than 10 MiB",
        ),
        ({}, {"0": "fig.png"}, "fig.png", "image fig.png: not in the package"),
        (
            {"0": PNG},
            {"0": "../../evil.png"},
            "fig.png",
            "'../../evil.png': name with a path in it",
        ),
        ({"0": PNG}, {"0": "/etc/cron.d/x"}, "fig.png", "name with a path in it"),
        ({"0": PNG}, {"0": ".profile"}, "fig.png", "name starting with a dot"),
    ],
)
def test_hostile_package_media_are_one_line_and_nothing_is_imported(
    tmp_path: Path,
    cli_db: Path,
    capsys: pytest.CaptureFixture[str],
    files: dict[str, bytes],
    names: dict[str, str],
    src: str,
    why: str,
) -> None:
    package = with_media(img_package(tmp_path, src=src), files, names)
    code, out, err = run_cli(capsys, "import", str(package))
    assert code == 2, (out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and str(package) in lines[0] and why in lines[0], err
    if "name" not in why:
        assert "card pics/" in lines[0] and ": front: image" in lines[0]
    assert state(cli_db) == (0, [])


def test_a_modern_package_media_map_is_read(
    tmp_path: Path, cli_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Anki 23+: the map is a zstd-compressed protobuf (MediaEntries), files compressed too."""
    import zstandard

    def field(number: int, data: bytes) -> bytes:
        return bytes([number << 3 | 2, len(data)]) + data

    entries = field(1, field(1, b"fig.png") + bytes([2 << 3, len(PNG)]))
    compress = zstandard.ZstdCompressor().compress
    package = img_package(tmp_path)
    with zipfile.ZipFile(package, "a") as archive:
        archive.writestr("media", compress(entries))
        archive.writestr("0", compress(PNG))
    code, _, err = run_cli(capsys, "import", str(package))
    assert code == 0, err
    assert media(cli_db) == [f"fig-{HASH}.png"]


def test_an_apkg_round_trip_keeps_the_image(
    tmp_path: Path,
    cli_db: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    picture = noise_to_image()
    deck = deck_with_image(tmp_path / "decks", picture)
    assert run_cli(capsys, "import", str(deck))[0] == 0
    out_file = tmp_path / "out.apkg"
    code, out, err = run_cli(capsys, "export", str(out_file))
    assert code == 0 and "1 image" in out, err
    stored = stored_name("unet.png", picture)
    with zipfile.ZipFile(out_file) as archive:
        names = json.loads(archive.read("media"))
        member = next(k for k, v in names.items() if v == stored)
        assert archive.read(member) == picture
    # Back into the same database: the card is unchanged (identity and text kept).
    code, out, _ = run_cli(capsys, "import", str(out_file))
    assert code == 0 and "0 added, 0 updated, 2 unchanged" in out, out
    # Into a fresh database (another folder): the image comes back with the card.
    other = tmp_path / "other" / "o.db"
    other.parent.mkdir()
    monkeypatch.setenv("STUDYKB_DB", str(other))
    code, out, err = run_cli(capsys, "import", str(out_file))
    assert code == 0, err
    assert media(other) == [stored]
    assert f"![The U-Net of DDPM]({stored})" in card_front(other, "unet")


def test_the_json_backup_names_the_images_it_does_not_carry(
    tmp_path: Path, cli_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(capsys, "import", str(deck_with_image(tmp_path / "decks")))[0] == 0
    code, out, _ = run_cli(capsys, "export", str(tmp_path / "b.json"))
    assert code == 0
    assert "the cards show 1 image, kept in" in out and "not in the backup" in out
    (cli_db.parent / "media" / f"unet-{HASH}.png").unlink()
    code, out, _ = run_cli(capsys, "export", str(tmp_path / "b.json"))
    assert f"warning: 1 image not in the media folder: unet-{HASH}.png" in out
    # Restored elsewhere without the folder: the missing image is named.
    fresh = tmp_path / "fresh" / "f.db"
    fresh.parent.mkdir()
    code, out, err = run_cli(capsys, "--db", str(fresh), "import", str(tmp_path / "b.json"))
    assert code == 0, err
    assert f"1 image the cards show is not in {fresh.parent / 'media'}" in out
    assert f"unet-{HASH}.png" in out


@pytest.mark.parametrize("legacy", [False, True])
def test_a_real_anki_package_brings_its_images(
    tmp_path: Path, cli_db: Path, capsys: pytest.CaptureFixture[str], legacy: bool
) -> None:
    """Anki's own export, with media: legacy (JSON map) and modern (zstd protobuf map)."""
    pytest.importorskip("anki")
    from anki.collection import Collection
    from anki.import_export_pb2 import ExportAnkiPackageOptions, ExportLimit

    (tmp_path / "anki").mkdir()
    col = Collection(str(tmp_path / "anki" / "c.anki2"))
    try:
        name = col.media.write_data("unet diagram.png", PNG)
        note = col.new_note(col.models.by_name("Basic"))
        note["Front"] = f'Which net? <img src="{name}">'
        note["Back"] = "A U-Net."
        col.add_note(note, col.decks.id("Pics"))
        out = tmp_path / "real.apkg"
        col.export_anki_package(
            out_path=str(out),
            options=ExportAnkiPackageOptions(with_scheduling=False, with_media=True, legacy=legacy),
            limit=ExportLimit(),
        )
    finally:
        col.close()
    code, _, err = run_cli(capsys, "import", str(out))
    assert code == 0, err
    stored = f"unet_diagram-{HASH}.png"
    assert media(cli_db) == [stored]
    conn = sqlite3.connect(cli_db)
    (front,) = conn.execute("SELECT front FROM card").fetchone()
    conn.close()
    assert front == f"Which net? ![{name}]({stored})"


@pytest.mark.parametrize(("fmt", "suffix"), [("JPEG", "jpg"), ("WEBP", "webp"), ("GIF", "gif")])
def test_jpeg_webp_and_gif_made_by_pillow_are_accepted(fmt: str, suffix: str) -> None:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (6, 4), (200, 80, 30)).save(buffer, format=fmt)
    assert stored_name("photo.bin", buffer.getvalue()).endswith(f".{suffix}")
