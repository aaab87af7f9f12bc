"""The repository: every read and write of studykb's data, as plain SQL on sqlite3.

Each public write is one unit of work (storage.db.unit_of_work), joining the one a
use case opened, so a whole command is one transaction:
an answer is durable the moment :meth:`Repository.answer` returns, an import
is all or nothing, an undo appends a row voiding the answer and restores the
previous state together (the log only grows).
"""

from __future__ import annotations

from studykb.storage.authoring import AuthoringStore
from studykb.storage.base import DAY_STARTS_KEY, RepositoryBase
from studykb.storage.cards import CardStore
from studykb.storage.check import Checks
from studykb.storage.deck_options import DeckOptionsStore
from studykb.storage.decks import DeckStore
from studykb.storage.drafts import DraftStore
from studykb.storage.log import AnswerLog
from studykb.storage.papers import PaperStore
from studykb.storage.queue import QueueQueries
from studykb.storage.records import (
    Answer,
    CardView,
    CheckReport,
    DeckSummary,
    LogRow,
    PaperRow,
    StaleUndoError,
    Stats,
)
from studykb.storage.schedulers import DeckSchedulers
from studykb.storage.search import CardSearch
from studykb.storage.statistics import StatisticsQueries
from studykb.storage.sync_store import SyncStore

__all__ = [
    "DAY_STARTS_KEY",
    "Answer",
    "CardView",
    "CheckReport",
    "DeckSummary",
    "LogRow",
    "PaperRow",
    "Repository",
    "StaleUndoError",
    "Stats",
]


class Repository(
    AuthoringStore,
    Checks,
    CardStore,
    CardSearch,
    DeckStore,
    PaperStore,
    QueueQueries,
    StatisticsQueries,
    DeckSchedulers,
    DeckOptionsStore,
    DraftStore,
    SyncStore,
    AnswerLog,
    RepositoryBase,
):
    """Every read and write of studykb's data, one part per aggregate: cards,
    the queue, the log, decks, papers, statistics and the check."""
