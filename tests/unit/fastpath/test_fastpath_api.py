"""The public surface: names, the sweep frame, and the sweep agreeing with ``simulate``."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pandas as pd

import ai_trader.fastpath as fastpath
from ai_trader.adapters.data import SyntheticMarketConfig, generate_bars
from ai_trader.fastpath import STATISTICS, parse_grid, simulate, sweep
from ai_trader.runtime import SessionSpec

DOC = Path(__file__).resolve().parents[3] / "docs" / "concepts" / "fast-path.md"


def test_public_names_are_pinned() -> None:
    assert fastpath.__all__ == [
        "FAST_PATH_STRATEGIES",
        "MAX_COMBINATIONS",
        "STATISTICS",
        "TRADE_COLUMNS",
        "FastRun",
        "ParamSet",
        "ParamValue",
        "ParameterGrid",
        "SessionCosts",
        "SweepResult",
        "compile_kernels",
        "parse_grid",
        "simulate",
        "sweep",
    ]
    assert fastpath.FAST_PATH_STRATEGIES == ("sma_cross", "rsi_reversion", "breakout")


def test_sweep_when_grid_then_one_row_per_combination_in_the_order_given() -> None:
    series = generate_bars(SyntheticMarketConfig(), 3_000, 2)
    grid = [{"fast": 20, "slow": 50}, {"fast": 5, "slow": 12, "allow_short": True}, {}]

    result = sweep("sma_cross", series, grid, SessionSpec(slippage_bps=3.0))

    frame = result.frame
    assert list(frame.columns) == ["fast", "slow", "allow_short", *STATISTICS]
    assert frame[["fast", "slow"]].values.tolist() == [[20, 50], [5, 12], [10, 30]]
    assert result.combinations == 3
    assert result.bars == 3_000
    assert result.bar_combos_per_second > 0


def test_sweep_when_compared_with_simulate_then_every_statistic_is_identical() -> None:
    series = generate_bars(SyntheticMarketConfig(), 4_000, 9)
    grid = parse_grid({"lookback": "10,40", "atr_period": "5,14", "risk_reward": "1.5,3"})
    spec = SessionSpec(sizing="risk:0.05", commission=0.0005)

    frame = sweep("breakout", series, grid, spec).frame

    for row, combination in zip(frame.itertuples(index=False), grid, strict=True):
        stats = simulate("breakout", series, combination, spec).stats
        for name in STATISTICS:
            ours, theirs = getattr(row, name), stats[name]
            assert (theirs is None and math.isnan(ours)) or ours == theirs, name


def test_simulate_trades_frame_has_the_documented_columns() -> None:
    series = generate_bars(SyntheticMarketConfig(), 2_000, 4)

    run = simulate("rsi_reversion", series, {"period": 7}, SessionSpec())

    assert list(run.trades.columns) == list(fastpath.TRADE_COLUMNS)
    assert len(run.trades) == run.stats["closed_trades"] > 0
    assert (run.trades.entry_ts == series.ts_event[run.trades.entry_bar]).all()
    assert run.params == {"period": 7, "oversold": 30.0, "exit_level": 55.0}


def test_docs_examples_run() -> None:
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.DOTALL)
    assert blocks
    namespace: dict[str, object] = {"pd": pd}
    for block in blocks:
        exec(compile(block, str(DOC), "exec"), namespace)
