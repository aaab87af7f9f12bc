"""`studykb check`: integrity, every card's state and every row's kind against the
replay of its log, unreadable rows; `--repair` rebuilds states from the log."""

from __future__ import annotations

from collections.abc import Iterator

from studykb.core.replay import LogEntry, replay
from studykb.core.scheduler import Sm2State
from studykb.storage.db import read_transaction, write_transaction
from studykb.storage.log import _LOG_COLUMNS, AnswerLog, _answer_from_row
from studykb.storage.records import CheckReport, _fmt, _state
from studykb.storage.row_check import BadRows, find_bad_rows


class Checks(AnswerLog):
    """The repository's part for the check."""

    # ------------------------------------------------------------------ check
    def check(self, *, repair: bool = False) -> CheckReport:
        """SQLite's integrity check, then every card's state against the replay of its log."""
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
        if repair and fixes:
            with write_transaction(self.conn):
                for card_id, state in fixes:
                    self._write_state(card_id, state)
            report.repaired = len(fixes)
        return report

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
