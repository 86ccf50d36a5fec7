"""Reconciliation while trading and orders whose submit did not end in an answer.

A submit refused before it reached the venue (an open circuit breaker) is closed in the
journal at once as never sent, so reconciliation has nothing to report about it. A submit
whose outcome is unknown (a timeout) stays ``pending_submit`` until reconciliation asks the
venue for its client order id: an order the venue has is reconciled, its fills included;
an order the venue does not know is still a mismatch (never assumed absent).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from ai_trader.core.errors import TransientVenueError
from ai_trader.domain.enums import OrderStatus, Side
from ai_trader.resilience import CircuitOpenError
from ai_trader.runtime.reconciliation import Reconciler
from ai_trader.testing import (
    DEFAULT_SYMBOL,
    FaultPlan,
    ServerError,
    TimeoutAfterAccept,
)
from tests.integration.test_fault_injection import PROVIDER, THRESHOLD, Kernel, open_kernel

pytestmark = pytest.mark.integration


@pytest.fixture
def kernel(tmp_path: Path) -> Iterator[Kernel]:
    opened = open_kernel(tmp_path / "session")
    yield opened
    opened.close()


def _fail() -> None:
    raise TransientVenueError("connection lost")


def open_orders_breaker(k: Kernel) -> None:
    """Trip the orders breaker with failing calls that never carried an order."""
    breaker = k.breakers.get(PROVIDER, "orders")
    for _ in range(THRESHOLD):
        with contextlib.suppress(TransientVenueError):
            breaker.call(_fail)
    assert breaker.state == "open"


def test_submit_refused_by_open_breaker_then_journal_terminal_and_no_breach(
    kernel: Kernel, tmp_path: Path
) -> None:
    k = kernel
    k.bar(100)
    open_orders_breaker(k)
    refused = k.market()

    error = k.send(refused)

    assert isinstance(error, CircuitOpenError)
    assert k.attempts() == {}  # nothing reached the venue
    row = k.journal.order(refused.client_order_id)
    assert row is not None
    assert row.status == OrderStatus.REJECTED
    assert str(row.reason).startswith("not sent: circuit breaker sim:orders is open")
    record = k.engine.orders.get(refused.client_order_id)
    assert record is not None
    assert record.status is OrderStatus.REJECTED
    assert not k.engine.has_working_entry(DEFAULT_SYMBOL)

    reconciler = Reconciler(k.journal, k.executor, k.clock, tmp_path / "events")
    results = [reconciler.run_cycle() for _ in range(4)]

    assert [r.clean for r in results] == [True] * 4
    assert [r.state for r in results] == ["ok"] * 4
    assert all(r.breach is None for r in results)


def test_unknown_outcome_orders_the_venue_has_then_reconciled_not_mismatch(
    tmp_path: Path,
) -> None:
    k = open_kernel(tmp_path / "session", FaultPlan.at({0: TimeoutAfterAccept()}))
    try:
        k.bar(100)
        filled = k.market(Side.BUY, 2)
        assert isinstance(k.send(filled), TransientVenueError)  # the answer was lost
        resting = k.limit(Side.BUY, 90)
        assert k.send(resting) is None
        assert k.status(filled.client_order_id) == OrderStatus.PENDING_SUBMIT
        reconciler = Reconciler(
            k.journal, k.executor, k.clock, tmp_path / "events", report=k.engine.process
        )

        results = [reconciler.run_cycle() for _ in range(3)]

        assert [r.describe() for r in results] == ["clean"] * 3
        assert [r.state for r in results] == ["ok"] * 3
        assert k.status(filled.client_order_id) == OrderStatus.FILLED
        assert k.journal.fills() == k.ledger.fills()
        assert k.engine.portfolio.position_quantity(DEFAULT_SYMBOL) == 2
        record = k.engine.orders.get(filled.client_order_id)
        assert record is not None
        assert record.status is OrderStatus.FILLED
        assert k.attempts() == {filled.client_order_id: 1, resting.client_order_id: 1}
    finally:
        k.close()


def test_unknown_outcome_resting_order_the_venue_has_then_journal_accepted(
    tmp_path: Path,
) -> None:
    k = open_kernel(tmp_path / "session", FaultPlan.at({0: TimeoutAfterAccept()}))
    try:
        k.bar(100)
        resting = k.limit(Side.BUY, 90)
        assert isinstance(k.send(resting), TransientVenueError)
        reconciler = Reconciler(k.journal, k.executor, k.clock, tmp_path / "events")

        results = [reconciler.run_cycle() for _ in range(3)]

        assert [r.clean for r in results] == [True] * 3
        assert k.status(resting.client_order_id) == OrderStatus.ACCEPTED
        row = k.journal.order(resting.client_order_id)
        assert row is not None
        assert row.venue_order_id is not None
        assert k.attempts() == {resting.client_order_id: 1}
    finally:
        k.close()


def test_unknown_outcome_order_the_venue_lacks_then_still_a_mismatch(
    tmp_path: Path,
) -> None:
    k = open_kernel(tmp_path / "session", FaultPlan.at({0: ServerError()}))
    try:
        k.bar(100)
        lost = k.market()
        error = k.send(lost)
        assert isinstance(error, TransientVenueError)
        assert not isinstance(error, CircuitOpenError)
        reconciler = Reconciler(k.journal, k.executor, k.clock, tmp_path / "events")

        results = [reconciler.run_cycle() for _ in range(3)]

        assert [r.state for r in results] == ["mismatch", "mismatch", "breached"]
        assert [m.kind for m in results[0].orders] == ["only_in_journal"]
        assert k.status(lost.client_order_id) == OrderStatus.PENDING_SUBMIT  # not assumed
        assert k.executor.positions() == {}
        assert k.engine.portfolio.position_quantity(DEFAULT_SYMBOL) == Decimal(0)
    finally:
        k.close()
