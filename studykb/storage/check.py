"""`studykb check`: integrity, every card's state and every row's kind against the
replay of its log, every card's suspended flag and paper's status and note against
the replay of its events, unreadable rows; `--repair` rebuilds them from the logs."""

from __future__ import annotations

from collections.abc import Iterator

from studykb.core.replay import LogEntry, replay
from studykb.core.scheduler import Sm2State
from studykb.storage.db import named, read_transaction, write_transaction
from studykb.storage.events import (
    EXPECTED_BURIED_UNTIL,
    EXPECTED_NOTE,
    EXPECTED_STATUS,
    EXPECTED_SUSPENDED,
)
from studykb.storage.log import _LOG_COLUMNS, AnswerLog, _answer_from_row
from studykb.storage.records import CheckReport, _fmt, _state
from studykb.storage.row_check import BadRows, find_bad_rows


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
        fixes: list[tuple[int, Sm2State]] = []
        with read_transaction(self.conn):
            # Values studykb cannot read are listed, not crashed on; see row_check.
            bad = find_bad_rows(self.conn)
            report.problems.extend(bad.problems)
            for card_id, ref, stored, entries in self._states_and_logs(bad):
                report.cards += 1
                report.log_rows += len(entries)
                try:
                    result = replay(entries)
                except (ValueError, OverflowError) as exc:
                    report.problems.append(f"{ref}: its log cannot be replayed ({exc})")
                    continue
                for problem in result.problems:
                    report.problems.append(f"{ref}: {problem}")
                if stored is None:  # unreadable: listed above; a repair rebuilds it
                    fixes.append((card_id, result.state))
                elif result.state != stored:
                    report.problems.append(
                        f"{ref}: stored state {_fmt(stored)} differs from the replayed "
                        f"log {_fmt(result.state)}"
                    )
                    fixes.append((card_id, result.state))
            flags, papers = self._event_mismatches()
        for _, name, column, found, wanted in flags:
            report.problems.append(
                f"{name}: {column} is {_short(found)} but its events say {_short(wanted)}"
            )
        for _, slug, column, found, says in papers:
            report.problems.append(
                f"paper {slug}: {column} is {_short(found)} but its events say {_short(says)}"
            )
        if repair and (fixes or flags or papers):
            with write_transaction(self.conn):
                for card_id, state in fixes:
                    self._write_state(card_id, state)
                # The events are the record: the flags and fields are set from them.
                for flag_card, _, column, _, wanted in flags:
                    self.conn.execute(
                        f"UPDATE card SET {column} = ? WHERE id = ?", (wanted, flag_card)
                    )
                for paper_id, _, column, _, says in papers:
                    self.conn.execute(
                        f"UPDATE paper SET {column} = ? WHERE id = ?", (says, paper_id)
                    )
            report.repaired = len(fixes) + len(flags) + len(papers)
        return report

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

    def _states_and_logs(
        self, bad: BadRows
    ) -> Iterator[tuple[int, str, Sm2State | None, list[LogEntry]]]:
        """Each card's state (None when unreadable) and log; cards whose log
        cannot be read are left out."""
        states = named(self.conn).execute(
            """
            SELECT c.id AS id, c.deck_id || '/' || c.key AS ref,
                   s.repetitions AS repetitions, s.easiness_x100 AS easiness_x100,
                   s.interval AS interval, s.due AS due, s.lapses AS lapses
            FROM card c JOIN card_state s ON s.card_id = c.id ORDER BY c.id
            """
        )
        logs = named(self.conn).execute(
            f"SELECT {_LOG_COLUMNS} FROM review_log ORDER BY card_id, seq"
        )
        pending = logs.fetchone()
        for row in states:
            card_id = int(row["id"])
            entries: list[LogEntry] = []
            while pending is not None and int(pending["card_id"]) < card_id:
                pending = logs.fetchone()  # log rows of a card with no state: FK check reports
            while pending is not None and int(pending["card_id"]) == card_id:
                if card_id not in bad.unreadable_logs:
                    a = _answer_from_row(pending)
                    entries.append(
                        LogEntry(a.kind, a.quality, a.study_day, a.before, a.after, a.uid, a.voids)
                    )
                pending = logs.fetchone()
            if card_id not in bad.unreadable_logs:
                stored = None if card_id in bad.unreadable_states else _state(row)
                yield card_id, str(row["ref"]), stored, entries


def _short(value: object) -> str:
    """A stored value in a problem line: one line, cut short."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
