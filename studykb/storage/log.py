"""The review log: answers, undo (a void row: the log only grows), bulk history,
schedules carried over from Anki, a card's history.

Each card is scheduled by the scheduler its state names (storage.states); the log
row records that scheduler, so a rating is always read on the right scale."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from typing import Any

from studykb.core.scheduler import DRILL_UNTIL_QUALITY, Sm2State
from studykb.core.scheduling import SM2, scheduler_named
from studykb.core.scheduling.protocol import Scheduler
from studykb.core.scheduling.replay import LogKind, answer_kind
from studykb.core.studyday import Moment
from studykb.errors import BadInputError, NotFoundError, StudykbError
from studykb.storage.base import RepositoryBase
from studykb.storage.card_events import undo_answer_events
from studykb.storage.counts import LIVE_ANSWER, NOT_VOIDED
from studykb.storage.db import named, write_transaction
from studykb.storage.events import change_suspended
from studykb.storage.queue_head import AnswerEffect, Counted
from studykb.storage.records import Answer, LogRow, StaleUndoError, _d
from studykb.storage.schedulers import _WRITE_STATE, card_scheduler, rebuild_card, write_state
from studykb.storage.states import decode, encode, state_columns
from studykb.storage.uids import _new_uid, device_tag, moment_ms, next_seq, seqs_after

# A log row names its card by a stable reference too (deck-id/card-id), read from
# the card itself so that no caller can get it wrong.
_INSERT_LOG = """
INSERT INTO review_log (
  uid, card_id, card_ref, answered_at, utc_offset_minutes, study_day, quality, kind, answer_ms,
  scheduler,
  before_repetitions, before_interval, before_due, before_lapses, before_state,
  after_repetitions, after_interval, after_due, after_lapses, after_state, voids, seq)
VALUES (?1, ?2, (SELECT c.deck_id || '/' || c.key FROM card c WHERE c.id = ?2),
  ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21)
"""

_SCHEDULER_TITLES = {"sm2": "SM-2 (grades 0-5)", "fsrs": "FSRS (Again 1, Hard 2, Good 3, Easy 4)"}

_LOG_COLUMNS = (
    "seq, uid, card_id, answered_at, utc_offset_minutes, study_day, quality, kind, scheduler, "
    f"voids, {state_columns('r', 'before_')}, {state_columns('r', 'after_')}"
)


# The seq of the card (second parameter) 's last reset to new that stands, or 0.
# (The inner alias r shadows the outer one: NOT_VOIDED is the one test of "not undone".)
_LAST_RESET = (
    "COALESCE((SELECT max(r.seq) FROM review_log r WHERE r.card_id = ? AND r.kind = 'reset' "
    f"AND {NOT_VOIDED}), 0)"
)
# Whether a card ({card}) may have an answer standing on the study day :day or later:
# only if the log reaches past the day (a clock set back), or the card has an answer
# row of that day. Two seeks of ix_review_log_day.
_MAY_HAVE_ANSWERED = (
    "(SELECT max(study_day) FROM review_log) > :day OR EXISTS (SELECT 1 FROM review_log r"
    " INDEXED BY ix_review_log_day WHERE r.study_day = :day AND r.card_id = {card}"
    " AND r.kind IN ('review', 'drill'))"
)
# What an answer reads of its card, in one statement: the scheduler and state, whether
# it is retired, its reference (for an error) and whether it may be a drill today.
_ANSWERABLE = f"""
SELECT s.card_id AS card_id, s.scheduler AS scheduler, {state_columns("s")},
       c.retired_at AS retired_at, c.deck_id || '/' || c.key AS ref,
       {_MAY_HAVE_ANSWERED.format(card="s.card_id")} AS may_drill
FROM card_state s JOIN card c ON c.id = s.card_id
"""

_ANSWERABLE_ONE = f"{_ANSWERABLE} WHERE s.card_id = :card"
_ANSWERABLE_MANY = f"{_ANSWERABLE} WHERE s.card_id IN (SELECT value FROM json_each(:cards))"


def answerable_rows(conn: sqlite3.Connection, card_ids: Sequence[int], day: date) -> dict[int, Any]:
    """What an answer on ``day`` reads of each of these cards (AnswerLog._answerable),
    in one statement: the queue's head keeps them, and an answer made while the
    database stands where they were read uses them rather than reading again."""
    rows = named(conn).execute(
        _ANSWERABLE_MANY, {"cards": json.dumps(list(card_ids)), "day": day.isoformat()}
    )
    return {int(r["card_id"]): r for r in rows}


# A log row (alias r) that an undo can take back: an answer, a practice answer or a
# reset to new, not undone.
UNDOABLE_ROW = f"({LIVE_ANSWER} OR (r.kind IN ('practice', 'reset') AND {NOT_VOIDED}))"


def _answer_from_row(row: sqlite3.Row) -> Answer:
    """An answer from a row of ``SELECT {_LOG_COLUMNS}`` read by name."""
    kind: LogKind = (
        row["kind"] if row["kind"] in ("drill", "import", "void", "practice", "reset") else "review"
    )
    scheduler = scheduler_named(str(row["scheduler"]))
    return Answer(
        uid=str(row["uid"]),
        card_id=int(row["card_id"]),
        kind=kind,
        quality=int(row["quality"]),
        study_day=date.fromisoformat(row["study_day"]),
        before=decode(scheduler, row, "before_"),
        after=decode(scheduler, row, "after_"),
        voids=None if row["voids"] is None else str(row["voids"]),
        scheduler=scheduler.name,
    )


def _queue_effect(
    scheduler: Scheduler[Any], kind: LogKind, quality: int, before: Any, after: Any, day: date
) -> AnswerEffect:
    """What an answer on ``day`` does to the day's queue (storage.queue_head): the
    limit it counts against (as day_done counts it: a review of a card with an
    interval, or a new card; none for a drill or a step within the day), whether
    the card left the day's reviews and new cards (due after the day, with no
    moment within a day), and whether it is one of the day's drills after it."""
    was, now = encode(scheduler, before), encode(scheduler, after)
    counted: Counted | None = None
    if kind == "review":
        if was.due is None:
            counted = "new"
        elif was.interval > 0:
            counted = "review"
    return AnswerEffect(
        counted=counted,
        gone=now.due is not None and now.due > day.isoformat() and now.due_at is None,
        drill=kind == "drill",
        again=quality < DRILL_UNTIL_QUALITY,
    )


class AnswerLog(RepositoryBase):
    """The repository's part for answers and the review log."""

    # ------------------------------------------------------------------ answers
    def answer(self, card_id: int, quality: int, answer_ms: int = 0) -> Answer:
        """Record one answer and apply SM-2, committed before this returns.

        The first answer of a card on a study day is a review; any later answer
        that day is a same-day drill (SM-2 rule 7), logged but changing nothing."""
        with write_transaction(self.conn):
            token = self._db_token()
            moment = self._moment_for_write(token)
            day = moment.study_day
            kept = self._kept_row(token, card_id, day)
            scheduler, before, may_drill = self._answerable(card_id, quality, day, kept)
            # Under SM-2 a card's review is its first answer of a study day; an answer
            # on the same day, or on an earlier one (a clock set back), changes nothing.
            kind = (
                answer_kind(self.last_answer_day(card_id), day)
                if scheduler.drills_same_day and may_drill
                else "review"
            )
            after = before if kind == "drill" else scheduler.review(before, quality, moment)[0]
            uid = self._append_log(
                card_id, moment, quality, kind, before, after, scheduler, answer_ms=answer_ms
            )
            if after != before:
                write_state(self.conn, scheduler, card_id, after)
            self._keep_after_answer(
                token, card_id, _queue_effect(scheduler, kind, quality, before, after, day)
            )
        return Answer(
            uid, card_id, kind, quality, moment.study_day, before, after, scheduler=scheduler.name
        )

    def _answerable(
        self, card_id: int, quality: int, day: date, kept: Any = None
    ) -> tuple[Scheduler[Any], Any, bool]:
        """The card's scheduler and state, for an answer of ``quality`` on ``day``
        (inside the caller's transaction), and whether an answer of it may stand on
        ``day`` or later (see last_answer_day_from): NotFoundError for no such card,
        StudykbError for a retired one, BadInputError for a grade outside its
        scheduler's scale. ``kept``: the same row, read where the database still
        stands (the queue's head, see answerable_rows), so not read again."""
        row = (
            named(self.conn)
            .execute(_ANSWERABLE_ONE, {"card": card_id, "day": day.isoformat()})
            .fetchone()
            if kept is None
            else kept
        )
        if row is None:
            raise NotFoundError(f"no card with id {card_id}")
        if row["retired_at"] is not None:
            raise StudykbError(f"card {card_id} is retired; it can no longer be answered")
        scheduler = card_scheduler(self.conn, card_id, str(row["scheduler"]), self.day_starts())
        if isinstance(quality, bool) or quality not in scheduler.ratings:
            low, high = scheduler.ratings[0], scheduler.ratings[-1]
            title = _SCHEDULER_TITLES.get(scheduler.name, scheduler.name)
            raise BadInputError(
                [f"{row['ref']}: grade {quality!r}: its deck uses {title}, graded {low}-{high}"]
            )
        return scheduler, decode(scheduler, row), bool(row["may_drill"])

    def practice(self, card_id: int, quality: int, answer_ms: int = 0) -> Answer:
        """Record an answer given outside the schedule (practice: a browser selection,
        a tag, the day's failures): logged as kind 'practice', its states the card's
        own before and after, changing no schedule, counted in no day's work."""
        with write_transaction(self.conn):
            moment = self._moment_for_write()
            scheduler, state, _ = self._answerable(card_id, quality, moment.study_day)
            uid = self._append_log(
                card_id, moment, quality, "practice", state, state, scheduler, answer_ms=answer_ms
            )
        return Answer(
            uid,
            card_id,
            "practice",
            quality,
            moment.study_day,
            state,
            state,
            scheduler=scheduler.name,
        )

    def reset_cards(self, card_ids: Sequence[int]) -> int:
        """Reset cards to new (one action): for each card not new already, a 'reset'
        row (quality 0, before: its state, after: its scheduler's initial state) and
        the state set to it; the history is kept and the state stays the replay of
        the log. The rows of one reset share their moment and follow one another in
        the log: one undo takes back all of them (AuthoringStore.undo_last). Returns
        how many cards changed."""
        with write_transaction(self.conn):
            moment = self._moment_for_write()
            changed = 0
            for card_id in dict.fromkeys(card_ids):
                row = (
                    named(self.conn)
                    .execute(
                        f"SELECT s.scheduler AS scheduler, {state_columns('s')} "
                        "FROM card_state s WHERE s.card_id = ?",
                        (card_id,),
                    )
                    .fetchone()
                )
                if row is None:
                    raise NotFoundError(f"no card with id {card_id}")
                scheduler = card_scheduler(
                    self.conn, card_id, str(row["scheduler"]), self.day_starts()
                )
                before = decode(scheduler, row)
                initial = scheduler.initial_state()
                if before == initial:
                    continue
                self._append_log(card_id, moment, 0, "reset", before, initial, scheduler)
                write_state(self.conn, scheduler, card_id, initial)
                changed += 1
            return changed

    def _append_log(
        self,
        card_id: int,
        moment: Moment,
        quality: int,
        kind: LogKind,
        before: Any,
        after: Any,
        scheduler: Scheduler[Any],
        *,
        answer_ms: int = 0,
        voids: str | None = None,
    ) -> str:
        """Append one row to the log (it only grows); returns its uid."""
        ms = moment_ms(moment)
        uid = _new_uid(ms)
        seq = next_seq(self.conn, "review_log", ms)
        self.conn.execute(
            _INSERT_LOG,
            (
                uid,
                card_id,
                moment.utc.isoformat(timespec="milliseconds"),
                moment.utc_offset_minutes,
                moment.study_day.isoformat(),
                quality,
                kind,
                max(0, int(answer_ms)),
                scheduler.name,
                *encode(scheduler, before).values(),
                *encode(scheduler, after).values(),
                voids,
                seq,
            ),
        )
        return uid

    def last_answer_day_from(self, card_id: int, day: date) -> date | None:
        """last_answer_day as far as SM-2's rule needs it on ``day`` (answer_kind):
        None when no answer of the card can stand on ``day`` or later, which two index
        seeks tell (the log's latest study day, and the card's rows of ``day``);
        otherwise last_answer_day itself."""
        row = self.conn.execute(
            f"SELECT {_MAY_HAVE_ANSWERED.format(card=':card')}",
            {"day": day.isoformat(), "card": card_id},
        ).fetchone()
        return self.last_answer_day(card_id) if row[0] else None

    def last_answer_day(self, card_id: int) -> date | None:
        """The study day of the card's latest answer that stands (not undone), since
        its last reset to new that stands (the replay forgets the day at a reset)."""
        row = (
            named(self.conn)
            .execute(
                f"SELECT max(study_day) AS last_day FROM review_log r "
                f"WHERE card_id = ? AND {LIVE_ANSWER} AND r.seq > {_LAST_RESET}",
                (card_id, card_id),
            )
            .fetchone()
        )
        return _d(row["last_day"])

    def _card_scheduler_name(self, card_id: int) -> str:
        row = (
            named(self.conn)
            .execute("SELECT scheduler FROM card_state WHERE card_id = ?", (card_id,))
            .fetchone()
        )
        return "sm2" if row is None else str(row["scheduler"])

    def undo(self, uid: str | None = None) -> Answer | None:
        """Take back an answer (the newest live one overall, or the one named),
        atomically: a 'void' row naming it is appended (the log only grows) and the
        card's previous state restored. Only a card's latest live answer can be
        undone. Returns what was undone, or None."""
        with write_transaction(self.conn):
            if uid is None:
                row = (
                    named(self.conn)
                    .execute(
                        f"SELECT {_LOG_COLUMNS} FROM review_log r "
                        f"WHERE {LIVE_ANSWER} "
                        "ORDER BY seq DESC LIMIT 1"
                    )
                    .fetchone()
                )
                if row is None:
                    return None
            else:
                row = (
                    named(self.conn)
                    .execute(
                        f"SELECT {_LOG_COLUMNS} FROM review_log r WHERE uid = ? AND {UNDOABLE_ROW}",
                        (uid,),
                    )
                    .fetchone()
                )
                if row is None:
                    raise NotFoundError(f"no answer {uid} to undo")
            seq, card_id = int(row["seq"]), int(row["card_id"])
            # An answer or a reset to new since (a reset counts: undoing an answer
            # before it would change the state the reset replaced).
            newer = self.conn.execute(
                "SELECT 1 FROM review_log r WHERE card_id = ? AND seq > ? "
                f"AND ({LIVE_ANSWER} OR (r.kind = 'reset' AND {NOT_VOIDED})) LIMIT 1",
                (card_id, seq),
            ).fetchone()
            if newer is not None:
                raise StaleUndoError("that card has been answered again since; undo that first")
            answer = _answer_from_row(row)
            scheduler = card_scheduler(
                self.conn,
                card_id,
                self._card_scheduler_name(card_id),
                self.day_starts(),
            )
            moment = self._moment_for_write()
            self._append_log(
                card_id,
                moment,
                0,
                "void",
                answer.after,
                answer.before,
                scheduler,
                voids=answer.uid,
            )
            # The state is the replay of the log, now without the answer taken back.
            rebuild_card(self.conn, card_id, scheduler)
            # And the events it wrote with it (a leech tag) are taken back with it.
            undo_answer_events(self.conn, moment, answer.uid, self._now_utc())
        return answer

    def append_history(self, rows: Sequence[LogRow], states: dict[int, Sm2State]) -> None:
        """Append log rows and set the resulting states, in one transaction (bulk
        loading: benchmarks' generated histories, restoring a backup's log).
        ``states`` must be what replaying each card's whole log gives; `check` verifies."""
        with write_transaction(self.conn):
            top = self.conn.execute("SELECT COALESCE(max(seq), 0) FROM review_log").fetchone()[0]
            seqs = seqs_after(int(top), device_tag(self.conn), len(rows))
            self.conn.executemany(
                _INSERT_LOG,
                (
                    (
                        r.uid,
                        r.card_id,
                        r.answered_at,
                        r.utc_offset_minutes,
                        r.study_day.isoformat(),
                        r.quality,
                        r.kind,
                        r.answer_ms,
                        SM2.name,
                        *encode(SM2, r.before).values(),
                        *encode(SM2, r.after).values(),
                        None,
                        seq,
                    )
                    for r, seq in zip(rows, seqs, strict=True)
                ),
            )
            stored = ((encode(SM2, state), card_id) for card_id, state in states.items())
            self.conn.executemany(
                _WRITE_STATE, ((SM2.name, *s.values(), s.due_at, cid) for s, cid in stored)
            )

    def carry_over_schedules(self, schedules: dict[tuple[str, str], Any]) -> tuple[int, int]:
        """Give never-reviewed cards the review state another program recorded (one
        'import' log row each, so replaying the log still gives the state). Cards
        with a studykb history keep it. Returns (carried over, kept)."""
        carried = kept = 0
        with write_transaction(self.conn):
            moment = self._moment_for_write()
            today = moment.study_day
            for (deck_id, key), schedule in schedules.items():
                row = (
                    named(self.conn)
                    .execute(
                        "SELECT c.id AS id, s.due AS due, s.scheduler AS scheduler, "
                        "EXISTS(SELECT 1 FROM review_log r WHERE r.card_id = c.id) AS has_log "
                        "FROM card c JOIN card_state s ON s.card_id = c.id "
                        "WHERE c.deck_id = ? AND c.key = ?",
                        (deck_id, key),
                    )
                    .fetchone()
                )
                if row is None:
                    continue
                card_id, due, has_log = int(row["id"]), row["due"], bool(row["has_log"])
                if has_log or due is not None:
                    kept += 1
                    continue
                if schedule.suspended:
                    change_suspended(self.conn, card_id, True, moment)
                state: Sm2State = schedule.state
                if schedule.learning:
                    state = replace(state, due=today)
                if state == Sm2State():
                    continue
                # Anki's schedules are SM-2's (its "factor" is SM-2's easiness); a card
                # of a deck with another scheduler gets the replay of that import.
                self._append_log(card_id, moment, 0, "import", Sm2State(), state, SM2)
                if row["scheduler"] == SM2.name:
                    write_state(self.conn, SM2, card_id, state)
                else:
                    rebuild_card(
                        self.conn,
                        card_id,
                        card_scheduler(
                            self.conn,
                            card_id,
                            str(row["scheduler"]),
                            self.day_starts(),
                        ),
                    )
                carried += 1
        return carried, kept

    def log_for_card(self, card_id: int) -> list[Answer]:
        rows = (
            named(self.conn)
            .execute(
                f"SELECT {_LOG_COLUMNS} FROM review_log r WHERE card_id = ? ORDER BY seq",
                (card_id,),
            )
            .fetchall()
        )
        return [_answer_from_row(r) for r in rows]
