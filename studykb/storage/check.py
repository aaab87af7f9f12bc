"""`studykb check`: integrity, every card's state and every row's kind against the
replay of its log, every card's suspended flag and paper's status and note against
the replay of its events, unreadable rows; `--repair` rebuilds them from the logs."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from studykb.core.deck_limits import DeckOptions, StudyMore
from studykb.core.scheduling import scheduler_named
from studykb.core.scheduling.options import build_scheduler
from studykb.core.scheduling.protocol import Scheduler
from studykb.core.scheduling.replay import RecordedRow, recorded_row, same_settings, verify_log
from studykb.storage.card_events import (
    CardContent,
    events_by_target,
    rebuild_card_columns,
    replay,
)
from studykb.storage.counts import (
    rebuild_counts,
    recount_by_deck,
    recount_deck_done,
    recount_done,
)
from studykb.storage.db import named, read_transaction, write_transaction
from studykb.storage.events import (
    EXPECTED_BURIED_UNTIL,
    EXPECTED_NOTE,
    EXPECTED_STATUS,
    EXPECTED_SUSPENDED,
)
from studykb.storage.log import _LOG_COLUMNS, AnswerLog, _answer_from_row
from studykb.storage.owned_events import (
    DECK_PREFIX,
    DRAFT_PREFIX,
    all_owned_events,
    rebuild_draft,
    replay_deck,
    replay_draft,
)
from studykb.storage.records import CheckReport, _fmt
from studykb.storage.row_check import BadRows, find_bad_rows
from studykb.storage.schedulers import deck_options_and_since, write_state
from studykb.storage.states import decode, encode, state_columns


class Checks(AnswerLog):
    """The repository's part for the check."""

    # ------------------------------------------------------------------ check
    def check(self, *, repair: bool = False) -> CheckReport:
        """SQLite's integrity check, then every card's state against the replay of its
        log, and every card's flags and paper's status and note against its events."""
        integrity = "; ".join(
            str(r["integrity_check"])
            for r in named(self.conn).execute("PRAGMA integrity_check").fetchall()
        )
        fk_problems = named(self.conn).execute("PRAGMA foreign_key_check").fetchall()
        report = CheckReport(integrity=integrity, cards=0, log_rows=0)
        for fk in fk_problems[:20]:
            report.problems.append(
                f"foreign key: row {fk['rowid']} of {fk['table']} "
                f"points to a missing {fk['parent']}"
            )
        fixes: list[tuple[int, Scheduler[Any], Any]] = []
        with read_transaction(self.conn):
            # Values studykb cannot read are listed, not crashed on; see row_check.
            bad = find_bad_rows(self.conn)
            report.problems.extend(bad.problems)
            for card_id, ref, scheduler, stored, entries in self._states_and_logs(bad, report):
                report.cards += 1
                report.log_rows += len(entries)
                try:
                    result = verify_log(scheduler, entries)
                except (ValueError, OverflowError) as exc:
                    report.problems.append(f"{ref}: its log cannot be replayed ({exc})")
                    continue
                for problem in result.problems:
                    report.problems.append(f"{ref}: {problem}")
                if stored is None:  # unreadable: listed already; a repair rebuilds it
                    fixes.append((card_id, scheduler, result.state))
                elif result.state != stored:
                    report.problems.append(
                        f"{ref}: stored state {_fmt(stored)} differs from the replayed "
                        f"log {_fmt(result.state)}"
                    )
                    fixes.append((card_id, scheduler, result.state))
            flags, papers = self._event_mismatches()
            report.problems.extend(self._deck_event_problems())
            owned = self._owned_mismatches()
            authored = self._authoring_mismatches()
        for _, name, _, column, found, says in owned:
            report.problems.append(
                f"{name}: {column} is {_short(found)} but its events say {_short(says)}"
            )
        for _, name, column, found, wanted in flags:
            report.problems.append(
                f"{name}: {column} is {_short(found)} but its events say {_short(wanted)}"
            )
        for _, slug, column, found, says in papers:
            report.problems.append(
                f"paper {slug}: {column} is {_short(found)} but its events say {_short(says)}"
            )
        for card_ref, column, have, want in authored:
            report.problems.append(
                f"{card_ref}: {column} is {_short(have)} but its events say {_short(want)}"
            )
        if repair and (fixes or flags or papers or authored or owned):
            with write_transaction(self.conn):
                for key, _, table, column, _, says in owned:
                    if table == "draft":
                        rebuild_draft(self.conn, int(str(key)))
                    else:
                        self.conn.execute(
                            f"UPDATE {table} SET {column} = ? WHERE id = ?", (says, key)
                        )
                for card_id, scheduler, state in fixes:
                    write_state(self.conn, scheduler, card_id, state)
                # The events are the record: the flags and fields are set from them.
                for flag_card, _, column, _, wanted in flags:
                    self.conn.execute(
                        f"UPDATE card SET {column} = ? WHERE id = ?", (wanted, flag_card)
                    )
                for paper_id, _, column, _, says in papers:
                    self.conn.execute(
                        f"UPDATE paper SET {column} = ? WHERE id = ?", (says, paper_id)
                    )
                now = self._now_utc()
                for card_ref in dict.fromkeys(a[0] for a in authored):
                    rebuild_card_columns(self.conn, card_ref, now)
            report.repaired = len(fixes) + len(flags) + len(papers) + len(authored) + len(owned)
        # Last: the counts follow the states and flags (their triggers ran on repair).
        with read_transaction(self.conn):
            drifted = self._histogram_drift()
        for line in drifted[:20]:
            report.problems.append(line)
        if repair and drifted:
            with write_transaction(self.conn):
                rebuild_counts(self.conn)
            report.repaired += 1
        return report

    def _histogram_drift(self) -> list[str]:
        """Where the due histogram differs from a recount of the cards."""
        kept = {
            (str(r["deck_id"]), str(r["due"])): int(r["n"])
            for r in named(self.conn).execute("SELECT deck_id, due, n FROM due_histogram")
        }
        counted = recount_by_deck(self.conn)
        lines = []
        for key in sorted(set(kept) | set(counted)):
            if kept.get(key, 0) != counted.get(key, 0):
                deck, due = key
                lines.append(
                    f"due counts: deck {deck}, {due or 'new'}: {kept.get(key, 0)} kept, "
                    f"{counted.get(key, 0)} counted"
                )
        done = {
            str(r["study_day"]): (int(r["answers"]), int(r["reviews"]), int(r["new"]))
            for r in named(self.conn).execute(
                "SELECT study_day, answers, reviews, new FROM day_done"
            )
        }
        answered = recount_done(self.conn)
        none = (0, 0, 0)
        for day in sorted(set(done) | set(answered)):
            if done.get(day, none) != answered.get(day, none):
                lines.append(
                    f"done counts: {day}: {done.get(day, none)} kept (answers, reviews, new), "
                    f"{answered.get(day, none)} in the log"
                )
        by_deck = {
            (str(r["study_day"]), str(r["deck_id"])): (int(r["reviews"]), int(r["new"]))
            for r in named(self.conn).execute(
                "SELECT study_day, deck_id, reviews, new FROM deck_day_done"
            )
        }
        deck_answered = recount_deck_done(self.conn)
        nothing = (0, 0)
        for key in sorted(set(by_deck) | set(deck_answered)):
            if by_deck.get(key, nothing) != deck_answered.get(key, nothing):
                day, deck = key
                lines.append(
                    f"done counts: deck {deck}, {day}: {by_deck.get(key, nothing)} kept "
                    f"(reviews, new), {deck_answered.get(key, nothing)} in the log"
                )
        return lines

    def _deck_event_problems(self) -> list[str]:
        """Deck options and study-more events whose value cannot be read, or that name
        no deck (the queue counts them as none)."""
        problems = []
        decks = {str(r[0]) for r in self.conn.execute("SELECT id FROM deck")}
        for r in named(self.conn).execute(
            "SELECT uid, kind, target, value FROM event "
            "WHERE kind IN ('deck_options', 'study_more') ORDER BY seq"
        ):
            where = f"event {r['uid']} ({r['kind']})"
            target = str(r["target"])
            if not target.startswith("deck:") or target.removeprefix("deck:") not in decks:
                problems.append(f"{where}: no deck {_short(target)}")
            try:
                if r["kind"] == "deck_options":
                    DeckOptions.from_json(str(r["value"]))
                else:
                    StudyMore.from_json(str(r["value"]))
            except (ValueError, TypeError) as exc:
                problems.append(f"{where}: value cannot be read ({_short(str(exc))})")
        return problems

    def _owned_mismatches(self) -> list[tuple[object, str, str, str, object, object]]:
        """Decks whose title or retirement, and drafts whose status, are not the replay
        of their events, undo events taken into account (storage.owned_events): (row
        id, name, table, column, found, wanted). A deck's title is checked only once a
        deck_title event names one (an import sets it otherwise)."""
        events = all_owned_events(self.conn)
        found: list[tuple[object, str, str, str, object, object]] = []
        for r in named(self.conn).execute("SELECT id, title, retired_at FROM deck ORDER BY id"):
            name = f"deck {r['id']}"
            deck = replay_deck(events.get(DECK_PREFIX + str(r["id"]), []))
            if deck.title is not None and r["title"] != deck.title:
                found.append((r["id"], name, "deck", "title", r["title"], deck.title))
            if deck.retired != (r["retired_at"] is not None):
                found.append(
                    (r["id"], name, "deck", "retired_at", r["retired_at"], deck.retired_at)
                )
        for r in named(self.conn).execute("SELECT id, status FROM draft ORDER BY id"):
            draft = replay_draft(events.get(f"{DRAFT_PREFIX}{r['id']}", []))
            if r["status"] != draft.status:
                found.append(
                    (r["id"], f"draft {r['id']}", "draft", "status", r["status"], draft.status)
                )
        return found

    def _event_mismatches(
        self,
    ) -> tuple[list[tuple[int, str, str, object, object]], list[tuple[int, str, str, object, str]]]:
        """Cards whose suspended flag or buried day, and papers whose status or note,
        is not what the replay of their events gives (the last event of each kind wins)."""
        cards: list[tuple[int, str, str, object, object]] = []
        for r in named(self.conn).execute(
            f"""
            SELECT c.id AS id, c.deck_id || '/' || c.key AS ref,
                   c.suspended AS suspended, {EXPECTED_SUSPENDED} AS expected_suspended,
                   c.buried_until AS buried_until, {EXPECTED_BURIED_UNTIL} AS expected_buried_until
            FROM card c ORDER BY c.id
            """
        ):
            card_id, ref = int(r["id"]), str(r["ref"])
            if r["suspended"] != r["expected_suspended"]:
                cards.append(
                    (card_id, ref, "suspended", r["suspended"], int(r["expected_suspended"]))
                )
            if r["buried_until"] != r["expected_buried_until"]:
                cards.append(
                    (card_id, ref, "buried_until", r["buried_until"], r["expected_buried_until"])
                )
        papers: list[tuple[int, str, str, object, str]] = []
        for r in named(self.conn).execute(
            f"""
            SELECT p.id AS id, p.slug AS slug, p.status AS status,
                   {EXPECTED_STATUS} AS expected_status, p.note AS note,
                   {EXPECTED_NOTE} AS expected_note
            FROM paper p ORDER BY p.id
            """
        ):
            paper_id, slug = int(r["id"]), str(r["slug"])
            if r["status"] != r["expected_status"]:
                papers.append((paper_id, slug, "status", r["status"], str(r["expected_status"])))
            if r["note"] != r["expected_note"]:
                papers.append((paper_id, slug, "note", r["note"], str(r["expected_note"])))
        return cards, papers

    def _authoring_mismatches(self) -> list[tuple[str, str, object, object]]:
        """Cards whose flag, retirement or content is not what the replay of their
        events gives (storage.card_events): (ref, column, found, wanted). A card with
        no event of a kind keeps what its deck file gave it."""
        events = events_by_target(self.conn)
        found: list[tuple[str, str, object, object]] = []
        for r in named(self.conn).execute(
            "SELECT c.deck_id || '/' || c.key AS ref, c.flagged, c.retired_at, c.front, c.back, "
            "c.tags, c.source FROM card c ORDER BY c.id"
        ):
            ref = str(r["ref"])
            mine = events.get(ref)
            if mine is None:
                if r["flagged"]:
                    found.append((ref, "flagged", r["flagged"], 0))
                continue
            state = replay(mine)
            if bool(r["flagged"]) != state.flagged:
                found.append((ref, "flagged", r["flagged"], int(state.flagged)))
            retired = r["retired_at"] is not None
            if state.retired is not None and retired != state.retired:
                found.append((ref, "retired", retired, state.retired))
            if state.content is not None:
                try:
                    stored = CardContent.of_row(r)
                except ValueError:
                    stored = None
                if stored != state.content:
                    for column in ("front", "back", "tags", "source"):
                        have = None if stored is None else getattr(stored, column)
                        want = getattr(state.content, column)
                        if have != want:
                            found.append((ref, column, have, want))
        return found

    def _states_and_logs(
        self, bad: BadRows, report: CheckReport
    ) -> Iterator[tuple[int, str, Scheduler[Any], Any | None, list[RecordedRow[Any]]]]:
        """Each card's scheduler, its state (None when unreadable) and its log rows;
        cards whose log cannot be read, or whose scheduler this version lacks, are
        left out (with a problem line)."""
        states = named(self.conn).execute(
            f"""
            SELECT c.id AS id, c.deck_id || '/' || c.key AS ref, c.deck_id AS deck_id,
                   s.scheduler AS scheduler,
                   s.due_at AS due_at, {state_columns("s")}
            FROM card c JOIN card_state s ON s.card_id = c.id ORDER BY c.id
            """
        )
        logs = named(self.conn).execute(
            f"SELECT {_LOG_COLUMNS} FROM review_log r ORDER BY card_id, seq"
        )
        pending = logs.fetchone()
        decks: dict[str, tuple[Scheduler[Any], str | None]] = {}
        for row in states:
            card_id, ref = int(row["id"]), str(row["ref"])
            rows: list[sqlite3.Row] = []
            while pending is not None and int(pending["card_id"]) < card_id:
                pending = logs.fetchone()  # log rows of a card with no state: FK check reports
            while pending is not None and int(pending["card_id"]) == card_id:
                rows.append(pending)
                pending = logs.fetchone()
            if card_id in bad.unreadable_logs:
                continue
            deck_id = str(row["deck_id"])
            try:
                if deck_id not in decks:
                    options, since = deck_options_and_since(self.conn, deck_id)
                    decks[deck_id] = (
                        build_scheduler(options, self.day_starts()),
                        since,
                    )
                scheduler, since = decks[deck_id]
                entries = [_recorded(scheduler, since, r) for r in rows]
            except ValueError as exc:
                report.problems.append(f"{ref}: its log cannot be read ({exc})")
                continue
            stored = None
            if row["scheduler"] != scheduler.name:
                stored_under = _short(row["scheduler"])
                report.problems.append(
                    f"{ref}: stored under {stored_under}, its deck uses {scheduler.name}"
                )
            elif card_id not in bad.unreadable_states:
                stored = _readable_state(scheduler, row, ref, report)
            yield card_id, ref, scheduler, stored, entries


def _recorded(scheduler: Scheduler[Any], since: str | None, row: sqlite3.Row) -> RecordedRow[Any]:
    """A log row for the replay under the deck's ``scheduler``, set at ``since``. Its
    kind and states are compared with the replay only when it was written under the
    same settings (rows from before a switch recorded what the old settings did)."""
    answer = _answer_from_row(row)
    written_under = scheduler_named(str(row["scheduler"]))
    return recorded_row(
        written_under,
        uid=answer.uid,
        at=datetime.fromisoformat(row["answered_at"]),
        utc_offset_minutes=int(row["utc_offset_minutes"]),
        study_day=answer.study_day,
        kind=answer.kind,
        rating=answer.quality,
        before=answer.before,
        after=answer.after,
        voids=answer.voids,
        verify=same_settings(written_under.name, scheduler.name, str(row["answered_at"]), since),
    )


def _readable_state(
    scheduler: Scheduler[Any], row: sqlite3.Row, ref: str, report: CheckReport
) -> Any | None:
    """The stored state, or None (with a problem line) when its JSON cannot be read
    or its columns disagree with it: a repair rebuilds it from the log."""
    try:
        state = decode(scheduler, row)
    except ValueError as exc:
        report.problems.append(f"{ref}: stored state cannot be read ({exc})")
        return None
    if encode(scheduler, state).due_at != row["due_at"]:
        report.problems.append(f"{ref}: due_at {_short(row['due_at'])} differs from its state")
        return None
    return state


def _short(value: object) -> str:
    """A stored value in a problem line: one line, cut short."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
