"""Review: one card at a time, graded 0-5, answers committed as they are given."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Markdown, Rule, Static

from studykb.app.schedulers import state_fields
from studykb.app.views import CardView, DayQueue, ReviewStep
from studykb.core.session import ReviewSession, SessionAnswer, format_elapsed
from studykb.render.card import card_face
from studykb.render.figures import Figure as FigureRef
from studykb.render.words import plural
from studykb.tui import navigation
from studykb.tui.messages import (
    AnswerUndone,
    CardBuried,
    CardRated,
    CardSaved,
    CardsFlagged,
    CardSuspended,
    CardUnsuspended,
    SessionFinished,
)
from studykb.tui.screens.base import StudyScreen
from studykb.tui.text import plain
from studykb.tui.widgets.figure import Figure
from studykb.tui.widgets.footer import StudyFooter
from studykb.tui.widgets.rating_bar import RatingBar

if TYPE_CHECKING:
    from studykb.app.authoring import Saved


class ReviewScreen(StudyScreen):
    NAVIGATION = "review"  # its keys in studykb.tui.navigation
    BINDINGS = navigation.bindings(NAVIGATION)

    def __init__(self, deck_id: str | None = None, tag: str | None = None) -> None:
        super().__init__()
        self.deck_id = deck_id
        self.tag = tag  # review by tag: only today's cards that carry it
        self.step: ReviewStep | None = None
        self.revealed = False
        self.raw = False
        self.shown_at: datetime | None = None
        self.session: ReviewSession | None = None
        # The day's queue as last read, and the database's data_version then: the
        # queue is read again only after a write here or a commit by another process.
        self.queue: DayQueue | None = None
        self.queue_version: int | None = None
        # Set while the day's only cards left are FSRS steps due minutes from now.
        self.waiting_until: datetime | None = None
        # The card suspended last, while it is still the newest thing done here:
        # undo takes the suspension back (issue 16 item 3).
        self.suspended_last: int | None = None
        # For an FSRS card: its stability, difficulty and today's retrievability.
        self.memory_line: Text | None = None
        # The app's data_state when the card browser was opened from here.
        self.browsed_from: object = None

    @property
    def card(self) -> CardView | None:
        return self.step.card if self.step is not None else None

    def compose(self) -> ComposeResult:
        with Vertical(id="review"):
            with Horizontal(id="review-top", classes="banner"):
                yield Static(id="review-title")
                yield Static(id="review-progress")
            yield Static(id="review-meta", classes="subtle")
            with VerticalScroll(id="card"):
                yield Markdown(id="question", open_links=False)
                yield Vertical(id="question-figures", classes="figures")
                yield Rule(id="divider")
                yield Markdown(id="answer", open_links=False)
                yield Vertical(id="answer-figures", classes="figures")
                yield Static(id="raw", classes="raw")
                yield Static(id="review-empty", classes="empty")
            yield Static(id="reveal-hint", classes="subtle")
            yield RatingBar(id="rating")
        yield StudyFooter()

    def on_mount(self) -> None:
        self.session = ReviewSession(self.study.clock.now(), self.deck_id)
        # Every second: the elapsed time, and the queue only if another process wrote.
        self.set_interval(1.0, self.tick)
        self.load_next()

    # -------------------------------------------------------------- state
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "grade":
            # Only the keys of the card's scale: 0-5 for SM-2, 1-4 for FSRS.
            keys = {g.rating for g in self.step.grades} if self.step is not None else set()
            return (
                self.card is not None and self.revealed and parameters[:1] in [(k,) for k in keys]
            )
        if action == "reveal":
            return self.card is not None and not self.revealed
        if action in (
            "suspend",
            "bury",
            "toggle_raw",
            "edit_card",
            "add_card",
            "edit_external",
            "flag",
        ):
            return self.card is not None
        if action == "open_paper":
            return self.card is not None and bool(self.card.paper_url)
        return True

    def load_next(self) -> None:
        version = self.collection.data_version()
        step = self.guarded(lambda: self.collection.review.next_step(self.deck_id, self.tag))
        if step is None:
            self.step = None
            self.queue = None
            waiting = self.guarded(lambda: self.collection.review.next_step_at(self.deck_id))
            if waiting is not None:
                self._wait_for(waiting)
                return
            self._finish()
            return
        self.waiting_until = None
        self.show_step(step, version)

    def _wait_for(self, moment: datetime) -> None:
        """An FSRS card's next step is minutes away: say when, and show it then (tick)."""
        self.waiting_until = moment
        self._update_faces()
        local = moment.astimezone(self.study.clock.now().tzinfo)
        minutes = max(1, round((moment - self.study.clock.now()).total_seconds() / 60))
        self.query_one("#review-title", Static).update(Text("Waiting for a step", style="bold"))
        self.query_one("#review-empty", Static).update(
            f"The next card's learning step comes due at {local:%H:%M} "
            f"(in {plural(minutes, 'minute')}); it will show here then.\n\nescape: back to home"
        )
        self._update_meta()

    def show_card(self, card_id: int, *, revealed: bool = False) -> None:
        """Show a named card (the one an undo brought back; the card just edited,
        re-read, its back still shown if it was)."""
        version = self.collection.data_version()
        step = self.guarded(lambda: self.collection.review.step(card_id, self.deck_id, self.tag))
        if step is not None:
            self.show_step(step, version, revealed=revealed)

    def show_step(self, step: ReviewStep, version: int, *, revealed: bool = False) -> None:
        card = step.card
        self.step = step
        self.queue, self.queue_version = step.queue, version
        self.revealed = revealed
        self.shown_at = self.study.clock.now()
        for face, text in (("question", card.question), ("answer", card.answer)):
            shown, figures = card_face(text)
            self.query_one(f"#{face}", Markdown).update(shown)
            self._show_figures(self.query_one(f"#{face}-figures", Vertical), figures)
        raw = f"{card.raw_front}\n\n---\n\n{card.raw_back}".strip()
        self.query_one("#raw", Static).update(plain(raw))
        title = Text(card.deck_title, style="bold")
        if self.tag is not None:
            title = Text.assemble(("#", "bold"), plain(self.tag), "  ·  ", title)
        if card.paper_title and card.paper_title != card.deck_title:
            title.append("  ·  ")
            title.append_text(plain(card.paper_title))
        self.query_one("#review-title", Static).update(title)
        self.query_one("#card", VerticalScroll).scroll_home(animate=False)
        self.memory_line = self._memory_line(card)
        self._update_faces()
        self._update_meta()

    def _show_figures(self, box: Vertical, figures: list[FigureRef]) -> None:
        """A face's images below its text, each with its caption (issue 16 item 15)."""
        box.remove_children()
        if figures:
            box.mount_all(Figure(f, self.collection.media_file(f.name)) for f in figures)

    def _memory_line(self, card: CardView) -> Text | None:
        """FSRS's view of the card's memory (issue 13 item 6), read once per card."""
        if card.scheduler != "fsrs":
            return None
        moment = self.guarded(self.collection.review.moment)
        if moment is None:
            return None
        fields = state_fields(card, moment)
        line = Text("FSRS ", style="bold")
        if fields.get("stability") is None or fields.get("retrievability") is None:
            line.append("new card")
            return line
        line.append(
            f"stability {fields['stability']:.1f} d · difficulty {fields['difficulty']:.1f}"
            f" · retrievability {fields['retrievability']:.0%}"
        )
        return line

    def _update_faces(self) -> None:
        has_card = self.card is not None
        self.query_one("#question", Markdown).display = has_card and not self.raw
        self.query_one("#question-figures", Vertical).display = has_card and not self.raw
        self.query_one("#answer", Markdown).display = has_card and self.revealed and not self.raw
        self.query_one("#answer-figures", Vertical).display = (
            has_card and self.revealed and not self.raw
        )
        self.query_one("#divider", Rule).display = has_card and self.revealed and not self.raw
        self.query_one("#raw", Static).display = has_card and self.raw
        self.query_one("#review-empty", Static).display = not has_card
        rating = self.query_one("#rating", RatingBar)
        rating.display = has_card and self.revealed
        hint = self.query_one("#reveal-hint", Static)
        hint.display = has_card and not self.revealed
        hint.update("space or enter: show answer")
        if self.step is not None and self.revealed:
            # None for a drill (SM-2 rule 7): its grades change no interval.
            rating.use_scale(self.step.grades)
            rating.show_waits(self.step.waits, self.step.again_today)
        self.refresh_bindings()

    def tick(self) -> None:
        """Once a second: the elapsed time; the queue is read again only if another
        connection committed since it was read (PRAGMA data_version), never otherwise."""
        if self.waiting_until is not None and self.study.clock.now() >= self.waiting_until:
            self.load_next()
        if self.queue is not None and self.collection.data_version() != self.queue_version:
            self.reload_queue()
        self._update_meta()

    def reload_queue(self) -> None:
        version = self.collection.data_version()
        queue = self.guarded(lambda: self.collection.review.queue(self.deck_id, self.tag))
        if queue is not None:
            self.queue, self.queue_version = queue, version

    def _update_meta(self) -> None:
        if self.session is None:
            return
        queue = self.queue
        remaining = len(queue) if queue is not None else 0
        drills = len(queue.drills) if queue is not None else 0
        elapsed = format_elapsed(self.session.elapsed(self.study.clock.now()))
        progress = Text(f"done {len(self.session.answers)} · left {remaining}")
        if drills:
            progress.append(f" · drills {drills}", style="#e5c07b")
        progress.append(f" · {elapsed}")
        self.query_one("#review-progress", Static).update(progress)
        meta = Text()
        if self.card is not None and self.card.flagged:
            meta.append("⚑ flagged", style="bold #e5c07b")
            if self.memory_line is not None or self.card.source:
                meta.append(" · ")
        if self.card is not None and self.memory_line is not None:
            meta.append_text(self.memory_line)
            if self.card.source:
                meta.append(" · ")
        if self.card is not None and self.card.source:
            meta.append("source: ")
            meta.append_text(plain(self.card.source))
        if self.card is not None and self.card.tags:
            # The tags, dimmed, under the source line (issue 16 item 14).
            tags = Text(style="dim")
            for tag in self.card.tags:
                tags.append(" #" if tags else "#")
                tags.append_text(plain(tag))
            meta.append("\n" if meta else "")
            meta.append_text(tags)
        self.query_one("#review-meta", Static).update(meta)

    # -------------------------------------------------------------- actions
    def action_reveal(self) -> None:
        if self.card is None or self.revealed:
            return
        self.revealed = True
        self._update_faces()

    def action_grade(self, quality: int) -> None:
        if self.card is None or not self.revealed or self.session is None:
            return
        card = self.card
        if self.collection.data_version() != self.queue_version:
            self.reload_queue()  # another process wrote since the card was shown
        queue = self.queue
        if queue is not None and card.id not in {e.card_id for e in queue.entries}:
            # Answered (or suspended) in another window since it was shown here:
            # never grade it twice in one study day.
            self.notify("That card was already answered elsewhere; moving on.", timeout=3)
            self.load_next()
            return
        now = self.study.clock.now()
        elapsed_ms = int((now - (self.shown_at or now)) / timedelta(milliseconds=1))
        answer = self.guarded(lambda: self.collection.review.answer(card.id, quality, elapsed_ms))
        if answer is None:
            return
        self.suspended_last = None  # undo now takes back this answer
        self.session.record(SessionAnswer(answer.uid, card.id, quality, answer.kind, now))
        self.post_message(CardRated(card.id, quality, answer.uid, answer.kind))
        if answer.message:  # a leech: the paper and the source to re-read
            self.notify(answer.message, severity="warning", timeout=10, markup=False)
        self.load_next()

    def on_rating_bar_graded(self, event: RatingBar.Graded) -> None:
        event.stop()
        self.action_grade(event.quality)

    def action_undo(self) -> None:
        """Take back the last action of any kind (Authoring.undo_last), then show
        what it changed: an answer of this session or a suspension made here brings
        its card back; anything else (an edit, a flag, a bury, an addition) leaves
        the current card, re-read."""
        if self.session is None:
            return
        last = self.session.last()
        suspended = self.suspended_last
        current = self.card
        revealed = self.revealed
        if self.undo_last_action() is None:
            return
        if last is not None:
            void = self._void_of(last.card_id, last.uid)
            if void is not None:
                self.session.pop()
                self.suspended_last = None
                self.post_message(AnswerUndone(last.card_id, void))
                self.show_card(last.card_id)
                return
        if suspended is not None and not self._is_suspended(suspended):
            self.suspended_last = None
            self.post_message(CardUnsuspended(suspended))
            self.show_card(suspended)
            return
        if current is not None:
            self.show_card(current.id, revealed=revealed)
        else:
            self.load_next()

    def _void_of(self, card_id: int, uid: str) -> str | None:
        """The uid of the void row that took back answer ``uid``, if there is one."""
        history = self.guarded(lambda: self.collection.review.history(card_id)) or []
        return next((a.uid for a in history if a.kind == "void" and a.voids == uid), None)

    def _is_suspended(self, card_id: int) -> bool:
        card = self.guarded(lambda: self.collection.review.card_by_id(card_id))
        return card is not None and card.suspended

    def action_suspend(self) -> None:
        if self.card is None:
            return
        card_id = self.card.id
        if not self.attempt(lambda: self.collection.review.suspend([card_id])):
            return
        ref = self.card.ref
        self.suspended_last = card_id
        self.post_message(CardSuspended(card_id))
        # The reference is what the command needs: name it (issue 16 item 3).
        self.notify(
            f"Suspended {ref}; u (undo) or `studykb unsuspend {ref}` brings it back.",
            timeout=5,
            markup=False,
        )
        self.load_next()

    def action_bury(self) -> None:
        if self.card is None:
            return
        card_id = self.card.id
        until = self.guarded(lambda: self.collection.review.bury(card_id))
        if until is None:
            return
        self.suspended_last = None  # the bury is newer; undo is for answers again
        self.post_message(CardBuried(card_id))
        self.notify(f"Card buried until {until.isoformat()}.", timeout=2)
        self.load_next()

    def action_edit_card(self) -> None:
        """`e`: the card in the editor; saved, it is shown again, re-rendered, as the
        same card of the session (its history kept)."""
        card = self.card
        if card is None:
            return
        fields = self.guarded(lambda: self.collection.authoring.fields(card.ref))
        if fields is None:
            return
        from studykb.tui.screens.editor import EditorModal

        revealed = self.revealed

        def saved(result: Saved | None) -> None:
            if result is not None:
                self._after_edit(card.id, result, revealed)

        self.app.push_screen(EditorModal(fields, ref=card.ref), saved)

    def _after_edit(self, card_id: int, saved: Saved, revealed: bool) -> None:
        self.post_message(CardSaved(saved.refs, saved.sentence))
        self.notify(saved.sentence, timeout=3, markup=False)
        card = self.guarded(lambda: self.collection.review.card_by_id(card_id))
        if card is not None and not card.retired:
            self.show_card(card_id, revealed=revealed)
        else:  # the note no longer makes this card (its cloze deletion taken out)
            self.load_next()

    def action_add_card(self) -> None:
        """`a`: a new card in the current card's deck; the review goes on with this card."""
        card = self.card
        if card is None:
            return
        from studykb.app.authoring import CardFields
        from studykb.tui.screens.editor import EditorModal

        def saved(result: Saved | None) -> None:
            if result is None:
                return
            self.post_message(CardSaved(result.refs, result.sentence))
            self.notify(result.sentence, timeout=3, markup=False)
            self.reload_queue()
            self._update_meta()

        modal = EditorModal(CardFields("", ""), deck_id=card.deck_id, deck_title=card.deck_title)
        self.app.push_screen(modal, saved)

    def action_edit_external(self) -> None:
        """`E`: the card as TOML in $VISUAL/$EDITOR, checked on return; a bad edit
        reopens the editor with the error on top; nothing is saved until it is good."""
        card = self.card
        if card is None:
            return
        from textual.app import SuspendNotSupported

        from studykb.tui.external_editor import (
            NoEditorError,
            edit_externally,
            editor_command,
            run_suspended,
        )

        revealed = self.revealed
        try:
            command = editor_command()
        except NoEditorError as exc:
            self.notify(str(exc), severity="error", markup=False)
            return
        try:
            outcome = self.guarded(
                lambda: edit_externally(
                    self.collection.authoring,
                    card.ref,
                    lambda argv: run_suspended(self.app, argv),
                    command,
                )
            )
        except SuspendNotSupported:
            self.notify(
                "No terminal to hand to an editor here; press e to edit in studykb.",
                severity="warning",
            )
            return
        if outcome is None:
            return
        if outcome.saved is None:
            self.notify(outcome.message, timeout=4, markup=False)
            self.show_card(card.id, revealed=revealed)  # redrawn after the editor
            return
        self._after_edit(card.id, outcome.saved, revealed)

    def action_flag(self) -> None:
        """`f`: flag the card to fix later, or unflag it."""
        card = self.card
        if card is None:
            return
        flagged = not card.flagged
        if self.guarded(lambda: self.collection.authoring.set_flagged([card.ref], flagged)) is None:
            return
        self.post_message(CardsFlagged((card.ref,), flagged))
        if flagged:
            note = f"Flagged {card.ref} to fix later; f again unflags."
        else:
            note = f"Unflagged {card.ref}."
        self.notify(note, timeout=3, markup=False)
        self.show_card(card.id, revealed=self.revealed)

    def action_open_paper(self) -> None:
        if self.card is not None and self.card.paper_url:
            self.open_or_show_url(self.card.paper_url)

    def action_toggle_raw(self) -> None:
        self.raw = not self.raw
        self._update_faces()

    def action_browse_cards(self) -> None:
        self.browsed_from = self.study.data_state()
        self.study.open_cards(self.card.id if self.card is not None else None)

    def on_screen_resume(self) -> None:
        # Back from the card browser: a card suspended or buried there leaves the session.
        if self.browsed_from is not None and self.study.data_state() != self.browsed_from:
            self.load_next()
        self.browsed_from = None

    def action_leave(self) -> None:
        self.app.pop_screen()

    def _finish(self) -> None:
        assert self.session is not None
        self._update_faces()
        review = self.collection.review
        counts = self.guarded(
            lambda: review.due_counts(review.today() + timedelta(days=1), self.deck_id)
        )
        if self.session.answers:
            due = 0 if counts is None else counts.reviews
            # The app opens the summary in place of this screen.
            self.post_message(SessionFinished(self.session.summary(self.study.clock.now(), due)))
            return
        n = 0 if counts is None else counts.reviews + counts.new
        self.query_one("#review-title", Static).update(Text("Nothing to review", style="bold"))
        self.query_one("#review-empty", Static).update(
            f"All done; next review: tomorrow, {plural(n, 'card')}.\n\nescape: back to home"
        )
        self._update_meta()
