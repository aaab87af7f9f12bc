"""Exports: the whole database as a JSON backup, notes as CSV/TSV, decks for Anki."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from studykb.errors import StudykbError
from studykb.storage.backup import describe_file_error
from studykb.storage.counts import NOT_VOIDED
from studykb.storage.db import named
from studykb.storage.papers import DECK_PAPER_COLUMNS, paper_spec_of
from studykb.storage.states import sm2_easiness_x100

if TYPE_CHECKING:
    from studykb.app.store import Store
    from studykb.core.specs import ExportDeck


def write_text_export(store: Store, out: Path, separator: str, deck_id: str | None) -> int:
    """Cards as Anki-style CSV/TSV (one row per note), via a temporary file and rename."""
    from studykb.decks.text_cards import export_text_cards
    from studykb.settings import atomic_write_text

    decks = export_decks(store, deck_id)
    text = export_text_cards(decks, separator)
    try:
        atomic_write_text(out, text)
    except OSError as exc:
        raise StudykbError(describe_file_error(out, exc)) from exc
    return sum(len(d.notes) for d in decks)


def write_toml_deck(store: Store, out: Path, deck_id: str | None) -> int:
    """One deck as a deck file that imports back to the same content (checked by
    reading it back before it is written), via a temporary file and rename."""
    from studykb.decks.toml_deck import deck_toml, parse_deck_bytes
    from studykb.errors import BadInputError
    from studykb.settings import atomic_write_text

    if deck_id is None:
        raise BadInputError([f"{out}: a deck file holds one deck: name it with --deck ID"])
    [deck] = export_decks(store, deck_id)
    text = deck_toml(deck)
    try:
        parse_deck_bytes(text.encode("utf-8"), str(out))
    except BadInputError as exc:
        raise BadInputError(
            [f"deck {deck_id} cannot be written as a deck file: {exc.problems[0]}"]
        ) from exc
    try:
        atomic_write_text(out, text)
    except OSError as exc:
        raise StudykbError(describe_file_error(out, exc)) from exc
    return len(deck.notes)


def export_decks(store: Store, deck_id: str | None) -> list[ExportDeck]:
    """Active notes of every deck (or one), for the package and text exporters."""
    import json
    from dataclasses import replace

    from studykb.core.specs import ExportAnswer, ExportCard, ExportDeck, ExportNote

    repo = store.repo
    if deck_id is not None and not repo.deck_exists(deck_id):
        raise StudykbError(f"no deck {deck_id!r} (see `studykb decks`)")
    decks = []
    for row in (
        named(repo.conn)
        .execute(
            f"SELECT d.id, d.title, d.description, {DECK_PAPER_COLUMNS} "
            "FROM deck d LEFT JOIN paper p ON p.id = d.paper_id "
            "WHERE (:d IS NULL OR d.id = :d) ORDER BY d.position, d.id",
            {"d": deck_id},
        )
        .fetchall()
    ):
        paper = paper_spec_of(row)
        answers: dict[int, list[ExportAnswer]] = {}
        for a in named(repo.conn).execute(
            "SELECT r.card_id, r.answered_at, r.quality, r.kind, r.answer_ms, "
            "r.before_interval, r.before_due, r.before_repetitions, r.after_interval, "
            "CASE WHEN r.scheduler = 'sm2' THEN r.after_state END AS after_sm2 "
            "FROM review_log r JOIN card c ON c.id = r.card_id "
            "WHERE c.deck_id = ? AND c.retired_at IS NULL "
            "AND r.kind NOT IN ('void', 'practice', 'reset') "
            f"AND {NOT_VOIDED} "
            "ORDER BY r.seq",
            (row["id"],),
        ):
            answers.setdefault(a["card_id"], []).append(
                ExportAnswer(
                    answered_at=a["answered_at"],
                    quality=a["quality"],
                    kind=a["kind"],
                    answer_ms=a["answer_ms"],
                    before_interval=a["before_interval"],
                    before_due=a["before_due"],
                    before_repetitions=a["before_repetitions"],
                    after_interval=a["after_interval"],
                    after_easiness_x100=_easiness(a["after_sm2"]),
                )
            )
        notes: dict[str, ExportNote] = {}
        cards: dict[str, list[ExportCard]] = {}
        for c in named(repo.conn).execute(
            "SELECT c.id, c.key, c.note_key, c.kind, c.front, c.back, c.tags, c.source, "
            "c.guid, c.cloze_number, c.suspended, s.interval, s.due, s.lapses, "
            "CASE WHEN s.scheduler = 'sm2' THEN s.state END AS sm2_state "
            "FROM card c JOIN card_state s ON s.card_id = c.id "
            "WHERE c.deck_id = ? AND c.retired_at IS NULL ORDER BY c.position, c.id",
            (row["id"],),
        ):
            notes.setdefault(
                c["note_key"],
                ExportNote(
                    key=c["note_key"],
                    kind=c["kind"],
                    front=c["front"],
                    back=c["back"],
                    tags=tuple(json.loads(c["tags"])),
                    source=c["source"],
                    guid=c["guid"] or "",
                ),
            )
            cards.setdefault(c["note_key"], []).append(
                ExportCard(
                    key=c["key"],
                    cloze_number=c["cloze_number"],
                    suspended=bool(c["suspended"]),
                    easiness_x100=_easiness(c["sm2_state"]),
                    interval=c["interval"],
                    due=c["due"],
                    lapses=c["lapses"],
                    answers=tuple(answers.get(c["id"], ())),
                )
            )
        decks.append(
            ExportDeck(
                str(row["id"]),
                str(row["title"]),
                tuple(replace(n, cards=tuple(cards[n.key])) for n in notes.values()),
                str(row["description"]),
                paper,
            )
        )
    return decks


def write_json_backup(store: Store, out: Path) -> tuple[dict[str, int], list[str]]:
    """The whole database as a JSON backup, written to a temporary file and renamed.
    Returns what it holds, counted, and the images its cards name that the media
    folder lacks."""
    import json
    from dataclasses import asdict

    from studykb.settings import atomic_write_text
    from studykb.storage.backup_json import export_backup

    data = export_backup(store.repo.conn, asdict(store.settings), store.repo.clock.now())
    text = json.dumps(data, ensure_ascii=False, indent=1) + "\n"
    try:
        atomic_write_text(out, text)
    except OSError as exc:
        raise StudykbError(describe_file_error(out, exc)) from exc
    counts = {k: len(data[k]) for k in ("papers", "decks", "cards", "review_log")}
    counts["images"], missing = _backup_images(store, data["cards"])
    return counts, missing


def _backup_images(store: Store, cards: list[dict[str, Any]]) -> tuple[int, list[str]]:
    """How many images the backup's cards show, and how many of those have no file in
    the media folder. The backup names images and does not carry them (it stays text:
    the media folder is copied beside it, see README "Images on cards")."""
    from studykb.render.figures import figures
    from studykb.storage.media import missing_media

    names = [
        f.name
        for card in cards
        for text in (str(card.get("front", "")), str(card.get("back", "")))
        for f in figures(text)
    ]
    unique = list(dict.fromkeys(names))
    return len(unique), missing_media(store.path, unique)


def _easiness(sm2_state: str | None) -> int:
    """Anki's factor is SM-2's easiness; a card of another scheduler gets Anki's
    starting factor (2.5), as a card new to Anki would."""
    found = sm2_easiness_x100(sm2_state)
    return 250 if found is None else found
