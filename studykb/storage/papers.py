"""Papers: the reading list's import (linear: one index read up front), status,
notes and the next paper worth reading."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Sequence

from studykb.core.reading import (
    READING_STATUSES,
    PaperView,
    next_paper,
)
from studykb.core.specs import ImportReport, PaperSpec, ReadingListEntry
from studykb.core.stats import MATURE_INTERVAL
from studykb.core.urls import paper_key
from studykb.errors import NotFoundError, StudykbError
from studykb.storage.base import RepositoryBase
from studykb.storage.db import named, unit_of_work, write_transaction
from studykb.storage.events import append_event, paper_target
from studykb.storage.records import PaperRow, _d

# A deck's paper, joined as ``LEFT JOIN paper p``: the columns paper_spec_of reads.
DECK_PAPER_COLUMNS = (
    "p.title AS paper_title, p.url, p.authors, p.year, p.worth_reading, p.section, "
    "p.after, p.description AS paper_description"
)


def paper_spec_of(row: sqlite3.Row) -> PaperSpec | None:
    """The paper of a row read with DECK_PAPER_COLUMNS (None: the deck has none)."""
    if row["url"] is None:
        return None
    return PaperSpec(
        title=str(row["paper_title"]),
        url=str(row["url"]),
        authors=tuple(json.loads(row["authors"])),
        year=row["year"],
        worth_reading=row["worth_reading"],
        section=row["section"],
        after=tuple(json.loads(row["after"])),
        description=row["paper_description"],
    )


class _PaperIndex:
    """The papers table's ids by URL key and title, read once per reading-list import.

    Matching an entry by a query per entry scanned the table for titles (2,000
    entries of one title took 8 s, 20,000 entries 70 s); these are dict lookups.
    A paper matched or added by the import is claimed and never matched again, so
    the papers still unclaimed are unchanged since the read and the index stays true."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.claimed: set[int] = set()
        self.slugs: set[str] = set()
        # Lists of ids, lowest id LAST: first_free pops claimed ids off the end, so
        # skipping claimed papers costs each id once over the whole import.
        self.by_key: dict[str, list[int]] = {}
        self.by_key_title: dict[tuple[str, str], list[int]] = {}
        self.by_title: dict[str, list[int]] = {}
        self._next_suffix: dict[str, int] = {}
        self.with_deck = {
            int(r["paper_id"])
            for r in named(conn).execute("SELECT paper_id FROM deck WHERE paper_id IS NOT NULL")
        }
        for r in named(conn).execute(
            "SELECT id, slug, url_key, title, list_title FROM paper ORDER BY id DESC"
        ):
            paper_id, slug, key = r["id"], r["slug"], r["url_key"]
            title, list_title = r["title"], r["list_title"]
            self.slugs.add(slug)
            self.by_key.setdefault(key, []).append(paper_id)
            titles = {title} if list_title is None else {title, list_title}
            for text in titles:
                self.by_key_title.setdefault((key, text), []).append(paper_id)
            for folded in {text.casefold() for text in titles}:
                self.by_title.setdefault(folded, []).append(paper_id)

    def first_free(self, ids: list[int] | None) -> int | None:
        while ids and ids[-1] in self.claimed:
            ids.pop()
        return ids[-1] if ids else None

    def free_slug(self, wanted: str) -> str:
        """``wanted``, else ``wanted-2``, ``wanted-3``...: the first not taken."""
        slug = wanted
        if slug in self.slugs:
            # Suffixes below the last one given out are taken: slugs are only ever added.
            n = self._next_suffix.get(wanted, 2)
            while f"{wanted}-{n}" in self.slugs:
                n += 1
            slug = f"{wanted}-{n}"
            self._next_suffix[wanted] = n + 1
        self.slugs.add(slug)
        return slug


def _slugify(title: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", title.casefold()).strip("-")
    return slug[:60].rstrip("-") or "paper"


class PaperStore(RepositoryBase):
    """The repository's part for papers."""

    def import_reading_list(
        self, entries: Sequence[ReadingListEntry], source: str, *, dry_run: bool = False
    ) -> ImportReport:
        """Fill the papers table from a reading list, in one transaction.

        An entry is matched to a paper by URL (any arXiv form of it), else by its
        title; reading status and notes are never touched. An entry whose URL
        repeats an earlier entry's is matched by title only and does not take
        that URL. Titles: a paper declared by a deck keeps the deck's exact
        title; the list's own wording is kept apart as ``list_title``."""
        report = ImportReport(source=source, deck_id="")
        with unit_of_work(self.conn, dry_run=dry_run):
            papers = _PaperIndex(self.conn)
            for position, entry in enumerate(entries):
                key = paper_key(entry.url)
                paper_id = self._match_paper(entry, key, papers)
                if paper_id is not None:
                    papers.claimed.add(paper_id)
                if paper_id is None:
                    slug = papers.free_slug(_slugify(entry.title))
                    self.conn.execute(
                        """
                        INSERT INTO paper (slug, title, list_title, authors, year, url, url_key,
                          worth_reading, section, description, after, position, status, note)
                        VALUES (?, ?, ?, '[]', ?, ?, ?, ?, ?, ?, '[]', ?, 'unread', '')
                        """,
                        (
                            slug,
                            entry.title,
                            entry.title,
                            entry.year,
                            entry.url,
                            key,
                            entry.worth_reading,
                            entry.section,
                            entry.description,
                            position,
                        ),
                    )
                    papers.claimed.add(
                        int(
                            named(self.conn)
                            .execute("SELECT last_insert_rowid() AS id")
                            .fetchone()["id"]
                        )
                    )
                    report.added += 1
                    continue
                row = (
                    named(self.conn)
                    .execute(
                        """
                    SELECT title, list_title, year, url, worth_reading, section, description,
                           position
                    FROM paper WHERE id = ?
                    """,
                        (paper_id,),
                    )
                    .fetchone()
                )
                has_deck = paper_id in papers.with_deck
                new = {
                    "title": row["title"] if has_deck else entry.title,
                    "list_title": entry.title,
                    "year": entry.year if entry.year is not None else row["year"],
                    "url": row["url"] if entry.duplicate_of is not None else entry.url,
                    "worth_reading": (
                        entry.worth_reading
                        if entry.worth_reading is not None
                        else row["worth_reading"]
                    ),
                    "section": entry.section or row["section"],
                    "description": entry.description,
                    "position": position,
                }
                old = {column: row[column] for column in new}
                if new == old:
                    report.unchanged += 1
                    continue
                new["url_key"] = paper_key(str(new["url"]))
                sets = ", ".join(f"{k} = :{k}" for k in new)
                self.conn.execute(
                    f"UPDATE paper SET {sets} WHERE id = :id", {**new, "id": paper_id}
                )
                report.updated += 1
        return report

    @staticmethod
    def _match_paper(entry: ReadingListEntry, key: str, papers: _PaperIndex) -> int | None:
        """The first paper not yet claimed with the entry's URL (one with its exact title
        first), else the first with its title in any case; dict lookups, no table scans."""
        if entry.duplicate_of is None:
            for ids in (papers.by_key_title.get((key, entry.title)), papers.by_key.get(key)):
                found = papers.first_free(ids)
                if found is not None:
                    return found
        return papers.first_free(papers.by_title.get(entry.title.casefold()))

    def _free_slug(self, wanted: str) -> str:
        slug, n = wanted, 2
        while self.conn.execute("SELECT 1 FROM paper WHERE slug = ?", (slug,)).fetchone():
            slug, n = f"{wanted}-{n}", n + 1
        return slug

    # ------------------------------------------------------------------ papers
    def papers(self) -> list[PaperRow]:
        today = self.today().isoformat()
        rows = (
            named(self.conn)
            .execute(
                f"""
            SELECT p.id, p.slug, p.title, p.authors, p.year, p.url, p.worth_reading, p.section,
                   p.description, p.position, p.status, p.status_changed_at, p.started_on,
                   p.read_on, p.note, p.after,
                   (SELECT MIN(d.id) FROM deck d
                    WHERE d.paper_id = p.id AND d.retired_at IS NULL) AS deck_id,
                   COALESCE(SUM(c.id IS NOT NULL AND c.retired_at IS NULL), 0) AS cards,
                   COALESCE(SUM(c.retired_at IS NULL AND s.due IS NOT NULL
                                AND s.interval >= {MATURE_INTERVAL}), 0) AS mastered,
                   COALESCE(SUM(c.retired_at IS NULL AND c.suspended = 0
                                AND s.due IS NOT NULL AND s.due <= :today), 0) AS due
            FROM paper p
            LEFT JOIN deck d ON d.paper_id = p.id
            LEFT JOIN card c ON c.deck_id = d.id
            LEFT JOIN card_state s ON s.card_id = c.id
            GROUP BY p.id
            ORDER BY p.position IS NULL, p.position, p.id
            """,
                {"today": today},
            )
            .fetchall()
        )
        return [
            PaperRow(
                id=r["id"],
                slug=r["slug"],
                title=r["title"],
                authors=tuple(json.loads(r["authors"])),
                year=r["year"],
                url=r["url"],
                worth_reading=r["worth_reading"],
                section=r["section"],
                description=r["description"],
                position=r["position"],
                status=r["status"],
                status_changed_at=r["status_changed_at"],
                started_on=_d(r["started_on"]),
                read_on=_d(r["read_on"]),
                note=r["note"],
                after=tuple(json.loads(r["after"])),
                deck_id=r["deck_id"],
                cards=int(r["cards"]),
                mastered=int(r["mastered"]),
                due=int(r["due"]),
            )
            for r in rows
        ]

    def find_paper(self, ref: str) -> int:
        """A paper by slug, numeric id, deck id or URL."""
        row = None
        cur = named(self.conn)
        if ref.isdigit():
            row = cur.execute("SELECT id FROM paper WHERE id = ?", (int(ref),)).fetchone()
        if row is None:
            row = cur.execute("SELECT id FROM paper WHERE slug = ?", (ref,)).fetchone()
        if row is None:
            row = cur.execute(
                "SELECT paper_id AS id FROM deck WHERE id = ? AND paper_id IS NOT NULL", (ref,)
            ).fetchone()
        if row is None and "/" in ref:
            row = cur.execute(
                "SELECT id FROM paper WHERE url_key = ? ORDER BY id", (paper_key(ref),)
            ).fetchone()
        if row is None:
            raise NotFoundError(f"no paper {ref!r} (see `studykb papers`)")
        return int(row["id"])

    def set_paper_status(self, paper_id: int, status: str) -> None:
        if status not in READING_STATUSES:
            raise StudykbError(f"status must be one of {', '.join(READING_STATUSES)}")
        with write_transaction(self.conn):
            moment = self._moment_for_write()
            today = moment.study_day.isoformat()
            row = (
                named(self.conn)
                .execute("SELECT status, started_on, slug FROM paper WHERE id = ?", (paper_id,))
                .fetchone()
            )
            if row is None:
                raise NotFoundError(f"no paper with id {paper_id}")
            if row["status"] == status:
                return
            started = row["started_on"]
            if status in ("reading", "read") and started is None:
                started = today
            if status == "unread":
                started = None
            self.conn.execute(
                """
                UPDATE paper SET status = ?, status_changed_at = ?, started_on = ?, read_on = ?
                WHERE id = ?
                """,
                (status, self._now_utc(), started, today if status == "read" else None, paper_id),
            )
            append_event(self.conn, moment, "paper_status", paper_target(str(row["slug"])), status)

    def set_paper_note(self, paper_id: int, note: str) -> None:
        with write_transaction(self.conn):
            row = (
                named(self.conn)
                .execute("SELECT note, slug FROM paper WHERE id = ?", (paper_id,))
                .fetchone()
            )
            if row is None:
                raise NotFoundError(f"no paper with id {paper_id}")
            if row["note"] == note:
                return
            self.conn.execute("UPDATE paper SET note = ? WHERE id = ?", (note, paper_id))
            append_event(
                self.conn,
                self._moment_for_write(),
                "paper_note",
                paper_target(str(row["slug"])),
                note,
            )

    @staticmethod
    def _paper_views(papers: Sequence[PaperRow]) -> list[PaperView]:
        return [
            PaperView(
                paper_id=p.id,
                title=p.title,
                status=p.status,
                worth_reading=p.worth_reading,
                position=p.position if p.position is not None else 1_000_000 + p.id,
                deck_id=p.deck_id,
                after=p.after,
            )
            for p in papers
        ]

    def suggested_paper(self) -> PaperRow | None:
        """The next paper worth reading (see studykb.core.reading.next_paper)."""
        papers = self.papers()
        choice = next_paper(self._paper_views(papers))
        return None if choice is None else next(p for p in papers if p.id == choice.paper_id)
