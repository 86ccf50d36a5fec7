"""``ai-trader backtest``: run a strategy on a bar file or the synthetic market."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from ai_trader.backtest.html_report import REPORT_FILE, write_html_report
from ai_trader.backtest.runner import run_backtest
from ai_trader.cli.options import (
    SYNTHETIC,
    BarsOption,
    CashOption,
    CommissionOption,
    DailyLossOption,
    DataOption,
    DrawdownOption,
    ParamOption,
    SeedOption,
    SizingOption,
    SlippageOption,
    StrategyOption,
    SymbolOption,
    load_series,
    session_spec,
)
from ai_trader.cli.render import print_run
from ai_trader.core.ids import new_run_id
from ai_trader.runtime.results import stats_document, write_results

PROGRESS_THRESHOLD = 50_000  # bars; shorter runs finish before a bar would be worth drawing


def backtest(
    strategy: StrategyOption = "sma_cross",
    data: DataOption = SYNTHETIC,
    param: ParamOption = None,
    cash: CashOption = 100_000.0,
    commission: CommissionOption = 0.001,
    slippage_bps: SlippageOption = 0.0,
    sizing: SizingOption = "all_in",
    seed: SeedOption = 42,
    bars: BarsOption = 100_000,
    symbol: SymbolOption = None,
    max_volume_share: Annotated[
        float | None, typer.Option(help="fill at most this share of a bar's volume")
    ] = None,
    max_daily_loss: DailyLossOption = 0.03,
    max_drawdown: DrawdownOption = 0.15,
    output: Annotated[
        Path | None, typer.Option(help="result directory (default results/runs/<run_id>)")
    ] = None,
    report: Annotated[
        bool,
        typer.Option(
            "--report/--no-report",
            help=f"also write {REPORT_FILE}: charts, statistics and trades in one offline file",
        ),
    ] = False,
) -> None:
    """Backtest a strategy; print its statistics and write stats.json, trades.csv,
    fills.csv and equity.csv (and with --report a self-contained report.html)."""
    spec = session_spec(
        strategy,
        param,
        cash,
        commission,
        slippage_bps,
        sizing,
        max_volume_share=max_volume_share,
        risk={"max_daily_loss": max_daily_loss, "max_drawdown": max_drawdown},
    )
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
    if report:
        files["report"] = write_html_report(result, series, directory / REPORT_FILE, extra)
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
