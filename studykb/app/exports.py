"""Exports: the whole database as a JSON backup, notes as CSV/TSV, decks for Anki."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from studykb.errors import StudykbError
from studykb.storage.backup import describe_file_error
from studykb.storage.counts import NOT_VOIDED

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


def export_decks(store: Store, deck_id: str | None) -> list[ExportDeck]:
    """Active notes of every deck (or one), for the package and text exporters."""
    import json
    from dataclasses import replace

    from studykb.core.specs import ExportAnswer, ExportCard, ExportDeck, ExportNote, PaperSpec

    repo = store.repo
    if deck_id is not None and not repo.deck_exists(deck_id):
        raise StudykbError(f"no deck {deck_id!r} (see `studykb decks`)")
    decks = []
    for row in repo.conn.execute(
        "SELECT d.id, d.title, d.description, p.title, p.url, p.authors, p.year, "
        "p.worth_reading, p.section, p.after, p.description "
        "FROM deck d LEFT JOIN paper p ON p.id = d.paper_id "
        "WHERE (:d IS NULL OR d.id = :d) ORDER BY d.position, d.id",
        {"d": deck_id},
    ).fetchall():
        paper = None
        if row[4] is not None:
            paper = PaperSpec(
                title=row[3],
                url=row[4],
                authors=tuple(json.loads(row[5])),
                year=row[6],
                worth_reading=row[7],
                section=row[8],
                after=tuple(json.loads(row[9])),
                description=row[10],
            )
        answers: dict[int, list[ExportAnswer]] = {}
        for card_id, *answer in repo.conn.execute(
            "SELECT r.card_id, r.answered_at, r.quality, r.kind, r.answer_ms, "
            "r.before_interval, r.before_due, r.before_repetitions, r.after_interval, "
            "r.after_easiness_x100 FROM review_log r JOIN card c ON c.id = r.card_id "
            f"WHERE c.deck_id = ? AND c.retired_at IS NULL AND r.kind != 'void' AND {NOT_VOIDED} "
            "ORDER BY r.seq",
            (row[0],),
        ):
            answers.setdefault(card_id, []).append(ExportAnswer(*answer))
        notes: dict[str, ExportNote] = {}
        cards: dict[str, list[ExportCard]] = {}
        for (
            card_id,
            key,
            note_key,
            kind,
            front,
            back,
            tags,
            source,
            guid,
            *state,
        ) in repo.conn.execute(
            "SELECT c.id, c.key, c.note_key, c.kind, c.front, c.back, c.tags, c.source, "
            "c.guid, c.cloze_number, c.suspended, s.easiness_x100, s.interval, s.due, "
            "s.lapses FROM card c JOIN card_state s ON s.card_id = c.id "
            "WHERE c.deck_id = ? AND c.retired_at IS NULL ORDER BY c.position, c.id",
            (row[0],),
        ):
            notes.setdefault(
                note_key,
                ExportNote(
                    note_key, kind, front, back, tuple(json.loads(tags)), source, guid or ""
                ),
            )
            cloze_number, suspended, easiness, interval, due, lapses = state
            cards.setdefault(note_key, []).append(
                ExportCard(
                    key,
                    cloze_number,
                    bool(suspended),
                    easiness,
                    interval,
                    due,
                    lapses,
                    tuple(answers.get(card_id, ())),
                )
            )
        decks.append(
            ExportDeck(
                str(row[0]),
                str(row[1]),
                tuple(replace(n, cards=tuple(cards[n.key])) for n in notes.values()),
                str(row[2]),
                paper,
            )
        )
    return decks


def write_json_backup(store: Store, out: Path) -> dict[str, int]:
    """The whole database as a JSON backup, written to a temporary file and renamed."""
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
    return {k: len(data[k]) for k in ("papers", "decks", "cards", "review_log")}
