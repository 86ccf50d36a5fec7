"""Run a grid of parameters through the fast path and rank the combinations."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ai_trader.core.errors import ConfigurationError
from ai_trader.domain.bar import BarSeries
from ai_trader.fastpath import STATISTICS, SweepResult, parse_grid, sweep
from ai_trader.runtime.results import atomic_write
from ai_trader.runtime.spec import SessionSpec

SWEEP_FILE = "sweep.csv"


@dataclass(frozen=True, slots=True)
class SweepReport:
    result: SweepResult
    dropped: int


def run_sweep(spec: SessionSpec, series: BarSeries, ranges: dict[str, str]) -> SweepReport:
    """Sweep ``spec.strategy`` over ``ranges`` (``{"fast": "5:50:5"}``) on ``series``."""
    if not ranges:
        raise ConfigurationError("give at least one --grid NAME=SPEC (e.g. fast=5:50:5)")
    grid = parse_grid(ranges, spec.strategy)
    if len(grid) == 0:
        raise ConfigurationError(f"the grid has no valid combination ({grid.dropped} dropped)")
    fixed = {k: v for k, v in spec.params.items() if k not in ranges}
    combinations = [{**fixed, **combination} for combination in grid]
    return SweepReport(sweep(spec.strategy, series, combinations, spec), grid.dropped)


def rank(frame: pd.DataFrame, by: str, top: int) -> pd.DataFrame:
    if by not in STATISTICS:
        raise ConfigurationError(f"--sort must be one of {', '.join(STATISTICS)}, got {by!r}")
    ascending = by == "max_drawdown"
    return frame.sort_values(by, ascending=ascending, na_position="last").head(top)


def save(frame: pd.DataFrame, directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / SWEEP_FILE
    atomic_write(path, lambda stream: frame.to_csv(stream, index=False))
    return path
