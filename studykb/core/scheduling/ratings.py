"""Ratings of the two schedulers and the maps between them (issue 13).

SM-2 grades an answer 0-5 (Wozniak 1990); FSRS rates it Again, Hard, Good,
Easy (1-4). Switching a deck's scheduler replays its log under the other one, so
each scale has a fixed map onto the other:

====================  ==========================
SM-2 grade            FSRS rating
====================  ==========================
0, 1, 2 (failed)      Again (1)
3 (hard)              Hard (2)
4 (good)              Good (3)
5 (perfect)           Easy (4)
====================  ==========================

and back: Again -> 1, Hard -> 3, Good -> 4, Easy -> 5. Both maps keep the line
between recalled and forgotten (SM-2 grade >= 3, FSRS rating > Again), so an
answer counts as a recall under either scale, and SM-2 -> FSRS -> SM-2 is the
identity on grades 1, 3, 4 and 5 (0 and 2 come back as 1: the same failure).
"""

from __future__ import annotations

from enum import IntEnum
from typing import Literal

from studykb.core.scheduler import PASSING_QUALITY, QUALITIES, check_quality

Scale = Literal["sm2", "fsrs"]


class Rating(IntEnum):
    """FSRS's four ratings, numbered as py-fsrs numbers them (fsrs.Rating)."""

    AGAIN = 1
    HARD = 2
    GOOD = 3
    EASY = 4


RATINGS: tuple[int, ...] = tuple(int(r) for r in Rating)

# Short labels for the grade keys 1-4, as SM-2's QUALITY_LABELS label 0-5.
RATING_LABELS: dict[int, str] = {
    Rating.AGAIN: "again",
    Rating.HARD: "hard",
    Rating.GOOD: "good",
    Rating.EASY: "easy",
}
RATING_MEANINGS: dict[int, str] = {
    Rating.AGAIN: "forgotten: the answer was wrong or did not come",
    Rating.HARD: "recalled with serious difficulty",
    Rating.GOOD: "recalled after a hesitation",
    Rating.EASY: "recalled at once",
}

SM2_TO_FSRS: dict[int, Rating] = {
    0: Rating.AGAIN,
    1: Rating.AGAIN,
    2: Rating.AGAIN,
    3: Rating.HARD,
    4: Rating.GOOD,
    5: Rating.EASY,
}
FSRS_TO_SM2: dict[Rating, int] = {
    Rating.AGAIN: 1,
    Rating.HARD: 3,
    Rating.GOOD: 4,
    Rating.EASY: 5,
}


def check_rating(rating: int) -> Rating:
    """``rating`` as an FSRS Rating; ValueError naming the range otherwise."""
    if isinstance(rating, bool) or not isinstance(rating, int) or rating not in RATINGS:
        raise ValueError(f"an FSRS rating must be an integer from 1 to 4, got {rating!r}")
    return Rating(rating)


def sm2_to_fsrs(grade: int) -> Rating:
    return SM2_TO_FSRS[check_quality(grade)]


def fsrs_to_sm2(rating: int) -> int:
    return FSRS_TO_SM2[check_rating(rating)]


def check_in_scale(rating: int, scale: Scale) -> int:
    """``rating`` checked against its own scale (0-5 for SM-2, 1-4 for FSRS)."""
    if scale == "sm2":
        return check_quality(rating)
    if scale == "fsrs":
        return int(check_rating(rating))
    raise ValueError(f"unknown rating scale {scale!r} (expected 'sm2' or 'fsrs')")


def convert(rating: int, source: Scale, target: Scale) -> int:
    """A rating given on ``source``'s scale, expressed on ``target``'s."""
    check_in_scale(rating, source)
    if source == target:
        return rating
    return int(sm2_to_fsrs(rating)) if target == "fsrs" else fsrs_to_sm2(rating)


def recalled(rating: int, scale: Scale) -> bool:
    """Whether the answer was a recall: SM-2 grade >= 3, FSRS rating above Again."""
    if scale == "sm2":
        return check_quality(rating) >= PASSING_QUALITY
    return check_in_scale(rating, scale) > Rating.AGAIN


__all__ = [
    "FSRS_TO_SM2",
    "QUALITIES",
    "RATINGS",
    "RATING_LABELS",
    "RATING_MEANINGS",
    "SM2_TO_FSRS",
    "Rating",
    "Scale",
    "check_in_scale",
    "check_rating",
    "convert",
    "fsrs_to_sm2",
    "recalled",
    "sm2_to_fsrs",
]
