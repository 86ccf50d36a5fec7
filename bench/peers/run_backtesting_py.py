"""SMA crossover on backtesting.py: ``Strategy.next`` with ``self.I`` pandas-rolling SMAs.

``Backtest(..., commission=c, exclusive_orders=False, trade_on_close=False,
finalize_trades=False)``: a market order placed in ``next`` on bar t fills at bar t+1's
open, commission is charged on entry and on exit notional, and a trade still open at the
end stays open (marked at the last close in the final equity).

backtesting.py reads an order size in (0, 1) as a fraction of equity and otherwise wants
whole units. A whole ``--size`` is traded as is; a fractional one is traded as one unit of
prices scaled by ``size`` (same notional, P&L and commission, up to float rounding).
"""

from __future__ import annotations

import time
import warnings

import backtesting
import numpy as np
import pandas as pd
from backtesting import Backtest, Strategy

from peer_common import Result, datetime_index, load_bars, parse_args


def sma(values: np.ndarray, period: int) -> np.ndarray:
    averages: np.ndarray = pd.Series(values).rolling(period).mean().to_numpy()
    return averages


class SmaCross(Strategy):  # type: ignore[misc]
    fast = 10
    slow = 30
    units = 1

    def init(self) -> None:
        self.fast_sma = self.I(sma, self.data.Close, self.fast)
        self.slow_sma = self.I(sma, self.data.Close, self.slow)

    def next(self) -> None:
        fast, slow = self.fast_sma[-1], self.slow_sma[-1]
        fast_prev, slow_prev = self.fast_sma[-2], self.slow_sma[-2]
        if fast > slow and fast_prev <= slow_prev:
            if not self.position:
                self.buy(size=self.units)
        elif fast < slow and fast_prev >= slow_prev and self.position:
            self.position.close()


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    raw = load_bars(args.data)
    frame = raw.drop(columns="timestamp").set_axis(datetime_index(raw))
    frame.columns = ["Open", "High", "Low", "Close", "Volume"]
    if args.size.is_integer():
        units = int(args.size)
    else:
        frame[["Open", "High", "Low", "Close"]] *= args.size
        units = 1

    bt = Backtest(
        frame,
        SmaCross,
        cash=args.cash,
        commission=args.commission,
        exclusive_orders=False,
        trade_on_close=False,
        finalize_trades=False,
    )
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Some trades remain open")
        stats = bt.run(fast=args.fast, slow=args.slow, units=units)
    seconds = time.perf_counter() - started

    closed = stats["_trades"]
    still_open = stats["_strategy"].trades
    entries = sorted(closed["EntryBar"].tolist() + [trade.entry_bar for trade in still_open])
    Result(
        engine=f"backtesting.py {backtesting.__version__}",
        bars=len(frame),
        seconds=seconds,
        final_equity=float(stats["Equity Final [$]"]),
        entries=[int(bar) for bar in entries],
        exits=[int(bar) for bar in closed["ExitBar"]],
    ).emit(args.dump_trades)


if __name__ == "__main__":
    main()
