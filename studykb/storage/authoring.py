"""Authoring: cards added, edited, retired and flagged here, leeches, and undo of
the last action of any kind. Every change is an event (storage.card_events); an
edit keeps the card's id, key and whole review history."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

from studykb.core.specs import CardSpec
from studykb.errors import NotFoundError
from studykb.storage.card_events import (
    BY_FILE,
    UNDOABLE_KINDS,
    CardContent,
    append_content,
    keep_base,
    rebuild_card_columns,
    set_content,
    undo_events,
)
from studykb.storage.cards import CardStore
from studykb.storage.counts import NOT_VOIDED
from studykb.storage.db import named, write_transaction
from studykb.storage.events import ActionGroup, change_suspended
from studykb.storage.log import UNDOABLE_ROW, AnswerLog
from studykb.storage.owned_events import DECK_PREFIX, DRAFT_PREFIX
from studykb.storage.schedulers import deck_scheduler
from studykb.storage.states import encode

LEECH_TAG = "leech"

_VERBS = {
    "suspend": "suspend",
    "unsuspend": "unsuspend",
    "bury": "bury",
    "flag": "flag",
    "unflag": "unflag",
    "card_add": "add",
    "card_edit": "edit",
    "card_retire": "retire",
    "card_restore": "restore",
}


@dataclass(frozen=True, slots=True)
class NoteCard:
    """One stored card of a note, as the editor reads it."""

    id: int
    key: str
    note_key: str
    kind: str
    cloze_number: int | None
    content: CardContent
    retired: bool


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One answer of a card's history, for `studykb card`."""

    uid: str
    study_day: str
    answered_at: str
    grade: int
    kind: str
    interval_after: int
    due_after: str | None
    scheduler: str
    undone: bool


@dataclass(frozen=True, slots=True)
class Undone:
    """What an undo took back."""

    sentence: str  # "Undone: edit of ddim/eta-role", "Undone: answer to ddim/x (grade 4)"
    # answer, practice answer, edit, add, retire, restore, suspend, ... flag; for decks
    # and drafts: retirement of deck, return of deck, renaming of deck, creation of
    # deck, acceptance of draft, drop of draft; "purge" when it refused one
    what: str
    refs: tuple[str, ...]  # the cards it touched
    card_id: int | None = None  # an answer's card (review shows it again)
    done: bool = True  # False: refused (a purge, ...); nothing written, the sentence says why


class AuthoringStore(CardStore, AnswerLog):
    """The repository's part for authoring."""

    # ------------------------------------------------------------------ reading
    def note_cards(self, deck_id: str, note_key: str) -> list[NoteCard]:
        rows = named(self.conn).execute(
            "SELECT id, key, note_key, kind, cloze_number, front, back, tags, source, "
            "retired_at FROM card WHERE deck_id = ? AND note_key = ? ORDER BY position, id",
            (deck_id, note_key),
        )
        return [
            NoteCard(
                id=int(r["id"]),
                key=str(r["key"]),
                note_key=str(r["note_key"]),
                kind=str(r["kind"]),
                cloze_number=r["cloze_number"],
                content=CardContent.of_row(r),
                retired=r["retired_at"] is not None,
            )
            for r in rows
        ]

    def note_key_of(self, card_id: int) -> str:
        row = self.conn.execute("SELECT note_key FROM card WHERE id = ?", (card_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"no card with id {card_id}")
        return str(row[0])

    def key_taken(self, deck_id: str, key: str) -> bool:
        return (
            self.conn.execute(
                "SELECT 1 FROM card WHERE deck_id = ? AND (key = ? OR note_key = ?) LIMIT 1",
                (deck_id, key, key),
            ).fetchone()
            is not None
        )

    def card_history(self, card_id: int) -> list[HistoryEntry]:
        """Each answer of the card (undos and the answers they took back marked)."""
        rows = named(self.conn).execute(
            "SELECT r.uid, r.study_day, r.answered_at, r.quality, r.kind, r.after_interval, "
            "r.after_due, r.scheduler, "
            "EXISTS (SELECT 1 FROM review_log v WHERE v.voids = r.uid) AS undone "
            "FROM review_log r WHERE r.card_id = ? ORDER BY r.seq",
            (card_id,),
        )
        return [
            HistoryEntry(
                uid=str(r["uid"]),
                study_day=str(r["study_day"]),
                answered_at=str(r["answered_at"]),
                grade=int(r["quality"]),
                kind=str(r["kind"]),
                interval_after=int(r["after_interval"]),
                due_after=r["after_due"],
                scheduler=str(r["scheduler"]),
                undone=bool(r["undone"]),
            )
            for r in rows
        ]

    # ------------------------------------------------------------------ writing
    def write_note(self, deck_id: str, note_key: str, specs: Sequence[CardSpec]) -> list[str]:
        """Make the note's cards these (one action): new keys added, changed ones
        edited in place (id, key and log kept), retired ones that return restored,
        live ones it no longer has retired. Returns the references written."""
        with write_transaction(self.conn):
            self._require_deck(deck_id)
            moment = self._moment_for_write()
            now = self._now_utc()
            group = self._action_group()
            existing = {c.key: c for c in self.note_cards(deck_id, note_key)}
            written: list[str] = []
            new_specs: list[CardSpec] = []
            for spec in specs:
                target = f"{deck_id}/{spec.key}"
                found = existing.pop(spec.key, None)
                content = CardContent.of_spec(spec)
                if found is None:
                    new_specs.append(spec)
                    continue
                if found.retired:
                    self.conn.execute(
                        "UPDATE card SET retired_at = NULL, updated_at = ? WHERE id = ?",
                        (now, found.id),
                    )
                    group.append(self.conn, moment, "card_restore", target)
                    written.append(target)
                if found.content != content:
                    keep_base(self.conn, moment, target, found.content)
                    set_content(self.conn, found.id, content, now)
                    append_content(self.conn, moment, group, "card_edit", target, content)
                    if target not in written:
                        written.append(target)
            if new_specs:
                self._insert_cards(deck_id, new_specs, now)
                for spec in new_specs:
                    target = f"{deck_id}/{spec.key}"
                    append_content(
                        self.conn,
                        moment,
                        group,
                        "card_add",
                        target,
                        CardContent.of_spec(spec),
                        spec=spec,
                    )
                    written.append(target)
            for gone in existing.values():
                if not gone.retired:
                    self.conn.execute(
                        "UPDATE card SET retired_at = ?, updated_at = ? WHERE id = ?",
                        (now, now, gone.id),
                    )
                    group.append(self.conn, moment, "card_retire", f"{deck_id}/{gone.key}")
                    written.append(f"{deck_id}/{gone.key}")
            if written:
                self._forget_file(deck_id)
            return written

    def _insert_cards(self, deck_id: str, specs: Sequence[CardSpec], now: str) -> None:
        position = int(
            named(self.conn)
            .execute(
                "SELECT COALESCE(MAX(position) + 1, 0) AS p FROM card WHERE deck_id = ?",
                (deck_id,),
            )
            .fetchone()["p"]
        )
        scheduler = deck_scheduler(self.conn, deck_id, self.day_starts())
        initial = encode(scheduler, scheduler.initial_state())
        for offset, spec in enumerate(specs):
            cursor = self.conn.execute(
                "INSERT INTO card (deck_id, key, note_key, kind, cloze_number, front, back, "
                "tags, source, position, content_hash, suspended, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)",
                (
                    deck_id,
                    spec.key,
                    spec.note_key,
                    spec.kind,
                    spec.cloze_number,
                    spec.front,
                    spec.back,
                    json.dumps(list(spec.tags), ensure_ascii=False),
                    spec.source,
                    position + offset,
                    spec.content_hash,
                    now,
                    now,
                ),
            )
            self.conn.execute(
                "INSERT INTO card_state (card_id, scheduler, repetitions, interval, due, "
                "lapses, state, due_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (cursor.lastrowid, scheduler.name, *initial.values(), initial.due_at),
            )

    def _forget_file(self, deck_id: str) -> None:
        """The deck now differs from its file: the next import compares card by card
        (and says which cards kept your version)."""
        self.conn.execute(
            "UPDATE deck SET content_hash = '', file_hash = '' WHERE id = ?", (deck_id,)
        )

    def retire_cards(self, card_ids: Sequence[int]) -> int:
        """Hide cards (history kept), one action; how many were live."""
        with write_transaction(self.conn):
            moment = self._moment_for_write()
            now = self._now_utc()
            group = ActionGroup()
            changed = 0
            for card_id in card_ids:
                row = self._ref_row(card_id)
                if row["retired_at"] is not None:
                    continue
                self.conn.execute(
                    "UPDATE card SET retired_at = ?, updated_at = ? WHERE id = ?",
                    (now, now, card_id),
                )
                group.append(self.conn, moment, "card_retire", str(row["ref"]))
                self._forget_file(str(row["deck_id"]))
                changed += 1
            return changed

    def restore_cards(self, card_ids: Sequence[int]) -> int:
        """Bring retired cards back, one action; how many were retired."""
        with write_transaction(self.conn):
            moment = self._moment_for_write()
            now = self._now_utc()
            group = ActionGroup()
            changed = 0
            for card_id in card_ids:
                row = self._ref_row(card_id)
                if row["retired_at"] is None:
                    continue
                self.conn.execute(
                    "UPDATE card SET retired_at = NULL, updated_at = ? WHERE id = ?",
                    (now, card_id),
                )
                group.append(self.conn, moment, "card_restore", str(row["ref"]))
                self._forget_file(str(row["deck_id"]))
                changed += 1
            return changed

    def set_flagged(self, card_ids: Sequence[int], flagged: bool) -> int:
        """Flag (or unflag) cards, one action; how many changed."""
        with write_transaction(self.conn):
            moment = self._moment_for_write()
            group = ActionGroup()
            changed = 0
            for card_id in card_ids:
                row = self._ref_row(card_id)
                if bool(row["flagged"]) == flagged:
                    continue
                self.conn.execute(
                    "UPDATE card SET flagged = ? WHERE id = ?", (int(flagged), card_id)
                )
                group.append(self.conn, moment, "flag" if flagged else "unflag", str(row["ref"]))
                changed += 1
            return changed

    def change_tags(
        self, card_ids: Sequence[int], add: Sequence[str], remove: Sequence[str]
    ) -> int:
        """Add and remove tags on cards, one action (card_edit events, so one undo
        takes back all of them); how many cards changed."""
        with write_transaction(self.conn):
            moment = self._moment_for_write()
            now = self._now_utc()
            group = self._action_group()
            changed = 0
            for card_id in dict.fromkeys(card_ids):
                row = (
                    named(self.conn)
                    .execute(
                        "SELECT deck_id || '/' || key AS ref, deck_id, front, back, tags, "
                        "source FROM card WHERE id = ?",
                        (card_id,),
                    )
                    .fetchone()
                )
                if row is None:
                    raise NotFoundError(f"no card with id {card_id}")
                content = CardContent.of_row(row)
                tags = [t for t in content.tags if t not in remove]
                tags += [t for t in add if t not in tags and t not in remove]
                if tuple(tags) == tuple(content.tags):
                    continue
                tagged = CardContent(content.front, content.back, tuple(tags), content.source)
                ref = str(row["ref"])
                keep_base(self.conn, moment, ref, content)
                set_content(self.conn, card_id, tagged, now)
                append_content(self.conn, moment, group, "card_edit", ref, tagged)
                self._forget_file(str(row["deck_id"]))
                changed += 1
            return changed

    def _ref_row(self, card_id: int) -> sqlite3.Row:
        row = (
            named(self.conn)
            .execute(
                "SELECT deck_id || '/' || key AS ref, deck_id, retired_at, flagged "
                "FROM card WHERE id = ?",
                (card_id,),
            )
            .fetchone()
        )
        if row is None:
            raise NotFoundError(f"no card with id {card_id}")
        return row  # type: ignore[no-any-return]

    # ------------------------------------------------------------------ leeches
    def mark_leech(
        self, card_id: int, answer_uid: str, threshold: int, suspend: bool
    ) -> str | None:
        """After an answer: a card that has lapsed ``threshold`` times gets the tag
        leech (and, with ``suspend``, is suspended), as events of that answer (undoing
        it takes them back). Returns what to tell the user, or None."""
        with write_transaction(self.conn):
            row = (
                named(self.conn)
                .execute(
                    "SELECT c.deck_id || '/' || c.key AS ref, c.front, c.back, c.tags, "
                    "c.source, c.suspended, s.lapses, p.title AS paper "
                    "FROM card c JOIN card_state s ON s.card_id = c.id "
                    "JOIN deck d ON d.id = c.deck_id LEFT JOIN paper p ON p.id = d.paper_id "
                    "WHERE c.id = ?",
                    (card_id,),
                )
                .fetchone()
            )
            if row is None or threshold <= 0 or int(row["lapses"]) < threshold:
                return None
            content = CardContent.of_row(row)
            if LEECH_TAG in content.tags:
                return None
            moment = self._moment_for_write()
            now = self._now_utc()
            ref = str(row["ref"])
            group = ActionGroup(answer_uid)
            tagged = CardContent(
                content.front, content.back, (*content.tags, LEECH_TAG), content.source
            )
            keep_base(self.conn, moment, ref, content)
            set_content(self.conn, card_id, tagged, now)
            self._forget_file(ref.partition("/")[0])
            append_content(self.conn, moment, group, "card_edit", ref, tagged, by=LEECH_TAG)
            suspended = suspend and not row["suspended"]
            if suspended:
                change_suspended(self.conn, card_id, True, moment, group)
            where = str(row["paper"]) if row["paper"] else "its paper"
            if content.source:
                where += f", {content.source}"
            return (
                f"{ref} has lapsed {row['lapses']} times: tagged leech"
                + (" and suspended" if suspended else "")
                + f". Re-read {where} before you rewrite or review it."
            )

    # ------------------------------------------------------------------ undo
    def undo_last(self) -> Undone | None:
        """Take back the last action of any kind that stands: an answer (a void row,
        and the events it wrote with it) or the events of one action (undo events):
        a card's edit, a deck's retirement with its cards, a rename, a draft accepted
        with the card it made. Returns what was undone ("Undone: edit of deck/card"),
        None if nothing. A purge is not undone: when it is the last action, the
        sentence says so and nothing is written (nothing before it can be undone)."""
        with write_transaction(self.conn):
            db = named(self.conn)
            event = db.execute(
                "SELECT e.seq, e.uid, e.kind, e.target, e.action, e.after_answer FROM event e "
                f"WHERE e.kind IN ({', '.join(repr(k) for k in UNDOABLE_KINDS)}) "
                # an import's retire/restore is the file's doing, not an action of yours
                "AND NOT (e.kind IN ('card_retire', 'card_restore') "
                f"AND e.value = '{BY_FILE}') "
                "AND NOT EXISTS (SELECT 1 FROM event u WHERE u.target = e.target "
                "AND u.kind = 'undo' AND u.value = e.uid) ORDER BY e.seq DESC LIMIT 1"
            ).fetchone()
            answer = db.execute(
                f"SELECT r.seq, r.uid, r.kind FROM review_log r WHERE {UNDOABLE_ROW} "
                "ORDER BY r.seq DESC LIMIT 1"
            ).fetchone()
            if event is None and answer is None:
                return None
            if event is not None and answer is not None:
                follows = event["after_answer"]
                seen = (
                    None
                    if follows is None
                    else db.execute(
                        "SELECT seq FROM review_log WHERE uid = ?", (follows,)
                    ).fetchone()
                )
                event_is_later = seen is not None and int(seen["seq"]) >= int(answer["seq"])
                if not event_is_later:
                    event = None
            if event is None or (
                event["action"] is not None
                and answer is not None
                and event["action"] == answer["uid"]
            ):
                if answer["kind"] == "reset":
                    return self._undo_reset(int(answer["seq"]))
                return self._undo_answer(str(answer["uid"]))
            action = str(event["action"] or event["uid"])
            rows = db.execute(
                "SELECT e.uid, e.kind, e.target, e.value FROM event e "
                "WHERE (e.uid = ? OR e.action = ?) "
                "AND NOT EXISTS (SELECT 1 FROM event u WHERE u.target = e.target "
                "AND u.kind = 'undo' AND u.value = e.uid) ORDER BY e.seq",
                (action, action),
            ).fetchall()
            kinds = {str(r["kind"]) for r in rows}
            refused = self._not_undoable(rows, kinds)
            if refused is not None:
                return refused
            moment = self._moment_for_write()
            now = self._now_utc()
            undo_events(self.conn, moment, [(str(r["uid"]), str(r["target"])) for r in rows], now)
            owned = self._owned_undone(rows, kinds, now)
            if owned is not None:
                return owned
            first = rows[0]
            kind = "card_edit" if "card_edit" in kinds else str(first["kind"])
            if kinds == {"card_add"} or (
                "card_add" in kinds and not kinds & {"card_edit", "card_retire"}
            ):
                kind = "card_add"
            targets = list(dict.fromkeys(str(r["target"]) for r in rows))
            what = targets[0] if len(targets) == 1 else f"{len(targets)} cards"
            if kind in ("card_edit", "card_add") and len(targets) > 1:
                what = _note_ref(targets)
            verb = _VERBS.get(kind, kind)
            return Undone(f"Undone: {verb} of {what}", verb, tuple(targets))

    def _not_undoable(self, rows: Sequence[sqlite3.Row], kinds: set[str]) -> Undone | None:
        """What undo refuses, with the reason (nothing is written): a purge (it deleted
        for real, after a backup), the creation of a deck that has cards of its own."""
        if "deck_purge" in kinds:
            purge = next(r for r in rows if r["kind"] == "deck_purge")
            deck = str(purge["target"]).removeprefix(DECK_PREFIX)
            cards = plural_cards(int(purge["value"]) if str(purge["value"]).isdigit() else 0)
            return Undone(
                f"Nothing undone: the last action, the purge of deck {deck} ({cards}), "
                "cannot be undone; restore the backup taken before it "
                "(`studykb backups`, `studykb restore FILE`)",
                "purge",
                (),
                done=False,
            )
        if "deck_create" in kinds:
            created = next(r for r in rows if r["kind"] == "deck_create")
            deck = str(created["target"]).removeprefix(DECK_PREFIX)
            live = int(
                self.conn.execute(
                    "SELECT COUNT(*) FROM card WHERE deck_id = ? AND retired_at IS NULL", (deck,)
                ).fetchone()[0]
            )
            if live:
                return Undone(
                    f"Nothing undone: the last action created deck {deck}, which has "
                    f"{plural_cards(live)} now; retire it with `studykb retire-deck {deck}`",
                    "creation of deck",
                    (),
                    done=False,
                )
        return None

    def _owned_undone(
        self, rows: Sequence[sqlite3.Row], kinds: set[str], now: str
    ) -> Undone | None:
        """The sentence for an undone action on a deck or drafts (after the undo events
        were written and the rows rebuilt), None for an action on cards only."""
        cards = [str(r["target"]) for r in rows if "/" in str(r["target"])]
        for kind, what in (
            ("deck_retire", "retirement of deck"),
            ("deck_unretire", "return of deck"),
        ):
            if kind not in kinds:
                continue
            head = next(r for r in rows if r["kind"] == kind)
            deck = str(head["target"]).removeprefix(DECK_PREFIX)
            if not cards:  # recorded before its cards had events: the keys it names
                keys = _keys(str(head["value"]))
                cards = [f"{deck}/{key}" for key in keys]
                for target in cards:
                    rebuild_card_columns(self.conn, target, now)
            again = " retired again" if kind == "deck_unretire" else ""
            return Undone(
                f"Undone: {what} {deck} ({plural_cards(len(cards))}{again})", what, tuple(cards)
            )
        if "deck_title" in kinds:
            head = next(r for r in rows if r["kind"] == "deck_title")
            deck = str(head["target"]).removeprefix(DECK_PREFIX)
            title = self.conn.execute("SELECT title FROM deck WHERE id = ?", (deck,)).fetchone()
            back = f" (its title is {title[0]} again)" if title is not None else ""
            if cards:  # an import's --theirs: the cards it took from the file too
                back += f" and {plural_cards(len(set(cards)))} as before the import"
            return Undone(f"Undone: renaming of deck {deck}{back}", "renaming of deck", ())
        if "deck_create" in kinds:
            head = next(r for r in rows if r["kind"] == "deck_create")
            deck = str(head["target"]).removeprefix(DECK_PREFIX)
            return Undone(
                f"Undone: creation of deck {deck} (hidden like a retired deck, with any "
                f"drafts of it; `studykb retire-deck {deck} --undo` brings it back)",
                "creation of deck",
                (),
            )
        for kind, what, after in (
            ("draft_accept", "acceptance", "; pending again"),
            ("draft_drop", "drop", ", pending again"),
        ):
            if kind not in kinds:
                continue
            drafts = [
                str(r["target"]).removeprefix(DRAFT_PREFIX) for r in rows if r["kind"] == kind
            ]
            named_drafts = f"draft {drafts[0]}" if len(drafts) == 1 else f"{len(drafts)} drafts"
            taken = ""
            if cards:
                shown = cards[0] if len(cards) == 1 else plural_cards(len(cards))
                taken = f" ({shown} taken back{after})"
            else:
                taken = f" ({after.lstrip(',; ')})"
            return Undone(
                f"Undone: {what} of {named_drafts}{taken}", f"{what} of draft", tuple(cards)
            )
        return None

    def _undo_reset(self, seq: int) -> Undone:
        """Take back the reset to new whose last row is ``seq``, with every row of the
        same action: the reset rows just before it, of the same moment, none undone
        (AnswerLog.reset_cards writes them so)."""
        db = named(self.conn)
        last = db.execute("SELECT answered_at FROM review_log WHERE seq = ?", (seq,)).fetchone()
        rows = db.execute(
            "SELECT r.seq, r.uid, r.kind, r.answered_at, c.deck_id || '/' || c.key AS ref, "
            f"{NOT_VOIDED} AS live "
            "FROM review_log r JOIN card c ON c.id = r.card_id "
            "WHERE r.seq <= ? ORDER BY r.seq DESC",
            (seq,),
        )
        group: list[sqlite3.Row] = []
        # Walked back from the last row: the group ends at the first row that is not
        # one of its resets (seqs are not consecutive numbers: storage.uids).
        for row in rows:
            if row["answered_at"] != last["answered_at"] or row["kind"] != "reset":
                break
            if not row["live"]:
                break
            group.append(row)
        for row in group:
            self.undo(str(row["uid"]))
        refs = tuple(dict.fromkeys(str(r["ref"]) for r in reversed(group)))
        what = refs[0] if len(refs) == 1 else plural_cards(len(refs))
        return Undone(f"Undone: reset of {what}", "reset", refs)

    def _undo_answer(self, uid: str) -> Undone:
        row = (
            named(self.conn)
            .execute(
                "SELECT r.quality, r.kind, r.card_id, c.deck_id || '/' || c.key AS ref "
                "FROM review_log r JOIN card c ON c.id = r.card_id WHERE r.uid = ?",
                (uid,),
            )
            .fetchone()
        )
        self.undo(uid)
        what = "practice answer" if row["kind"] == "practice" else "answer"
        return Undone(
            f"Undone: {what} to {row['ref']} (grade {row['quality']})",
            what,
            (str(row["ref"]),),
            int(row["card_id"]),
        )


def plural_cards(n: int) -> str:
    return f"{n} card" if n == 1 else f"{n} cards"


def _keys(value: str) -> list[str]:
    try:
        keys = json.loads(value)
    except ValueError:
        return []
    return [str(k) for k in keys] if isinstance(keys, list) else []


def _note_ref(targets: Sequence[str]) -> str:
    """One note's cards (a cloze note, a reversed pair) named by the note."""
    deck, _, key = targets[0].partition("/")
    note = key.split(":c")[0].removesuffix("-rev")
    if all(t.partition("/")[2].split(":c")[0].removesuffix("-rev") == note for t in targets):
        return f"{deck}/{note}"
    return f"{len(targets)} cards"


__all__ = ["BY_FILE", "LEECH_TAG", "AuthoringStore", "HistoryEntry", "NoteCard", "Undone"]
