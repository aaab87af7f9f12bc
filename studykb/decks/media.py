"""Images on cards: what a card's text may reference, and what studykb accepts.

Card text references an image the Markdown way, ``![caption](name)``. On import the
bytes are checked here: the type by content (PNG, JPEG, GIF or WebP magic bytes;
the name's suffix counts for nothing; then read through by Pillow, which refuses
a damaged file or a decompression bomb), the size capped, and the file given a
stored name made from a sanitised form of its own name and its content hash
(``fig-3f2a9c1b7d4e5f60.png``): no path separators, no leading dot, a bounded
length, and two different images can never share one. The card's text is
rewritten to that name. SVG is refused: rendering it safely would need a
renderer studykb does not ship (and SVG can fetch and script).

Functions over bytes and text, and ``deck_images``, which reads a deck file's
images from beside it; writing them into the media folder is storage's job
(studykb.storage.media), as one step of the import that applies them.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

# Re-exported: the deck readers and writers take them from here.
from studykb.render.figures import IMAGE, Figure, rewrite_images

if TYPE_CHECKING:
    from studykb.core.specs import CardSpec, DeckSpec

MAX_MEDIA_BYTES = 10 * 1024 * 1024  # one image
MAX_MEDIA_TOTAL_BYTES = 512 * 1024 * 1024  # all images of one import
MAX_PIXELS = 40_000_000  # width x height: what a terminal could ever show, many times over
MAX_NAME_CHARS = 120  # a name as an Anki package's media map gives it
_STEM_CHARS = 40  # the readable part of a stored name
HASH_CHARS = 16

# Magic bytes -> the suffix the stored file gets.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpg"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
)
SUFFIXES = ("png", "jpg", "gif", "webp")

_STORED = re.compile(rf"^[A-Za-z0-9_-]{{1,{_STEM_CHARS}}}-[0-9a-f]{{{HASH_CHARS}}}\.[a-z]{{3,4}}$")


class MediaError(ValueError):
    """An image studykb refuses; the message says why, without the file's name."""


def image_kind(data: bytes) -> str:
    """The stored suffix for an image's bytes, by their magic numbers; MediaError otherwise."""
    for magic, suffix in _MAGIC:
        if data.startswith(magic):
            return suffix
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    head = data[:512].lstrip().lower()
    if head.startswith((b"<?xml", b"<svg")) or b"<svg" in head:
        raise MediaError("an SVG image; only PNG, JPEG, GIF and WebP are shown")
    raise MediaError("not a PNG, JPEG, GIF or WebP image (by its content)")


def check_image(data: bytes) -> str:
    """The suffix of an acceptable image (size, type, dimensions, not damaged);
    MediaError otherwise."""
    if len(data) > MAX_MEDIA_BYTES:
        raise MediaError(f"larger than {MAX_MEDIA_BYTES // 2**20} MiB")
    if not data:
        raise MediaError("empty file")
    suffix = image_kind(data)
    _check_decodable(data, suffix)
    return suffix


_PILLOW_FORMATS = {"png": "PNG", "jpg": "JPEG", "gif": "GIF", "webp": "WEBP"}


def _check_decodable(data: bytes, suffix: str) -> None:
    """Pillow (which draws it later) reads the header and checks the file through:
    a damaged image, or one of more than MAX_PIXELS (a decompression bomb: a few
    bytes that unpack to gigabytes), is refused now rather than failing on screen."""
    import io
    import warnings

    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[_PILLOW_FORMATS[suffix]]) as image:
                width, height = image.size
                if width * height > MAX_PIXELS:
                    raise MediaError(f"{width}x{height} pixels, more than {MAX_PIXELS:,}")
                image.verify()
    except MediaError:
        raise
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        raise MediaError(f"more than {MAX_PIXELS:,} pixels (a decompression bomb)") from exc
    except Exception as exc:  # Pillow raises many kinds for a damaged file
        raise MediaError(f"a damaged {suffix.upper()} image ({type(exc).__name__})") from exc


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:HASH_CHARS]


def stored_name(original: str, data: bytes) -> str:
    """The name an image is kept under: its own name's stem, sanitised (letters,
    digits, '-', '_'; at most 40), its content hash and the suffix its bytes call
    for. Idempotent: a stored name given again with the same bytes stays itself."""
    suffix = check_image(data)
    digest = content_hash(data)
    base = original.replace("\\", "/").rsplit("/", 1)[-1]
    stem = base.rsplit(".", 1)[0] if "." in base.lstrip(".") else base
    stem = stem.removesuffix(f"-{digest}")
    stem = re.sub(r"[^A-Za-z0-9_-]+", "_", stem).strip("_-")[:_STEM_CHARS].strip("_-")
    return f"{stem or 'image'}-{digest}.{suffix}"


def is_stored_name(name: str) -> bool:
    """Whether ``name`` has the form of a stored name (nothing else is looked up in
    the media folder: no path, no dot file, no other suffix)."""
    return bool(_STORED.match(name)) and name.rsplit(".", 1)[-1] in SUFFIXES


def unsafe_name(name: str) -> str | None:
    """Why a name from an archive's media map is refused, or None when it is a plain
    file name (no separators, no leading dot, no control characters, not too long)."""
    if not name or len(name) > MAX_NAME_CHARS:
        return f"name longer than {MAX_NAME_CHARS} characters" if name else "empty name"
    if "/" in name or "\\" in name or ":" in name:
        return "name with a path in it"
    if name.startswith(".") or name in ("", ".", ".."):
        return "name starting with a dot"
    if re.search(r"[\x00-\x1f\x7f]", name):
        return "name with control characters"
    return None


def name_list(names: list[str], shown: int = 5) -> str:
    """``a.png, b.png and 3 more``: a few names for a one-line message."""
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return ", ".join(names[:shown]) + more


def deck_images(spec: DeckSpec, deck_file: Path) -> tuple[DeckSpec, dict[str, bytes]]:
    """A deck file's images, read from beside it (its folder or a folder below), checked,
    and the cards' text rewritten to their stored names. Returns the rewritten deck and
    the images by stored name; BadInputError lists one line per bad image (file, card,
    field), so that nothing of a deck with a bad image is imported."""
    from dataclasses import replace

    from studykb.decks.files import read_capped
    from studykb.errors import BadInputError

    if not any(IMAGE.search(c.front) or IMAGE.search(c.back) for c in spec.cards):
        return spec, {}
    folder = deck_file.resolve().parent
    found: dict[str, tuple[str, bytes] | str] = {}  # target -> (stored, bytes) or why not
    problems: dict[tuple[str, str, str], str] = {}
    images: dict[str, bytes] = {}
    total = 0

    def load(target: str) -> tuple[str, bytes] | str:
        nonlocal total
        if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", target):
            return "only image files beside the deck are imported, not links"
        path = Path(target)
        if path.is_absolute():
            return "an absolute path; name the image relative to the deck file"
        resolved = (folder / path).resolve()
        if not resolved.is_relative_to(folder):
            return "outside the deck file's folder"
        try:
            data = read_capped(resolved, MAX_MEDIA_BYTES)
        except BadInputError as exc:
            why = exc.problems[0]
            return why.split(": ", 1)[1] if why.startswith(str(resolved)) else why
        try:
            name = stored_name(path.name, data)
        except MediaError as exc:
            return str(exc)
        total += len(data)
        if total > MAX_MEDIA_TOTAL_BYTES:
            return f"the deck's images come to more than {MAX_MEDIA_TOTAL_BYTES // 2**20} MiB"
        return name, data

    def rename(card: CardSpec, field: str) -> Callable[[Figure], str]:
        def one(figure: Figure) -> str:
            if figure.name not in found:
                found[figure.name] = load(figure.name)
            result = found[figure.name]
            if isinstance(result, str):
                problems.setdefault((card.note_key, field, figure.name), result)
                return figure.name
            images[result[0]] = result[1]
            return result[0]

        return one

    cards = []
    for card in spec.cards:
        front_field = "text" if card.kind == "cloze" else "front"
        cards.append(
            replace(
                card,
                front=rewrite_images(card.front, rename(card, front_field)),
                back=rewrite_images(card.back, rename(card, "back")),
            )
        )
    if problems:
        raise BadInputError(
            [
                f"{spec.source}: card {key}: {field}: image {target}: {why}"
                for (key, field, target), why in problems.items()
            ]
        )
    return replace(spec, cards=tuple(cards)), images
