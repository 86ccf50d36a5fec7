"""``ai-trader backtest``: run a strategy on a bar file or the synthetic market."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from ai_trader.backtest.runner import run_backtest
from ai_trader.cli.options import SYNTHETIC, load_series, parse_pairs
from ai_trader.cli.render import print_run
from ai_trader.core.ids import new_run_id
from ai_trader.runtime.results import stats_document, write_results
from ai_trader.runtime.spec import build_spec

PROGRESS_THRESHOLD = 50_000  # bars; shorter runs finish before a bar would be worth drawing


def backtest(
    strategy: Annotated[str, typer.Option(help="sma_cross, rsi_reversion or breakout")] = (
        "sma_cross"
    ),
    data: Annotated[str, typer.Option(help="CSV/Parquet bar file, or 'synthetic'")] = SYNTHETIC,
    param: Annotated[
        list[str] | None, typer.Option(help="strategy parameter NAME=VALUE, repeatable")
    ] = None,
    cash: Annotated[float, typer.Option(help="starting cash")] = 100_000.0,
    commission: Annotated[float, typer.Option(help="fee, fraction of notional per side")] = 0.001,
    slippage_bps: Annotated[float, typer.Option(help="adverse slippage on taker fills, bps")] = 0.0,
    sizing: Annotated[str, typer.Option(help="all_in | fixed:N | risk:F")] = "all_in",
    seed: Annotated[int, typer.Option(help="seed of the synthetic market")] = 42,
    bars: Annotated[int, typer.Option(help="bars of synthetic data")] = 100_000,
    symbol: Annotated[str | None, typer.Option(help="symbol name (default: file name)")] = None,
    max_volume_share: Annotated[
        float | None, typer.Option(help="fill at most this share of a bar's volume")
    ] = None,
    max_daily_loss: Annotated[float, typer.Option(help="halt entries past this daily loss")] = 0.03,
    max_drawdown: Annotated[float, typer.Option(help="halt entries past this drawdown")] = 0.15,
    output: Annotated[
        Path | None, typer.Option(help="result directory (default results/runs/<run_id>)")
    ] = None,
) -> None:
    """Backtest a strategy; print its statistics and write stats.json, trades.csv,
    fills.csv and equity.csv."""
    spec = build_spec(
        strategy=strategy,
        params=parse_pairs(param, "--param"),
        cash=Decimal(repr(cash)),
        commission=commission,
        slippage_bps=slippage_bps,
        sizing=sizing,
        max_volume_share=max_volume_share,
        risk={"max_daily_loss": max_daily_loss, "max_drawdown": max_drawdown},
    )
    spec.validate_strategy()
    series = load_series(data, bars=bars, seed=seed, symbol=symbol)
    run_id = new_run_id()
    console = Console()
    if len(series) >= PROGRESS_THRESHOLD:
        with _progress(console) as progress:
            task = progress.add_task("backtest", total=len(series))
            result = run_backtest(
                spec,
                [series],
                run_id=run_id,
                on_progress=lambda done: progress.update(task, completed=done),
            )
            progress.update(task, completed=len(series))
    else:
        result = run_backtest(spec, [series], run_id=run_id)
    directory = output or Path("results") / "runs" / run_id
    extra = {"data": data, "symbol": series.symbol, "seed": seed if data == SYNTHETIC else None}
    files = write_results(result, directory, extra)
    title = f"{strategy} on {series.symbol} — run {run_id}"
    print_run(console, title, stats_document(result, extra), files)


def _progress(console: Console) -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    )
