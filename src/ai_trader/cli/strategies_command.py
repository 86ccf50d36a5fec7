"""``ai-trader strategies``: the built-in strategies and their parameter ranges."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from ai_trader.strategies.params import describe_parameters
from ai_trader.strategies.registry import STRATEGIES


def strategies() -> None:
    """List the built-in strategies with each parameter's default and allowed range."""
    table = Table(title="strategies", title_justify="left")
    for column in ("strategy", "parameter", "default", "allowed", "meaning"):
        table.add_column(column)
    for name, cls in STRATEGIES.items():
        for index, spec in enumerate(describe_parameters(cls.params_type)):
            table.add_row(
                name if index == 0 else "",
                spec.name,
                str(spec.default),
                spec.allowed,
                spec.description,
            )
    Console().print(table)
