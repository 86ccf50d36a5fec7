"""Run ai-trader's event-driven engine once on a bar file; print one JSON line.

Same strategy and conventions as the peer scripts in ``bench/peers``: SMA fast/slow
long-only on the close, fixed size, next-open fills, commission per side, no slippage.
Run in its own process so peak memory is this run's alone.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from decimal import Decimal
from pathlib import Path

from ai_trader.adapters.data import load_bars
from ai_trader.backtest import run_backtest
from ai_trader.runtime import SessionSpec


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--fast", type=int, default=10)
    parser.add_argument("--slow", type=int, default=30)
    parser.add_argument("--size", default="1")
    parser.add_argument("--cash", default="1000000")
    parser.add_argument("--commission", type=float, default=0.001)
    parser.add_argument("--dump-trades", action="store_true")
    args = parser.parse_args()

    series = load_bars(args.data)
    spec = SessionSpec(
        strategy="sma_cross",
        params={"fast": args.fast, "slow": args.slow},
        cash=Decimal(args.cash),
        commission=args.commission,
        sizing=f"fixed:{args.size}",
    )
    started = time.perf_counter()
    result = run_backtest(spec, [series], run_id="bench")
    wall = time.perf_counter() - started
    report: dict[str, object] = {
        "engine": "ai-trader engine",
        "bars": result.stats.bars,
        "seconds": round(result.elapsed_seconds, 6),
        "bars_per_second": round(result.bars_per_second, 1),
        "seconds_with_setup": round(wall, 6),
        "trades": result.stats.trades,
        "final_equity": result.stats.final_equity,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1),
    }
    if args.dump_trades:
        index = {int(ts): i for i, ts in enumerate(series.ts_event)}
        fills = [f for r in result.session.engine.orders.records() for f in r.fills]
        report["entries"] = [index[f.ts_event] for f in fills if f.side.value == "buy"]
        report["exits"] = [index[f.ts_event] for f in fills if f.side.value == "sell"]
    print(json.dumps(report))


if __name__ == "__main__":
    main()
