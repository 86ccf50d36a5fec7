"""The contract harness of ``CcxtExecutor`` against the fake Binance: one builder for the
spot and the futures suites (the venue's clock follows the test's clock)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from tests.contract.binance_server import BinanceState
from tests.contract.executor_contract import VenueHarness

from ai_trader.adapters.ccxt import CcxtExecutor
from ai_trader.core.clock import TestClock

TIMEOUT_STALL_SECONDS = 2.0  # longer than the clients' 1 s timeout


def ccxt_harness(
    state: BinanceState,
    exchange: Any,
    *,
    symbol: str,
    quantity: Decimal,
    price: Decimal,
    starting_balances: Mapping[str, Decimal],
    start_ms: int,
    futures: bool = False,
) -> VenueHarness:
    clock = TestClock(start_ms * 1_000_000)
    executor = CcxtExecutor(exchange, venue="BINANCE", clock=clock, dry_run=False)

    def advance(nanos: int) -> None:
        clock.advance(nanos)
        state.now_ms = clock.timestamp_ns() // 1_000_000

    def arm() -> None:
        state.stall_next_order_seconds = TIMEOUT_STALL_SECONDS

    harness = VenueHarness(
        executor=executor,
        symbol=symbol,
        base="BTC",
        quote="USDT",
        price=price,
        quantity=quantity,
        starting_balances=dict(starting_balances),
        advance=advance,
        now_ns=clock.timestamp_ns,
        arm_submit_timeout=arm,
        futures=futures,
    )
    executor.connect(harness.events.append)
    return harness
