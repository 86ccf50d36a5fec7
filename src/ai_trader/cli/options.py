"""Parsing shared by several commands: ``--param k=v`` pairs and bar sources."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import typer

from ai_trader.adapters.data.files import load_bars
from ai_trader.adapters.data.synthetic import SyntheticMarketConfig, generate_bars
from ai_trader.core.errors import ConfigurationError
from ai_trader.domain.bar import BarSeries
from ai_trader.runtime.spec import SessionSpec, build_spec

SYNTHETIC = "synthetic"


def parse_pairs(pairs: list[str] | None, option: str) -> dict[str, str]:
    """``["fast=10", "slow=30"]`` → ``{"fast": "10", "slow": "30"}``."""
    parsed: dict[str, str] = {}
    for pair in pairs or []:
        name, sep, value = pair.partition("=")
        name, value = name.strip(), value.strip()
        if not sep or not name or not value:
            raise ConfigurationError(f"{option} expects NAME=VALUE, got {pair!r}")
        if name in parsed:
            raise ConfigurationError(f"{option} {name!r} given twice")
        parsed[name] = value
    return parsed


def load_series(data: str, *, bars: int, seed: int, symbol: str | None) -> BarSeries:
    """``synthetic`` generates a seeded market; anything else is a CSV or Parquet file."""
    if data == SYNTHETIC:
        if bars < 2:
            raise ConfigurationError(f"--bars must be at least 2, got {bars}")
        config = SyntheticMarketConfig(symbol=symbol) if symbol else SyntheticMarketConfig()
        return generate_bars(config, bars, seed)
    series = load_bars(Path(data), symbol)
    if len(series) == 0:
        raise ConfigurationError(f"{data}: no bars")
    return series


# Options shared by the commands that run a strategy, declared once.
StrategyOption = Annotated[str, typer.Option(help="sma_cross, rsi_reversion or breakout")]
ParamOption = Annotated[
    list[str] | None, typer.Option(help="strategy parameter NAME=VALUE, repeatable")
]
CashOption = Annotated[float, typer.Option(help="starting cash")]
CommissionOption = Annotated[float, typer.Option(help="fee, fraction of notional per side")]
SlippageOption = Annotated[float, typer.Option(help="adverse slippage on taker fills, bps")]
SizingOption = Annotated[str, typer.Option(help="all_in | fixed:N | risk:F")]
DataOption = Annotated[str, typer.Option(help="CSV/Parquet bar file, or 'synthetic'")]
BarsOption = Annotated[int, typer.Option(help="bars of synthetic data")]
SeedOption = Annotated[int, typer.Option(help="seed of the synthetic market")]
SymbolOption = Annotated[str | None, typer.Option(help="symbol name (default: file name)")]
DailyLossOption = Annotated[float, typer.Option(help="halt entries past this daily loss")]
DrawdownOption = Annotated[float, typer.Option(help="halt entries past this drawdown")]


def session_spec(
    strategy: str,
    param: list[str] | None,
    cash: float,
    commission: float,
    slippage_bps: float,
    sizing: str,
    *,
    check_params: bool = True,
    **extra: Any,
) -> SessionSpec:
    """The ``SessionSpec`` of a strategy-running command. ``check_params=False`` when the
    parameters are only partly given (a sweep fills in the rest from its grid)."""
    spec = build_spec(
        strategy=strategy,
        params=parse_pairs(param, "--param"),
        cash=Decimal(repr(cash)),
        commission=commission,
        slippage_bps=slippage_bps,
        sizing=sizing,
        **extra,
    )
    if check_params:
        spec.validate_strategy()
    return spec


# -- storage -------------------------------------------------------------------------

DEFAULT_DATA_DIR = Path("data")
DEFAULT_DATABASE_PATH = DEFAULT_DATA_DIR / "trading_bot.db"

DatabaseUrlOption = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        envvar="DATABASE_URL",
        show_envvar=True,
        help="sqlite:///PATH, postgresql://… or postgresql+psycopg://… "
        f"(default: SQLite at {DEFAULT_DATABASE_PATH})",
    ),
]
RedisUrlOption = Annotated[
    str | None,
    typer.Option(
        "--redis-url",
        envvar="REDIS_URL",
        show_envvar=True,
        help="runtime state in Redis (redis://host:port/db); default: data/bot_state.json",
    ),
]
DataDirOption = Annotated[
    Path,
    typer.Option(help="database, state file, backups and the paper venue's ledger live here"),
]
