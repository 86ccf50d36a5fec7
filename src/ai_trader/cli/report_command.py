"""``ai-trader report daily|tca``: the operational reports (SPEC OPS-8) on demand.

The database is ``--database-url``, else the ``DATABASE_URL`` environment variable, else
SQLite at ``data/trading_bot.db``; it is only read (never created or migrated here). A bad
date is a usage error (exit 2); a missing or unmigrated database one line, exit 1.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import Engine

from ai_trader.adapters.db import (
    create_database_engine,
    current_revision,
    mask_url,
    resolve_database_url,
)
from ai_trader.cli.options import DEFAULT_DATABASE_PATH, DatabaseUrlOption
from ai_trader.core.errors import ConfigurationError
from ai_trader.runtime.reports import (
    DEFAULT_REPORTS_DIR,
    build_daily_report,
    build_tca_scorecard,
    write_daily_report,
    write_tca_scorecard,
)

SUNDAY = 6


def parse_day(text: str) -> date:
    """``YYYY-MM-DD`` as a date; anything else is a usage error (exit 2)."""
    value = text.strip()
    if len(value) == len("YYYY-MM-DD"):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise typer.BadParameter(f"{text!r} is not a date; expected YYYY-MM-DD, e.g. 2026-11-20")


DateOption = Annotated[
    date | None,
    typer.Option(
        "--date", parser=parse_day, metavar="YYYY-MM-DD", help="the UTC day (default: today)"
    ),
]
WeekEndingOption = Annotated[
    date | None,
    typer.Option(
        "--week-ending",
        parser=parse_day,
        metavar="YYYY-MM-DD",
        help="last day of the seven (default: this week's Sunday, i.e. the week so far)",
    ),
]
OutputDirOption = Annotated[
    Path, typer.Option(help="reports go to OUTPUT_DIR/daily and OUTPUT_DIR/tca")
]
VenueOption = Annotated[
    str | None,
    typer.Option(help="venue of the orders that never filled (default: 'unattributed')"),
]


def daily(
    day: DateOption = None,
    output_dir: OutputDirOption = DEFAULT_REPORTS_DIR,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Write the daily P&L report of a UTC day (today so far by default)."""
    engine = _open_database(database_url)
    try:
        report = build_daily_report(engine, day or datetime.now(UTC).date())
    finally:
        engine.dispose()
    json_path, markdown_path = write_daily_report(report, output_dir)
    win_rate = "n/a" if report.win_rate is None else f"{report.win_rate:.1%}"
    typer.echo(
        f"daily P&L {report.day}: realized {report.to_json()['realized_pnl']}, "
        f"{report.trades_closed} trades, win rate {win_rate}, {report.fills} fills"
    )
    typer.echo(f"wrote {json_path} and {markdown_path}")


def tca(
    week_ending: WeekEndingOption = None,
    venue: VenueOption = None,
    output_dir: OutputDirOption = DEFAULT_REPORTS_DIR,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Write the TCA venue scorecard of the seven days ending with --week-ending."""
    engine = _open_database(database_url)
    try:
        scorecard = build_tca_scorecard(engine, week_ending or _this_sunday(), venue=venue)
    finally:
        engine.dispose()
    json_path, markdown_path = write_tca_scorecard(scorecard, output_dir)
    grades = ", ".join(f"{v.venue} {v.grade}" for v in scorecard.venues) or "no orders"
    typer.echo(f"TCA scorecard {scorecard.week}: {grades}")
    typer.echo(f"wrote {json_path} and {markdown_path}")


def _this_sunday() -> date:
    today = datetime.now(UTC).date()
    return today + timedelta(days=SUNDAY - today.weekday())


def _open_database(database_url: str | None) -> Engine:
    """The existing, migrated database, for reading."""
    url = resolve_database_url(database_url, DEFAULT_DATABASE_PATH)
    if url.get_backend_name() == "sqlite":
        path = Path(url.database or "")
        if not url.database or url.database == ":memory:" or not path.is_file():
            raise ConfigurationError(
                f"no database at {path}: pass --database-url or set DATABASE_URL"
            )
    engine = create_database_engine(database_url, DEFAULT_DATABASE_PATH)
    if current_revision(engine) is None:
        engine.dispose()
        raise ConfigurationError(
            f"database {mask_url(engine.url)} has no schema; run 'ai-trader db upgrade' first"
        )
    return engine


def build_report_app() -> typer.Typer:
    """The ``report`` command group, registered by ``cli.main``."""
    app = typer.Typer(
        name="report",
        help="Operational reports: daily P&L, weekly TCA venue scorecard.",
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
    )
    app.command("daily")(daily)
    app.command("tca")(tca)
    return app
