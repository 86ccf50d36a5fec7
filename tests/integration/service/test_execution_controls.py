"""Execution controls on a running service: capital staging with approvals (one step up,
refused at SLO tier C), blue/green switch and rollback, a position changed behind the
engine's back found by reconciliation (3 mismatching cycles halt entries), and an open
circuit breaker halting entries until it is reset."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.integration.service.conftest import Service, make_settings, start_service

from ai_trader.adapters.sim.ledger import PersistentSimulatedVenue
from ai_trader.core.errors import TransientVenueError
from ai_trader.domain.enums import Side
from ai_trader.domain.roles import Role
from ai_trader.testing import market_order

pytestmark = pytest.mark.integration


def wait_for(condition, timeout: float = 15.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


@pytest.fixture
def fast_service(tmp_path: Path) -> Iterator[Service]:
    yield from start_service(
        tmp_path, make_settings(tmp_path, RECONCILIATION_INTERVAL_SECONDS="0.1")
    )


def test_capital_stage_when_approved_then_recorded_and_one_step_up_only(
    service: Service,
) -> None:
    operator = service.headers(Role.OPERATOR)

    down = service.client.post(
        "/capital/stage", json={"stage": 20, "reason": "new venue"}, headers=operator
    )
    assert down.status_code == 200, down.text
    view = down.json()
    assert view["percent"] == 20
    assert view["approved_by"] == "test-operator"
    assert view["effective_capital"] == pytest.approx(20_000.0)
    assert view["history"][0]["to_percent"] == 20
    assert service.facade.storage.state.capital_effective == pytest.approx(0.2)
    too_big = service.client.post(  # about 30 % of equity, over the 20 % stage
        "/trading/open",
        json={"symbol": "SYN/USD", "side": "buy", "quantity": "300"},
        headers=operator,
    )
    assert too_big.status_code == 409
    assert too_big.json()["detail"].startswith("order denied: max_position")

    jump = service.client.post(
        "/capital/stage", json={"stage": 50, "reason": "greedy"}, headers=operator
    )
    assert jump.status_code == 409
    assert "up one stage at a time: from 20% the next stage is 30%" in jump.json()["detail"]
    odd = service.client.post("/capital/stage", json={"stage": 40, "reason": "x"}, headers=operator)
    assert odd.status_code == 422
    up = service.client.post("/capital/stage", json={"stage": 30, "reason": "ok"}, headers=operator)
    assert up.status_code == 200


def test_capital_stage_when_slo_tier_c_then_refused(service: Service) -> None:
    for _ in range(20):
        service.facade.slo.record_order(False, 5.0)
    assert service.facade.slo.report().tier == "C"

    refused = service.client.post(
        "/capital/stage", json={"stage": 70, "reason": "try"}, headers=service.headers()
    )

    assert refused.status_code == 409
    assert refused.json()["detail"].startswith(
        "capital staging is disabled while the SLO tier is C"
    )


def test_canary_when_both_colors_configured_then_switch_and_rollback_audited(
    service: Service,
) -> None:
    config = Path(service.settings.canary_config_dir)
    config.mkdir(parents=True, exist_ok=True)
    (config / "blue.toml").write_text(
        '[strategy]\nname = "sma_cross"\n[strategy.params]\nfast = 5\nslow = 20\n'
    )
    (config / "green.toml").write_text('[strategy]\nname = "breakout"\n')
    admin = service.headers()

    switched = service.client.post(
        "/canary/switch", json={"color": "green", "reason": "canary"}, headers=admin
    ).json()
    assert switched["active"] == "green"
    wait_for(lambda: [st.name for st in service.facade.engine.strategies] == ["breakout"])
    back = service.client.post("/canary/switch", json={"reason": "bad fills"}, headers=admin)
    assert back.json()["active"] == "blue"
    wait_for(lambda: [st.name for st in service.facade.engine.strategies] == ["sma_cross"])
    assert service.facade.running
    audit = service.facade.storage.repositories.audit_events.list_recent(5)
    assert {row.action for row in audit} >= {"canary_switch", "canary_rollback"}
    assert service.client.get("/canary", headers=service.headers(Role.VIEWER)).status_code == 200


def test_reconciliation_when_position_changed_behind_our_back_then_entries_halted(
    fast_service: Service,
) -> None:
    facade = fast_service.facade
    with facade.engine_lock:
        venue = facade.session.venue
        assert isinstance(venue, PersistentSimulatedVenue)
        venue.connect(lambda event: None)  # another client trades on the same account
        venue.submit(market_order(Side.BUY, 3, client_order_id="someone-else-1", symbol="SYN/USD"))
        venue.connect(facade.engine.process)

    wait_for(lambda: facade.engine.risk.halt is not None)

    halt = facade.engine.risk.halt
    assert halt is not None
    assert halt.reason.startswith("reconciliation: 3 consecutive mismatching cycles")
    events = facade.results_dir / "position_reconciliation_events.jsonl"
    lines = [json.loads(line) for line in events.read_text().splitlines()]
    assert lines[-1]["clean"] is False
    health = fast_service.client.get("/health").json()
    assert health["status"] == "degraded"
    metrics = fast_service.client.get("/metrics", headers=fast_service.headers()).text
    consecutive = next(
        line
        for line in metrics.splitlines()
        if line.startswith("ai_trader_reconciliation_consecutive_mismatches ")
    )
    assert float(consecutive.split()[1]) >= 3


def test_open_circuit_breaker_halts_entries_until_reset(service: Service) -> None:
    breaker = service.facade.breakers.get("SIM", "orders")

    def failing() -> None:
        raise TransientVenueError("venue timeout")

    for _ in range(5):
        with pytest.raises(TransientVenueError):
            breaker.call(failing)
    service.facade.tick()

    halt = service.facade.engine.risk.halt
    assert halt is not None
    assert halt.reason.startswith("circuit breaker SIM:orders open")
    breakers = service.client.get("/circuit-breakers", headers=service.headers()).json()
    assert any(b["state"] == "open" for b in breakers["breakers"])

    reset = service.client.post("/circuit-breakers/reset", headers=service.headers())
    assert reset.status_code == 200
    service.facade.tick()
    assert service.facade.engine.risk.halt is None


def test_a_reconciliation_halt_restored_at_start_lifts_after_two_clean_cycles(
    fast_service: Service,
) -> None:
    """After a restart (or an auto-heal rebuild) the halt comes back from the state store
    while the new reconciler starts clean: two clean cycles must still resume entries."""
    facade = fast_service.facade
    reason = "reconciliation: 3 consecutive mismatching cycles (before the restart)"
    with facade.engine_lock:
        facade.engine.halt_entries(reason)
        publisher = facade.session.publisher
        assert publisher is not None
        publisher.publish()  # the halt is in the state store, as after a real breach
        old_engine = facade.engine
    facade._rebuild("test: rebuild from durable state")  # what auto-heal and restarts do
    wait_for(lambda: facade.engine is not old_engine)
    restored = facade.engine.risk.halt
    assert restored is not None
    assert restored.reason == reason

    wait_for(lambda: (facade.tick(), facade.engine.risk.halt)[1] is None)

    assert facade.reconciliation is not None
    last = facade.reconciliation.reconciler.last_result
    assert last is not None
    assert last.consecutive_clean >= 2
