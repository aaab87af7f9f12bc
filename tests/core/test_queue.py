from __future__ import annotations

from datetime import date

from studykb.core.queue import DoneToday, DueCard, Limits, NewCard, build_queue


def test_order_reviews_most_overdue_first_then_new_then_drills() -> None:
    due = [DueCard(1, date(2026, 1, 5)), DueCard(3, date(2026, 1, 3)), DueCard(2, date(2026, 1, 3))]
    new = [NewCard(12), NewCard(10), NewCard(11)]
    q = build_queue(due, new, [7], Limits(), DoneToday())
    assert [(e.card_id, e.kind) for e in q.entries] == [
        (2, "review"),
        (3, "review"),
        (1, "review"),
        (10, "new"),
        (11, "new"),
        (12, "new"),
        (7, "drill"),
    ]


def test_limits_count_what_was_done_today() -> None:
    due = [DueCard(i, date(2026, 1, 1)) for i in range(10)]
    new = [NewCard(100 + i) for i in range(10)]
    q = build_queue(due, new, [], Limits(new_per_day=5, reviews_per_day=4), DoneToday(3, 4))
    assert q.reviews == (0,)
    assert q.new == (100,)
    q = build_queue(due, new, [], Limits(new_per_day=5, reviews_per_day=4), DoneToday(9, 9))
    assert len(q) == 0


def test_a_drill_card_is_not_also_a_review() -> None:
    q = build_queue([DueCard(1, date(2026, 1, 1))], [], [1], Limits(), DoneToday())
    assert q.reviews == ()
    assert q.drills == (1,)
