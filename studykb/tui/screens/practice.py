"""Practice (issue 12 item 6): go through a selection of the card browser (a deck, a
tag, flagged cards, leeches, today's failures) outside the schedule. Each answer is
logged as a practice answer and changes no schedule and no day's counts."""

from __future__ import annotations

from datetime import datetime, timedelta

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Markdown, Rule, Static

from studykb.app.views import FSRS_GRADES, SM2_GRADES, CardView, GradeKey
from studykb.render.words import plural
from studykb.tui import navigation
from studykb.tui.messages import AnswerUndone, CardRated
from studykb.tui.screens.base import StudyScreen
from studykb.tui.text import card_markdown, plain
from studykb.tui.widgets.footer import StudyFooter
from studykb.tui.widgets.rating_bar import GradeCell, RatingBar

PRACTICE_NOTE = "practice"  # under each grade: it changes no schedule


def scale_of(card: CardView) -> tuple[GradeKey, ...]:
    return FSRS_GRADES if card.scheduler == "fsrs" else SM2_GRADES


class PracticeScreen(StudyScreen):
    NAVIGATION = "practice"  # its keys in studykb.tui.navigation
    BINDINGS = navigation.bindings(NAVIGATION)

    def __init__(self, card_ids: list[int], title: str) -> None:
        super().__init__()
        self.card_ids = list(card_ids)
        self.title_text = title
        self.index = 0
        self.card: CardView | None = None
        self.revealed = False
        self.shown_at: datetime | None = None
        self.answered: list[tuple[int, str]] = []  # (index, uid) of each practice answer

    def compose(self) -> ComposeResult:
        with Vertical(id="practice"):
            with Horizontal(id="practice-top", classes="banner"):
                yield Static(id="practice-title")
                yield Static(id="practice-progress")
            yield Static(
                "Practice: answers are logged as such and change no schedule.",
                id="practice-meta",
                classes="subtle",
            )
            with VerticalScroll(id="practice-card"):
                yield Markdown(id="practice-question", open_links=False)
                yield Rule(id="practice-divider")
                yield Markdown(id="practice-answer", open_links=False)
                yield Static(id="practice-empty", classes="empty")
            yield Static("space or enter: show answer", id="practice-hint", classes="subtle")
            yield RatingBar(id="practice-rating")
        yield StudyFooter()

    def on_mount(self) -> None:
        title = Text("Practice · ", style="bold")
        title.append_text(plain(self.title_text))
        self.query_one("#practice-title", Static).update(title)
        self.show_current()

    # -------------------------------------------------------------- state
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "grade":
            if self.card is None or not self.revealed:
                return False
            return parameters[:1] in [(g.rating,) for g in scale_of(self.card)]
        if action == "reveal":
            return self.card is not None and not self.revealed
        return True

    def show_current(self) -> None:
        """The card at ``index`` (a card retired meanwhile is skipped), or the end."""
        self.card = None
        while self.index < len(self.card_ids):
            card = self._read_card(self.card_ids[self.index])
            if card is not None and not card.retired:
                self.card = card
                break
            self.index += 1
        self.revealed = False
        self.shown_at = self.study.clock.now()
        if self.card is not None:
            self.query_one("#practice-question", Markdown).update(card_markdown(self.card.question))
            self.query_one("#practice-answer", Markdown).update(card_markdown(self.card.answer))
            rating = self.query_one("#practice-rating", RatingBar)
            rating.use_scale(scale_of(self.card))
            self.call_after_refresh(self._label_grades)
            self.query_one("#practice-card", VerticalScroll).scroll_home(animate=False)
        else:
            done = plural(len(self.answered), "practice answer")
            self.query_one("#practice-empty", Static).update(
                f"Practice done: {done}; no schedule changed.\n\nescape: back"
            )
        self._update_faces()

    def _read_card(self, card_id: int) -> CardView | None:
        return self.guarded(lambda: self.collection.review.card_by_id(card_id))

    def _label_grades(self) -> None:
        for cell in self.query(GradeCell):
            cell.show(PRACTICE_NOTE)

    def _update_faces(self) -> None:
        has_card = self.card is not None
        self.query_one("#practice-question", Markdown).display = has_card
        self.query_one("#practice-answer", Markdown).display = has_card and self.revealed
        self.query_one("#practice-divider", Rule).display = has_card and self.revealed
        self.query_one("#practice-empty", Static).display = not has_card
        self.query_one("#practice-rating", RatingBar).display = has_card and self.revealed
        self.query_one("#practice-hint", Static).display = has_card and not self.revealed
        shown = min(self.index + 1, len(self.card_ids))
        progress = f"{shown} of {len(self.card_ids)} · answered {len(self.answered)}"
        self.query_one("#practice-progress", Static).update(progress)
        self.refresh_bindings()

    # -------------------------------------------------------------- actions
    def action_reveal(self) -> None:
        if self.card is not None and not self.revealed:
            self.revealed = True
            self._update_faces()

    def action_grade(self, quality: int) -> None:
        card = self.card
        if card is None or not self.revealed:
            return
        now = self.study.clock.now()
        elapsed_ms = int((now - (self.shown_at or now)) / timedelta(milliseconds=1))
        answer = self.guarded(lambda: self.collection.review.practice(card.id, quality, elapsed_ms))
        if answer is None:
            return
        self.answered.append((self.index, answer.uid))
        self.post_message(CardRated(card.id, quality, answer.uid, answer.kind))
        self.index += 1
        self.show_current()

    def on_rating_bar_graded(self, event: RatingBar.Graded) -> None:
        event.stop()
        self.action_grade(event.quality)

    def action_undo(self) -> None:
        """`u`: the last action of any kind; a practice answer taken back brings its
        card back to be answered again."""
        last = self.answered[-1] if self.answered else None
        if self.undo_last_action() is None or last is None:
            return
        index, uid = last
        card_id = self.card_ids[index]
        history = self.guarded(lambda: self.collection.review.history(card_id)) or []
        void = next((a.uid for a in history if a.kind == "void" and a.voids == uid), None)
        if void is not None:
            self.answered.pop()
            self.post_message(AnswerUndone(card_id, void))
            self.index = index
            self.show_current()

    def action_leave(self) -> None:
        self.app.pop_screen()
