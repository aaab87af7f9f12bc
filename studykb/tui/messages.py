"""What the screens announce, in the past tense: what happened.

StudyApp handles every one of them (``@on``): a write announced here makes the
other screens reload what they show when next shown; SessionFinished opens the
summary.
"""

from __future__ import annotations

from textual.message import Message

from studykb.core.session import SessionSummary


class CardRated(Message):
    """A card was graded and the answer committed."""

    def __init__(self, card_id: int, quality: int, uid: str, kind: str) -> None:
        super().__init__()
        self.card_id = card_id
        self.quality = quality
        self.uid = uid
        self.kind = kind


class AnswerUndone(Message):
    def __init__(self, card_id: int, uid: str) -> None:
        super().__init__()
        self.card_id = card_id
        self.uid = uid


class CardSuspended(Message):
    def __init__(self, card_id: int) -> None:
        super().__init__()
        self.card_id = card_id


class CardUnsuspended(Message):
    """A suspension made in this session was taken back (undo)."""

    def __init__(self, card_id: int) -> None:
        super().__init__()
        self.card_id = card_id


class CardBuried(Message):
    def __init__(self, card_id: int) -> None:
        super().__init__()
        self.card_id = card_id


class SessionFinished(Message):
    """A review session with at least one answer ran out of cards."""

    def __init__(self, summary: SessionSummary) -> None:
        super().__init__()
        self.summary = summary


class SyncFinished(Message):
    """A sync (at start, `S`) ended: whether it went well, and its report's lines."""

    def __init__(self, ok: bool, lines: tuple[str, ...]) -> None:
        super().__init__()
        self.ok = ok
        self.lines = lines


class PaperStatusChanged(Message):
    def __init__(self, paper_id: int, status: str) -> None:
        super().__init__()
        self.paper_id = paper_id
        self.status = status


class ImportFinished(Message):
    def __init__(self, ok: bool, lines: list[str]) -> None:
        super().__init__()
        self.ok = ok
        self.lines = lines


class DeckSchedulerChanged(Message):
    """A deck's scheduler or its settings were changed; its cards were replayed."""

    def __init__(self, deck_id: str, scheduler: str, cards: int) -> None:
        super().__init__()
        self.deck_id = deck_id
        self.scheduler = scheduler
        self.cards = cards


class DeckLimitsChanged(Message):
    """A deck's daily limits or new-card order were set, or "study more" raised its
    limits for today: the counts change."""

    def __init__(self, deck_id: str) -> None:
        super().__init__()
        self.deck_id = deck_id


class DraftsDecided(Message):
    """A draft was accepted (a card was made) or dropped."""

    def __init__(self, draft_id: int, status: str) -> None:
        super().__init__()
        self.draft_id = draft_id
        self.status = status


class DeckCreated(Message):
    """An empty deck was created for a paper (the papers screen's `c`)."""

    def __init__(self, deck_id: str) -> None:
        super().__init__()
        self.deck_id = deck_id


class PaperAdded(Message):
    """A paper was added to the reading list by hand."""

    def __init__(self, slug: str) -> None:
        super().__init__()
        self.slug = slug


class CardSaved(Message):
    """A card was edited or added (the editor, or $EDITOR); ``refs`` are the cards written."""

    def __init__(self, refs: tuple[str, ...], sentence: str) -> None:
        super().__init__()
        self.refs = refs
        self.sentence = sentence


class CardsFlagged(Message):
    """Cards were flagged (``flagged``) or unflagged."""

    def __init__(self, refs: tuple[str, ...], flagged: bool) -> None:
        super().__init__()
        self.refs = refs
        self.flagged = flagged


class CardsRetired(Message):
    """Cards were retired: hidden from review and search, their history kept."""

    def __init__(self, refs: tuple[str, ...]) -> None:
        super().__init__()
        self.refs = refs


class ActionUndone(Message):
    """The last action of any kind was taken back; ``sentence`` says which."""

    def __init__(self, sentence: str) -> None:
        super().__init__()
        self.sentence = sentence
