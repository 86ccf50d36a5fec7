"""Run the fast-path sweep of 1,000 SMA pairs on a bar file; print one JSON line.

The pairs are the same as the vectorbt sweep's (``bench/peers/run_vectorbt_sweep.py``).
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from decimal import Decimal
from pathlib import Path

from ai_trader.adapters.data import load_bars
from ai_trader.fastpath import compile_kernels, sweep
from ai_trader.runtime import SessionSpec


def pairs_1000() -> list[tuple[int, int]]:
    """fast in 2..51, slow = fast + 2, 4, ..., 40 — the vectorbt sweep's pairs."""
    return [(fast, fast + offset) for fast in range(2, 52) for offset in range(2, 42, 2)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--size", default="1")
    parser.add_argument("--cash", default="1000000")
    parser.add_argument("--commission", type=float, default=0.001)
    parser.add_argument("--dump", type=Path)
    args = parser.parse_args()

    series = load_bars(args.data)
    spec = SessionSpec(
        strategy="sma_cross",
        cash=Decimal(args.cash),
        commission=args.commission,
        sizing=f"fixed:{args.size}",
    )
    grid = [{"fast": fast, "slow": slow} for fast, slow in pairs_1000()]
    started = time.perf_counter()
    compile_kernels()
    compile_seconds = time.perf_counter() - started
    started = time.perf_counter()
    result = sweep("sma_cross", series, grid, spec)
    seconds = time.perf_counter() - started
    frame = result.frame
    if args.dump:
        rows = [
            {"fast": int(f), "slow": int(s), "trades": int(n), "final_equity": float(e)}
            for f, s, n, e in zip(
                frame["fast"], frame["slow"], frame["trades"], frame["final_equity"], strict=True
            )
        ]
        args.dump.write_text(json.dumps(rows))
    print(
        json.dumps(
            {
                "engine": "ai-trader fast path sweep",
                "combos": len(grid),
                "bars": len(series),
                "seconds": round(seconds, 6),
                "compile_seconds": round(compile_seconds, 3),
                "combos_per_second": round(len(grid) / seconds, 2),
                "bar_combos_per_second": round(len(grid) * len(series) / seconds, 1),
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
