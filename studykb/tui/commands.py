"""The command palette: review a deck, jump to a screen, import."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider


class StudyCommands(Provider):
    def _commands(self) -> list[tuple[str, Callable[[], object], str]]:
        from studykb.tui.app import StudyApp

        app = self.app
        assert isinstance(app, StudyApp)
        commands: list[tuple[str, Callable[[], object], str]] = [
            ("Review everything due", partial(app.start_review, None), "All decks, due first"),
            ("Papers", app.open_papers, "Reading list and progress"),
            ("Statistics", app.open_stats, "Heatmap, forecast, retention"),
            ("Import deck or directory...", app.open_import, "A .toml deck, a folder, a .md list"),
            ("Settings", app.open_settings, "Daily limits, day start hour"),
            ("Home", app.go_home, "Back to the deck list"),
            ("Keys", app.action_help, "Every key on this screen"),
        ]
        for deck in app.store.repo.deck_summaries():
            commands.append(
                (f"Review {deck.title}", partial(app.start_review, deck.id), f"Deck {deck.id}")
            )
        return commands

    async def discover(self) -> Hits:
        for name, callback, help_text in self._commands():
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, callback, help_text in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)
