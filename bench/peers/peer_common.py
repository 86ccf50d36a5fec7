"""Shared command line, data loading and JSON report for the peer benchmark scripts."""

from __future__ import annotations

import argparse
import json
import resource
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

COLUMNS = ("timestamp", "open", "high", "low", "close", "volume")


def parse_args(description: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--data", type=Path, required=True, help="Parquet file of OHLCV bars")
    parser.add_argument("--fast", type=int, default=10, help="fast SMA period")
    parser.add_argument("--slow", type=int, default=30, help="slow SMA period")
    parser.add_argument("--size", type=float, default=1.0, help="units bought per entry")
    parser.add_argument("--cash", type=float, default=1_000_000.0, help="starting cash")
    parser.add_argument(
        "--commission", type=float, default=0.001, help="fee as a fraction of notional, per side"
    )
    parser.add_argument(
        "--dump-trades", action="store_true", help="include entry/exit fill bar indices"
    )
    args = parser.parse_args()
    if not 0 < args.fast < args.slow:
        parser.error("need 0 < fast < slow")
    if args.size <= 0:
        parser.error("size must be positive")
    return args


def load_bars(path: Path) -> pd.DataFrame:
    """Bars with a RangeIndex: ``timestamp`` int64 ns UTC, then float64 OHLCV."""
    bars = pq.read_table(path, columns=list(COLUMNS)).to_pandas()
    if bars["timestamp"].dtype != "int64":
        raise ValueError(f"{path}: timestamp must be int64 ns, is {bars['timestamp'].dtype}")
    return bars.astype(dict.fromkeys(COLUMNS[1:], "float64"))


def datetime_index(bars: pd.DataFrame) -> pd.DatetimeIndex:
    """Timezone-naive index holding UTC wall time. Naive on purpose: vectorbt converts a
    tz-aware index to an object array on every wrap, which made it ~30x slower."""
    return pd.DatetimeIndex(bars["timestamp"].to_numpy().astype("datetime64[ns]"))


def peak_rss_mb() -> float:
    # ru_maxrss is in KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


@dataclass
class Result:
    engine: str
    bars: int
    seconds: float
    final_equity: float
    entries: list[int]
    exits: list[int]
    extra: dict[str, object] = field(default_factory=dict)

    def emit(self, dump_trades: bool) -> None:
        """Print the one JSON line. Entry/exit lists hold the bar index of each fill."""
        report: dict[str, object] = {
            "engine": self.engine,
            "bars": self.bars,
            "seconds": round(self.seconds, 6),
            "bars_per_second": round(self.bars / self.seconds, 1) if self.seconds > 0 else None,
            "trades": len(self.entries),
            "final_equity": self.final_equity,
            "peak_rss_mb": round(peak_rss_mb(), 1),
            **self.extra,
        }
        if dump_trades:
            report["entries"] = self.entries
            report["exits"] = self.exits
        print(json.dumps(report), flush=True)
