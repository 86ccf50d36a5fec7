"""SMA crossover on backtrader: event-driven ``Strategy.next`` over a PandasData feed.

Defaults kept: ``cerebro.run()`` with runonce/preload on, cheat-on-open off, so a market
order placed in ``next`` on bar t fills at bar t+1's open (an order placed on the last bar
never fills). ``stdstats=False`` drops the default observers (broker value, trades,
buy/sell) for speed; they do not affect execution. Commission is
``broker.setcommission(commission=...)``: stock-like, a fraction of the traded notional on
each side. The order size is passed explicitly, so fractional sizes are not rounded.
"""

from __future__ import annotations

import time

import backtrader as bt

from peer_common import Result, datetime_index, load_bars, parse_args


class SmaCross(bt.Strategy):  # type: ignore[misc]
    params = (("fast", 10), ("slow", 30), ("size", 1.0))

    def __init__(self) -> None:
        self.fast = bt.indicators.SimpleMovingAverage(self.data.close, period=self.p.fast)
        self.slow = bt.indicators.SimpleMovingAverage(self.data.close, period=self.p.slow)
        self.entries: list[int] = []
        self.exits: list[int] = []

    def next(self) -> None:
        # Called from bar slow-1 on; slow[-1] is NaN there and NaN compares False.
        fast, slow = self.fast[0], self.slow[0]
        fast_prev, slow_prev = self.fast[-1], self.slow[-1]
        if fast > slow and fast_prev <= slow_prev:
            if not self.position:
                self.buy(size=self.p.size)
        elif fast < slow and fast_prev >= slow_prev and self.position:
            self.close()

    def notify_order(self, order: bt.Order) -> None:
        if order.status == order.Completed:
            bar = len(self.data) - 1  # the bar being processed is the fill bar
            (self.entries if order.isbuy() else self.exits).append(bar)


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    raw = load_bars(args.data)
    frame = raw.drop(columns="timestamp").set_axis(datetime_index(raw))

    cerebro = bt.Cerebro(stdstats=False)
    cerebro.adddata(bt.feeds.PandasData(dataname=frame, openinterest=None))
    cerebro.addstrategy(SmaCross, fast=args.fast, slow=args.slow, size=args.size)
    cerebro.broker.setcash(args.cash)
    cerebro.broker.setcommission(commission=args.commission)

    started = time.perf_counter()
    (strategy,) = cerebro.run()
    final_equity = float(cerebro.broker.getvalue())
    seconds = time.perf_counter() - started

    Result(
        engine=f"backtrader {bt.__version__}",
        bars=len(frame),
        seconds=seconds,
        final_equity=final_equity,
        entries=strategy.entries,
        exits=strategy.exits,
        extra={"stdstats": False},
    ).emit(args.dump_trades)


if __name__ == "__main__":
    main()
