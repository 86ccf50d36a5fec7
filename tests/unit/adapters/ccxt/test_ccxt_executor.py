"""``CcxtExecutor`` against the fake Binance on 127.0.0.1: what the contract suite does not
cover — rejections, dry run, a duplicate client id after a restart, key permissions."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import ccxt
import pytest
from tests.contract.binance_server import BinanceState, serve_binance
from tests.contract.test_executor_contract_ccxt import binance_at

from ai_trader.adapters.ccxt import CcxtExecutor, check_key_permissions
from ai_trader.core.clock import TestClock
from ai_trader.core.errors import ConfigurationError
from ai_trader.core.ids import ClientOrderId
from ai_trader.domain.enums import OrderStatus, OrderType, Side
from ai_trader.domain.events import OrderAccepted, OrderCanceled, OrderFilled, OrderRejected
from ai_trader.domain.orders import Order
from ai_trader.testing import EventRecorder

NOW_NS = 1_767_225_600_000 * 1_000_000


@pytest.fixture
def state() -> BinanceState:
    return BinanceState(Decimal("50000"), {"USDT": Decimal("10000")})


@pytest.fixture
def url(state: BinanceState) -> Iterator[str]:
    with serve_binance(state) as base_url:
        yield base_url


def _executor(url: str, *, dry_run: bool = False) -> tuple[CcxtExecutor, EventRecorder]:
    recorder = EventRecorder()
    executor = CcxtExecutor(
        binance_at(url), venue="BINANCE", clock=TestClock(NOW_NS), dry_run=dry_run
    )
    executor.connect(recorder)
    return executor, recorder


def _market(cid: str, quantity: str = "0.001", side: Side = Side.BUY) -> Order:
    return Order(ClientOrderId(cid), "BTC/USDT", side, OrderType.MARKET, Decimal(quantity), 0)


def _orders_sent(state: BinanceState) -> int:
    return state.requests.count(("POST", "/api/v3/order"))


def test_instrument_then_binance_filters(url: str) -> None:
    executor, _ = _executor(url)

    instrument = executor.instrument("BTC/USDT")

    assert instrument is not None
    assert instrument.price_increment == Decimal("0.01")  # PRICE_FILTER tickSize
    assert instrument.size_increment == Decimal("0.00001")  # LOT_SIZE stepSize
    assert instrument.min_quantity == Decimal("0.00001")  # LOT_SIZE minQty
    assert executor.instrument("NOPE/USDT") is None


def test_quantity_off_step_then_rounded_down_before_sending(url: str, state: BinanceState) -> None:
    executor, recorder = _executor(url)

    executor.submit(_market("A-1", "0.0012345"))

    fills = recorder.of_type(OrderFilled)
    assert [f.fill.quantity for f in fills] == [Decimal("0.00123")]
    assert state.orders[min(state.orders)].quantity == Decimal("0.00123")


def test_below_min_size_then_rejected_and_nothing_sent(url: str, state: BinanceState) -> None:
    executor, recorder = _executor(url)

    executor.submit(_market("A-1", "0.000009"))

    [rejected] = recorder.of_type(OrderRejected)
    assert "below minimum 0.00001" in rejected.reason
    assert _orders_sent(state) == 0
    order_state = executor.order_state(ClientOrderId("A-1"))
    assert order_state is not None
    assert order_state.status is OrderStatus.REJECTED


def test_insufficient_funds_then_rejected_event(url: str) -> None:
    executor, recorder = _executor(url)

    executor.submit(_market("A-1", "0.001", Side.SELL))  # no BTC held

    [rejected] = recorder.of_type(OrderRejected)
    assert "insufficient balance" in rejected.reason


def test_unknown_symbol_then_rejected(url: str) -> None:
    executor, recorder = _executor(url)

    executor.submit(
        Order(ClientOrderId("A-1"), "ETH/USDT", Side.BUY, OrderType.MARKET, Decimal(1), 0)
    )

    assert "unknown symbol" in recorder.of_type(OrderRejected)[0].reason


def test_client_id_known_at_venue_after_restart_then_same_order(
    url: str, state: BinanceState
) -> None:
    first, _ = _executor(url)
    first.submit(_market("A-1"))
    restarted, recorder = _executor(url)  # a new process: it does not remember A-1

    restarted.submit(_market("A-1"))  # Binance answers -2010 "Duplicate order sent."

    assert len(state.orders) == 1
    [accepted] = recorder.of_type(OrderAccepted)
    assert accepted.venue_order_id == str(min(state.orders))
    assert not recorder.of_type(OrderRejected)
    assert [f.fill.quantity for f in recorder.of_type(OrderFilled)] == [Decimal("0.001")]


def test_dry_run_then_logged_accepted_as_dryrun_and_never_sent(
    url: str, state: BinanceState, caplog: pytest.LogCaptureFixture
) -> None:
    executor, recorder = _executor(url, dry_run=True)

    executor.submit(_market("A-1"))
    executor.submit(_market("A-2", "0.000001"))  # still validated

    [accepted] = recorder.of_type(OrderAccepted)
    assert accepted.venue_order_id == "DRYRUN-1"
    assert not recorder.of_type(OrderFilled)
    assert len(recorder.of_type(OrderRejected)) == 1
    assert _orders_sent(state) == 0
    assert "DRY RUN: would send market buy 0.001 BTC/USDT" in caplog.text
    [closed] = recorder.of_type(OrderCanceled)
    assert (closed.client_order_id, closed.reason) == ("A-1", "dry run: never sent")
    assert executor.open_orders() == []
    state_of = executor.order_state(ClientOrderId("A-1"))
    assert state_of is not None
    assert state_of.status is OrderStatus.CANCELED
    assert _orders_sent(state) == 0


def test_trade_only_key_then_accepted(url: str) -> None:
    assert check_key_permissions(binance_at(url)) is True


def test_key_that_can_withdraw_then_refused(url: str, state: BinanceState) -> None:
    state.enable_withdrawals = True

    with pytest.raises(ConfigurationError, match="can withdraw funds"):
        check_key_permissions(binance_at(url))


def test_venue_without_permission_report_then_logged_unchecked(
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert check_key_permissions(ccxt.kraken()) is False
    assert "could not check" in caplog.text
