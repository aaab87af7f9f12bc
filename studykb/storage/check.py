"""`studykb check`: integrity, every card's state and every row's kind against the
replay of its log, every card's suspended flag and paper's status and note against
the replay of its events, unreadable rows; `--repair` rebuilds them from the logs."""

from __future__ import annotations

from collections.abc import Iterator

from studykb.core.replay import LogEntry, replay
from studykb.core.scheduler import Sm2State
from studykb.storage.db import read_transaction, write_transaction
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
            str(r[0]) for r in self.conn.execute("PRAGMA integrity_check").fetchall()
        )
        fk_problems = self.conn.execute("PRAGMA foreign_key_check").fetchall()
        report = CheckReport(integrity=integrity, cards=0, log_rows=0)
        for fk in fk_problems[:20]:
            report.problems.append(
                f"foreign key: row {fk[1]} of {fk[0]} points to a missing {fk[2]}"
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
        for r in self.conn.execute(
            f"""
            SELECT c.id, c.deck_id || '/' || c.key, c.suspended, {EXPECTED_SUSPENDED},
                   c.buried_until, {EXPECTED_BURIED_UNTIL}
            FROM card c ORDER BY c.id
            """
        ):
            if r[2] != r[3]:
                cards.append((int(r[0]), str(r[1]), "suspended", r[2], int(r[3])))
            if r[4] != r[5]:
                cards.append((int(r[0]), str(r[1]), "buried_until", r[4], r[5]))
        papers: list[tuple[int, str, str, object, str]] = []
        for r in self.conn.execute(
            f"""
            SELECT p.id, p.slug, p.status, {EXPECTED_STATUS}, p.note, {EXPECTED_NOTE}
            FROM paper p ORDER BY p.id
            """
        ):
            if r[2] != r[3]:
                papers.append((int(r[0]), str(r[1]), "status", r[2], str(r[3])))
            if r[4] != r[5]:
                papers.append((int(r[0]), str(r[1]), "note", r[4], str(r[5])))
        return cards, papers

    def _states_and_logs(
        self, bad: BadRows
    ) -> Iterator[tuple[int, str, Sm2State | None, list[LogEntry]]]:
        """Each card's state (None when unreadable) and log; cards whose log
        cannot be read are left out."""
        states = self.conn.execute(
            """
            SELECT c.id, c.deck_id || '/' || c.key, s.repetitions, s.easiness_x100, s.interval,
                   s.due, s.lapses
            FROM card c JOIN card_state s ON s.card_id = c.id ORDER BY c.id
            """
        )
        logs = self.conn.execute(f"SELECT {_LOG_COLUMNS} FROM review_log ORDER BY card_id, seq")
        pending = logs.fetchone()
        for row in states:
            card_id = int(row[0])
            entries: list[LogEntry] = []
            while pending is not None and int(pending[2]) < card_id:
                pending = logs.fetchone()  # log rows of a card with no state: FK check reports
            while pending is not None and int(pending[2]) == card_id:
                if card_id not in bad.unreadable_logs:
                    a = _answer_from_row(pending)
                    entries.append(
                        LogEntry(a.kind, a.quality, a.study_day, a.before, a.after, a.uid, a.voids)
                    )
                pending = logs.fetchone()
            if card_id not in bad.unreadable_logs:
                stored = None if card_id in bad.unreadable_states else _state(row, 2)
                yield card_id, str(row[1]), stored, entries


def _short(value: object) -> str:
    """A stored value in a problem line: one line, cut short."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
