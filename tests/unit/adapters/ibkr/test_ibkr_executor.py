"""``IbkrExecutor`` against a fake ``IB``: the few methods the executor calls, over
ib_async's own ``Trade``, ``Order``, ``OrderStatus``, ``Fill``, ``Execution`` and
``CommissionReport``; TWS's side (acknowledging, executing, canceling) is played by the test.
Nothing connects to TWS or IB Gateway."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import ib_async
import pytest

from ai_trader.adapters.ibkr import IbkrExecutor
from ai_trader.adapters.ibkr.constants import COMMISSION_WAIT_NS
from ai_trader.core.clock import TestClock, datetime_to_ns
from ai_trader.core.errors import TransientVenueError
from ai_trader.core.ids import ClientOrderId
from ai_trader.domain.enums import OrderStatus, OrderType, Side
from ai_trader.domain.events import OrderAccepted, OrderCanceled, OrderFilled, OrderRejected
from ai_trader.domain.orders import Bracket, Order
from ai_trader.ports.executor import Executor
from ai_trader.testing import EventRecorder

NOW = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)
NOW_NS = datetime_to_ns(NOW)
AAPL = ib_async.Stock("AAPL", "SMART", "USD", conId=265598, primaryExchange="NASDAQ")
EURUSD = ib_async.Forex("EURUSD", conId=12087792)


class FakeIB:
    """The ``ib_async.IB`` methods ``IbkrExecutor`` calls, keeping real ib_async objects."""

    def __init__(self) -> None:
        self.details = {
            ("STK", "AAPL", "USD"): [
                ib_async.ContractDetails(AAPL, minTick=0.01, minSize=1.0, sizeIncrement=1.0)
            ],
            ("CASH", "EUR", "USD"): [
                ib_async.ContractDetails(EURUSD, minTick=5e-05, minSize=1.0, sizeIncrement=1.0)
            ],
        }
        self.placed: list[tuple[ib_async.Contract, ib_async.Order]] = []
        self.canceled: list[ib_async.Order] = []
        self.held: list[ib_async.Position] = []
        self.account_values: list[ib_async.AccountValue] = []
        self.connected = True
        self._trades: list[ib_async.Trade] = []
        self._fills: list[ib_async.Fill] = []
        self._ids = iter(range(1, 1000))

    # -- the IB methods --

    def reqContractDetails(self, contract: ib_async.Contract) -> list[ib_async.ContractDetails]:
        self._check()
        return self.details.get((contract.secType, contract.symbol, contract.currency), [])

    def placeOrder(self, contract: ib_async.Contract, order: ib_async.Order) -> ib_async.Trade:
        self._check()
        order.orderId = order.orderId or next(self._ids)
        order.clientId = 1
        status = ib_async.OrderStatus(orderId=order.orderId, status="PendingSubmit")
        log = [ib_async.TradeLogEntry(NOW, "PendingSubmit")]
        trade = ib_async.Trade(contract, order, status, [], log)
        self.placed.append((contract, order))
        self._trades.append(trade)
        return trade

    def cancelOrder(self, order: ib_async.Order) -> ib_async.Trade | None:
        self._check()
        self.canceled.append(order)
        trade = next(t for t in self._trades if t.order is order)
        trade.orderStatus.status = "PendingCancel"
        return trade

    def trades(self) -> list[ib_async.Trade]:
        return list(self._trades)

    def openTrades(self) -> list[ib_async.Trade]:
        return [t for t in self._trades if not t.isDone()]

    def fills(self) -> list[ib_async.Fill]:
        return list(self._fills)

    def positions(self, account: str = "") -> list[ib_async.Position]:
        return [p for p in self.held if not account or p.account == account]

    def accountValues(self, account: str = "") -> list[ib_async.AccountValue]:
        return [v for v in self.account_values if not account or v.account == account]

    # -- TWS's side --

    def acknowledge(self, trade: ib_async.Trade, status: str = "Submitted") -> None:
        trade.order.permId = trade.orderStatus.permId = 1_000_000 + trade.order.orderId
        trade.orderStatus.status = status
        trade.log.append(ib_async.TradeLogEntry(NOW, status))

    def execute(
        self,
        trade: ib_async.Trade,
        shares: float,
        price: float,
        *,
        commission: float | None = 1.0,
        at: datetime = NOW,
    ) -> ib_async.Fill:
        execution = ib_async.Execution(
            execId=f"0000e0d5.{trade.order.orderId}.{len(self._fills) + 1:02d}.01",
            time=at,
            acctNumber="DU1234567",
            exchange="ISLAND",
            side="BOT" if trade.order.action == "BUY" else "SLD",
            shares=shares,
            price=price,
            permId=trade.order.permId,
            clientId=1,
            orderId=trade.order.orderId,
            orderRef=trade.order.orderRef,
            lastLiquidity=2,
        )
        fill = ib_async.Fill(trade.contract, execution, ib_async.CommissionReport(), at)
        if commission is not None:
            self.report_commission(fill, commission)
        trade.fills.append(fill)
        self._fills.append(fill)
        status = trade.orderStatus
        status.filled += shares
        status.remaining = trade.order.totalQuantity - status.filled
        status.status = "Filled" if status.remaining <= 0 else "Submitted"
        return fill

    def report_commission(self, fill: ib_async.Fill, commission: float) -> None:
        report = fill.commissionReport
        report.execId, report.commission, report.currency = fill.execution.execId, commission, "USD"

    def close(self, trade: ib_async.Trade, status: str, message: str = "") -> None:
        trade.orderStatus.status = status
        trade.log.append(ib_async.TradeLogEntry(NOW, status, message))

    def _check(self) -> None:
        if not self.connected:
            raise ConnectionError("Not connected")


@pytest.fixture
def ib() -> FakeIB:
    return FakeIB()


def _executor(
    ib: FakeIB, *, dry_run: bool = False, clock: TestClock | None = None
) -> tuple[IbkrExecutor, EventRecorder]:
    recorder = EventRecorder()
    executor = IbkrExecutor(ib, clock=clock or TestClock(NOW_NS), dry_run=dry_run)  # type: ignore[arg-type]
    executor.connect(recorder)
    return executor, recorder


def _order(
    cid: str = "R1-1",
    quantity: str = "10",
    price: str | None = None,
    *,
    symbol: str = "AAPL/USD",
    side: Side = Side.BUY,
    order_type: OrderType | None = None,
    bracket: Bracket | None = None,
) -> Order:
    if order_type is None:
        order_type = OrderType.MARKET if price is None else OrderType.LIMIT
    return Order(
        ClientOrderId(cid),
        symbol,
        side,
        order_type,
        Decimal(quantity),
        0,
        None if price is None else Decimal(price),
        bracket=bracket,
    )


def _trade(ib: FakeIB, index: int = -1) -> ib_async.Trade:
    return ib.trades()[index]


def test_executor_then_satisfies_the_port(ib: FakeIB) -> None:
    executor, _ = _executor(ib)

    assert isinstance(executor, Executor)
    assert executor.venue == "IBKR"


def test_instrument_then_from_contract_details(ib: FakeIB) -> None:
    executor, _ = _executor(ib)

    instrument = executor.instrument("EUR/USD")

    assert instrument is not None
    assert instrument.price_increment == Decimal("0.00005")
    assert executor.instrument("MSFT/USD") is None
    assert executor.instrument("nonsense") is None


# -- submit ------------------------------------------------------------------------------


def test_submit_market_then_placed_once_with_qualified_contract_and_order_ref(
    ib: FakeIB,
) -> None:
    executor, recorder = _executor(ib)

    executor.submit(_order(quantity="10.6"))

    [(contract, ib_order)] = ib.placed
    assert contract is AAPL
    assert (ib_order.action, ib_order.orderType, ib_order.totalQuantity) == ("BUY", "MKT", 10.0)
    assert (ib_order.orderRef, ib_order.tif, ib_order.outsideRth) == ("R1-1", "DAY", False)
    assert recorder.events == []  # TWS has not acknowledged it yet
    assert executor.order_state(ClientOrderId("R1-1")).status is OrderStatus.PENDING_SUBMIT  # type: ignore[union-attr]


def test_acknowledged_then_poll_reports_accepted_with_perm_id(ib: FakeIB) -> None:
    executor, recorder = _executor(ib)
    executor.submit(_order(price="187.5"))

    ib.acknowledge(_trade(ib))
    executor.poll()
    executor.poll()

    [accepted] = recorder.of_type(OrderAccepted)
    assert accepted.venue_order_id == "1000001"
    assert accepted.order.client_order_id == "R1-1"


def test_submit_same_id_twice_then_placed_once(ib: FakeIB) -> None:
    executor, _ = _executor(ib)

    executor.submit(_order())
    executor.submit(_order())

    assert len(ib.placed) == 1


def test_submit_after_restart_of_an_order_ib_knows_then_adopted_not_placed(ib: FakeIB) -> None:
    first, _ = _executor(ib)
    first.submit(_order())
    ib.acknowledge(_trade(ib))
    ib.execute(_trade(ib), 10, 187.25)

    restarted, recorder = _executor(ib)
    restarted.submit(_order())

    assert len(ib.placed) == 1
    assert [type(e) for e in recorder.events] == [OrderAccepted, OrderFilled]
    assert recorder.of_type(OrderFilled)[0].remaining == 0


def test_order_filled_in_two_parts_then_two_fills_with_commission(ib: FakeIB) -> None:
    executor, recorder = _executor(ib)
    executor.submit(_order(quantity="10"))
    trade = _trade(ib)
    ib.acknowledge(trade)

    ib.execute(trade, 4, 187.25, commission=1.0)
    executor.poll()
    ib.execute(trade, 6, 187.30, commission=1.02, at=NOW + timedelta(seconds=1))
    executor.poll()
    executor.poll()

    fills = recorder.of_type(OrderFilled)
    assert [(f.fill.quantity, f.fill.price, f.fill.fee) for f in fills] == [
        (Decimal(4), Decimal("187.25"), Decimal("1.0")),
        (Decimal(6), Decimal("187.3"), Decimal("1.02")),
    ]
    assert [f.remaining for f in fills] == [Decimal(6), Decimal(0)]
    assert fills[0].fill.trade_id == "0000e0d5.1.01.01"
    assert fills[0].fill.venue_order_id == "1000001"
    assert executor.order_state(ClientOrderId("R1-1")).status is OrderStatus.FILLED  # type: ignore[union-attr]


def test_fill_before_its_commission_report_then_held_until_it_arrives(ib: FakeIB) -> None:
    executor, recorder = _executor(ib)
    executor.submit(_order())
    trade = _trade(ib)
    ib.acknowledge(trade)
    fill = ib.execute(trade, 10, 187.25, commission=None)

    executor.poll()
    assert recorder.of_type(OrderFilled) == []
    assert executor.fills() == []

    ib.report_commission(fill, 1.35)
    executor.poll()

    assert [f.fill.fee for f in recorder.of_type(OrderFilled)] == [Decimal("1.35")]


def test_commission_report_never_arrives_then_fill_reported_with_fee_zero_after_wait(
    ib: FakeIB, caplog: pytest.LogCaptureFixture
) -> None:
    clock = TestClock(NOW_NS)
    executor, recorder = _executor(ib, clock=clock)
    executor.submit(_order())
    trade = _trade(ib)
    ib.acknowledge(trade)
    ib.execute(trade, 10, 187.25, commission=None)

    clock.advance(COMMISSION_WAIT_NS)
    with caplog.at_level(logging.WARNING):
        executor.poll()

    assert [f.fill.fee for f in recorder.of_type(OrderFilled)] == [Decimal(0)]
    assert "no commission report for execution" in caplog.text


def test_filled_before_acknowledgement_seen_then_accepted_reported_first(ib: FakeIB) -> None:
    executor, recorder = _executor(ib)
    executor.submit(_order())
    trade = _trade(ib)
    trade.order.permId = 777  # TWS sent the execution before the order status
    ib.execute(trade, 10, 187.25)
    trade.order.permId = 0

    executor.poll()

    assert [type(e) for e in recorder.events] == [OrderAccepted, OrderFilled]
    assert recorder.of_type(OrderAccepted)[0].venue_order_id == "777"


# -- rejections --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("order", "reason"),
    [
        (_order(quantity="0.5"), "quantity 0.5 (rounded down to the step 1: 0) below minimum 1"),
        (_order(symbol="MSFT/USD"), "IB has no contracts for 'MSFT/USD'"),
        (_order(symbol="MSFT"), "unsupported IBKR symbol 'MSFT'"),
        (
            _order(bracket=Bracket(Decimal(1))),
            "a bracket on a market order is not supported at IBKR",
        ),
    ],
)
def test_order_ib_would_refuse_then_rejected_here_and_nothing_placed(
    ib: FakeIB, order: Order, reason: str
) -> None:
    executor, recorder = _executor(ib)

    executor.submit(order)

    [rejected] = recorder.of_type(OrderRejected)
    assert reason in rejected.reason
    assert ib.placed == []
    state = executor.order_state(order.client_order_id)
    assert state is not None
    assert state.status is OrderStatus.REJECTED


def test_ambiguous_contract_then_rejected(ib: FakeIB) -> None:
    ib.details[("STK", "AAPL", "USD")] *= 2
    executor, recorder = _executor(ib)

    executor.submit(_order())

    assert (
        "IB has 2 (ambiguous) contracts for 'AAPL/USD'" in recorder.of_type(OrderRejected)[0].reason
    )


def test_inactive_at_ib_then_rejected_with_ib_message(ib: FakeIB) -> None:
    executor, recorder = _executor(ib)
    executor.submit(_order())

    ib.close(_trade(ib), "Inactive", "Order rejected - reason: no trading permissions")
    executor.poll()
    executor.poll()

    [rejected] = recorder.events
    assert isinstance(rejected, OrderRejected)
    assert (
        rejected.reason == "IBKR refused the order: Order rejected - reason: no trading permissions"
    )


# -- cancel ------------------------------------------------------------------------------


def test_cancel_then_cancel_order_sent_and_canceled_once_ib_confirms(ib: FakeIB) -> None:
    executor, recorder = _executor(ib)
    executor.submit(_order(price="180"))
    trade = _trade(ib)
    ib.acknowledge(trade)

    executor.cancel(ClientOrderId("R1-1"))

    assert ib.canceled == [trade.order]
    assert recorder.of_type(OrderCanceled) == []
    assert executor.order_state(ClientOrderId("R1-1")).status is OrderStatus.ACCEPTED  # type: ignore[union-attr]
    ib.close(trade, "Cancelled", "Order Canceled - reason:")
    executor.poll()
    executor.poll()
    [canceled] = recorder.of_type(OrderCanceled)
    assert (canceled.client_order_id, canceled.reason) == ("R1-1", "Order Canceled - reason:")


def test_cancel_unknown_or_done_order_then_nothing_sent(ib: FakeIB) -> None:
    executor, _ = _executor(ib)
    executor.submit(_order())
    ib.acknowledge(_trade(ib))
    ib.execute(_trade(ib), 10, 187.25)

    executor.cancel(ClientOrderId("R1-1"))
    executor.cancel(ClientOrderId("nope"))

    assert ib.canceled == []


# -- brackets ----------------------------------------------------------------------------


def test_bracket_then_parent_and_exits_linked_and_only_last_transmits(ib: FakeIB) -> None:
    executor, recorder = _executor(ib)
    bracket = Bracket(stop_distance=Decimal(2), take_profit_distance=Decimal(5))

    executor.submit(_order(price="100", bracket=bracket))

    orders = [ib_order for _, ib_order in ib.placed]
    parent, take, stop = orders
    assert [o.orderRef for o in orders] == ["R1-1", "R1-1.tp", "R1-1.sl"]
    assert [o.transmit for o in orders] == [False, False, True]
    assert take.parentId == stop.parentId == parent.orderId != 0
    assert take.ocaGroup == stop.ocaGroup == "R1-1.oca"
    assert (take.lmtPrice, stop.auxPrice) == (105.0, 98.0)
    for trade in ib.trades():
        ib.acknowledge(trade, "PreSubmitted")
    executor.poll()
    accepted = recorder.of_type(OrderAccepted)
    assert [a.order.client_order_id for a in accepted] == ["R1-1", "R1-1.tp", "R1-1.sl"]
    assert accepted[2].order.parent_id == "R1-1"


# -- queries -----------------------------------------------------------------------------


def test_order_state_of_unknown_id_then_none(ib: FakeIB) -> None:
    executor, _ = _executor(ib)

    assert executor.order_state(ClientOrderId("nope")) is None
    assert executor.query_order(ClientOrderId("nope")) is None


def test_order_state_after_restart_then_found_by_order_ref(ib: FakeIB) -> None:
    first, _ = _executor(ib)
    first.submit(_order(quantity="10", price="187.5"))
    ib.acknowledge(_trade(ib))
    ib.execute(_trade(ib), 3, 187.5)

    state = _executor(ib)[0].order_state(ClientOrderId("R1-1"))

    assert state is not None
    assert (state.status, state.remaining) == (OrderStatus.PARTIALLY_FILLED, Decimal(7))
    assert state.venue_order_id == "1000001"
    assert (state.order.order_type, state.order.price) == (OrderType.LIMIT, Decimal("187.5"))


def test_open_orders_then_working_orders_at_ib(ib: FakeIB) -> None:
    executor, _ = _executor(ib)
    executor.submit(_order("R1-1", price="180"))
    executor.submit(_order("R1-2", price="181"))
    ib.close(_trade(ib, 0), "Cancelled")

    assert [o.client_order_id for o in executor.open_orders()] == ["R1-2"]


def test_fills_then_all_executions_oldest_first_and_since_filters(ib: FakeIB) -> None:
    executor, _ = _executor(ib)
    executor.submit(_order("R1-1"))
    executor.submit(_order("R1-2", "20000", symbol="EUR/USD", side=Side.SELL))
    later = NOW + timedelta(minutes=1)
    ib.execute(_trade(ib, 1), 20000, 1.0843, at=later)
    ib.execute(_trade(ib, 0), 10, 187.25)

    fills = executor.fills()

    assert [(f.client_order_id, f.symbol, f.side) for f in fills] == [
        ("R1-1", "AAPL/USD", Side.BUY),
        ("R1-2", "EUR/USD", Side.SELL),
    ]
    assert [f.client_order_id for f in executor.fills_since(datetime_to_ns(later))] == ["R1-2"]
    assert executor.fills_since(datetime_to_ns(later) + 1) == []


def test_execution_of_an_order_placed_elsewhere_then_client_id_from_perm_id(ib: FakeIB) -> None:
    executor, _ = _executor(ib)
    trade = ib.placeOrder(AAPL, ib_async.MarketOrder("SELL", 5))  # placed in TWS by hand
    ib.acknowledge(trade)
    ib.execute(trade, 5, 187.0)

    [fill] = executor.fills()

    assert fill.client_order_id == "IBKR-1000001"


def test_positions_then_nonzero_supported_positions_by_symbol(ib: FakeIB) -> None:
    ib.held = [
        ib_async.Position("DU1", AAPL, 25.0, 150.0),
        ib_async.Position("DU1", EURUSD, -20000.0, 1.08),
        ib_async.Position("DU1", ib_async.Stock("MSFT", "SMART", "USD"), 0.0, 0.0),
        ib_async.Position("DU1", ib_async.Option("SPY", "20261218", 600, "C", "SMART"), 1.0, 5.0),
    ]
    executor, _ = _executor(ib)

    assert executor.positions() == {"AAPL/USD": Decimal(25), "EUR/USD": Decimal(-20000)}


def test_positions_of_one_account_then_only_that_account(ib: FakeIB) -> None:
    ib.held = [
        ib_async.Position("DU1", AAPL, 25.0, 150.0),
        ib_async.Position("DU2", AAPL, 5.0, 1.0),
    ]
    executor = IbkrExecutor(ib, clock=TestClock(NOW_NS), dry_run=False, account="DU2")  # type: ignore[arg-type]

    assert executor.positions() == {"AAPL/USD": Decimal(5)}


def test_balances_then_cash_per_currency(ib: FakeIB) -> None:
    ib.account_values = [
        ib_async.AccountValue("DU1", "CashBalance", "100000.25", "USD", ""),
        ib_async.AccountValue("DU1", "CashBalance", "-20000", "EUR", ""),
        ib_async.AccountValue("DU1", "CashBalance", "78000", "BASE", ""),
        ib_async.AccountValue("DU1", "CashBalance", "0", "JPY", ""),
        ib_async.AccountValue("DU1", "NetLiquidation", "123456", "USD", ""),
    ]
    executor, _ = _executor(ib)

    assert executor.balances() == {"USD": Decimal("100000.25"), "EUR": Decimal(-20000)}


# -- dry run and lost connection ---------------------------------------------------------


def test_dry_run_then_logged_accepted_as_dryrun_and_never_placed(
    ib: FakeIB, caplog: pytest.LogCaptureFixture
) -> None:
    executor, recorder = _executor(ib, dry_run=True)

    with caplog.at_level(logging.WARNING):
        executor.submit(_order("R1-1"))
        executor.submit(_order("R1-2", price="100", bracket=Bracket(Decimal(2), Decimal(5))))

    assert ib.placed == []
    assert [a.venue_order_id for a in recorder.of_type(OrderAccepted)] == ["DRYRUN-1", "DRYRUN-2"]
    assert caplog.text.count("DRY RUN: would place") == 4  # the bracket: parent and two exits
    assert [o.client_order_id for o in executor.open_orders()] == ["R1-1", "R1-2"]
    executor.poll()
    assert recorder.of_type(OrderFilled) == []


def test_dry_run_cancel_then_canceled_locally(ib: FakeIB) -> None:
    executor, recorder = _executor(ib, dry_run=True)
    executor.submit(_order())

    executor.cancel(ClientOrderId("R1-1"))
    executor.cancel(ClientOrderId("R1-1"))

    assert ib.canceled == []
    assert len(recorder.of_type(OrderCanceled)) == 1
    assert executor.order_state(ClientOrderId("R1-1")).status is OrderStatus.CANCELED  # type: ignore[union-attr]


def test_connection_lost_while_placing_then_transient_error_and_no_resend(ib: FakeIB) -> None:
    executor, _ = _executor(ib)
    executor.instrument("AAPL/USD")
    ib.connected = False

    with pytest.raises(TransientVenueError, match="outcome is unknown"):
        executor.submit(_order())
    ib.connected = True
    executor.submit(_order())

    assert ib.placed == []
    assert executor.order_state(ClientOrderId("R1-1")) is None
