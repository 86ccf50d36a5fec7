"""SMA crossover on vectorbt: vectorised signals, ``Portfolio.from_signals``.

Signals are built by hand from the ``vbt.MA`` arrays (not ``ma_crossed_above``) so the
``<=``/``>=`` equality conventions are exactly ours, then shifted one bar forward and
executed at that bar's open (``price=open``): a signal on bar t fills at bar t+1's open, a
signal on the last bar falls off the end. ``accumulate=False`` means an entry while long
and an exit while flat are ignored, as in our engine.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
import vectorbt as vbt

from peer_common import Result, datetime_index, load_bars, parse_args


@dataclass(frozen=True)
class Params:
    fast: int
    slow: int
    size: float
    cash: float
    commission: float


def crossover_signals(fast: np.ndarray, slow: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Entry/exit signals as seen on each bar's close, for 1-D or (bars, columns) SMA
    arrays. NaN (undefined SMA) compares False, so warm-up bars never signal; bar 0 has
    no t-1 and never signals."""
    entries = np.zeros_like(fast, dtype=bool)  # same memory layout as the input
    exits = np.zeros_like(fast, dtype=bool)
    now_fast, now_slow, prev_fast, prev_slow = fast[1:], slow[1:], fast[:-1], slow[:-1]
    entries[1:] = (now_fast > now_slow) & (prev_fast <= prev_slow)
    exits[1:] = (now_fast < now_slow) & (prev_fast >= prev_slow)
    return entries, exits


def next_bar(signals: np.ndarray) -> np.ndarray:
    """Move each signal to the bar where its market order fills (t -> t+1); a signal on
    the last bar is dropped."""
    shifted = np.zeros_like(signals)
    shifted[1:] = signals[:-1]
    return shifted


def backtest(bars: pd.DataFrame, params: Params) -> vbt.Portfolio:
    close = bars["close"]
    fast = vbt.MA.run(close, window=params.fast).ma.to_numpy()
    slow = vbt.MA.run(close, window=params.slow).ma.to_numpy()
    entries, exits = crossover_signals(fast, slow)
    return vbt.Portfolio.from_signals(
        close,
        entries=next_bar(entries),
        exits=next_bar(exits),
        price=bars["open"],
        size=params.size,
        size_type="amount",
        fees=params.commission,
        init_cash=params.cash,
        direction="longonly",
        accumulate=False,
        fillna_close=False,  # closes have no gaps; skips a (bars, columns) ffill/bfill
        freq=bars.index[1] - bars.index[0] if len(bars) > 1 else None,
    )


def fill_bars(portfolio: vbt.Portfolio) -> tuple[list[int], list[int]]:
    orders = portfolio.orders.values
    buys = orders["side"] == 0
    return orders["idx"][buys].tolist(), orders["idx"][~buys].tolist()


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    raw = load_bars(args.data)
    bars = raw.drop(columns="timestamp").set_axis(datetime_index(raw))
    params = Params(args.fast, args.slow, args.size, args.cash, args.commission)

    # Compile (or load from numba's cache) every kernel on a small slice first.
    started = time.perf_counter()
    backtest(bars.iloc[: min(len(bars), 1_000)], params).final_value()
    warmup_seconds = time.perf_counter() - started

    started = time.perf_counter()
    portfolio = backtest(bars, params)
    final_equity = float(portfolio.final_value())
    entries, exits = fill_bars(portfolio)
    seconds = time.perf_counter() - started

    Result(
        engine=f"vectorbt {vbt.__version__}",
        bars=len(bars),
        seconds=seconds,
        final_equity=final_equity,
        entries=entries,
        exits=exits,
        extra={"warmup_seconds": round(warmup_seconds, 3)},
    ).emit(args.dump_trades)


if __name__ == "__main__":
    main()
