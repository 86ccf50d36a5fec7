"""Auto-heal on a running service: the paper venue's storage fails under the trading loop;
the service writes the snapshot, rebuilds the executor from durable state, reconciles, and
trades on — no order lost or duplicated; an operator can also ask for a rebuild."""

from __future__ import annotations

import time

import pytest
from tests.integration.service.conftest import Service

from ai_trader.adapters.sim.ledger import PersistentSimulatedVenue
from ai_trader.domain.roles import Role
from ai_trader.runtime.auto_heal import TRADING_EXECUTOR

pytestmark = pytest.mark.integration


def wait_for(condition, timeout: float = 15.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


def test_executor_failure_when_venue_storage_breaks_then_healed_and_trading_goes_on(
    service: Service,
) -> None:
    admin = service.headers()
    opened = service.client.post(
        "/trading/open", json={"symbol": "SYN/USD", "side": "buy", "quantity": "2"}, headers=admin
    )
    assert opened.status_code == 200
    facade = service.facade
    with facade.engine_lock:
        venue = facade.session.session.venue
        assert isinstance(venue, PersistentSimulatedVenue)
        venue.ledger.close()  # the venue's storage is gone under the running loop

    wait_for(lambda: facade.heals == 1)
    seen = facade.bars_seen
    wait_for(lambda: facade.bars_seen > seen + 5)

    snapshot = facade.heal_store.get(TRADING_EXECUTOR)
    assert snapshot is not None
    assert snapshot.replayed_at is not None
    assert "closed database" in snapshot.error_message
    health = service.client.get("/health").json()
    assert health["status"] == "healthy", health
    with facade.engine_lock:
        journal = facade.storage.journal.positions_from_fills()
        venue_positions = dict(facade.session.venue.positions())
        engine_quantity = facade.engine.portfolio.position("SYN/USD").quantity
    journaled = journal["SYN/USD"].quantity if "SYN/USD" in journal else 0
    assert engine_quantity == journaled == venue_positions.get("SYN/USD", 0)
    listed = service.client.get("/heal", headers=service.headers(Role.VIEWER)).json()
    assert listed["heals_this_run"] == 1
    assert listed["snapshots"][0]["component"] == TRADING_EXECUTOR


def test_heal_replay_when_requested_then_rebuilt_between_bars(service: Service) -> None:
    facade = service.facade
    facade.heal_store.record_failure(
        TRADING_EXECUTOR,
        RuntimeError("drill"),
        exec_mode="paper",
        dry_run=True,
        venue="SIM",
        testnet=False,
        config={},
    )
    old_engine = facade.engine

    response = service.client.post(f"/heal/replay/{TRADING_EXECUTOR}", headers=service.headers())

    assert response.status_code == 200, response.text
    wait_for(lambda: facade.engine is not old_engine)
    seen = facade.bars_seen
    wait_for(lambda: facade.bars_seen > seen + 3)
    assert facade.running
    unknown = service.client.post("/heal/replay/broker", headers=service.headers())
    assert unknown.status_code == 404
    viewer = service.client.post(
        f"/heal/replay/{TRADING_EXECUTOR}", headers=service.headers(Role.VIEWER)
    )
    assert viewer.status_code == 403
