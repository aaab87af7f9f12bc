"""The rating maps between SM-2 grades (0-5) and FSRS ratings (Again..Easy, 1-4)."""

from __future__ import annotations

import fsrs
import pytest

from studykb.core.scheduling.ratings import (
    RATING_LABELS,
    RATINGS,
    Rating,
    check_in_scale,
    convert,
    fsrs_to_sm2,
    recalled,
    sm2_to_fsrs,
)


def test_sm2_grades_map_to_fsrs_ratings_as_documented() -> None:
    assert [sm2_to_fsrs(g) for g in range(6)] == [
        Rating.AGAIN,
        Rating.AGAIN,
        Rating.AGAIN,
        Rating.HARD,
        Rating.GOOD,
        Rating.EASY,
    ]


def test_fsrs_ratings_map_to_sm2_grades_as_documented() -> None:
    assert {r: fsrs_to_sm2(r) for r in RATINGS} == {1: 1, 2: 3, 3: 4, 4: 5}


def test_the_ratings_are_py_fsrs_ratings_with_labels_for_each_key() -> None:
    assert RATINGS == (1, 2, 3, 4)
    assert [int(r) for r in fsrs.Rating] == [int(r) for r in Rating]
    assert [r.name.upper() for r in fsrs.Rating] == [r.name for r in Rating]
    assert RATING_LABELS == {1: "again", 2: "hard", 3: "good", 4: "easy"}


def test_both_maps_keep_recall_and_round_trip_where_they_can() -> None:
    for grade in range(6):
        assert recalled(grade, "sm2") == recalled(int(sm2_to_fsrs(grade)), "fsrs")
    for rating in RATINGS:
        assert recalled(rating, "fsrs") == recalled(fsrs_to_sm2(rating), "sm2")
        assert sm2_to_fsrs(fsrs_to_sm2(rating)) == rating
    assert [fsrs_to_sm2(sm2_to_fsrs(g)) for g in range(6)] == [1, 1, 1, 3, 4, 5]
    assert convert(0, "sm2", "fsrs") == 1 and convert(4, "fsrs", "sm2") == 5
    assert convert(2, "fsrs", "fsrs") == 2


@pytest.mark.parametrize(
    ("rating", "scale", "message"),
    [(6, "sm2", "0 to 5"), (-1, "sm2", "0 to 5"), (0, "fsrs", "1 to 4"), (5, "fsrs", "1 to 4")],
)
def test_a_rating_outside_its_scale_is_refused(rating: int, scale: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        check_in_scale(rating, scale)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=message):
        convert(rating, scale, "sm2")  # type: ignore[arg-type]
