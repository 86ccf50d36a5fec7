"""The HTTP API against a running service: auth and roles, trading controls, the kill
switch, health, status, trades, metrics, SLOs, signals, backtests and the websocket."""

from __future__ import annotations

import time

import pytest
from tests.integration.service.conftest import Service

from ai_trader.domain.roles import Role

pytestmark = pytest.mark.integration

SYMBOL = "SYN/USD"
PROTECTED_GETS = (
    "/status",
    "/metrics",
    "/observability/slo",
    "/strategy/signals",
    "/trades",
    "/metrics/performance",
    "/metrics/tca",
    "/mode",
)
OPERATOR_POSTS = (
    ("/trading/open", {"symbol": SYMBOL, "side": "buy", "quantity": "1"}),
    ("/trading/close", {"symbol": SYMBOL}),
    ("/trading/close_all", {}),
    ("/trading/disable", {}),
    ("/trading/emergency-stop", {}),
    ("/mode", {"mode": "halt"}),
    ("/paper/backtest", {"bars": 100}),
)


def wait_for(condition, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


def test_ping_and_health_when_no_token_then_open(service: Service) -> None:
    assert service.client.get("/ping").json() == {"pong": True}
    health = service.client.get("/health")
    assert health.status_code == 200
    assert health.json()["status"] == "healthy"


@pytest.mark.parametrize("path", PROTECTED_GETS)
def test_protected_get_when_no_or_bad_token_then_401(service: Service, path: str) -> None:
    missing = service.client.get(path)
    wrong = service.client.get(path, headers={"Authorization": "Bearer ait_nope"})

    assert missing.status_code == 401
    assert missing.headers["www-authenticate"] == "Bearer"
    assert wrong.status_code == 401
    assert service.client.get(path, headers=service.headers(Role.VIEWER)).status_code == 200


@pytest.mark.parametrize(("path", "body"), OPERATOR_POSTS)
def test_mutation_when_viewer_then_403_and_nothing_changes(
    service: Service, path: str, body: dict[str, object]
) -> None:
    response = service.client.post(path, json=body, headers=service.headers(Role.VIEWER))

    assert response.status_code == 403
    assert "needs operator" in response.json()["detail"]
    assert service.client.post(path, json=body).status_code == 401
    assert service.facade.engine.risk.halt is None


def test_open_then_status_trades_close_when_operator_then_round_trip(service: Service) -> None:
    operator = service.headers(Role.OPERATOR)

    opened = service.client.post(
        "/trading/open",
        json={"symbol": SYMBOL, "side": "buy", "quantity": "2", "take_profit": "1000"},
        headers=operator,
    )
    assert opened.status_code == 200, opened.text
    assert opened.json()["status"] == "filled"
    status = service.client.get("/status", headers=operator).json()
    assert any(p["symbol"] == SYMBOL for p in status["portfolio"]["positions"])
    assert any(o["tag"] == "operator" for o in status["portfolio"]["open_orders"])

    closed = service.client.post("/trading/close", json={"symbol": SYMBOL}, headers=operator)
    assert closed.status_code == 200
    assert closed.json()["orders"][0]["status"] == "filled"
    trades = service.client.get("/trades?limit=5", headers=operator).json()["trades"]
    assert trades[0]["strategy"] in ("operator", "sma_cross")
    assert service.facade.engine.portfolio.position_quantity(SYMBOL) == 0.0


@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        ({"symbol": SYMBOL, "side": "buy", "quantity": "1", "stop_loss": "100000"}, 422, "below"),
        ({"symbol": "NOPE/USD", "side": "buy", "quantity": "1"}, 422, "unknown symbol"),
        ({"symbol": SYMBOL, "side": "buy", "order_type": "limit", "quantity": "1"}, 422, "limit"),
        ({"symbol": SYMBOL, "side": "buy"}, 422, "exactly one of quantity"),
        ({"symbol": SYMBOL, "side": "buy", "quantity": "-1"}, 422, "quantity"),
        ({"symbol": SYMBOL, "side": "hold", "quantity": "1"}, 422, "side"),
        ({"symbol": SYMBOL, "side": "buy", "quantity": "1000000"}, 409, "insufficient_cash"),
    ],
)
def test_open_when_request_bad_or_refused_then_4xx_with_reason(
    service: Service, body: dict[str, object], code: int, message: str
) -> None:
    response = service.client.post("/trading/open", json=body, headers=service.headers())

    assert response.status_code == code, response.text
    assert message in response.json()["detail"]


def test_emergency_stop_then_halted_degraded_flat_and_entries_refused(service: Service) -> None:
    admin = service.headers()
    service.client.post(
        "/trading/open", json={"symbol": SYMBOL, "side": "sell", "quantity": "1"}, headers=admin
    )

    stop = service.client.post(
        "/trading/emergency-stop", json={"reason": "drill"}, headers=admin
    ).json()

    assert stop["mode"] == "halt"
    assert stop["halt_reason"] == "emergency stop: drill"
    assert service.facade.engine.portfolio.open_positions() == []
    health = service.client.get("/health").json()
    assert health["status"] == "degraded"
    assert "emergency stop: drill" in health["reasons"][0]
    refused = service.client.post(
        "/trading/open", json={"symbol": SYMBOL, "side": "buy", "quantity": "1"}, headers=admin
    )
    assert refused.status_code == 409
    assert "emergency stop" in refused.json()["detail"]

    resumed = service.client.post("/mode", json={"mode": "paper"}, headers=admin).json()
    assert resumed["halted"] is False
    assert service.client.get("/health").json()["status"] == "healthy"
    audit = service.facade.audit
    assert audit.verify().ok
    trail = [
        (r.actor, r.action, r.details.get("command", r.details.get("to"))) for r in audit.records()
    ]
    assert ("test-admin", "operator_action", "open") in trail
    assert ("test-admin", "mode_change", "halt") in trail
    assert ("test-admin", "operator_action", "emergency_stop") in trail
    assert ("test-admin", "mode_change", "paper") in trail


def test_mode_when_halt_with_until_then_reported_and_state_store_holds_it(
    service: Service,
) -> None:
    admin = service.headers()
    response = service.client.post(
        "/mode",
        json={"mode": "halt", "reason": "news", "until": "2099-01-01T00:00:00Z"},
        headers=admin,
    ).json()

    assert response["mode"] == "halt"
    assert response["halt_reason"] == "news"
    assert response["trading_halted_until"].startswith("2099-01-01T00:00:00")
    assert service.facade.storage.state.mode.value == "halt"
    bad = service.client.post(
        "/mode", json={"mode": "paper", "until": "2099-01-01T00:00:00Z"}, headers=admin
    )
    assert bad.status_code == 422
    assert "halt mode only" in bad.json()["detail"]


def test_mode_when_changed_in_state_store_by_another_process_then_applied_next_tick(
    service: Service,
) -> None:
    service.facade.storage.state.mode = service.facade.storage.state.mode.HALT

    wait_for(lambda: service.facade.engine.risk.halt is not None, timeout=5)

    mode = service.client.get("/mode", headers=service.headers()).json()
    assert mode["mode"] == "halt"
    assert mode["halt_reason"] == "mode set to halt in the state store"


def test_manual_mode_when_strategies_signal_then_nothing_traded(service: Service) -> None:
    admin = service.headers()
    service.client.post("/mode", json={"mode": "manual"}, headers=admin)
    fills_before = len(service.facade.storage.journal.fills())
    start = service.facade.bars_seen

    wait_for(lambda: service.facade.bars_seen > start + 60, timeout=15)

    assert len(service.facade.storage.journal.fills()) == fills_before
    assert service.client.get("/mode", headers=admin).json()["mode"] == "manual"


def test_metrics_slo_signals_performance_when_viewer_then_served(service: Service) -> None:
    viewer = service.headers(Role.VIEWER)
    service.client.post(
        "/trading/open",
        json={"symbol": SYMBOL, "side": "buy", "quantity": "1"},
        headers=service.headers(),
    )
    service.facade.tick()

    metrics = service.client.get("/metrics", headers=viewer)
    assert metrics.headers["content-type"].startswith("text/plain")
    for name in (
        "ai_trader_orders_total",
        "ai_trader_order_latency_seconds",
        "ai_trader_slo_compliance_ratio",
        "bot_running",
        "api_connected",
        "trading_halted",
        "last_heartbeat",
        "total_equity",
        "daily_pnl",
        "open_positions",
        "backup_count",
        "ai_trader_http_request_duration_seconds",
    ):
        assert name in metrics.text, name
    slo = service.client.get("/observability/slo", headers=viewer).json()
    assert slo["slos"]["order_success"]["target"] == 0.98
    assert slo["slos"]["order_success"]["samples"] >= 1
    assert slo["tier"] in ("A", "B", "C")
    signals = service.client.get("/strategy/signals?limit=5", headers=viewer).json()
    assert signals["strategies"] == ["sma_cross"]
    performance = service.client.get("/metrics/performance", headers=viewer).json()
    assert performance["bars"] > 0
    [venue] = service.client.get("/metrics/tca", headers=viewer).json()["venues"]
    assert venue["orders_filled"] >= 1
    assert venue["fill_rate"] is not None
    assert "ai_trader_tca_fill_rate" in service.client.get("/metrics", headers=viewer).text
    assert service.client.get("/trades?limit=0", headers=viewer).status_code == 422


def test_backtest_when_operator_then_stats_curve_and_trades_with_fees(service: Service) -> None:
    response = service.client.post(
        "/paper/backtest",
        json={"strategy": "sma_cross", "params": {"fast": 5, "slow": 20}, "bars": 3000},
        headers=service.headers(Role.OPERATOR),
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["stats"]["bars"] == 3000
    assert 0 < len(body["equity_curve"]) <= 1000
    assert body["trades"]
    assert all(float(t["fees"]) > 0 for t in body["trades"])
    bad = service.client.post(
        "/paper/backtest", json={"strategy": "nope"}, headers=service.headers()
    )
    assert bad.status_code == 422
    assert "nope" in bad.json()["detail"]


def test_request_body_when_over_the_limit_then_413(service: Service) -> None:
    response = service.client.post(
        "/trading/close",
        content=b'{"symbol": "' + b"x" * 2_000_000 + b'"}',
        headers={**service.headers(), "content-type": "application/json"},
    )

    assert response.status_code == 413


def test_request_id_when_given_then_echoed_and_cors_headers_absent(service: Service) -> None:
    response = service.client.get(
        "/ping", headers={"X-Request-ID": "abc-123", "Origin": "https://evil.example"}
    )

    assert response.headers["x-request-id"] == "abc-123"
    assert "access-control-allow-origin" not in response.headers
    generated = service.client.get("/ping").headers["x-request-id"]
    assert len(generated) == 32


def test_websocket_when_token_then_hello_bars_and_mode_changes(service: Service) -> None:
    token = service.tokens[Role.VIEWER]
    with service.client.websocket_connect(f"/ws/market?token={token}") as socket:
        hello = socket.receive_json()
        assert hello["type"] == "hello"
        assert hello["mode"] == "paper"
        seen = {socket.receive_json()["type"] for _ in range(3)}
        assert "bar" in seen
        service.client.post(
            "/mode", json={"mode": "halt", "reason": "ws"}, headers=service.headers()
        )
        types = set()
        for _ in range(50):
            message = socket.receive_json()
            types.add(message["type"])
            if message["type"] == "mode":
                assert message["halted"] is True
                break
        assert "mode" in types


def test_websocket_when_no_token_then_closed(service: Service) -> None:
    from starlette.websockets import WebSocketDisconnect

    with (
        pytest.raises(WebSocketDisconnect) as closed,
        service.client.websocket_connect("/ws/market") as socket,
    ):
        socket.receive_json()
    assert closed.value.code == 4401
