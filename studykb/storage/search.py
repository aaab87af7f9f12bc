"""Finding cards: full-text search (SQLite FTS5, migration 0009), filters and sorts,
for the card browser and `studykb cards`.

Two indexes are searched together. ``card_fts`` holds each card's front, back, tags
and source as written, so LaTeX is found by its words (``\\bar\\alpha`` by
"alpha"); triggers keep it in step with ``card``. ``card_rendered_fts`` holds the
same text as the TUI shows it (math as Unicode, "ᾱ"), which only Python can
compute: :meth:`CardSearch.refresh_rendered` writes it for the cards that lack it,
and a trigger drops a card's copy when its text changes. A term matches a card if
either index has it; every term must match.

What a user types is never FTS5 syntax: each word becomes a quoted phrase (so
``AND``, ``"``, ``*`` or ``NEAR(`` are just text), and the last one is matched as a
prefix while it is being typed.
"""

from __future__ import annotations

import functools
import json
import sqlite3
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Literal

from studykb.core import cloze
from studykb.core.stats import MATURE_INTERVAL
from studykb.render.safe_text import neutralise
from studykb.storage.base import RepositoryBase
from studykb.storage.counts import LIVE_ANSWER
from studykb.storage.db import named, write_transaction

BrowseState = Literal["new", "learning", "young", "mature", "suspended", "buried", "retired"]
BROWSE_STATES: tuple[BrowseState, ...] = (
    "new",
    "learning",
    "young",
    "mature",
    "suspended",
    "buried",
    "retired",
)
BrowseSort = Literal["due", "added", "lapses", "ease", "last"]
BROWSE_SORTS: tuple[BrowseSort, ...] = ("due", "added", "lapses", "ease", "last")

# Bumped when the renderer changes what it makes of math: every rendered copy is
# then written again (they are derived data, never the only copy of anything).
RENDERED_WITH = "1"
RENDERED_WITH_KEY = "search_rendered_with"
# A word matching at least DENSE cards makes a search "dense": its matches are not
# all sorted (the due index is walked to the limit) nor all counted (up to COUNT_BOUND).
DENSE = 2_000
COUNT_BOUND = 1_000


def search_form(text: str) -> str:
    """Text as the rendered index holds it, and as a query is matched against it:
    composed (NFC), with sub- and superscripts apart from their base, so that "ᾱ"
    finds "ᾱₜ" (the tokenizer would keep "ᾱₜ" as one word)."""
    out: list[str] = []
    for ch in unicodedata.normalize("NFC", text):
        if unicodedata.decomposition(ch).startswith(("<sub>", "<super>")):
            out.append(f" {ch} ")
        else:
            out.append(ch)
    return "".join(out)


def rendered_copy(front: str, back: str, source: str) -> str:
    """What the rendered index holds for a card: its text with math as Unicode, or
    "" when no math changes it (the index of the text as written then suffices)."""
    from studykb.render.latex import math_to_unicode  # pylatexenc: loaded when first needed

    parts = []
    for text in (front, back, source):
        if "$" in text or "\\" in text:
            shown = math_to_unicode(neutralise(text), markdown=False)
            if shown != text:
                parts.append(search_form(shown))
    return "\n".join(parts)


def match_phrases(query: str) -> list[str]:
    """FTS5 queries, one per word of ``query``, all of which a card must match: each
    word a quoted phrase (a ``"`` doubled, as FTS5 strings escape it), the last one
    a prefix unless the query ends with a space. A word with no letter or digit (a
    lone ``*`` or ``"``) is dropped: it would match nothing, or everything."""
    words = [search_form(w) for w in query.split()]
    words = [w for w in words if any(ch.isalnum() for ch in w)]
    phrases = ['"' + w.replace('"', '""') + '"' for w in words]
    if phrases and query[-1:].strip():
        phrases[-1] += "*"  # still being typed
    return phrases


@dataclass(frozen=True, slots=True)
class CardRow:
    """One card as the browser's list shows it."""

    id: int
    deck_id: str
    key: str
    kind: str
    question: str  # the front as asked (a cloze with its blank)
    front: str
    back: str
    tags: tuple[str, ...]
    source: str
    state: BrowseState
    scheduler: str
    due: date | None
    lapses: int
    created_at: str
    flagged: bool = False

    @property
    def ref(self) -> str:
        return f"{self.deck_id}/{self.key}"


@dataclass(frozen=True, slots=True)
class CardPage:
    """The cards found, in order (at most the limit asked for), and how many there are
    (``exact`` False: more than ``total``, the bound a search with many matches counts to)."""

    rows: tuple[CardRow, ...]
    total: int
    exact: bool = True


# The state each card shows, first match wins: the SQL that filters on it, and the
# same rule in Python (state_of) for the rows read. Both take :today.
_ACTIVE = (
    "c.retired_at IS NULL AND c.suspended = 0 "
    "AND (c.buried_until IS NULL OR c.buried_until <= :today)"
)
_LEARNING = (
    "(CASE WHEN s.scheduler = 'fsrs' "
    "THEN s.due IS NOT NULL AND json_extract(s.state, '$.phase') IN ('learning', 'relearning') "
    "ELSE s.due IS NOT NULL AND s.repetitions = 0 END)"
)
_STATE_SQL: dict[BrowseState, str] = {
    "retired": "c.retired_at IS NOT NULL",
    "suspended": "c.retired_at IS NULL AND c.suspended = 1",
    "buried": "c.retired_at IS NULL AND c.suspended = 0 AND c.buried_until > :today",
    "new": f"{_ACTIVE} AND s.due IS NULL",
    "learning": f"{_ACTIVE} AND {_LEARNING}",
    "young": f"{_ACTIVE} AND s.due IS NOT NULL AND NOT {_LEARNING} "
    f"AND s.interval < {MATURE_INTERVAL}",
    "mature": f"{_ACTIVE} AND s.due IS NOT NULL AND NOT {_LEARNING} "
    f"AND s.interval >= {MATURE_INTERVAL}",
}
# Ease: SM-2's easiness (1.3 hardest), FSRS's difficulty (10 hardest) put on the same
# line, so that the hardest cards of either come first; new cards last.
_EASE = (
    "CASE WHEN s.scheduler = 'fsrs' "
    "THEN 2.5 - (json_extract(s.state, '$.difficulty') - 1) * 1.2 / 9 "
    "ELSE json_extract(s.state, '$.easiness_x100') / 100.0 END"
)
# The newest answer still standing (neither an undo nor undone).
_LAST = (
    "(SELECT max(r.seq) FROM review_log r WHERE r.card_id = c.id AND r.kind != 'void' "
    "AND NOT EXISTS (SELECT 1 FROM review_log v WHERE v.voids = r.uid))"
)
_ORDER: dict[BrowseSort, str] = {
    "due": "s.due IS NULL, s.due, c.id",  # the order of ix_card_state_due, then new cards
    "added": "c.created_at DESC, c.id DESC",
    "lapses": "s.lapses DESC, s.due IS NULL, s.due, c.id",
    "ease": f"s.due IS NULL, {_EASE}, c.id",
    "last": f"{_LAST} IS NULL, {_LAST} DESC, c.id",
}


def state_of(
    *,
    retired: bool,
    suspended: bool,
    buried_until: str | None,
    due: str | None,
    learning: bool,
    interval: int,
    today: date,
) -> BrowseState:
    if retired:
        return "retired"
    if suspended:
        return "suspended"
    if buried_until is not None and buried_until > today.isoformat():
        return "buried"
    if due is None:
        return "new"
    if learning:
        return "learning"
    return "mature" if interval >= MATURE_INTERVAL else "young"


class CardSearch(RepositoryBase):
    """The repository's part for finding cards."""

    def rendered_pending(self) -> int:
        """How many cards lack their rendered copy (two counts: cheap); all of them
        when the copies were made by another version of the renderer."""
        counts = (
            named(self.conn)
            .execute(
                "SELECT (SELECT count(*) FROM card) AS cards, "
                "(SELECT count(*) FROM card_rendered) AS rendered"
            )
            .fetchone()
        )
        if self.get_meta(RENDERED_WITH_KEY) != RENDERED_WITH:
            return int(counts["cards"])
        return int(counts["cards"]) - int(counts["rendered"])

    def refresh_rendered(self, limit: int | None = None) -> int:
        """Write the rendered copy of cards that lack one (new or changed cards, or
        all of them after the renderer changed), at most ``limit`` of them; returns
        how many still lack one."""
        with write_transaction(self.conn):
            if self.get_meta(RENDERED_WITH_KEY) != RENDERED_WITH:
                self.conn.execute("DELETE FROM card_rendered")
                self._set_meta(RENDERED_WITH_KEY, RENDERED_WITH)
            if not self.rendered_pending():
                return 0
            missing = named(self.conn).execute(
                "SELECT c.id AS id, c.front AS front, c.back AS back, c.source AS source "
                "FROM card c WHERE NOT EXISTS "
                "(SELECT 1 FROM card_rendered r WHERE r.card_id = c.id) ORDER BY c.id"
                + ("" if limit is None else f" LIMIT {int(limit)}")
            )
            rows = [(r["id"], rendered_copy(r["front"], r["back"], r["source"])) for r in missing]
            self.conn.executemany("INSERT INTO card_rendered (card_id, text) VALUES (?, ?)", rows)
            return self.rendered_pending()

    def search_cards(
        self,
        query: str = "",
        *,
        deck_id: str | None = None,
        state: BrowseState | None = None,
        tag: str | None = None,
        sort: BrowseSort = "due",
        limit: int | None = None,
        flagged: bool = False,
        leech: bool = False,
        failed_today: bool = False,
    ) -> CardPage:
        """The cards matching every word of ``query`` and every filter, in ``sort``
        order. Retired cards only when ``state`` asks for them. ``flagged``: only
        flagged cards; ``leech``: only cards tagged leech; ``failed_today``: only
        cards forgotten today (an answer that stands graded below 3 under SM-2, Again
        under FSRS): practice mode's selections."""
        if deck_id is not None:
            self._require_deck(deck_id)
        conditions = [_STATE_SQL[state] if state is not None else "c.retired_at IS NULL"]
        params: dict[str, object] = {"today": self.today().isoformat()}
        if deck_id is not None:
            conditions.append("c.deck_id = :deck")
            params["deck"] = deck_id
        if tag is not None:
            conditions.append("EXISTS (SELECT 1 FROM json_each(c.tags) WHERE value = :tag)")
            params["tag"] = tag
        # These select few cards, each found through an index (the flagged cards'
        # partial index, the tags' full-text index, the log's day index): every match
        # is read and sorted rather than the due index walked.
        few = flagged or leech or failed_today
        if flagged:
            conditions.append("c.flagged = 1")
        if leech:
            conditions.append(
                "c.id IN (SELECT rowid FROM card_fts WHERE card_fts MATCH 'tags : leech') "
                "AND EXISTS (SELECT 1 FROM json_each(c.tags) WHERE value = 'leech')"
            )
        if failed_today:
            conditions.append(
                "c.id IN (SELECT r.card_id FROM review_log r "
                f"WHERE r.study_day = :today AND {LIVE_ANSWER} "
                "AND r.quality < CASE r.scheduler WHEN 'sm2' THEN 3 ELSE 2 END)"
            )
        phrases = fts_queries(match_phrases(query))
        for n, phrase in enumerate(phrases):
            conditions.append(f"c.id IN ({_matching(n, phrase)})")
            params[f"q{n}"] = phrase
        where = " AND ".join(conditions)
        # card_state is joined only when a condition needs it (a count touches every card).
        counted = "card c" + (" JOIN card_state s ON s.card_id = c.id" if "s." in where else "")
        cursor = named(self.conn)
        dense = bool(phrases) and self._dense(phrases)
        walk = sort == "due" and limit is not None and (dense or not phrases) and not few
        if walk:
            # Walk the due index in order (new cards after) and stop: at the limit, or
            # for many matches at the count's bound (past it, "1,000+ cards").
            bound = max(COUNT_BOUND, limit or 0)
            params["limit"] = bound + 1 if dense else limit
            id_sql = (
                "SELECT id FROM (SELECT s.card_id AS id FROM card_state s "
                "INDEXED BY ix_card_state_due JOIN card c ON c.id = s.card_id "
                f"WHERE s.due IS NOT NULL AND {where} ORDER BY s.due, s.card_id LIMIT :limit) "
                "UNION ALL SELECT id FROM (SELECT s.card_id AS id FROM card_state s "
                "INDEXED BY ix_card_state_new JOIN card c ON c.id = s.card_id "
                f"WHERE s.due IS NULL AND {where} ORDER BY s.card_id LIMIT :limit) LIMIT :limit"
            )
        else:
            # Few matches (or another sort): every match, sorted; counted as read.
            id_sql = (
                f"SELECT c.id AS id FROM card c JOIN card_state s ON s.card_id = c.id "
                f"WHERE {where} ORDER BY {_ORDER[sort]}"
            )
        ids = [int(r["id"]) for r in cursor.execute(id_sql, params)]
        if walk and not dense:  # no words: every card counted (one index, cheap)
            total = int(
                cursor.execute(
                    f"SELECT count(*) AS n FROM {counted} WHERE {where}", params
                ).fetchone()["n"]
            )
            exact = True
        elif walk:  # many matches: counted up to the bound
            total, exact = min(len(ids), bound), len(ids) <= bound
        else:
            total, exact = len(ids), True
        ids = ids if limit is None else ids[:limit]
        # Only the cards shown are read in full (the sort never carries their text).
        rows = {}
        for chunk in range(0, len(ids), 500):
            part = ids[chunk : chunk + 500]
            marks = ",".join("?" * len(part))
            for r in cursor.execute(
                f"""SELECT c.id AS id, c.deck_id AS deck_id, c.key AS key, c.kind AS kind,
                       c.cloze_number AS cloze_number, c.front AS front, c.back AS back,
                       c.tags AS tags, c.source AS source, c.suspended AS suspended,
                       c.buried_until AS buried_until, c.retired_at AS retired_at,
                       c.created_at AS created_at, c.flagged AS flagged,
                       s.scheduler AS scheduler, s.due AS due,
                       s.interval AS interval, s.lapses AS lapses, {_LEARNING} AS learning
                FROM card c JOIN card_state s ON s.card_id = c.id WHERE c.id IN ({marks})""",
                part,
            ):
                rows[int(r["id"])] = r
        today = self.today()
        return CardPage(tuple(_card_row(rows[i], today) for i in ids), total, exact)

    def _dense(self, phrases: list[str]) -> bool:
        """Whether every query matches many cards (then the due index is walked and
        the count bounded); counted in the index alone, stopping at the bound."""
        for phrase in phrases:
            tables = ["card_fts"] if phrase.isascii() else ["card_fts", "card_rendered_fts"]
            found = sum(
                self.conn.execute(
                    f"SELECT count(*) FROM (SELECT 1 FROM {t} WHERE {t} MATCH ? LIMIT {DENSE})",
                    (phrase,),
                ).fetchone()[0]
                for t in tables
            )
            if found < DENSE:
                return False
        return True


def fts_queries(phrases: list[str]) -> list[str]:
    """The FTS5 queries a card must all match: the plain-ASCII phrases together, as
    one query of the written text (FTS5 intersects them itself, from the rarest),
    then each other phrase alone (written or shown, see _matching)."""
    plain = [p for p in phrases if p.isascii()]
    return ([" ".join(plain)] if plain else []) + [p for p in phrases if not p.isascii()]


def _matching(n: int, phrase: str) -> str:
    """The cards whose text matches phrase ``:q{n}``: as written, and also as shown
    when the phrase has a character beyond ASCII (rendering math only turns LaTeX
    into symbols: a plain word of the rendered text is a word of the written one)."""
    written = f"SELECT rowid FROM card_fts WHERE card_fts MATCH :q{n}"
    if phrase.isascii():
        return written
    return (
        f"{written} UNION SELECT rowid FROM card_rendered_fts WHERE card_rendered_fts MATCH :q{n}"
    )


@functools.lru_cache(maxsize=4096)
def _cloze_question(text: str, number: int) -> str:
    """A cloze card's question as the browser lists it; cached, as each keystroke
    lists the same few hundred cards again."""
    return cloze.front(text, number)


def _card_row(r: sqlite3.Row, today: date) -> CardRow:
    kind, number, front = r["kind"], r["cloze_number"], r["front"]
    question = _cloze_question(front, number) if kind == "cloze" and number is not None else front
    tags = r["tags"]
    return CardRow(
        id=int(r["id"]),
        deck_id=r["deck_id"],
        key=r["key"],
        kind=kind,
        question=question,
        front=front,
        back=r["back"],
        tags=() if tags == "[]" else tuple(json.loads(tags)),
        source=r["source"],
        state=state_of(
            retired=r["retired_at"] is not None,
            suspended=bool(r["suspended"]),
            buried_until=r["buried_until"],
            due=r["due"],
            learning=bool(r["learning"]),
            interval=int(r["interval"]),
            today=today,
        ),
        scheduler=str(r["scheduler"]),
        due=None if r["due"] is None else date.fromisoformat(r["due"]),
        lapses=int(r["lapses"]),
        created_at=r["created_at"],
        flagged=bool(r["flagged"]),
    )
