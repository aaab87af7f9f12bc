"""Reading: the papers of the reading list, their status and notes."""

from __future__ import annotations

from studykb.app.store import UseCases
from studykb.app.views import PaperRow


class Reading(UseCases):
    def papers(self) -> list[PaperRow]:
        with self._reading():
            return self._repo.papers()

    def suggested(self) -> PaperRow | None:
        """The next paper worth reading, or None when everything is read."""
        with self._reading():
            return self._repo.suggested_paper()

    def paper(self, ref: str | int) -> PaperRow:
        """A paper by id, slug, URL or deck id."""
        with self._reading():
            return self._row(ref)

    def _row(self, ref: str | int) -> PaperRow:
        paper_id = ref if isinstance(ref, int) else self._repo.find_paper(ref)
        return next(p for p in self._repo.papers() if p.id == paper_id)

    def set_status(self, ref: str | int, status: str) -> PaperRow:
        """Mark a paper unread, reading or read; returns it as it is now."""
        with self._writing():
            paper_id = ref if isinstance(ref, int) else self._repo.find_paper(ref)
            self._repo.set_paper_status(paper_id, status)
            return self._row(paper_id)

    def set_note(self, paper_id: int, note: str) -> None:
        with self._writing():
            self._repo.set_paper_note(paper_id, note)
