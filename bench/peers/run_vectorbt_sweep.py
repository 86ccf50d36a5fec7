"""Parameter sweep on vectorbt: 1,000 (fast, slow) SMA pairs as portfolio columns.

The SMAs of every distinct window come from one ``vbt.MA.run(close, window=[...])``;
signals use exactly the conventions of ``run_vectorbt.py`` (hand-built ``<=``/``>=``
crossings, fill at the next bar's open, no accumulation). Pairs are simulated by
``Portfolio.from_signals`` in column chunks to bound memory.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
import vectorbt as vbt

from peer_common import datetime_index, load_bars, peak_rss_mb
from run_vectorbt import crossover_signals, next_bar

CELLS_PER_CHUNK = 25_000_000  # bars x pairs per from_signals call, ~200 MB per float array


def pairs_1000() -> list[tuple[int, int]]:
    """fast in 2..51, slow = fast + 2, 4, ..., 40: 1,000 distinct pairs, fast < slow.
    Includes the single-run default (10, 30)."""
    return [(fast, fast + offset) for fast in range(2, 52) for offset in range(2, 42, 2)]


def sweep(
    bars: pd.DataFrame,
    pairs: list[tuple[int, int]],
    size: float,
    cash: float,
    commission: float,
    chunk: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Entry fill count and final equity of each pair."""
    close = bars["close"]
    windows = sorted({window for pair in pairs for window in pair})
    column = {window: i for i, window in enumerate(windows)}
    averages = vbt.MA.run(close, window=windows).ma.to_numpy()
    trades = np.empty(len(pairs), dtype=np.int64)
    final_equity = np.empty(len(pairs))
    for start in range(0, len(pairs), chunk):
        block = pairs[start : start + chunk]
        fast = averages[:, [column[f] for f, _ in block]]
        slow = averages[:, [column[s] for _, s in block]]
        entries, exits = crossover_signals(fast, slow)
        del fast, slow
        portfolio = vbt.Portfolio.from_signals(
            close,
            entries=next_bar(entries),
            exits=next_bar(exits),
            price=bars["open"],
            size=size,
            size_type="amount",
            fees=commission,
            init_cash=cash,
            direction="longonly",
            accumulate=False,
            fillna_close=False,  # closes have no gaps; skips a (bars, columns) ffill/bfill
        )
        orders = portfolio.orders.values
        buys = orders["col"][orders["side"] == 0]
        trades[start : start + len(block)] = np.bincount(buys, minlength=len(block))
        final_equity[start : start + len(block)] = portfolio.final_value().to_numpy()
    return trades, final_equity


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="Parquet file of OHLCV bars")
    parser.add_argument("--size", type=float, default=1.0)
    parser.add_argument("--cash", type=float, default=1_000_000.0)
    parser.add_argument("--commission", type=float, default=0.001)
    parser.add_argument("--chunk", type=int, default=0, help="pairs per chunk (0: auto)")
    parser.add_argument("--dump", type=Path, help="write per-pair trades/equity JSON here")
    args = parser.parse_args()

    raw = load_bars(args.data)
    bars = raw.drop(columns="timestamp").set_axis(datetime_index(raw))
    pairs = pairs_1000()
    chunk = args.chunk or max(1, min(len(pairs), CELLS_PER_CHUNK // len(bars)))

    started = time.perf_counter()
    sweep(bars.iloc[: min(len(bars), 1_000)], pairs[:2], args.size, args.cash, args.commission, 2)
    warmup_seconds = time.perf_counter() - started

    started = time.perf_counter()
    trades, final_equity = sweep(bars, pairs, args.size, args.cash, args.commission, chunk)
    seconds = time.perf_counter() - started

    if args.dump:
        rows = [
            {"fast": f, "slow": s, "trades": int(n), "final_equity": float(e)}
            for (f, s), n, e in zip(pairs, trades, final_equity, strict=True)
        ]
        args.dump.write_text(json.dumps(rows))
    print(
        json.dumps(
            {
                "engine": f"vectorbt {vbt.__version__} sweep",
                "combos": len(pairs),
                "bars": len(bars),
                "seconds": round(seconds, 6),
                "combos_per_second": round(len(pairs) / seconds, 2),
                "bar_combos_per_second": round(len(pairs) * len(bars) / seconds, 1),
                "first_pair": list(pairs[0]),
                "last_pair": list(pairs[-1]),
                "chunk": chunk,
                "peak_rss_mb": round(peak_rss_mb(), 1),
                "warmup_seconds": round(warmup_seconds, 3),
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
