"""Statistics: the numbers of `studykb stats` and the charts of the statistics screen."""

from __future__ import annotations

from studykb.app.store import UseCases
from studykb.app.views import Stats, StatsData


class Statistics(UseCases):
    def summary(self, deck_id: str | None = None, *, with_states: bool = True) -> Stats:
        with self._reading():
            return self._repo.stats(deck_id, with_states=with_states)

    def charts(self, deck_id: str | None = None) -> StatsData:
        """Heatmap, forecast, answers, retention and distributions, in one snapshot."""
        with self._reading():
            return self._repo.stats_data(deck_id)
