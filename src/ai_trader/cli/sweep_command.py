"""``ai-trader sweep``: many parameter combinations at once, on the fast path."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from ai_trader.cli.options import (
    SYNTHETIC,
    BarsOption,
    CashOption,
    CommissionOption,
    DailyLossOption,
    DataOption,
    DrawdownOption,
    SeedOption,
    SizingOption,
    SlippageOption,
    StrategyOption,
    SymbolOption,
    load_series,
    parse_pairs,
    session_spec,
)
from ai_trader.core.ids import new_run_id
from ai_trader.fastpath import STATISTICS
from ai_trader.sweep import rank, run_sweep, save


def sweep(
    strategy: StrategyOption = "sma_cross",
    grid: Annotated[
        list[str] | None,
        typer.Option(help="NAME=start:stop:step or NAME=a,b,c; repeatable"),
    ] = None,
    param: Annotated[
        list[str] | None, typer.Option(help="fixed strategy parameter NAME=VALUE, repeatable")
    ] = None,
    data: DataOption = SYNTHETIC,
    bars: BarsOption = 100_000,
    seed: SeedOption = 42,
    symbol: SymbolOption = None,
    cash: CashOption = 100_000.0,
    commission: CommissionOption = 0.001,
    slippage_bps: SlippageOption = 0.0,
    sizing: SizingOption = "all_in",
    max_daily_loss: DailyLossOption = 0.03,
    max_drawdown: DrawdownOption = 0.15,
    sort: Annotated[str, typer.Option(help="statistic to rank by")] = "sharpe",
    top: Annotated[int, typer.Option(min=1, help="rows to print")] = 10,
    output: Annotated[
        Path | None, typer.Option(help="result directory (default results/sweeps/<run_id>)")
    ] = None,
) -> None:
    """Sweep a strategy's parameters on the fast path; print the best, write sweep.csv."""
    spec = session_spec(
        strategy,
        param,
        cash,
        commission,
        slippage_bps,
        sizing,
        check_params=False,
        risk={"max_daily_loss": max_daily_loss, "max_drawdown": max_drawdown},
    )
    ranges = parse_pairs(grid, "--grid")
    rank(pd.DataFrame(columns=list(STATISTICS)), sort, top)  # refuse a bad --sort up front
    series = load_series(data, bars=bars, seed=seed, symbol=symbol)
    report = run_sweep(spec, series, ranges)
    shown = [*ranges, "trades", "total_return", "max_drawdown", "sharpe", "win_rate"]
    best = rank(report.result.frame, sort, top)[list(dict.fromkeys([*shown, sort]))]
    directory = output or Path("results") / "sweeps" / new_run_id()
    path = save(report.result.frame, directory)
    console = Console()
    result = report.result
    console.print(
        f"{result.combinations:,} combinations ({report.dropped} dropped) × {result.bars:,} bars "
        f"in {result.elapsed_seconds:.3f} s — {result.bar_combos_per_second / 1e6:,.1f} M "
        f"bar-combinations/s"
    )
    console.print(_table(best, f"best {len(best)} by {sort}"))
    console.print(f"  sweep: {path}")


def _table(frame: pd.DataFrame, title: str) -> Table:
    table = Table(title=title, title_justify="left")
    for column in frame.columns:
        table.add_column(str(column), justify="right")
    for row in frame.itertuples(index=False):
        table.add_row(*(_cell(value) for value in row))
    return table


def _cell(value: object) -> str:
    if isinstance(value, float):
        return "n/a" if value != value else f"{value:,.4f}" if abs(value) < 100 else f"{value:,.0f}"
    return str(value)
