"""The executor contract against ``CcxtExecutor(ccxt.binance)`` on a USDⓈ-M perpetual
(``BTC/USDT:USDT``), whose HTTP goes to the fake Binance futures API (``/fapi/``) on
127.0.0.1; plus what only futures have: shorts, signed positions, reduce-only exits."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal

import ccxt
import pytest
from tests.contract.binance_server import BinanceState, point_at, serve_binance
from tests.contract.ccxt_harness import ccxt_harness
from tests.contract.executor_contract import BEHAVIOURS, VenueHarness

from ai_trader.adapters.ccxt import CcxtExecutor
from ai_trader.core.clock import TestClock
from ai_trader.core.ids import ClientOrderId
from ai_trader.domain.enums import OrderStatus, OrderType, Side
from ai_trader.domain.events import OrderFilled, OrderRejected
from ai_trader.domain.orders import Order
from ai_trader.ports.executor import Executor

SYMBOL = "BTC/USDT:USDT"
PRICE = Decimal("50000")
QUANTITY = Decimal("0.003")  # a resting limit at 90 % of the price clears MIN_NOTIONAL 100
WALLET = {"USDT": Decimal("10000")}
START_MS = 1_767_225_600_000


def binance_futures_at(base_url: str, timeout_ms: int = 5_000) -> ccxt.binance:
    """A ccxt Binance client with dummy keys, USDⓈ-M futures markets only, at ``base_url``."""
    exchange = ccxt.binance(
        {
            "apiKey": "test-key",
            "secret": "test-secret",
            "timeout": timeout_ms,
            "enableRateLimit": False,
        }
    )
    exchange.options["defaultType"] = "swap"
    exchange.options["fetchMarkets"] = {"types": ["linear"]}
    exchange.options["fetchCurrencies"] = False
    exchange.options["fetchMargins"] = False
    point_at(exchange, base_url)
    return exchange


@pytest.fixture
def binance() -> Iterator[tuple[BinanceState, str]]:
    state = BinanceState(PRICE, {}, futures_wallet=dict(WALLET))
    state.now_ms = START_MS
    with serve_binance(state) as url:
        yield state, url


@pytest.fixture
def harness(binance: tuple[BinanceState, str]) -> Iterator[VenueHarness]:
    state, url = binance
    exchange = binance_futures_at(url, timeout_ms=1_000)
    yield ccxt_harness(
        state,
        exchange,
        symbol=SYMBOL,
        quantity=QUANTITY,
        price=PRICE,
        starting_balances=WALLET,
        start_ms=START_MS,
        futures=True,
    )
    exchange.session.close()


def test_ccxt_futures_executor_implements_the_executor_port(harness: VenueHarness) -> None:
    assert isinstance(harness.executor, Executor)


@pytest.mark.parametrize("behaviour", BEHAVIOURS, ids=lambda b: b.__name__)
def test_executor_contract_futures(
    harness: VenueHarness, behaviour: Callable[[VenueHarness], None]
) -> None:
    behaviour(harness)


def _market(cid: str, side: Side, *, reduce_only: bool = False) -> Order:
    return Order(
        ClientOrderId(cid), SYMBOL, side, OrderType.MARKET, QUANTITY, 0, reduce_only=reduce_only
    )


def _order_params(state: BinanceState) -> list[dict[str, str]]:
    return [p for method, path, p in state.params if (method, path) == ("POST", "/fapi/v1/order")]


def test_short_entry_then_reduce_only_close_then_flat(
    harness: VenueHarness, binance: tuple[BinanceState, str]
) -> None:
    state, _ = binance
    executor = harness.executor

    executor.submit(_market("SHORT-1", Side.SELL))  # nothing held: opens a short
    short = executor.positions()
    executor.submit(_market("CLOSE-1", Side.BUY, reduce_only=True))

    assert short == {SYMBOL: -QUANTITY}
    assert executor.positions() == {}
    assert state.positions["BTCUSDT"] == 0
    for cid in ("SHORT-1", "CLOSE-1"):
        found = executor.order_state(ClientOrderId(cid))
        assert found is not None
        assert found.status is OrderStatus.FILLED
    assert not [e for e in harness.events if isinstance(e, OrderRejected)]
    filled = [e.fill for e in harness.events if isinstance(e, OrderFilled)]
    assert [(f.side, f.quantity) for f in filled] == [(Side.SELL, QUANTITY), (Side.BUY, QUANTITY)]


def test_positions_then_signed_long_and_short(
    harness: VenueHarness, binance: tuple[BinanceState, str]
) -> None:
    executor = harness.executor

    executor.submit(_market("LONG-1", Side.BUY))
    executor.submit(_market("LONG-2", Side.BUY))
    long = executor.positions()
    for n in range(3, 7):
        executor.submit(_market(f"SELL-{n}", Side.SELL))

    assert long == {SYMBOL: 2 * QUANTITY}
    assert executor.positions() == {SYMBOL: -2 * QUANTITY}
    assert binance[0].requests.count(("GET", "/fapi/v3/positionRisk")) == 2


def test_reduce_only_then_param_sent_and_entries_without_it(
    harness: VenueHarness, binance: tuple[BinanceState, str]
) -> None:
    state, _ = binance
    harness.executor.submit(_market("LONG-1", Side.BUY))
    harness.executor.submit(_market("EXIT-1", Side.SELL, reduce_only=True))

    entry, exit_ = _order_params(state)
    assert "reduceOnly" not in entry
    assert exit_["reduceOnly"] == "true"
    assert exit_["newClientOrderId"] == "EXIT-1"
    assert harness.executor.positions() == {}


def test_reduce_only_growing_the_position_then_rejected(harness: VenueHarness) -> None:
    harness.executor.submit(_market("EXIT-1", Side.SELL, reduce_only=True))  # nothing held

    rejected = [e for e in harness.events if isinstance(e, OrderRejected)]
    assert len(rejected) == 1
    assert "ReduceOnly" in rejected[0].reason
    assert harness.executor.positions() == {}


def test_instrument_then_futures_filters(harness: VenueHarness) -> None:
    instrument = harness.executor.instrument(SYMBOL)

    assert instrument is not None
    assert instrument.price_increment == Decimal("0.1")  # PRICE_FILTER tickSize
    assert instrument.size_increment == Decimal("0.001")  # LOT_SIZE stepSize
    assert harness.executor.instrument("BTC/USDT") is None  # futures markets only


def test_duplicate_client_id_after_restart_then_same_order(
    harness: VenueHarness, binance: tuple[BinanceState, str]
) -> None:
    state, url = binance
    harness.executor.submit(_market("DUP-1", Side.BUY))
    exchange = binance_futures_at(url)
    restarted = CcxtExecutor(
        exchange, venue="BINANCE", clock=TestClock(START_MS * 1_000_000), dry_run=False
    )

    restarted.submit(_market("DUP-1", Side.BUY))  # the venue answers -4116: same order

    found = restarted.order_state(ClientOrderId("DUP-1"))
    assert found is not None
    assert found.status is OrderStatus.FILLED
    assert state.positions["BTCUSDT"] == QUANTITY
    exchange.session.close()
