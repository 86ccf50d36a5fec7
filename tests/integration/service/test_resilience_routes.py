"""The rate gate and circuit breaker routes on a minimal app, and the CLI commands that
call them over HTTP (a real uvicorn server on 127.0.0.1)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Annotated

import pytest
import uvicorn
from fastapi import Depends, FastAPI, HTTPException
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from ai_trader.cli.resilience_command import build_breakers_app, build_rate_gate_app
from ai_trader.core.clock import NANOS_PER_SECOND, TestClock
from ai_trader.core.errors import ConfigurationError, TransientVenueError
from ai_trader.resilience.breaker import BreakerRegistry
from ai_trader.resilience.rate_gate import RateBudget, RateGate
from ai_trader.service.resilience_routes import build_resilience_router

pytestmark = pytest.mark.integration

START = 1_700_000_000 * NANOS_PER_SECOND
TOKENS = {"viewer-token": 0, "operator-token": 1}
VIEWER = {"Authorization": "Bearer viewer-token"}
OPERATOR = {"Authorization": "Bearer operator-token"}
bearer = HTTPBearer(auto_error=False)
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


def require_rank(rank: int):  # type: ignore[no-untyped-def]
    def check(credentials: Credentials) -> None:
        if credentials is None or credentials.credentials not in TOKENS:
            raise HTTPException(401, "missing or invalid token")
        if TOKENS[credentials.credentials] < rank:
            raise HTTPException(403, "role too low")

    return check


def build_app(clock: TestClock, *, wired: bool = True) -> FastAPI:
    app = FastAPI()
    app.include_router(build_resilience_router(require_rank(0), require_rank(1)))

    @app.exception_handler(ConfigurationError)
    async def invalid(request: object, exc: ConfigurationError) -> object:
        from fastapi.responses import JSONResponse

        return JSONResponse({"detail": str(exc)}, status_code=422)

    if wired:
        budgets = {
            "binance": RateBudget(provider="binance", limit=10, window_seconds=60),
            "kraken": RateBudget(provider="kraken", limit=15, window_seconds=45),
        }
        app.state.rate_gate = RateGate(budgets, clock, sleeper=lambda s: None)
        app.state.breakers = BreakerRegistry(clock, failure_threshold=1)
    return app


def trip(breakers: BreakerRegistry, venue: str, group: str) -> None:
    def failing() -> None:
        raise TransientVenueError("timeout")

    with pytest.raises(TransientVenueError):
        breakers.get(venue, group).call(failing)


@pytest.fixture
def clock() -> TestClock:
    return TestClock(START)


@pytest.fixture
def app(clock: TestClock) -> FastAPI:
    return build_app(clock)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as client:
        yield client


# -- routes -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "viewer_may"),
    [
        ("GET", "/rate-gate/status", True),
        ("GET", "/circuit-breakers", True),
        ("POST", "/rate-gate/reset", False),
        ("POST", "/rate-gate/reset/binance", False),
        ("POST", "/circuit-breakers/reset", False),
    ],
)
def test_routes_need_a_token_and_mutations_the_operator_role(
    client: TestClient, method: str, path: str, viewer_may: bool
) -> None:
    assert client.request(method, path).status_code == 401
    assert client.request(method, path, headers=VIEWER).status_code == (200 if viewer_may else 403)
    assert client.request(method, path, headers=OPERATOR).status_code == 200


def test_rate_gate_status_reports_each_provider(client: TestClient, app: FastAPI) -> None:
    app.state.rate_gate.acquire("binance", "order")
    app.state.rate_gate.acquire("binance", "order")

    body = client.get("/rate-gate/status", headers=VIEWER).json()

    assert body == {
        "providers": [
            {
                "provider": "binance",
                "limit": 10,
                "window_seconds": 60.0,
                "used": 2,
                "remaining": 8,
                "backoff_count": 0,
                "last_backoff_at": None,
            },
            {
                "provider": "kraken",
                "limit": 15,
                "window_seconds": 45.0,
                "used": 0,
                "remaining": 15,
                "backoff_count": 0,
                "last_backoff_at": None,
            },
        ]
    }


def test_rate_gate_reset_all_and_one(client: TestClient, app: FastAPI) -> None:
    gate: RateGate = app.state.rate_gate
    gate.acquire("binance", "order")
    gate.acquire("kraken", "order")

    one = client.post("/rate-gate/reset/kraken", headers=OPERATOR)
    assert one.json() == {"reset": ["kraken"]}
    assert {s.provider: s.used for s in gate.status()} == {"binance": 1, "kraken": 0}

    every = client.post("/rate-gate/reset", headers=OPERATOR)
    assert every.json() == {"reset": ["binance", "kraken"]}
    assert all(s.used == 0 for s in gate.status())


def test_rate_gate_reset_unknown_provider_then_404_listing_known(client: TestClient) -> None:
    response = client.post("/rate-gate/reset/bitmex", headers=OPERATOR)

    assert response.status_code == 404
    assert (
        response.json()["detail"] == "no rate budget for provider 'bitmex'; known: binance, kraken"
    )


def test_circuit_breakers_list_and_reset_all(
    client: TestClient, app: FastAPI, clock: TestClock
) -> None:
    breakers: BreakerRegistry = app.state.breakers
    breakers.get("binance", "queries")
    trip(breakers, "binance", "orders")

    body = client.get("/circuit-breakers", headers=VIEWER).json()

    assert body["any_open"] is True
    orders, queries = body["breakers"]
    assert orders["name"] == "binance:orders"
    assert orders["state"] == "open"
    assert orders["failures"] == 1
    assert orders["last_error"] == "TransientVenueError: timeout"
    assert orders["opened_at"].startswith("2023-11-14T22:13:20")
    assert orders["retry_at"].startswith("2023-11-14T22:14:20")
    assert queries["state"] == "closed"
    assert queries["retry_at"] is None

    reset = client.post("/circuit-breakers/reset", headers=OPERATOR)
    assert reset.json() == {"reset": ["binance:orders", "binance:queries"]}
    assert breakers.any_open() is None
    assert client.get("/circuit-breakers", headers=VIEWER).json()["any_open"] is False


def test_routes_when_nothing_wired_then_503(clock: TestClock) -> None:
    with TestClient(build_app(clock, wired=False)) as client:
        gate = client.get("/rate-gate/status", headers=VIEWER)
        breakers = client.get("/circuit-breakers", headers=VIEWER)

    assert gate.status_code == 503
    assert gate.json()["detail"] == "no rate gate is configured"
    assert breakers.status_code == 503


def test_openapi_lists_the_routes(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]

    assert {
        "/rate-gate/status",
        "/rate-gate/reset",
        "/rate-gate/reset/{provider}",
        "/circuit-breakers",
        "/circuit-breakers/reset",
    } <= set(paths)


# -- CLI over HTTP ------------------------------------------------------------------------


@pytest.fixture
def served(app: FastAPI) -> Iterator[str]:
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", ws="none")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_cli_rate_gate_status_and_reset(served: str, app: FastAPI) -> None:
    app.state.rate_gate.acquire("binance", "order")
    runner = CliRunner()
    common = ["--url", served, "--token", "operator-token"]

    status = runner.invoke(build_rate_gate_app(), ["status", *common])
    reset_one = runner.invoke(build_rate_gate_app(), ["reset", "binance", *common])
    reset_all = runner.invoke(build_rate_gate_app(), ["reset", *common])

    assert status.exit_code == 0, status.output
    assert "binance" in status.output
    assert "10 / 60 s" in status.output
    assert reset_one.output.strip() == "reset 1 rate gate providers: binance"
    assert reset_all.output.strip() == "reset 2 rate gate providers: binance, kraken"


def test_cli_rate_gate_reset_unknown_provider_then_one_line_error(served: str) -> None:
    result = CliRunner().invoke(
        build_rate_gate_app(), ["reset", "bitmex", "--url", served, "--token", "operator-token"]
    )

    assert isinstance(result.exception, ConfigurationError)
    assert "404" in str(result.exception)
    assert "known: binance, kraken" in str(result.exception)


def test_cli_breakers_status_and_reset(served: str, app: FastAPI) -> None:
    trip(app.state.breakers, "binance", "orders")
    runner = CliRunner()

    status = runner.invoke(
        build_breakers_app(), ["status", "--url", served, "--token", "viewer-token"]
    )
    refused = runner.invoke(
        build_breakers_app(), ["reset", "--url", served, "--token", "viewer-token"]
    )
    reset = runner.invoke(
        build_breakers_app(), ["reset", "--url", served, "--token", "operator-token"]
    )

    assert status.exit_code == 0, status.output
    assert "binance:orders" in status.output
    assert "open" in status.output
    assert "binance:orders last error: TransientVenueError: timeout" in status.output
    assert "halts new entries" in status.output
    assert isinstance(refused.exception, ConfigurationError)
    assert "403" in str(refused.exception)
    assert reset.output.strip() == "reset 1 circuit breakers: binance:orders"
    assert app.state.breakers.any_open() is None


def test_cli_when_service_unreachable_then_configuration_error() -> None:
    result = CliRunner().invoke(
        build_breakers_app(), ["status", "--url", "http://127.0.0.1:9", "--token", "t"]
    )

    assert isinstance(result.exception, ConfigurationError)
    assert "cannot reach the service" in str(result.exception)
