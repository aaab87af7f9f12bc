"""Statistics queries: today's numbers, streaks, retention and the charts' data."""

from __future__ import annotations

from datetime import date, timedelta

from studykb.core.stats import (
    CARD_STATES,
    FORECAST_DAYS,
    HEATMAP_WEEKS,
    HISTORY_DAYS,
    MATURE_INTERVAL,
    CardStateName,
    StatsData,
    classify,
    retention,
    streak,
)
from studykb.storage.base import RepositoryBase
from studykb.storage.counts import (
    LIVE_ANSWER,
    NOT_VOIDED,
)
from studykb.storage.db import named, read_transaction
from studykb.storage.records import Stats
from studykb.storage.states import sm2_easiness_x100

# Retention has one definition, used by `studykb stats` and the statistics screen alike:
# the share of the last 30 study days' reviews graded 3 or more, counting only reviews
# of cards seen before (a new card's first answer measures learning, not memory);
# drills and undone answers are not counted.
RETENTION_REVIEWS = (
    f"r.kind = 'review' AND r.before_interval > 0 AND r.study_day >= :since AND {NOT_VOIDED}"
)


def _log_from(deck_id: str | None) -> str:
    """The review log, joined to its cards only when one deck is asked for: alone,
    its study-day index answers date ranges without touching the card table."""
    if deck_id is None:
        return "review_log r"
    return "review_log r JOIN card c ON c.id = r.card_id AND c.deck_id = :deck"


class StatisticsQueries(RepositoryBase):
    """The repository's part for statistics."""

    # ------------------------------------------------------------------ stats
    def _streak_days(self, today: date, deck_id: str | None) -> list[date]:
        """The run of study days with answers that ends today or yesterday, probed one
        day at a time through the study-day index (a streak is short; the log is long)."""
        probe = (
            f"SELECT 1 FROM review_log r WHERE r.study_day = ? AND {LIVE_ANSWER} LIMIT 1"
            if deck_id is None
            else "SELECT 1 FROM review_log r JOIN card c ON c.id = r.card_id "
            f"WHERE r.study_day = ? AND c.deck_id = ? AND {LIVE_ANSWER} LIMIT 1"
        )
        days: list[date] = []
        cursor = today
        while True:
            args = (cursor.isoformat(),) if deck_id is None else (cursor.isoformat(), deck_id)
            if self.conn.execute(probe, args).fetchone() is not None:
                days.append(cursor)
            elif cursor != today:
                break
            cursor -= timedelta(days=1)
        return days

    def stats(self, deck_id: str | None = None, *, with_states: bool = True) -> Stats:
        """Today's counts, the streak, 30-day retention and (unless ``with_states`` is
        False, which skips the one query that reads every card) cards by state."""
        self._require_deck(deck_id)
        today = self.today()
        since = (today - timedelta(days=HISTORY_DAYS - 1)).isoformat()
        params = {"deck": deck_id, "today": today.isoformat(), "since": since}
        log_from = _log_from(deck_id)
        with read_transaction(self.conn):
            days = self._streak_days(today, deck_id)
            today_row = (
                named(self.conn)
                .execute(
                    f"""
                SELECT COALESCE(SUM(r.kind = 'review'), 0) AS reviews,
                       COALESCE(SUM(r.kind = 'drill'), 0) AS drills,
                       COALESCE(SUM(r.kind = 'review' AND r.before_due IS NULL), 0) AS new
                FROM {log_from} WHERE r.study_day = :today AND {NOT_VOIDED}
                """,
                    params,
                )
                .fetchone()
            )
            ret_row = (
                named(self.conn)
                .execute(
                    f"""
                SELECT COALESCE(SUM(r.quality >= 3), 0) AS passed, COUNT(*) AS reviews
                FROM {log_from} WHERE {RETENTION_REVIEWS}
                """,
                    params,
                )
                .fetchone()
            )
            by_state: dict[CardStateName, int] = (
                self._card_summary(deck_id)[0] if with_states else dict.fromkeys(CARD_STATES, 0)
            )
        return Stats(
            today=today,
            reviews_today=int(today_row["reviews"]),
            drills_today=int(today_row["drills"]),
            new_today=int(today_row["new"]),
            streak=streak(days, today),
            retention_30d=retention(int(ret_row["passed"]), int(ret_row["reviews"])),
            reviews_30d=int(ret_row["reviews"]),
            cards_by_state=by_state,
        )

    def stats_data(self, deck_id: str | None = None) -> StatsData:
        """The statistics screen's data, aggregated in SQL (no row per review in Python)."""
        self._require_deck(deck_id)
        today = self.today()
        start = today - timedelta(weeks=HEATMAP_WEEKS)
        horizon = today + timedelta(days=FORECAST_DAYS - 1)
        since = today - timedelta(days=HISTORY_DAYS - 1)
        p = {
            "deck": deck_id,
            "start": start.isoformat(),
            "today": today.isoformat(),
            "horizon": horizon.isoformat(),
            "since": since.isoformat(),
        }
        card_filter = "(:deck IS NULL OR c.deck_id = :deck)"
        log_from = _log_from(deck_id)
        # All decks: the answers per day and the cards due per day are kept by triggers
        # (day_done, due_histogram: migration 0008); one deck's are counted.
        answers_sql = (
            "SELECT study_day, answers FROM day_done WHERE study_day > :start"
            if deck_id is None
            else f"SELECT r.study_day AS study_day, COUNT(*) AS answers FROM {log_from} "
            f"WHERE r.study_day > :start AND {LIVE_ANSWER} GROUP BY r.study_day"
        )
        due_sql = f"""
            SELECT MAX(h.due, :today) AS day, SUM(h.n) AS cards FROM due_histogram h
            WHERE h.due != '' AND h.due <= :horizon AND {card_filter.replace("c.", "h.")}
            GROUP BY MAX(h.due, :today)
            """
        with read_transaction(self.conn):
            per_day = {
                date.fromisoformat(r["study_day"]): int(r["answers"])
                for r in named(self.conn).execute(answers_sql, p)
                if r["answers"]
            }
            due_rows = named(self.conn).execute(due_sql, p).fetchall()
            retention_rows = (
                named(self.conn)
                .execute(
                    f"""
                SELECT r.before_interval >= {MATURE_INTERVAL} AS mature,
                       SUM(r.quality >= 3) AS passed, COUNT(*) AS reviews
                FROM {log_from}
                WHERE {RETENTION_REVIEWS}
                GROUP BY 1
                """,
                    p,
                )
                .fetchall()
            )
            by_state, easiness = self._card_summary(deck_id)
        due_by_day = {date.fromisoformat(r["day"]): int(r["cards"]) for r in due_rows}
        forecast = [
            (today + timedelta(days=i), due_by_day.get(today + timedelta(days=i), 0))
            for i in range(FORECAST_DAYS)
        ]
        history = [
            (since + timedelta(days=i), per_day.get(since + timedelta(days=i), 0))
            for i in range(HISTORY_DAYS)
        ]
        retention_by = {
            bool(r["mature"]): (int(r["passed"]), int(r["reviews"])) for r in retention_rows
        }
        return StatsData(
            today=today,
            per_day=per_day,
            forecast=forecast,
            reviews_30d=history,
            young_retention=retention_by.get(False, (0, 0)),
            mature_retention=retention_by.get(True, (0, 0)),
            cards_by_state=by_state,
            easiness=[(bucket / 10, n) for bucket, n in sorted(easiness.items())],
        )

    def _card_summary(self, deck_id: str | None) -> tuple[dict[CardStateName, int], dict[int, int]]:
        """Cards by state, and reviewed (non-retired) cards by EF in tenths.

        For all decks the state table is read alone with plain aggregates (a join
        or a multi-column GROUP BY per card is most of the cost at 100,000 cards);
        the few suspended or retired cards are then moved to their own counts."""
        flags = "c.retired_at IS NOT NULL AS retired, c.suspended AS suspended"
        cls = (
            "s.due IS NULL AS is_new, s.repetitions = 0 AS failed, "
            f"s.interval >= {MATURE_INTERVAL} AS is_mature, "
            # SM-2's easiness is in its state JSON; other schedulers have none.
            "CASE WHEN s.scheduler = 'sm2' THEN s.state END AS sm2_state"
        )
        by_state: dict[CardStateName, int] = dict.fromkeys(CARD_STATES, 0)
        easiness: dict[int, int] = {}

        def add(
            retired: int,
            suspended: int,
            new: int,
            failed: int,
            mature: int,
            ef_x100: int | None,
            n: int,
        ) -> None:
            name = classify(
                reviewed=not new,
                repetitions=0 if failed else 1,
                interval=MATURE_INTERVAL if mature else 0,
                suspended=bool(suspended),
                retired=bool(retired),
            )
            by_state[name] += n
            if not new and not retired and ef_x100 is not None:
                easiness[ef_x100 // 10] = easiness.get(ef_x100 // 10, 0) + n

        if deck_id is not None:
            for row in named(self.conn).execute(
                f"""
                SELECT {flags}, {cls}, COUNT(*) AS n
                FROM card c JOIN card_state s ON s.card_id = c.id
                WHERE c.deck_id = ? GROUP BY 1, 2, 3, 4, 5, 6
                """,
                (deck_id,),
            ):
                add(
                    int(row["retired"]),
                    int(row["suspended"]),
                    int(row["is_new"]),
                    int(row["failed"]),
                    int(row["is_mature"]),
                    sm2_easiness_x100(row["sm2_state"]),
                    int(row["n"]),
                )
            return by_state, easiness
        counts = (
            named(self.conn)
            .execute(
                f"""
            SELECT SUM(due IS NULL) AS new,
                   SUM(due IS NOT NULL AND repetitions = 0) AS learning,
                   SUM(repetitions > 0 AND interval < {MATURE_INTERVAL}) AS young,
                   SUM(repetitions > 0 AND interval >= {MATURE_INTERVAL}) AS mature
            FROM card_state
            """
            )
            .fetchone()
        )
        by_state["new"] = int(counts["new"] or 0)
        by_state["learning"] = int(counts["learning"] or 0)
        by_state["young"] = int(counts["young"] or 0)
        by_state["mature"] = int(counts["mature"] or 0)
        # Grouped by the JSON itself: an SM-2 state's JSON is its easiness alone, so
        # there are few groups and no JSON is parsed per card.
        for r in named(self.conn).execute(
            "SELECT state, COUNT(*) AS n FROM card_state "
            "WHERE due IS NOT NULL AND scheduler = 'sm2' GROUP BY state"
        ):
            ef_x100 = sm2_easiness_x100(r["state"])
            if ef_x100 is not None:
                easiness[ef_x100 // 10] = easiness.get(ef_x100 // 10, 0) + int(r["n"])
        for row in named(self.conn).execute(
            f"""
            SELECT {flags}, {cls}, COUNT(*) AS n
            FROM card c JOIN card_state s ON s.card_id = c.id
            WHERE c.retired_at IS NOT NULL OR c.suspended = 1 GROUP BY 1, 2, 3, 4, 5, 6
            """
        ):
            retired, suspended = int(row["retired"]), int(row["suspended"])
            is_new, failed, is_mature = (
                int(row["is_new"]),
                int(row["failed"]),
                int(row["is_mature"]),
            )
            ef_x100, n = sm2_easiness_x100(row["sm2_state"]), int(row["n"])
            # Take the card out of the class the plain counts put it in ...
            add(0, 0, is_new, failed, is_mature, ef_x100, -n)
            # ... and count it as suspended or retired.
            add(retired, suspended, is_new, failed, is_mature, ef_x100, n)
        return by_state, easiness
