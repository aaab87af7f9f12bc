"""The ``studykb`` command. Heavy modules (the TUI, SQLAlchemy, pydantic) load lazily,
so that ``studykb due`` stays fast enough for a shell prompt.

Every command asks a use case of the open collection (studykb.app): this module
never reaches studykb.storage (tests/test_layers_cli.py checks)."""

from __future__ import annotations

import json
import sqlite3
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from studykb import __version__
from studykb.app.formats import (
    export_format_names,
    export_formats_help,
    import_format_names,
    import_formats_help,
    one_deck_formats,
)
from studykb.errors import BadInputError, StudykbError

# Card and paper text is data: the one neutraliser the TUI uses too (issue 10 item 12).
from studykb.render.safe_text import neutralise as _safe
from studykb.render.safe_text import safe_json
from studykb.render.words import plural

if TYPE_CHECKING:
    from studykb.app.collection import Collection
    from studykb.app.views import CardView
    from studykb.core.studyday import Moment

F = TypeVar("F", bound=Callable[..., Any])
_T = TypeVar("_T")


class Context:
    def __init__(self, db: Path | None) -> None:
        self.db = db
        self._collection: Collection | None = None

    @property
    def db_path(self) -> Path:
        from studykb.paths import default_db_path

        return self.db if self.db is not None else default_db_path()

    def collection(
        self, *, daily_backup: bool = True, seed_bundled: bool | None = None
    ) -> Collection:
        """The collection, opened once. The first start of a study day checks the
        database and keeps a backup (``due``, meant for shell prompts, skips that)."""
        if self._collection is None:
            from studykb.app.collection import open_collection

            if self.db is not None and not self.db.parent.is_dir():
                raise StudykbError(f"directory {self.db.parent} does not exist; create it first")
            global _current_db
            _current_db = self.db_path
            self._collection = open_collection(
                self.db, daily_backup=daily_backup, seed_bundled=seed_bundled
            )
        return self._collection

    def close(self) -> None:
        if self._collection is not None:
            self._collection.close()
            self._collection = None


pass_ctx = click.make_pass_decorator(Context)
_current_db: Path | None = None  # for naming the file in a database error


def _print_json(data: Any) -> None:
    # Valid JSON, the same data, but a raw U+009B or U+202E escaped so a terminal never obeys it.
    click.echo(safe_json(json.dumps(data, indent=2, ensure_ascii=False, default=str)))


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="STUDYKB_DB",
    help="Database file (default: studykb.db in the user data dir; env STUDYKB_DB).",
)
@click.version_option(__version__, "--version", prog_name="studykb")
@click.pass_context
def cli(ctx: click.Context, db: Path | None) -> None:
    """studykb: spaced-repetition flashcards for the papers you read."""
    context = Context(db)
    ctx.obj = context
    ctx.call_on_close(context.close)
    if ctx.invoked_subcommand is None:
        # The TUI needs a terminal; piped or redirected, print the summary instead.
        if sys.stdin.isatty() and sys.stdout.isatty():
            _run_tui(context)
        else:
            ctx.invoke(status)


def _run_tui(
    context: Context, *, review: bool = False, deck: str | None = None, tag: str | None = None
) -> None:
    from studykb.paths import config_path
    from studykb.tui.app import StudyApp

    collection = context.collection()
    if deck is not None and not collection.review.node_exists(deck):
        raise StudykbError(f"no deck {deck!r} (see `studykb decks`)")
    if tag is not None and tag not in collection.review.tag_decks():
        raise StudykbError(f"no card has the tag {tag!r}")
    # StudyApp takes the Collection once the TUI's own step (branch arch-tui) lands;
    # the ignore (and its unused-ignore) can go then.
    app = StudyApp(
        collection,
        clock=collection.clock,
        config_path=config_path(),
        review=review,
        review_deck=deck,
        review_tag=tag,
    )
    from studykb.tui.images import prepare_before_start

    # Only with images to show is the terminal asked what it can draw (before Textual
    # owns it); a collection without images starts as fast as ever.
    prepare_before_start(collection.has_media())
    app.run()
    if app.return_code:  # Textual prints a crash's traceback and records 1; exit with it
        sys.exit(app.return_code)


@cli.command()
@click.argument("deck", required=False)
@click.option("--tag", metavar="TAG", help="Only today's cards that carry TAG.")
@pass_ctx
def review(ctx: Context, deck: str | None, tag: str | None) -> None:
    """Open the TUI straight into a review session (all decks, or DECK)."""
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise StudykbError("`studykb review` needs a terminal; for scripts use `next`/`answer`")
    _run_tui(ctx, review=True, deck=deck, tag=tag)


@cli.command()
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on. Any address but the loopback needs the printed link, "
    "which holds a random token.",
)
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@pass_ctx
def serve(ctx: Context, host: str, port: int) -> None:
    """Review in a web browser: the same app, served by textual-serve."""
    from studykb.serve import serve as run_server

    ctx.collection()  # a missing directory or a damaged database is reported here, once
    ctx.close()  # each browser session opens its own
    run_server(ctx.db_path, host=host, port=port)


@cli.command(hidden=True)
@pass_ctx
def tui(ctx: Context) -> None:
    """The TUI whatever stdin is: what `studykb serve` runs for each browser session."""
    _run_tui(ctx)


@cli.command()
@pass_ctx
def status(ctx: Context) -> None:
    """Today's summary: due and new cards per deck, reading progress."""
    overview = ctx.collection().review.overview()
    due, stats, summaries = overview.due, overview.stats, overview.decks
    click.echo(f"studykb · study day {due.day.isoformat()}")
    click.echo(
        f"Today: {due.reviews} due, {due.new} new, {due.drills} drills pending · "
        f"done {stats.reviews_today} · streak {plural(stats.streak, 'day')}"
    )
    if not summaries:
        click.echo("No decks yet. Import one: studykb import PATH")
    else:
        click.echo("")
        width = min(48, max(len(s.title) for s in summaries.values()))
        click.echo(f"  {'Deck':<{width}}  {'Due':>4} {'New':>4}  Learned")
        for deck in due.decks:
            s = summaries[deck.deck_id]
            title = s.title if len(s.title) <= width else s.title[: width - 1] + "…"
            click.echo(
                f"  {_safe(title):<{width}}  {deck.reviews:>4} {deck.new:>4}  {s.learned}/{s.cards}"
            )
    if overview.papers:
        click.echo("")
        line = f"Reading: {overview.papers_read} of {len(overview.papers)} read"
        suggestion = overview.suggestion
        if suggestion is not None:
            wr = f" (WR {suggestion.worth_reading})" if suggestion.worth_reading else ""
            line += f" · next: {_safe(suggestion.title)}{wr}"
        click.echo(line)


_IMPORT_HELP = f"""Import files and folders: {import_format_names()}.

A deck file is the whole deck: cards it no longer has are retired (kept with
their history). CSV/TSV files and Anki packages only add and update cards.
Everything is checked before anything is written, and the whole import is one
transaction.

{import_formats_help()}
"""


@cli.command("import", help=_IMPORT_HELP)
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--bundled",
    "bundled",
    metavar="NAME",
    help="A reading list that ships with studykb but is not imported on the first run, "
    "with its decks: `next` (Diffusion models: the next papers).",
)
@click.option("--dry-run", is_flag=True, help="Report what would change, write nothing.")
@click.option(
    "--with-scheduling",
    is_flag=True,
    help="Anki packages: carry each card's review state over (interval, ease, due, lapses).",
)
@click.option(
    "--retire-missing",
    is_flag=True,
    help="CSV/TSV files and Anki packages: also retire the cards of each deck they name "
    "that they do not hold (by default they only add and update; deck files and JSON "
    "backups are whole decks and always do).",
)
@click.option(
    "--theirs",
    is_flag=True,
    help="Cards you edited or retired here take the file's version (by default yours is "
    "kept and listed); each is an edit you can undo.",
)
@pass_ctx
def import_(
    ctx: Context,
    paths: tuple[Path, ...],
    bundled: str | None,
    dry_run: bool,
    with_scheduling: bool,
    retire_missing: bool,
    theirs: bool,
) -> None:
    from dataclasses import replace

    from studykb.app.bundled import optional_list
    from studykb.app.library import in_reading_order_of, known_deck_files, prepare_import

    wanted = list(paths) + (optional_list(bundled).paths() if bundled else [])
    if not wanted:
        raise click.UsageError("name files or directories to import, or --bundled NAME")
    # Everything is parsed and validated before the database is opened for writing:
    # a bad file leaves it byte for byte as it was. Files byte-identical to ones
    # already imported are recognised by their hash and not parsed again.
    prepared = prepare_import(
        wanted, known=known_deck_files(ctx.db_path), with_scheduling=with_scheduling
    )
    if bundled:
        prepared = in_reading_order_of(prepared)
    if retire_missing:  # the files are taken as whole decks; titles stay as they are
        prepared.decks = [
            d if d.complete else replace(d, complete=True, keep_title=True) for d in prepared.decks
        ]
    for warning in prepared.warnings:
        click.echo(f"warning: {_safe(warning)}", err=True)
    # A JSON backup goes into an empty database: the bundled decks are not added first.
    collection = ctx.collection(seed_bundled=False if prepared.backups else None)
    for line in collection.library.apply(prepared, dry_run=dry_run, theirs=theirs):
        click.echo(_safe(line))


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--strict", is_flag=True, help="Treat warnings as errors (exit code 2).")
def lint(paths: tuple[Path, ...], strict: bool) -> None:
    """Check deck files against the card-writing rules (default: the bundled decks)."""
    from studykb.app.bundled import bundled_deck_paths
    from studykb.decks.lint import lint_paths
    from studykb.decks.toml_deck import deck_files

    bundled = bundled_deck_paths()
    files = deck_files(paths) if paths else bundled
    findings = lint_paths(files, known_decks=[p.stem for p in bundled])
    for finding in findings:
        label = "error" if strict else "warning"
        click.echo(f"{label}: {_safe(str(finding))}", err=True)
    cards = plural(len(files), "file")
    if findings and strict:
        raise BadInputError([f"lint: {len(findings)} problems in {cards}"])
    click.echo(f"lint: {cards}, {len(findings)} warnings")


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_ctx
def decks(ctx: Context, as_json: bool) -> None:
    """The decks, with their card counts."""
    summaries = ctx.collection().library.decks()
    if as_json:
        _print_json(
            [
                {
                    "id": s.id,
                    "title": s.title,
                    "paper_id": s.paper_id,
                    "worth_reading": s.worth_reading,
                    "reading_status": s.reading_status,
                    "cards": s.cards,
                    "learned": s.learned,
                    "mature": s.mature,
                    "suspended": s.suspended,
                    "retired": s.retired,
                    "due_today": s.due_today,
                    "new_today": s.new_today,
                }
                for s in summaries
            ]
        )
        return
    if not summaries:
        click.echo("No decks yet. Import one: studykb import PATH")
        return
    # The id column as wide as the longest id, so that a long one never shifts a row.
    id_width = max(len(s.id) for s in summaries)
    for s in summaries:
        click.echo(
            f"{s.id:<{id_width}} {plural(s.cards, 'card'):>10}  {s.learned:>4} learned  "
            f"{s.due_today:>3} due  {s.new_today:>3} new  {_safe(s.title)}"
        )


@cli.command()
@click.option(
    "--on",
    "on",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Study day to count for (YYYY-MM-DD; default today).",
)
@click.option("--deck", "deck_id", help="Only this deck.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_ctx
def due(ctx: Context, on: Any, deck_id: str | None, as_json: bool) -> None:
    """Cards due on a study day: reviews and new, in total and per deck."""
    day: date | None = on.date() if on is not None else None
    counts = ctx.collection(daily_backup=False).review.due_counts(day, deck_id)
    from studykb.app.due_format import due_json, due_text

    if as_json:
        _print_json(due_json(counts))
    else:
        click.echo(_safe(due_text(counts)))


def _paper_json(p: Any) -> dict[str, Any]:
    return {
        "id": p.id,
        "slug": p.slug,
        "title": p.title,
        "authors": list(p.authors),
        "year": p.year,
        "url": p.url,
        "worth_reading": p.worth_reading,
        "section": p.section,
        "status": p.status,
        "status_changed_at": p.status_changed_at,
        "started_on": p.started_on.isoformat() if p.started_on else None,
        "read_on": p.read_on.isoformat() if p.read_on else None,
        "note": p.note,
        "after": list(p.after),
        "deck": p.deck_id,
        "cards": p.cards,
        "mastery": None if p.mastery is None else round(p.mastery, 4),
        "due": p.due,
    }


@cli.group(invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def papers(click_ctx: click.Context, as_json: bool) -> None:
    """The reading list and your progress through it."""
    if click_ctx.invoked_subcommand is not None:
        return
    ctx: Context = click_ctx.obj
    rows = ctx.collection().reading.papers()
    if as_json:
        _print_json([_paper_json(p) for p in rows])
        return
    if not rows:
        click.echo("No papers yet. Import a deck or a reading list: studykb import PATH")
        return
    slug_width = max(len(p.slug) for p in rows)  # a long slug must not shift its row
    for p in rows:
        stars = "★" * (p.worth_reading or 0)
        mastery = f"{p.mastery:4.0%}" if p.mastery is not None else "   -"
        click.echo(
            f"{p.slug:<{slug_width}} {p.status:<8} {stars:<3} {p.year or '':<4} {mastery}  "
            f"{_safe(p.title)}"
        )
    read = sum(p.status == "read" for p in rows)
    click.echo(f"{read} of {len(rows)} read")


@papers.command("set")
@click.argument("paper")
@click.argument("status", type=click.Choice(["unread", "reading", "read"]))
@pass_ctx
def papers_set(ctx: Context, paper: str, status: str) -> None:
    """Set a paper's reading status (PAPER: its slug, id, deck id or URL)."""
    row = ctx.collection().reading.set_status(paper, status)
    click.echo(f"{row.slug}: {row.status}")


@cli.command()
@click.option("--deck", "deck_id", help="Only this deck.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option(
    "--schedulers",
    "compare",
    is_flag=True,
    help="Compare SM-2 and FSRS on your own history: prediction scores and a 30-day forecast.",
)
@pass_ctx
def stats(ctx: Context, deck_id: str | None, as_json: bool, compare: bool) -> None:
    """Reviews today, streak, 30-day retention, cards by state."""
    if compare:
        _print_scheduler_comparison(ctx.collection().schedulers.compare(deck_id), as_json)
        return
    s = ctx.collection().statistics.summary(deck_id)
    if as_json:
        _print_json(
            {
                "today": s.today.isoformat(),
                "reviews_today": s.reviews_today,
                "drills_today": s.drills_today,
                "new_today": s.new_today,
                "streak": s.streak,
                "retention_30d": None if s.retention_30d is None else round(s.retention_30d, 4),
                "reviews_30d": s.reviews_30d,
                "cards_by_state": s.cards_by_state,
            }
        )
        return
    retention = "-" if s.retention_30d is None else f"{s.retention_30d:.0%}"
    click.echo(f"Study day {s.today.isoformat()}")
    click.echo(f"Reviews today: {s.reviews_today} (+{s.drills_today} drills), {s.new_today} new")
    click.echo(f"Streak: {plural(s.streak, 'day')}")
    click.echo(f"Retention, last 30 days: {retention} of {plural(s.reviews_30d, 'review')}")
    click.echo("Cards: " + ", ".join(f"{n} {name}" for name, n in s.cards_by_state.items()))


def _scores_json(e: Any) -> dict[str, Any]:
    """An evaluation's scores (rounded), or why there are none (``not_enough``)."""
    from studykb.core.evaluation import Scores

    names = ("log_loss", "rmse_bins", "predicted_retention", "measured_retention")
    if not isinstance(e, Scores):
        return {**dict.fromkeys(names), "not_enough": str(e)}
    return {**{n: round(getattr(e, n), 4) for n in names}, "not_enough": None}


def _print_scheduler_comparison(c: Any, as_json: bool) -> None:
    from studykb.core.evaluation import Scores

    if as_json:
        _print_json(
            {
                "deck": c.deck_id,
                "today": c.today.isoformat(),
                "answers": c.answers,
                "schedulers": [
                    {
                        "scheduler": r.name,
                        "predictions": r.evaluation.predictions,
                        **_scores_json(r.evaluation),
                        "forecast": [[d.isoformat(), n] for d, n in r.forecast.days],
                    }
                    for r in c.reports
                ],
            }
        )
        return
    scope = f"deck {c.deck_id}" if c.deck_id else "all decks"
    click.echo(f"Schedulers on your own history ({scope}, {c.answers} answers)")
    click.echo("lower is better: log loss and RMSE(bins), as srs-benchmark scores them")
    for r in c.reports:
        e = r.evaluation
        if isinstance(e, Scores):
            click.echo(
                f"  {r.title:<7} log loss {e.log_loss:.3f}  RMSE(bins) {e.rmse_bins:.3f}  "
                f"predicted {e.predicted_retention:.0%} recall, measured "
                f"{e.measured_retention:.0%} ({e.predictions} predictions)"
            )
        else:
            click.echo(f"  {r.title:<7} {e}")
    for r in c.reports:
        week = sum(n for _, n in r.forecast.days[:7])
        click.echo(
            f"  {r.title:<7} forecast: {week} reviews in the next 7 days, "
            f"{r.forecast.total} in 30 (every due card answered Good)"
        )


@cli.command()
@click.argument("deck_id", metavar="DECK")
@click.argument("name", required=False, type=click.Choice(["sm2", "fsrs"]))
@click.option(
    "--retention",
    type=click.FloatRange(0.70, 0.99),
    help="FSRS: the recall to aim for (0.70-0.99, default 0.90).",
)
@click.option(
    "--max-interval",
    type=click.IntRange(1, 36500),
    help="FSRS: the longest interval in days (default 36500).",
)
@click.option("--fuzz/--no-fuzz", default=None, help="FSRS: spread intervals (seeded, replayable).")
@pass_ctx
def scheduler(
    ctx: Context,
    deck_id: str,
    name: str | None,
    retention: float | None,
    max_interval: int | None,
    fuzz: bool | None,
) -> None:
    """Show or set a deck's scheduler: sm2 (the default) or fsrs. Setting it replays
    the deck's whole log under the new one; nothing is lost, and switching back
    gives back exactly the states the deck had."""
    from dataclasses import replace

    from studykb.core.scheduling.options import SchedulerOptions

    schedulers = ctx.collection().schedulers
    current = schedulers.options(deck_id)
    if name is None and retention is None and max_interval is None and fuzz is None:
        click.echo(f"{deck_id}: {current.describe()}")
        return
    chosen = current
    if name is not None and name != current.scheduler:
        chosen = SchedulerOptions("fsrs" if name == "fsrs" else "sm2")
    changes: dict[str, Any] = {}
    if retention is not None:
        changes["desired_retention"] = retention
    if max_interval is not None:
        changes["maximum_interval"] = max_interval
    if fuzz is not None:
        changes["fuzz"] = fuzz
    if changes and chosen.scheduler != "fsrs":
        raise StudykbError("--retention, --max-interval and --fuzz are FSRS settings")
    switch = schedulers.switch(deck_id, replace(chosen, **changes))
    if switch.cards == 0 and switch.before == switch.after:
        click.echo(f"{deck_id}: already {switch.after.describe()}")
    else:
        click.echo(
            f"{deck_id}: {switch.after.describe()} "
            f"(was {switch.before.describe()}; {switch.cards} cards replayed)"
        )


def _limit_option(name: str, most: int) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A number of cards per day, or ``default`` for Settings' (one line if neither)."""

    def convert(_ctx: Any, _param: Any, value: str | None) -> int | str | None:
        if value is None:
            return None
        if value == "default":
            return "default"
        if not value.isdigit() or int(value) > most:
            raise click.BadParameter(f"a whole number from 0 to {most}, or default")
        return int(value)

    return click.option(
        name,
        callback=convert,
        metavar="N|default",
        help=f"Cards per study day (0-{most}); default: those of Settings.",
    )


@cli.command("deck-options")
@click.argument("deck_id", metavar="ID")
@_limit_option("--new-per-day", 100_000)
@_limit_option("--reviews-per-day", 1_000_000)
@click.option(
    "--new-order",
    type=click.Choice(["deck", "random"]),
    help="New cards in the deck's order, or in a random order (fixed for each study day).",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_ctx
def deck_options(
    ctx: Context,
    deck_id: str,
    new_per_day: int | str | None,
    reviews_per_day: int | str | None,
    new_order: str | None,
    as_json: bool,
) -> None:
    """Show or set a deck's daily limits and the order of its new cards. A deck
    without its own limits uses those of Settings."""
    from dataclasses import replace

    limits = ctx.collection().deck_limits
    view = limits.view(deck_id)
    changes: dict[str, Any] = {}
    if new_per_day is not None:
        changes["new_per_day"] = None if new_per_day == "default" else new_per_day
    if reviews_per_day is not None:
        changes["reviews_per_day"] = None if reviews_per_day == "default" else reviews_per_day
    if new_order is not None:
        changes["new_order"] = new_order
    changed = False
    if changes:
        changed = limits.set(deck_id, replace(view.options, **changes))
        view = limits.view(deck_id)
    if as_json:
        _print_json(
            {
                "deck": deck_id,
                "new_per_day": view.limits.new_per_day,
                "reviews_per_day": view.limits.reviews_per_day,
                "new_order": view.options.new_order,
                "own": {
                    "new_per_day": view.options.new_per_day,
                    "reviews_per_day": view.options.reviews_per_day,
                },
                "study_more_today": {"new": view.more.new, "reviews": view.more.reviews},
            }
        )
        return
    line = f"{deck_id}: {view.options.describe(view.defaults)}"
    if view.more.new or view.more.reviews:
        line += f"; today {view.more.new} more new, {view.more.reviews} more reviews"
    if changes and not changed:
        line += " (unchanged)"
    click.echo(_safe(line))


@cli.command("study-more")
@click.argument("deck_id", metavar="ID")
@click.option("--new", "new", type=click.IntRange(0, 10_000), default=0, help="More new cards.")
@click.option(
    "--reviews", "reviews", type=click.IntRange(0, 10_000), default=0, help="More reviews."
)
@pass_ctx
def study_more(ctx: Context, deck_id: str, new: int, reviews: int) -> None:
    """Raise a deck's limits for today's study day only (by --new and/or --reviews)."""
    from studykb.core.deck_limits import StudyMore

    if not new and not reviews:
        raise BadInputError(["studykb study-more: give --new N and/or --reviews N (above 0)"])
    limits = ctx.collection().deck_limits
    total = limits.study_more(deck_id, StudyMore(new, reviews))
    view = limits.view(deck_id)
    click.echo(
        _safe(
            f"{deck_id}: today {view.limits.new_per_day + total.new} new and "
            f"{view.limits.reviews_per_day + total.reviews} reviews at most "
            f"(raised by {total.new} and {total.reviews}, for today only)"
        )
    )


@cli.command()
@click.option("--repair", is_flag=True, help="Rebuild card states from the review log.")
@pass_ctx
def check(ctx: Context, repair: bool) -> None:
    """Verify the database: SQLite's integrity check and states against the replayed log."""
    report = ctx.collection().maintenance.check(repair=repair)
    click.echo(f"integrity: {report.integrity}")
    click.echo(f"cards: {report.cards}, rows in the log (answers and undos): {report.log_rows}")
    for problem in report.problems[:50]:
        click.echo(f"problem: {problem}")
    if len(report.problems) > 50:
        click.echo(f"... and {len(report.problems) - 50} more")
    if report.repaired:
        click.echo(f"repaired: {report.repaired} card states rebuilt from the log")
    if repair and not report.ok:
        # Say so rather than end in success: rows the log cannot rebuild stay.
        remaining = ctx.collection().maintenance.check()
        if not remaining.ok:
            raise StudykbError(f"{len(remaining.problems)} problems remain after the repair")
    elif report.ok:
        click.echo("ok: every card's state equals the replay of its log")
    if not report.ok and not report.repaired:
        raise StudykbError(
            f"{len(report.problems)} problems found"
            + ("" if repair else "; `studykb check --repair` rebuilds the states from the log")
        )


def _card_json(card: CardView, now: Moment) -> dict[str, Any]:
    from studykb.app.schedulers import state_fields

    return {
        "id": card.id,
        "ref": card.ref,
        "deck": card.deck_id,
        "kind": card.kind,
        "question": card.question,
        "answer": card.answer,
        "source": card.source,
        "tags": list(card.tags),
        **state_fields(card, now),
    }


class _OneLineUsage(click.Command):
    """A command whose bad options are one line on stderr and exit 2, not click's
    usage block: scripts read the line."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as exc:
            raise BadInputError([f"{ctx.command_path}: {exc.format_message()}"]) from exc


_BROWSE_STATES = ("new", "learning", "young", "mature", "suspended", "buried", "retired")
_BROWSE_SORTS = ("due", "added", "lapses", "ease", "last")


@cli.command(cls=_OneLineUsage)
@click.argument("query", required=False, default="")
@click.option("--search", "search_text", help="Words to find (the same as QUERY).")
@click.option("--deck", "deck_id", help="Only this deck.")
@click.option("--state", type=click.Choice(_BROWSE_STATES), help="Only cards in this state.")
@click.option("--tag", help="Only cards with this tag.")
@click.option("--flagged", is_flag=True, help="Only cards flagged to fix (`studykb flag`).")
@click.option("--leech", is_flag=True, help="Only leeches (cards tagged leech).")
@click.option("--sort", type=click.Choice(_BROWSE_SORTS), default="due", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_ctx
def cards(
    ctx: Context,
    query: str,
    search_text: str | None,
    deck_id: str | None,
    state: Any,
    tag: str | None,
    flagged: bool,
    leech: bool,
    sort: Any,
    as_json: bool,
) -> None:
    """Find cards: every word of QUERY in the front, back, tags or source (LaTeX by
    its words, \\bar\\alpha by "alpha", or as shown, "ᾱ"); the last word may be
    the start of one. One line per card: reference, state, due day, front."""
    from studykb.render.latex import math_to_unicode

    collection = ctx.collection()
    if deck_id is not None and not collection.review.deck_exists(deck_id):
        raise BadInputError(
            [f"studykb cards: --deck {deck_id!r}: no such deck (see `studykb decks`)"]
        )
    words = " ".join(w for w in (query, search_text or "") if w)
    pending = collection.browser.math_pending()
    if pending > 2_000:  # once, after an upgrade or a large import: say why it waits
        click.echo(f"indexing the math of {pending:,} cards for search (once)…", err=True)
    page = collection.browser.search(
        words, deck_id=deck_id, state=state, tag=tag, sort=sort, flagged=flagged, leech=leech
    )
    if as_json:
        from studykb.app.schedulers import state_fields

        now = collection.review.moment()
        views = collection.browser.views([r.id for r in page.rows])
        _print_json(
            [
                {
                    "id": row.id,
                    "ref": row.ref,
                    "deck": row.deck_id,
                    "kind": row.kind,
                    "front": row.front,
                    "back": row.back,
                    "tags": list(row.tags),
                    "source": row.source,
                    "state": row.state,
                    "due": row.due.isoformat() if row.due else None,
                    "lapses": row.lapses,
                    "flagged": row.flagged,
                    "scheduler": row.scheduler,
                    "schedule": state_fields(view, now),
                }
                for row, view in zip(page.rows, views, strict=True)
            ]
        )
        return
    if not page.rows:
        click.echo("No cards match.")
        return
    width = max(len(r.ref) for r in page.rows)
    for row in page.rows:
        front = " ".join(math_to_unicode(_safe(row.question), markdown=False).split())
        front = front if len(front) <= 60 else front[:59] + "…"
        due = row.due.isoformat() if row.due else "-"
        click.echo(f"{_safe(row.ref):<{width}}  {row.state:<9}  {due:<10}  {front}")


@cli.command("next")
@click.option("--deck", "deck_id", help="Only this deck.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--raw", is_flag=True, help="The card's source text (LaTeX as written).")
@pass_ctx
def next_(ctx: Context, deck_id: str | None, as_json: bool, raw: bool) -> None:
    """Show the next card of today's queue (for scripts; the TUI is the way to review).

    Math is shown as the TUI shows it (Unicode); --raw prints the source."""
    collection = ctx.collection()
    card = collection.review.next_card(deck_id)
    if card is None:
        if as_json:
            _print_json(None)
        else:
            click.echo("Nothing left to review today.")
        return
    if as_json:
        _print_json(_card_json(card, collection.review.moment()))
        return
    from studykb.render.card import card_markdown

    shown: Callable[[str], str] = _safe if raw else card_markdown
    click.echo(f"[{card.ref}] {shown(card.question)}")
    click.echo(f"answer: {shown(card.answer)}")


@cli.command()
@click.argument("card")
@click.argument("grade", type=click.IntRange(0, 5))
@click.option("--ms", "answer_ms", type=click.IntRange(0, None), default=0, help="Answer time.")
@click.option(
    "--practice", is_flag=True, help="Outside the schedule: logged, changing no schedule."
)
@pass_ctx
def answer(ctx: Context, card: str, grade: int, answer_ms: int, practice: bool) -> None:
    """Grade a card (CARD: deck-id/card-id or numeric id): 0-5 in an SM-2 deck,
    1-4 (Again, Hard, Good, Easy) in an FSRS deck."""
    from studykb.core.scheduler import Sm2State

    review = ctx.collection().review
    result = (review.practice if practice else review.answer)(card, grade, answer_ms)
    after = result.after
    if isinstance(after, Sm2State):
        due_text = after.due.isoformat() if after.due else "-"
        click.echo(
            f"{result.kind} {result.uid}: n={after.repetitions} EF={after.easiness} "
            f"I={after.interval}d due {due_text}"
        )
    else:
        due_at = after.due_at.isoformat(timespec="minutes") if after.due_at else "-"
        click.echo(
            f"{result.kind} {result.uid}: S={after.stability:.2f}d D={after.difficulty:.2f} "
            f"{after.phase} due {due_at} UTC"
        )
    if result.message:
        click.echo(_safe(result.message))


@cli.command()
@click.argument("cards", nargs=-1, required=True)
@pass_ctx
def suspend(ctx: Context, cards: tuple[str, ...]) -> None:
    """Suspend cards (deck-id/card-id): they are not shown until unsuspended."""
    ctx.collection().review.suspend(list(cards))  # all of them, or none
    for ref in cards:
        click.echo(f"suspended {ref}")


@cli.command()
@click.argument("cards", nargs=-1)
@click.option("--deck", "deck_id", help="Unsuspend every suspended card of this deck.")
@pass_ctx
def unsuspend(ctx: Context, cards: tuple[str, ...], deck_id: str | None) -> None:
    """Bring suspended cards back (deck-id/card-id, or --deck ID for all of a deck)."""
    if not cards and deck_id is None:
        raise StudykbError("name cards (deck-id/card-id) or a deck with --deck")
    ids = ctx.collection().review.unsuspend(list(cards), deck_id)
    if not ids:
        raise StudykbError("name cards (deck-id/card-id) or a deck with --deck")
    click.echo(f"unsuspended {plural(len(ids), 'card')}")


@cli.command()
@pass_ctx
def undo(ctx: Context) -> None:
    """Take back the last action of any kind (answer, suspend, bury, flag, edit, add,
    retire; a deck's creation, rename or retirement; drafts accepted or dropped); run
    it again to take back the one before. A purge cannot be undone."""
    said = ctx.collection().authoring.undo_last()
    click.echo("Nothing to undo." if said is None else _safe(said))


# ---------------------------------------------------------------------- writing cards


def _refs_or_bad(command: str, run: Callable[[], _T]) -> _T:
    """Bad input to a writing command (no such card or deck) is one line, exit 2."""
    from studykb.errors import NotFoundError

    try:
        return run()
    except NotFoundError as exc:
        raise BadInputError([f"studykb {command}: {exc.message}"]) from exc


def _tags(text: str | None) -> tuple[str, ...] | None:
    if text is None:
        return None
    return tuple(t.strip() for t in text.split(",") if t.strip())


@cli.command(cls=_OneLineUsage)
@click.argument("deck_id", metavar="DECK")
@click.option("--front", required=True, help="The question (a cloze card's text, with --cloze).")
@click.option("--back", default="", help="The answer (a cloze card's extra, optional).")
@click.option("--tags", help="Comma-separated tags: a,b.")
@click.option("--source", default="", help="Where in the paper: section, equation.")
@click.option(
    "--kind",
    type=click.Choice(["basic", "reversed", "cloze"]),
    default="basic",
    show_default=True,
    help="reversed: also asked back to front (a second card, ID-rev); cloze: {{c1::...}}.",
)
@pass_ctx
def add(
    ctx: Context,
    deck_id: str,
    front: str,
    back: str,
    tags: str | None,
    source: str,
    kind: Any,
) -> None:
    """Add a card to DECK; prints its reference (deck-id/card-id)."""
    from studykb.app.authoring import CardFields

    fields = CardFields(front, back, _tags(tags) or (), source, kind)
    authoring = ctx.collection().authoring
    saved = _refs_or_bad("add", lambda: authoring.add(deck_id, fields))
    for ref in saved.refs:
        click.echo(_safe(ref))


@cli.command(cls=_OneLineUsage)
@click.argument("card")
@click.option("--front", help="New question (a cloze card: its text).")
@click.option("--back", help="New answer.")
@click.option("--tags", help="New comma-separated tags: a,b (empty: none).")
@click.option("--source", help="New source.")
@pass_ctx
def edit(
    ctx: Context,
    card: str,
    front: str | None,
    back: str | None,
    tags: str | None,
    source: str | None,
) -> None:
    """Edit CARD (deck-id/card-id), keeping its history: the fields given, or with none
    the card as TOML in $VISUAL/$EDITOR (a bad edit reopens it with the error on top;
    an unchanged or emptied file cancels). Undoable with `studykb undo`."""
    from dataclasses import replace

    authoring = ctx.collection().authoring
    current = _refs_or_bad("edit", lambda: authoring.fields(card))
    if front is None and back is None and tags is None and source is None:
        _edit_in_editor(ctx, card)
        return
    fields = replace(
        current,
        front=current.front if front is None else front,
        back=current.back if back is None else back,
        tags=current.tags if tags is None else (_tags(tags) or ()),
        source=current.source if source is None else source,
    )
    click.echo(_safe(authoring.edit(card, fields).sentence))


def _edit_in_editor(ctx: Context, card: str) -> None:
    """The card as TOML in $VISUAL/$EDITOR until it is valid, unchanged or emptied."""
    import os
    import shlex
    import subprocess
    import tempfile

    # The same document rules as the TUI's `E` (its error lines, what counts as empty).
    from studykb.tui.external_editor import ERROR_MARK, is_empty, without_errors

    authoring = ctx.collection().authoring
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
    if not editor:
        raise BadInputError(
            ["studykb edit: set $VISUAL or $EDITOR, or give --front/--back/--tags/--source"]
        )
    original = authoring.to_toml(card)
    text = original
    shown = original  # what the editor was last given, error comments taken off
    problems: list[str] = []  # why the last round was refused (reopened with them)
    with tempfile.TemporaryDirectory(prefix="studykb-edit-") as folder:
        path = Path(folder) / (card.replace("/", "_").replace(":", "_") + ".toml")
        while True:
            path.write_text(text, encoding="utf-8")
            try:
                done = subprocess.run([*shlex.split(editor), str(path)], check=False)
            except OSError as exc:
                raise StudykbError(f"studykb edit: cannot run {editor!r}: {exc.strerror}") from exc
            if done.returncode != 0:
                raise StudykbError(
                    f"studykb edit: {editor} exited with {done.returncode}; nothing saved"
                )
            edited = path.read_text(encoding="utf-8")
            body = without_errors(edited)
            if body == original or is_empty(body):
                click.echo(f"No change to {_safe(card)}.")
                return
            if problems and body == shown:
                # Reopened with its problems and left as it was: the user gave up.
                raise BadInputError([*problems, f"studykb edit: nothing saved to {_safe(card)}"])
            try:
                fields = authoring.from_toml(body, card)
                click.echo(_safe(authoring.edit(card, fields).sentence))
                return
            except BadInputError as exc:
                # Reopened with the problems on top, as comments; nothing was saved.
                problems = exc.problems
                header = "".join(f"{ERROR_MARK}{p}\n" for p in exc.problems)
                text, shown = header + body, body


@cli.command(cls=_OneLineUsage)
@click.argument("cards", nargs=-1, required=True)
@pass_ctx
def retire(ctx: Context, cards: tuple[str, ...]) -> None:
    """Retire cards (deck-id/card-id): hidden from review, history kept; `studykb undo`
    brings them back."""
    authoring = ctx.collection().authoring
    n = _refs_or_bad("retire", lambda: authoring.retire(list(cards)))
    click.echo(f"retired {plural(n, 'card')}")


@cli.command(cls=_OneLineUsage)
@click.argument("cards", nargs=-1, required=True)
@pass_ctx
def flag(ctx: Context, cards: tuple[str, ...]) -> None:
    """Flag cards to fix later (`studykb cards --flagged` lists them)."""
    authoring = ctx.collection().authoring
    n = _refs_or_bad("flag", lambda: authoring.set_flagged(list(cards), True))
    click.echo(f"flagged {plural(n, 'card')}")


@cli.command(cls=_OneLineUsage)
@click.argument("cards", nargs=-1, required=True)
@pass_ctx
def unflag(ctx: Context, cards: tuple[str, ...]) -> None:
    """Take the flag off cards."""
    authoring = ctx.collection().authoring
    n = _refs_or_bad("unflag", lambda: authoring.set_flagged(list(cards), False))
    click.echo(f"unflagged {plural(n, 'card')}")


@cli.command(cls=_OneLineUsage)
@click.argument("cards", nargs=-1, required=True)
@click.option("--add", "add", metavar="A,B", help="Tags to add, comma-separated.")
@click.option("--remove", "remove", metavar="A,B", help="Tags to remove, comma-separated.")
@pass_ctx
def tag(ctx: Context, cards: tuple[str, ...], add: str | None, remove: str | None) -> None:
    """Add and remove tags on cards (deck-id/card-id); `studykb undo` takes it back."""
    authoring = ctx.collection().authoring
    n = _refs_or_bad(
        "tag",
        lambda: authoring.change_tags(list(cards), _tags(add) or (), _tags(remove) or ()),
    )
    click.echo(f"retagged {plural(n, 'card')}")


@cli.command(cls=_OneLineUsage)
@click.argument("cards", nargs=-1, required=True)
@pass_ctx
def reset(ctx: Context, cards: tuple[str, ...]) -> None:
    """Reset cards (deck-id/card-id) to new, their history kept; `studykb undo` takes
    it back."""
    authoring = ctx.collection().authoring
    n = _refs_or_bad("reset", lambda: authoring.reset(list(cards)))
    click.echo(f"reset {plural(n, 'card')} to new")


@cli.command("card", cls=_OneLineUsage)
@click.argument("ref", metavar="CARD")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_ctx
def card_(ctx: Context, ref: str, as_json: bool) -> None:
    """One card (deck-id/card-id) with its whole history: each answer's study day,
    grade, interval after and kind."""
    collection = ctx.collection()
    authoring = collection.authoring
    found = _refs_or_bad("card", lambda: authoring.history(ref))
    card = found.card
    history = [
        {
            "study_day": a.study_day,
            "answered_at": a.answered_at,
            "grade": a.grade,
            "interval_after": a.interval_after,
            "due_after": a.due_after,
            "kind": a.kind,
            "scheduler": a.scheduler,
            "undone": a.undone,
        }
        for a in found.answers
    ]
    if as_json:
        fields = authoring.fields(ref)
        _print_json(
            {
                **_card_json(card, collection.review.moment()),
                "front": fields.front,
                "back": fields.back,
                "note_kind": fields.kind,
                "paper": card.paper_title,
                "suspended": card.suspended,
                "flagged": card.flagged,
                "retired": card.retired,
                "history": history,
            }
        )
        return
    flags = [
        n
        for n, on in (
            ("suspended", card.suspended),
            ("flagged", card.flagged),
            ("retired", card.retired),
        )
        if on
    ]
    click.echo(
        f"{_safe(card.ref)}  ({_safe(card.deck_title)}){'  ' + ', '.join(flags) if flags else ''}"
    )
    if card.paper_title:
        click.echo(
            f"paper:  {_safe(card.paper_title)}"
            + (f", {_safe(card.source)}" if card.source else "")
        )
    elif card.source:
        click.echo(f"source: {_safe(card.source)}")
    if card.tags:
        click.echo(f"tags:   {_safe(', '.join(card.tags))}")
    click.echo(f"front:  {_safe(card.question)}")
    click.echo(f"back:   {_safe(card.answer)}")
    if not history:
        click.echo("history: none yet")
        return
    click.echo("history: study day  grade  interval after  kind")
    for a in found.answers:
        undone = "  (undone)" if a.undone else ""
        grade = "-" if a.kind == "void" else str(a.grade)
        click.echo(f"         {a.study_day}  {grade:>5}  {a.interval_after:>13}d  {a.kind}{undone}")


@cli.command()
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(export_format_names()),
    default=None,
    help=export_formats_help(),
)
@click.option("--deck", "deck_id", help=f"{'/'.join(one_deck_formats())}: only this deck.")
@pass_ctx
def export(ctx: Context, out: Path, fmt: str | None, deck_id: str | None) -> None:
    """Export (written to a temporary file, then renamed)."""
    click.echo(ctx.collection().library.export(out, fmt, deck_id))


@cli.command()
@click.argument("path", required=False, type=click.Path(dir_okay=False, path_type=Path))
@pass_ctx
def backup(ctx: Context, path: Path | None) -> None:
    """Copy the database now (to PATH, or to the backups folder beside it)."""
    dest = ctx.collection().maintenance.backup(path)
    click.echo(f"backed up to {dest}")


@cli.command()
@pass_ctx
def backups(ctx: Context) -> None:
    """List the automatic and manual backups of the database, newest first."""
    from studykb.app.maintenance import backups, backups_folder

    found = backups(ctx.db_path)
    if not found:
        click.echo(f"No backups yet in {backups_folder(ctx.db_path)}.")
        return
    for b in found:
        click.echo(
            f"{b.taken_at:%Y-%m-%d %H:%M:%S}  {b.reason:<17} {b.size / 1024:>8.0f} KiB  {b.path}"
        )


@cli.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@pass_ctx
def restore(ctx: Context, file: Path) -> None:
    """Replace the database with a backup; the current one is backed up first."""
    from studykb.app.errors import NEEDS_RESTORE
    from studykb.app.maintenance import restore_damaged

    try:
        collection = ctx.collection(daily_backup=False)
    except NEEDS_RESTORE:
        aside = restore_damaged(ctx.db_path, file)  # set aside under the clock's time
        if aside is not None:
            click.echo(f"the damaged database was moved to {aside}")
        ctx.collection(daily_backup=False)  # upgrades a backup from an older studykb
        click.echo(f"restored {ctx.db_path} from {file}")
        return
    saved = collection.maintenance.restore(file)
    ctx.close()
    ctx.collection(daily_backup=False)  # upgrades a backup from an older studykb
    if saved is not None:
        click.echo(f"the previous database was backed up to {saved}")
    click.echo(f"restored {ctx.db_path} from {file}")


# --- Decks you own and drafts from a paper's LaTeX source (issue 12 items 3-5) ----------


def _draft_json(d: Any) -> dict[str, Any]:
    return {
        "id": d.id,
        "deck": d.deck_id,
        "kind": d.kind,
        "front": d.front,
        "back": d.back,
        "source": d.source,
        "status": d.status,
        "card": d.card_ref or None,
        "origin": d.origin,
    }


@cli.command(cls=_OneLineUsage)
@click.argument("source", type=click.Path(path_type=Path))
@click.option("--paper", required=True, help="The paper (slug, id, URL or deck id).")
@click.option("--deck", "deck_id", help="Into this deck (default: the paper's, made if missing).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_ctx
def draft(ctx: Context, source: Path, paper: str, deck_id: str | None, as_json: bool) -> None:
    """Draft cards from a paper's LaTeX source (an arXiv .tar.gz, a .gz'd .tex or a
    directory): numbered equations, theorems and definitions, the abstract's claim.
    Drafts wait in `studykb drafts` and never enter the review queue."""
    collection = ctx.collection()
    report = collection.drafts.draft(source, paper, deck_id)
    if as_json:
        pending = [d for d in collection.drafts.pending() if d.deck_id == report.deck_id]
        _print_json(
            {
                **{
                    "deck": report.deck_id,
                    "paper": report.paper,
                    "main": report.main,
                    "title": report.title,
                    "sections": report.sections,
                    "equations": report.equations,
                    "statements": report.statements,
                    "added": report.added,
                    "skipped": report.skipped,
                    "deck_created": report.deck_created,
                },
                "drafts": [_draft_json(d) for d in pending],
            }
        )
        return
    click.echo(_safe(report.sentence))


@cli.group(invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def drafts(click_ctx: click.Context, as_json: bool) -> None:
    """Pending drafts (from `studykb draft`); accept or drop them by id."""
    if click_ctx.invoked_subcommand is not None:
        return
    ctx: Context = click_ctx.obj
    rows = ctx.collection().drafts.pending()
    if as_json:
        _print_json([_draft_json(d) for d in rows])
        return
    if not rows:
        click.echo("No drafts. Make some: studykb draft SOURCE --paper PAPER")
        return
    width = max(len(str(d.id)) for d in rows)
    for d in rows:
        click.echo(f"{d.id:>{width}}  {d.deck_id}  {_safe(d.front)}")
        click.echo(f"{'':>{width}}  {'':{len(d.deck_id)}}  ↳ {_safe(d.source)}")
    click.echo(f"{plural(len(rows), 'draft')}: studykb drafts accept ID... / drop ID...")


@drafts.command("accept", cls=_OneLineUsage)
@click.argument("ids", nargs=-1, required=True, type=int)
@pass_ctx
def drafts_accept(ctx: Context, ids: tuple[int, ...]) -> None:
    """Make cards of these drafts (they join their deck's new cards)."""
    refs = ctx.collection().drafts.accept(list(ids))
    for ref in refs:
        click.echo(f"Added {_safe(ref)}")


@drafts.command("drop", cls=_OneLineUsage)
@click.argument("ids", nargs=-1, required=True, type=int)
@pass_ctx
def drafts_drop(ctx: Context, ids: tuple[int, ...]) -> None:
    """Drop these drafts (kept as dropped; a later `draft` does not bring them back)."""
    n = ctx.collection().drafts.drop(list(ids))
    click.echo(f"Dropped {plural(n, 'draft')}")


@cli.command("new-deck", cls=_OneLineUsage)
@click.argument("paper")
@click.option("--id", "deck_id", help="The deck's id (default: the paper's slug).")
@click.option("--title", help="The deck's title (default: the paper's title).")
@pass_ctx
def new_deck(ctx: Context, paper: str, deck_id: str | None, title: str | None) -> None:
    """Create an empty deck for PAPER of the reading list (slug, id or URL)."""
    made = ctx.collection().decks.new_deck(paper, deck_id, title)
    click.echo(_safe(made.sentence))


@cli.command("rename-deck", cls=_OneLineUsage)
@click.argument("deck_id", metavar="ID")
@click.argument("title")
@pass_ctx
def rename_deck(ctx: Context, deck_id: str, title: str) -> None:
    """Give a deck a new title."""
    click.echo(_safe(ctx.collection().decks.rename(deck_id, title)))


@cli.command("retire-deck", cls=_OneLineUsage)
@click.argument("deck_id", metavar="ID")
@click.option(
    "--undo",
    is_flag=True,
    help="Bring a retired deck back with the cards it retired (`studykb undo` also does).",
)
@click.option("--purge", is_flag=True, help="Delete it for real, after a backup.")
@pass_ctx
def retire_deck(ctx: Context, deck_id: str, undo: bool, purge: bool) -> None:
    """Retire a deck: it and its cards are hidden, their history kept (--undo brings
    them back); --purge deletes them, after a backup of the database."""
    if undo and purge:
        raise BadInputError(["retire-deck: --undo or --purge, not both"])
    decks = ctx.collection().decks
    if undo:
        sentence = decks.unretire(deck_id)
    elif purge:
        sentence = decks.purge(deck_id)
    else:
        sentence = decks.retire(deck_id)
    click.echo(_safe(sentence))


# ---------------------------------------------------------------------- sync


@cli.command()
@click.option(
    "--folder",
    type=click.Path(path_type=Path),
    help="A folder another tool keeps in step (Syncthing, Dropbox, a network share).",
)
@click.option("--git", "git_url", help="A git repository (URL or path) to sync through.")
@click.option("--status", "show_status", is_flag=True, help="Devices seen and what waits.")
@click.option("--json", "as_json", is_flag=True, help="As JSON.")
@pass_ctx
def sync(
    ctx: Context, folder: Path | None, git_url: str | None, show_status: bool, as_json: bool
) -> None:
    """Sync with your other machines: write what this one did since its last sync as
    a new file of its own, then apply every other machine's new files. The first
    --folder or --git you use is recorded in the settings; later runs need neither."""
    from dataclasses import replace

    from studykb.paths import config_path
    from studykb.settings import save_settings

    if folder is not None and git_url is not None:
        raise BadInputError(["sync: --folder or --git, not both"])
    collection = ctx.collection()
    settings = collection.settings  # config.toml, read once by the collection
    if folder is None and git_url is None:
        if settings.sync_git is not None:
            git_url = settings.sync_git
        elif settings.sync_folder is not None:
            folder = Path(settings.sync_folder)
    if show_status:
        status_ = collection.sync.status(folder)
        if as_json:
            _print_json(status_.to_json())
            return
        click.echo(f"this device: {status_.name} ({status_.device[:8]})")
        click.echo(f"last sync: {status_.last_sync or 'never'}")
        click.echo(f"waiting to be sent: {plural(status_.pending, 'row')}")
        if folder is not None:
            click.echo(f"waiting to be applied: {plural(status_.waiting, 'segment')}")
        for d in status_.devices:
            click.echo(
                f"  {d['name']} ({d['device'][:8]}): {plural(d['segments'], 'segment')}, "
                f"last event {d['last_event_at'] or '-'}"
            )
        return
    if folder is None and git_url is None:
        raise BadInputError(
            ["sync: no sync folder or repository yet: use --folder PATH or --git URL once"]
        )
    if git_url is not None:
        report = collection.sync.git(git_url)
        if settings.sync_git is None and settings.sync_folder is None:
            save_settings(replace(settings, sync_git=git_url), config_path())
    else:
        assert folder is not None
        report = collection.sync.folder(folder)
        if settings.sync_git is None and settings.sync_folder is None:
            save_settings(
                replace(settings, sync_folder=str(folder.expanduser().resolve())), config_path()
            )
    if as_json:
        _print_json(report.to_json())
    else:
        for line in report.lines():
            click.echo(_safe(line))
    if report.skipped:
        sys.exit(1)


def main(argv: list[str] | None = None) -> None:
    """Entry point: user errors become one line on stderr and a non-zero exit."""
    try:
        cli.main(args=argv, prog_name="studykb", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except BadInputError as exc:
        for problem in exc.problems:
            click.echo(f"studykb: error: {_safe(problem)}", err=True)
        sys.exit(exc.exit_code)
    except StudykbError as exc:
        click.echo(f"studykb: error: {_safe(exc.message)}", err=True)
        sys.exit(exc.exit_code)
    except sqlite3.OperationalError as exc:
        from studykb.app.errors import describe_write_error

        path = _current_db or Path("studykb.db")
        click.echo(f"studykb: error: {describe_write_error(path, exc)}", err=True)
        sys.exit(1)
    except sqlite3.DatabaseError as exc:
        from studykb.app.errors import describe_database_error

        message = describe_database_error(_current_db, exc)
        click.echo(f"studykb: error: {_safe(message)}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(0)


if __name__ == "__main__":
    main()
