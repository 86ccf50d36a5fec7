"""Terminal output of run results (Rich)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

PERCENT_KEYS = {"total_return", "cagr", "max_drawdown", "win_rate"}
SHOWN = (
    "bars",
    "trades",
    "closed_trades",
    "final_equity",
    "total_return",
    "cagr",
    "sharpe",
    "sortino",
    "max_drawdown",
    "win_rate",
    "profit_factor",
    "fees",
    "elapsed_seconds",
    "bars_per_second",
)


def stats_table(title: str, stats: Mapping[str, Any]) -> Table:
    table = Table(title=title, show_header=False, title_justify="left")
    table.add_column("statistic", style="bold")
    table.add_column("value", justify="right")
    for key in SHOWN:
        if key in stats:
            table.add_row(key, _format(key, stats[key]))
    return table


def print_run(
    console: Console, title: str, stats: Mapping[str, Any], files: Mapping[str, Path]
) -> None:
    console.print(stats_table(title, stats))
    for name, path in files.items():
        console.print(f"{name:>7}: {path}")


def _format(key: str, value: Any) -> str:
    if value is None:
        return "n/a"
    if key in PERCENT_KEYS:
        return f"{value:.2%}"
    if isinstance(value, float):
        return f"{value:,.4f}" if abs(value) < 100 else f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)
