"""The review log: answers, undo (a void row: the log only grows), bulk history,
schedules carried over from Anki, a card's history."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from typing import Any

from studykb.core.replay import LogKind, answer_kind, apply
from studykb.core.scheduler import Sm2State, check_quality
from studykb.core.studyday import Moment
from studykb.errors import NotFoundError, StudykbError
from studykb.storage.base import RepositoryBase, _new_uid
from studykb.storage.counts import LIVE_ANSWER
from studykb.storage.db import named, write_transaction
from studykb.storage.events import change_suspended
from studykb.storage.records import Answer, LogRow, StaleUndoError, _d, _iso, _state

# A log row names its card by a stable reference too (deck-id/card-id), read from
# the card itself so that no caller can get it wrong.
_INSERT_LOG = """
INSERT INTO review_log (
  uid, card_id, card_ref, answered_at, utc_offset_minutes, study_day, quality, kind, answer_ms,
  before_repetitions, before_easiness_x100, before_interval, before_due, before_lapses,
  after_repetitions, after_easiness_x100, after_interval, after_due, after_lapses, voids)
VALUES (?1, ?2, (SELECT c.deck_id || '/' || c.key FROM card c WHERE c.id = ?2),
  ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)
"""

_LOG_COLUMNS = """seq, uid, card_id, study_day, quality, kind,
  before_repetitions, before_easiness_x100, before_interval, before_due, before_lapses,
  after_repetitions, after_easiness_x100, after_interval, after_due, after_lapses, voids"""


def _answer_from_row(row: sqlite3.Row) -> Answer:
    """An answer from a row of ``SELECT {_LOG_COLUMNS}`` read by name."""
    kind: LogKind = row["kind"] if row["kind"] in ("drill", "import", "void") else "review"
    return Answer(
        uid=str(row["uid"]),
        card_id=int(row["card_id"]),
        kind=kind,
        quality=int(row["quality"]),
        study_day=date.fromisoformat(row["study_day"]),
        before=_state(row, "before_"),
        after=_state(row, "after_"),
        voids=None if row["voids"] is None else str(row["voids"]),
    )


class AnswerLog(RepositoryBase):
    """The repository's part for answers and the review log."""

    # ------------------------------------------------------------------ answers
    def answer(self, card_id: int, quality: int, answer_ms: int = 0) -> Answer:
        """Record one answer and apply SM-2, committed before this returns.

        The first answer of a card on a study day is a review; any later answer
        that day is a same-day drill (SM-2 rule 7), logged but changing nothing."""
        check_quality(quality)
        with write_transaction(self.conn):
            moment = self._moment_for_write()
            row = (
                named(self.conn)
                .execute(
                    """
                SELECT s.repetitions AS repetitions, s.easiness_x100 AS easiness_x100,
                       s.interval AS interval, s.due AS due, s.lapses AS lapses,
                       c.retired_at AS retired_at
                FROM card_state s JOIN card c ON c.id = s.card_id WHERE s.card_id = ?
                """,
                    (card_id,),
                )
                .fetchone()
            )
            if row is None:
                raise NotFoundError(f"no card with id {card_id}")
            if row["retired_at"] is not None:
                raise StudykbError(f"card {card_id} is retired; it can no longer be answered")
            before = _state(row)
            # A card's review is its first answer of a study day; an answer on the
            # same day, or on an earlier one (a clock set back), changes nothing.
            kind = answer_kind(self.last_answer_day(card_id), moment.study_day)
            after = apply(before, kind, quality, moment.study_day)
            uid = self._append_log(
                card_id, moment, quality, kind, before, after, answer_ms=answer_ms
            )
            if after != before:
                self._write_state(card_id, after)
        return Answer(uid, card_id, kind, quality, moment.study_day, before, after)

    def _append_log(
        self,
        card_id: int,
        moment: Moment,
        quality: int,
        kind: LogKind,
        before: Sm2State,
        after: Sm2State,
        *,
        answer_ms: int = 0,
        voids: str | None = None,
        uid: str | None = None,
    ) -> str:
        """Append one row to the log (it only grows); returns its uid."""
        uid = uid or _new_uid()
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
                *self._state_values(before),
                *self._state_values(after),
                voids,
            ),
        )
        return uid

    def last_answer_day(self, card_id: int) -> date | None:
        """The study day of the card's latest answer that stands (not undone)."""
        row = (
            named(self.conn)
            .execute(
                f"SELECT max(study_day) AS last_day FROM review_log r "
                f"WHERE card_id = ? AND {LIVE_ANSWER}",
                (card_id,),
            )
            .fetchone()
        )
        return _d(row["last_day"])

    @staticmethod
    def _state_values(state: Sm2State) -> tuple[int, int, int, str | None, int]:
        return (
            state.repetitions,
            state.easiness_x100,
            state.interval,
            _iso(state.due),
            state.lapses,
        )

    def _write_state(self, card_id: int, state: Sm2State) -> None:
        self.conn.execute(
            """
            UPDATE card_state SET repetitions = ?, easiness_x100 = ?, interval = ?, due = ?,
                   lapses = ?
            WHERE card_id = ?
            """,
            (*self._state_values(state), card_id),
        )

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
                        f"SELECT {_LOG_COLUMNS} FROM review_log r WHERE uid = ? AND {LIVE_ANSWER}",
                        (uid,),
                    )
                    .fetchone()
                )
                if row is None:
                    raise NotFoundError(f"no answer {uid} to undo")
            seq, card_id = int(row["seq"]), int(row["card_id"])
            newer = self.conn.execute(
                "SELECT 1 FROM review_log r WHERE card_id = ? AND seq > ? "
                f"AND {LIVE_ANSWER} LIMIT 1",
                (card_id, seq),
            ).fetchone()
            if newer is not None:
                raise StaleUndoError("that card has been answered again since; undo that first")
            answer = _answer_from_row(row)
            moment = self._moment_for_write()
            self._append_log(
                card_id, moment, 0, "void", answer.after, answer.before, voids=answer.uid
            )
            self._write_state(card_id, answer.before)
        return answer

    def append_history(self, rows: Sequence[LogRow], states: dict[int, Sm2State]) -> None:
        """Append log rows and set the resulting states, in one transaction (bulk
        loading: benchmarks' generated histories, restoring a backup's log).
        ``states`` must be what replaying each card's whole log gives; `check` verifies."""
        with write_transaction(self.conn):
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
                        *self._state_values(r.before),
                        *self._state_values(r.after),
                        None,
                    )
                    for r in rows
                ),
            )
            self.conn.executemany(
                """
                UPDATE card_state SET repetitions = ?, easiness_x100 = ?, interval = ?, due = ?,
                       lapses = ?
                WHERE card_id = ?
                """,
                ((*self._state_values(state), card_id) for card_id, state in states.items()),
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
                        "SELECT c.id AS id, s.due AS due, "
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
                self._append_log(card_id, moment, 0, "import", Sm2State(), state)
                self._write_state(card_id, state)
                carried += 1
        return carried, kept

    def log_for_card(self, card_id: int) -> list[Answer]:
        rows = (
            named(self.conn)
            .execute(
                f"SELECT {_LOG_COLUMNS} FROM review_log WHERE card_id = ? ORDER BY seq", (card_id,)
            )
            .fetchall()
        )
        return [_answer_from_row(r) for r in rows]
