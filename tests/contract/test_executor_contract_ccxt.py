"""The executor contract against ``CcxtExecutor(ccxt.binance)``, whose HTTP goes to a fake
Binance spot API on 127.0.0.1 that answers with recorded responses (``binance_server``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal

import ccxt
import pytest
from tests.contract.binance_server import BinanceState, point_at, serve_binance
from tests.contract.ccxt_harness import ccxt_harness
from tests.contract.executor_contract import BEHAVIOURS, VenueHarness

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
    yield ccxt_harness(
        state,
        exchange,
        symbol=SYMBOL,
        quantity=Decimal("0.001"),
        price=PRICE,
        starting_balances=START,
        start_ms=START_MS,
        futures=False,
    )
    exchange.session.close()


def test_ccxt_executor_implements_the_executor_port(harness: VenueHarness) -> None:
    assert isinstance(harness.executor, Executor)


@pytest.mark.parametrize("behaviour", BEHAVIOURS, ids=lambda b: b.__name__)
def test_executor_contract(
    harness: VenueHarness, behaviour: Callable[[VenueHarness], None]
) -> None:
    behaviour(harness)
