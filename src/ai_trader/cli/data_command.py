"""``ai-trader data download``: historical bars from an exchange into a Parquet file.
``ai-trader data validate``: data-quality checks on the latest bars of the active symbols."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from ai_trader.config import TIMEFRAME_SECONDS, Settings, load_settings
from ai_trader.core.clock import ns_to_datetime
from ai_trader.core.errors import ConfigurationError, DataError
from ai_trader.core.files import write_atomically

if TYPE_CHECKING:
    from ai_trader.runtime.data_quality import DataQualityConfig, DataQualityReport
    from ai_trader.runtime.data_quality_sources import RawRows

DATE_FORMATS = ["%Y-%m-%d", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]


def download(
    symbol: Annotated[str, typer.Option(help="market in the exchange's notation, e.g. BTC/USDT")],
    since: Annotated[datetime, typer.Option(formats=DATE_FORMATS, help="first bar (UTC)")],
    exchange: Annotated[str, typer.Option(help="ccxt exchange id")] = "binance",
    timeframe: Annotated[str, typer.Option(help="candle size, e.g. 1m, 1h, 1d")] = "1h",
    until: Annotated[
        datetime | None, typer.Option(formats=DATE_FORMATS, help="stop before (UTC; default now)")
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            help="Parquet file (default data/bars/<exchange>_<symbol>_<timeframe>.parquet)"
        ),
    ] = None,
    api_url: Annotated[
        str | None,
        typer.Option(
            help="send REST calls to this host instead (a mirror or a recorded-response server)"
        ),
    ] = None,
) -> None:
    """Download OHLCV candles (paginated; run it again to resume or extend the file)."""
    # ccxt takes half a second to import: only for this command
    from ai_trader.adapters.data.download import DownloadRequest, download_ohlcv, open_exchange

    start = since.replace(tzinfo=UTC)
    end = until.replace(tzinfo=UTC) if until else None
    if end is not None and end <= start:
        raise ConfigurationError("--until must be after --since")
    target = (
        output
        or Path("data") / "bars" / f"{exchange}_{symbol.replace('/', '-')}_{timeframe}.parquet"
    )
    if target.suffix.lower() != ".parquet":
        raise ConfigurationError(f"--output must be a .parquet file, got {target}")
    client = open_exchange(exchange, api_url)
    request = DownloadRequest(
        symbol=symbol, timeframe=timeframe, since=start, until=end, output=target
    )
    console = Console()
    with Progress(
        TextColumn(f"{exchange} {symbol} {timeframe}"),
        BarColumn(),
        TextColumn("{task.completed:,} / ~{task.total:,} bars"),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task("download", total=1)

        def on_progress(done: int, expected: int) -> None:
            progress.update(task, completed=done, total=max(expected, done))

        result = download_ohlcv(client, request, on_progress=on_progress)
    span = ""
    if result.first_ts_ns is not None and result.last_ts_ns is not None:
        first, last = ns_to_datetime(result.first_ts_ns), ns_to_datetime(result.last_ts_ns)
        span = f", {first:%Y-%m-%d %H:%M} → {last:%Y-%m-%d %H:%M} UTC"
    console.print(
        f"{result.path}: {result.bars_added:,} bars added, {result.bars_total:,} in the file{span}"
    )


EXIT_NO_MARKET = 2
DEFAULT_EXCHANGE_TIMEFRAME = "1d"


@dataclass(frozen=True, slots=True)
class _Market:
    """The rows to validate and how to judge their times."""

    origin: str
    sources: Mapping[str, RawRows]
    bar_seconds: float
    now_ns: int


def validate(
    bars: Annotated[int, typer.Option(help="how many of the latest bars to check per symbol")] = 30,
    timeframe: Annotated[
        str | None,
        typer.Option(help="bar size, e.g. 1h, 1d (exchange default 1d; stored bars: inferred)"),
    ] = None,
    file: Annotated[
        Path | None, typer.Option(help="check this CSV/Parquet bar file instead of the market")
    ] = None,
    symbol: Annotated[
        list[str] | None,
        typer.Option(help="symbol to check, repeatable (default: SYMBOLS; a file: its name)"),
    ] = None,
    api_url: Annotated[
        str | None,
        typer.Option(help="send the exchange's REST calls to this host (default EXCHANGE_API_URL)"),
    ] = None,
    config: Annotated[Path | None, typer.Option(help="settings file; env vars override it")] = None,
    output: Annotated[Path | None, typer.Option(help="also write the report as JSON here")] = None,
) -> None:
    """Check the latest bars of the active symbols for stale, missing, duplicated,
    out-of-order and corrupt bars and price jumps; exit 1 on any critical issue."""
    from ai_trader.runtime.data_quality import DataQualityConfig
    from ai_trader.runtime.data_quality_sources import validate_latest

    if bars <= 0:
        raise ConfigurationError(f"--bars must be at least 1, got {bars}")
    quality = DataQualityConfig()
    if file is not None:
        market = _file_market(file, symbol, timeframe)
    else:
        market = _settings_market(load_settings(config), symbol, timeframe, api_url, bars, quality)
    report = validate_latest(
        market.sources,
        bars=bars,
        bar_seconds=market.bar_seconds,
        now_ns=market.now_ns,
        config=quality,
    )
    checked = {name: min(len(rows), bars) for name, rows in market.sources.items()}
    _print_report(Console(), market.origin, checked, report)
    if output is not None:
        document = {"source": market.origin, "bars": bars, "checked": checked, **report.to_json()}
        write_atomically(output, (json.dumps(document, indent=2) + "\n").encode())
    if report.critical:
        kinds = sorted({issue.kind for issue in report.issues if issue.severity == "critical"})
        raise DataError(
            f"data quality: {report.errors} critical issue(s) ({', '.join(kinds)}) "
            f"in the latest {bars} bars of {', '.join(market.sources)}"
        )


def _file_market(path: Path, symbols: list[str] | None, timeframe: str | None) -> _Market:
    from ai_trader.runtime.data_quality_sources import median_step_seconds, read_file_rows

    if symbols and len(symbols) > 1:
        raise ConfigurationError("a bar file holds one symbol: give --symbol at most once")
    rows = read_file_rows(path, symbols[0] if symbols else None)
    step = _timeframe_seconds(timeframe) if timeframe else median_step_seconds([rows])
    # stored bars are judged as of their own last bar: a file is not stale for being old
    return _Market(f"file {path}", {rows.symbol: rows}, step or 1.0, _last_ns([rows]))


def _settings_market(
    settings: Settings,
    symbols: list[str] | None,
    timeframe: str | None,
    api_url: str | None,
    bars: int,
    quality: DataQualityConfig,
) -> _Market:
    names = [name.strip().upper() for name in symbols] if symbols else list(settings.symbols)
    if settings.exchange:
        return _exchange_market(
            settings, names, timeframe, api_url, bars + quality.jump_min_samples + 1
        )
    return _ledger_market(settings, names, timeframe, bars + quality.jump_min_samples + 1)


def _exchange_market(
    settings: Settings, symbols: list[str], timeframe: str | None, api_url: str | None, count: int
) -> _Market:
    from ai_trader.adapters.data.download import open_exchange
    from ai_trader.runtime.data_quality_sources import fetch_exchange_rows

    exchange_id = str(settings.exchange)
    futures = any(":" in name for name in symbols)
    client = open_exchange(exchange_id, api_url or settings.exchange_api_url, futures=futures)
    frame = timeframe or DEFAULT_EXCHANGE_TIMEFRAME
    known = client.timeframes or {}
    if frame not in known:
        raise ConfigurationError(
            f"{exchange_id} has no timeframe {frame!r}; it has {', '.join(list(known)[:12])}"
        )
    now_ns = time.time_ns()
    sources = {
        name: fetch_exchange_rows(client, name, frame, count, now_ns // 1_000_000)
        for name in symbols
    }
    bar_seconds = float(client.parse_timeframe(frame))
    return _Market(f"{exchange_id} {frame} candles", sources, bar_seconds, now_ns)


def _ledger_market(
    settings: Settings, symbols: list[str], timeframe: str | None, count: int
) -> _Market:
    from ai_trader.runtime.data_quality_sources import ledger_rows, median_step_seconds
    from ai_trader.runtime.storage import StorageConfig

    path = StorageConfig(data_dir=settings.data_dir).paper_venue_path
    sources = {name: ledger_rows(path, name, count) for name in symbols} if path.is_file() else {}
    if not any(len(rows) for rows in sources.values()):
        typer.echo(
            f"no stored market to validate: EXCHANGE is not set and the paper venue has no "
            f"bars of {', '.join(symbols)} in {path} (use --file PATH or set EXCHANGE)",
            err=True,
        )
        raise typer.Exit(EXIT_NO_MARKET)
    if timeframe:
        step: float | None = _timeframe_seconds(timeframe)
    else:
        step = median_step_seconds(list(sources.values())) or settings.bar_interval_seconds
    return _Market(f"paper venue ledger {path}", sources, step or 1.0, _last_ns(sources.values()))


def _timeframe_seconds(timeframe: str) -> float:
    if timeframe not in TIMEFRAME_SECONDS:
        raise ConfigurationError(
            f"unknown --timeframe {timeframe!r}; allowed: {', '.join(TIMEFRAME_SECONDS)}"
        )
    return float(TIMEFRAME_SECONDS[timeframe])


def _last_ns(sources: Iterable[RawRows]) -> int:
    lasts = [max(row[0] for row in rows.rows) for rows in sources if len(rows)]
    return max(lasts) if lasts else 0


def _print_report(
    console: Console, origin: str, checked: Mapping[str, int], report: DataQualityReport
) -> None:
    if report.issues:
        table = Table(title=f"data quality issues: {origin}", title_justify="left")
        for column in ("symbol", "kind", "severity", "bar time (UTC)", "detail"):
            table.add_column(column)
        for issue in report.issues:
            when = (
                f"{ns_to_datetime(issue.ts_event):%Y-%m-%d %H:%M}"
                if issue.ts_event is not None
                else "-"
            )
            style = "red" if issue.severity == "critical" else "yellow"
            table.add_row(issue.symbol, issue.kind, issue.severity, when, issue.detail, style=style)
        console.print(table)
    counted = ", ".join(f"{name} {count}" for name, count in checked.items())
    console.print(
        f"checked {origin} ({counted} bars): {report.errors} critical, "
        f"{report.warnings} warning(s)",
        highlight=False,
    )


def build_data_app() -> typer.Typer:
    app = typer.Typer(
        name="data",
        help="Market data: download history, validate the latest bars.",
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
    )
    app.command("download")(download)
    app.command("validate")(validate)
    return app
