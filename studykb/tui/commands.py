"""The command palette: the registry's destinations, then one review per deck."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from functools import partial
from typing import cast

from textual.command import DiscoveryHit, Hit, Hits, Provider

from studykb.core.deck_limits import tree_nodes
from studykb.errors import StudykbError
from studykb.tui import navigation
from studykb.tui.shell import StudyShell


class StudyCommands(Provider):
    def commands(self) -> list[tuple[str, Callable[[], object], str]]:
        """(name, callback, help) for every command, in the order they are listed."""
        app = cast(StudyShell, self.app)
        commands: list[tuple[str, Callable[[], object], str]] = [
            (entry.title, partial(app.go, entry.id), entry.description)
            for entry in navigation.DESTINATIONS
        ]
        try:
            decks = app.collection.library.decks()
        except (StudykbError, sqlite3.Error):  # a busy database must not break the palette
            decks = []
        for deck in decks:
            commands.append(
                (
                    navigation.REVIEW_DECK_TITLE.format(title=deck.title),
                    partial(app.start_review, deck.id),
                    navigation.REVIEW_DECK_DESCRIPTION.format(id=deck.id),
                )
            )
        # A parent of the deck tree that is no deck of its own (``a`` of ``a.b``).
        ids = {deck.id for deck in decks}
        for node in tree_nodes(deck.id for deck in decks):
            if node not in ids:
                commands.append(
                    (
                        navigation.REVIEW_GROUP_TITLE.format(id=node),
                        partial(app.start_review, node),
                        navigation.REVIEW_GROUP_DESCRIPTION.format(id=node),
                    )
                )
        for deck in decks:
            commands.append(
                (
                    navigation.DECK_OPTIONS_TITLE.format(title=deck.title),
                    partial(app.open_deck_options, deck.id),
                    navigation.DECK_OPTIONS_DESCRIPTION.format(id=deck.id),
                )
            )
        try:
            tags = app.collection.review.tag_decks()
        except (StudykbError, sqlite3.Error):
            tags = {}
        for tag, tag_decks in tags.items():  # review by tag, across decks
            commands.append(
                (
                    navigation.REVIEW_TAG_TITLE.format(tag=tag),
                    partial(app.start_review, None, tag),
                    navigation.REVIEW_TAG_DESCRIPTION.format(decks=len(tag_decks)),
                )
            )
        return commands

    async def discover(self) -> Hits:
        for name, callback, help_text in self.commands():
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, callback, help_text in self.commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)
