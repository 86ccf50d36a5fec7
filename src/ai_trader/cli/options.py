"""Parsing shared by several commands: ``--param k=v`` pairs and bar sources."""

from __future__ import annotations

from pathlib import Path

from ai_trader.adapters.data.files import load_bars
from ai_trader.adapters.data.synthetic import SyntheticMarketConfig, generate_bars
from ai_trader.core.errors import ConfigurationError
from ai_trader.domain.bar import BarSeries

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
