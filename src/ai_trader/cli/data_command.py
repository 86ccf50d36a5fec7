"""``ai-trader data download``: historical bars from an exchange into a Parquet file."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

from ai_trader.core.clock import ns_to_datetime
from ai_trader.core.errors import ConfigurationError

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


def build_data_app() -> typer.Typer:
    app = typer.Typer(
        name="data",
        help="Market data: download history.",
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
    )
    app.command("download")(download)
    return app
