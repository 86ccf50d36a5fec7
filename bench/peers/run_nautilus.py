"""SMA crossover on NautilusTrader: a Python ``Strategy`` in a ``BacktestEngine``.

Nautilus fills a market order against the book it has at submission time. Submitted from
``on_bar`` that book is at the bar's *close* (the engine plays each bar to the matching
engine as open, high, low, close before the strategy sees it), so with bars alone an order
placed on bar t fills at bar t's close, not bar t+1's open, and no venue option (fill,
latency or execution settings) changes that.
To get our convention, every bar is preceded by a trade tick at its open: ``on_bar`` only
records the signal, and ``on_trade_tick`` for the next bar's open submits the market
order, which fills right there at that open. The data stream is therefore 2N events
(N opening trade ticks + N bars of type ``1-MINUTE-LAST-EXTERNAL``). The opening ticks
carry a huge size so that an order never exhausts the level: Nautilus would otherwise fill
the rest of an order larger than the tick one price increment worse (slippage).

Venue: CASH account, NETTING, 1,000,000 USDT (``--cash``), trade and bar execution on.
Instrument: ``SYN/USDT`` currency pair with 9 price and 8 size decimals, maker/taker fee
``--commission``, so fractional sizes work and commissions are kept to 1e-8 USDT. Prices
are rounded to 9 decimals when the bars are converted (at most 5e-10 off the file).
SMAs are Nautilus' ``SimpleMovingAverage`` registered on the bars.
"""

from __future__ import annotations

import time
from decimal import Decimal

import nautilus_trader
import numpy as np
import pandas as pd
from nautilus_trader.backtest.engine import BacktestEngine, BacktestEngineConfig
from nautilus_trader.config import LoggingConfig, StrategyConfig
from nautilus_trader.indicators import SimpleMovingAverage
from nautilus_trader.model.currencies import USDT
from nautilus_trader.model.data import Bar, BarType, TradeTick
from nautilus_trader.model.enums import AccountType, CurrencyType, OmsType, OrderSide
from nautilus_trader.model.events import OrderFilled
from nautilus_trader.model.identifiers import InstrumentId, Symbol, Venue
from nautilus_trader.model.instruments import CurrencyPair
from nautilus_trader.model.objects import Currency, Money, Price, Quantity
from nautilus_trader.persistence.wranglers import BarDataWrangler, TradeTickDataWrangler
from nautilus_trader.trading.strategy import Strategy

from peer_common import Result, datetime_index, load_bars, parse_args

VENUE = Venue("SIM")
PRICE_PRECISION = 9
SIZE_PRECISION = 8
SYN = Currency("SYN", SIZE_PRECISION, 0, "Synthetic asset", CurrencyType.CRYPTO)
# Size of each opening trade tick, i.e. the liquidity at the open. Far above any order, so
# a market order fills whole at the open price: no partial fills, no slippage.
OPEN_LIQUIDITY = 1e12


def make_instrument(commission: float) -> CurrencyPair:
    fee = Decimal(str(commission))
    return CurrencyPair(
        instrument_id=InstrumentId(Symbol("SYN/USDT"), VENUE),
        raw_symbol=Symbol("SYN/USDT"),
        base_currency=SYN,
        quote_currency=USDT,
        price_precision=PRICE_PRECISION,
        size_precision=SIZE_PRECISION,
        price_increment=Price(10.0**-PRICE_PRECISION, PRICE_PRECISION),
        size_increment=Quantity(10.0**-SIZE_PRECISION, SIZE_PRECISION),
        ts_event=0,
        ts_init=0,
        maker_fee=fee,
        taker_fee=fee,
    )


class SmaCrossConfig(StrategyConfig, frozen=True):
    instrument_id: InstrumentId
    bar_type: BarType
    fast: int
    slow: int
    size: Decimal


class SmaCross(Strategy):  # type: ignore[misc]
    def __init__(self, config: SmaCrossConfig) -> None:
        super().__init__(config)
        self.fast = SimpleMovingAverage(config.fast)
        self.slow = SimpleMovingAverage(config.slow)
        self.fast_prev = np.nan
        self.slow_prev = np.nan
        self.quantity = Quantity(config.size, SIZE_PRECISION)
        self.pending: OrderSide | None = None  # signal waiting for the next bar's open
        self.long = False
        self.bars_seen = 0
        self.entries: list[int] = []
        self.exits: list[int] = []

    def on_start(self) -> None:
        self.register_indicator_for_bars(self.config.bar_type, self.fast)
        self.register_indicator_for_bars(self.config.bar_type, self.slow)
        self.subscribe_bars(self.config.bar_type)
        self.subscribe_trade_ticks(self.config.instrument_id)

    def on_bar(self, bar: Bar) -> None:
        self.bars_seen += 1
        if not self.slow.initialized:
            return
        fast, slow = self.fast.value, self.slow.value
        fast_prev, slow_prev = self.fast_prev, self.slow_prev
        self.fast_prev, self.slow_prev = fast, slow
        if fast > slow and fast_prev <= slow_prev:
            if not self.long:
                self.pending = OrderSide.BUY
        elif fast < slow and fast_prev >= slow_prev and self.long:
            self.pending = OrderSide.SELL

    def on_trade_tick(self, tick: TradeTick) -> None:
        if self.pending is None:
            return
        order = self.order_factory.market(
            instrument_id=self.config.instrument_id,
            order_side=self.pending,
            quantity=self.quantity,
        )
        self.pending = None
        self.submit_order(order)

    def on_order_filled(self, event: OrderFilled) -> None:
        if event.last_qty != self.quantity:
            raise RuntimeError(f"partial fill {event.last_qty} of {self.quantity}")
        # The tick being processed opens bar number bars_seen (0-based).
        if event.order_side == OrderSide.BUY:
            self.long = True
            self.entries.append(self.bars_seen)
        else:
            self.long = False
            self.exits.append(self.bars_seen)


def nautilus_data(
    bars: pd.DataFrame, instrument: CurrencyPair, bar_type: BarType
) -> tuple[list[TradeTick], list[Bar]]:
    """An opening trade tick at each bar's open time (``timestamp``) and the bar itself
    at open + bar spacing - 1 ns (its close, as ``ts_init``), so the engine replays
    tick_0, bar_0, tick_1, bar_1, ... even across gaps in the data."""
    index = datetime_index(bars)
    step = int(np.diff(bars["timestamp"]).min()) if len(bars) > 1 else 60_000_000_000
    ohlcv = bars[["open", "high", "low", "close", "volume"]].set_axis(index)
    opens = pd.DataFrame(
        {
            "price": bars["open"].to_numpy(),
            "quantity": np.full(len(bars), OPEN_LIQUIDITY),
            "trade_id": np.arange(len(bars)).astype(str),
        },
        index=index,
    )
    ticks = TradeTickDataWrangler(instrument).process(opens)
    bar_list = BarDataWrangler(bar_type, instrument).process(ohlcv, ts_init_delta=step - 1)
    return ticks, bar_list


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    bars = load_bars(args.data)
    instrument = make_instrument(args.commission)
    bar_type = BarType.from_str(f"{instrument.id}-1-MINUTE-LAST-EXTERNAL")
    ticks, bar_list = nautilus_data(bars, instrument, bar_type)

    engine = BacktestEngine(
        BacktestEngineConfig(logging=LoggingConfig(log_level="ERROR", bypass_logging=True))
    )
    engine.add_venue(
        venue=VENUE,
        oms_type=OmsType.NETTING,
        account_type=AccountType.CASH,
        base_currency=None,
        starting_balances=[Money(args.cash, USDT)],
        bar_execution=True,
        trade_execution=True,
    )
    engine.add_instrument(instrument)
    engine.add_data(ticks)
    engine.add_data(bar_list)
    strategy = SmaCross(
        SmaCrossConfig(
            instrument_id=instrument.id,
            bar_type=bar_type,
            fast=args.fast,
            slow=args.slow,
            size=Decimal(str(args.size)),
        )
    )
    engine.add_strategy(strategy)

    started = time.perf_counter()
    engine.run()
    seconds = time.perf_counter() - started

    account = engine.portfolio.account(VENUE)
    cash = account.balance_total(USDT).as_double()
    held = account.balance_total(SYN)
    position = held.as_double() if held is not None else 0.0
    final_equity = cash + position * float(bars["close"].iloc[-1])
    engine.dispose()

    Result(
        engine=f"nautilus_trader {nautilus_trader.__version__}",
        bars=len(bars),
        seconds=seconds,
        final_equity=final_equity,
        entries=strategy.entries,
        exits=strategy.exits,
        extra={"events": len(ticks) + len(bar_list)},
    ).emit(args.dump_trades)


if __name__ == "__main__":
    main()
