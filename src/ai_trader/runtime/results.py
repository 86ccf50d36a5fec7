"""Write a run's results: stats.json, trades.csv, fills.csv and equity.csv.

Every file is written to a temporary name and renamed into place, so a crash never leaves
a half-written result behind.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from ai_trader.core.clock import ns_to_datetime
from ai_trader.core.files import write_text_atomically
from ai_trader.portfolio.stats import drawdown_series
from ai_trader.runtime.result import RunResult

STATS_FILE = "stats.json"
TRADES_FILE = "trades.csv"
FILLS_FILE = "fills.csv"
EQUITY_FILE = "equity.csv"


def stats_document(result: RunResult, extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    spec = result.session.spec
    document: dict[str, Any] = {
        "run_id": result.run_id,
        **result.stats.to_dict(),
        "elapsed_seconds": round(result.elapsed_seconds, 6),
        "bars_per_second": round(result.bars_per_second, 1),
        "strategy": spec.strategy,
        "params": _strategy_params(result),
        "sizing": spec.sizing,
        "commission": spec.commission,
        "slippage_bps": spec.slippage_bps,
    }
    document.update(extra or {})
    return {key: _json_safe(value) for key, value in document.items()}


def write_results(
    result: RunResult, directory: Path, extra: Mapping[str, Any] | None = None
) -> dict[str, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = {
        "stats": directory / STATS_FILE,
        "trades": directory / TRADES_FILE,
        "fills": directory / FILLS_FILE,
        "equity": directory / EQUITY_FILE,
    }
    document = stats_document(result, extra)
    atomic_write(paths["stats"], lambda f: f.write(json.dumps(document, indent=2) + "\n"))
    atomic_write(paths["trades"], lambda f: trades_frame(result).to_csv(f, index=False))
    atomic_write(paths["fills"], lambda f: fills_frame(result).to_csv(f, index=False))
    atomic_write(paths["equity"], lambda f: equity_frame(result).to_csv(f, index=False))
    return paths


def trades_frame(result: RunResult) -> pd.DataFrame:
    rows = [
        {
            "symbol": t.symbol,
            "direction": t.direction,
            "entry_time": ns_to_datetime(t.entry_ts).isoformat(),
            "exit_time": ns_to_datetime(t.exit_ts).isoformat(),
            "quantity": str(t.quantity),
            "entry_price": str(t.entry_price),
            "exit_price": str(t.exit_price),
            "gross_pnl": str(t.gross_pnl),
            "fees": str(t.fees),
            "net_pnl": str(t.net_pnl),
            "return_pct": float(t.return_fraction) * 100.0,
        }
        for t in result.session.engine.portfolio.trades.closed
    ]
    return pd.DataFrame(rows, columns=list(_TRADE_COLUMNS))


def fills_frame(result: RunResult) -> pd.DataFrame:
    rows = [
        {
            "time": ns_to_datetime(f.ts_event).isoformat(),
            "client_order_id": f.client_order_id,
            "trade_id": f.trade_id,
            "symbol": f.symbol,
            "side": f.side.value,
            "quantity": str(f.quantity),
            "price": str(f.price),
            "fee": str(f.fee),
            "liquidity": f.liquidity.value,
        }
        for record in result.session.engine.orders.records()
        for f in record.fills
    ]
    rows.sort(key=lambda row: (row["time"], row["trade_id"]))
    return pd.DataFrame(rows, columns=list(_FILL_COLUMNS))


def equity_frame(result: RunResult) -> pd.DataFrame:
    curve = result.session.engine.portfolio.equity_curve
    values = curve.values
    return pd.DataFrame(
        {
            "timestamp": pd.to_datetime(curve.timestamps, unit="ns", utc=True),
            "equity": values,
            "drawdown": drawdown_series(values, float(result.session.spec.cash)),
        }
    )


def _strategy_params(result: RunResult) -> dict[str, Any]:
    strategies = result.session.engine.strategies
    return strategies[0].params.model_dump() if strategies else dict(result.session.spec.params)


_TRADE_COLUMNS = (
    "symbol",
    "direction",
    "entry_time",
    "exit_time",
    "quantity",
    "entry_price",
    "exit_price",
    "gross_pnl",
    "fees",
    "net_pnl",
    "return_pct",
)
_FILL_COLUMNS = (
    "time",
    "client_order_id",
    "trade_id",
    "symbol",
    "side",
    "quantity",
    "price",
    "fee",
    "liquidity",
)


def _json_safe(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def atomic_write(path: Path, write: Callable[[Any], object]) -> None:
    write_text_atomically(path, write)
