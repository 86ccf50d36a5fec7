"""The executor contract against ``CcxtExecutor(ccxt.binance)``, whose HTTP goes to a fake
Binance spot API on 127.0.0.1 that answers with recorded responses (``binance_server``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal

import ccxt
import pytest
from tests.contract.binance_server import BinanceState, point_at, serve_binance
from tests.contract.executor_contract import BEHAVIOURS, VenueHarness

from ai_trader.adapters.ccxt import CcxtExecutor
from ai_trader.core.clock import TestClock
from ai_trader.ports.executor import Executor

SYMBOL = "BTC/USDT"
PRICE = Decimal("50000")
START = {"USDT": Decimal("10000")}
START_MS = 1_767_225_600_000


def binance_at(base_url: str, timeout_ms: int = 5_000) -> ccxt.binance:
    """A ccxt Binance client with dummy keys, spot markets only, talking to ``base_url``."""
    exchange = ccxt.binance(
        {
            "apiKey": "test-key",
            "secret": "test-secret",
            "timeout": timeout_ms,
            "enableRateLimit": False,  # a local server: no need to pace requests
        }
    )
    exchange.options["fetchMarkets"] = {"types": ["spot"]}
    exchange.options["fetchCurrencies"] = False
    exchange.options["fetchMargins"] = False
    point_at(exchange, base_url)
    return exchange


@pytest.fixture
def binance() -> Iterator[tuple[BinanceState, str]]:
    state = BinanceState(PRICE, dict(START))
    state.now_ms = START_MS
    with serve_binance(state) as url:
        yield state, url


@pytest.fixture
def harness(binance: tuple[BinanceState, str]) -> Iterator[VenueHarness]:
    state, url = binance
    exchange = binance_at(url, timeout_ms=1_000)
    clock = TestClock(START_MS * 1_000_000)
    executor = CcxtExecutor(exchange, venue="BINANCE", clock=clock, dry_run=False)

    def advance(nanos: int) -> None:
        clock.advance(nanos)
        state.now_ms = clock.timestamp_ns() // 1_000_000

    def arm() -> None:
        state.stall_next_order_seconds = 2.0  # longer than the client's 1 s timeout

    harness = VenueHarness(
        executor=executor,
        symbol=SYMBOL,
        base="BTC",
        quote="USDT",
        price=PRICE,
        quantity=Decimal("0.001"),
        starting_balances=START,
        advance=advance,
        now_ns=clock.timestamp_ns,
        arm_submit_timeout=arm,
    )
    executor.connect(harness.events.append)
    yield harness
    exchange.session.close()


def test_ccxt_executor_implements_the_executor_port(harness: VenueHarness) -> None:
    assert isinstance(harness.executor, Executor)


@pytest.mark.parametrize("behaviour", BEHAVIOURS, ids=lambda b: b.__name__)
def test_executor_contract(
    harness: VenueHarness, behaviour: Callable[[VenueHarness], None]
) -> None:
    behaviour(harness)
