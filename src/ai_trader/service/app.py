"""``create_app(settings, facade, authenticator, metrics)``: the HTTP API (SPEC API-1, API-2).

No global state: everything the routes need hangs off ``app.state``. ``/ping`` and
``/health`` are open; every other route needs a bearer token of at least the viewer role,
and every route that changes something the operator role (see ``docs/reference/api.md``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Query, Request, WebSocket, status
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.websockets import WebSocketDisconnect

from ai_trader import __version__
from ai_trader.config import Settings
from ai_trader.core.errors import AiTraderError, ConfigurationError, NotFoundError
from ai_trader.domain.roles import Role
from ai_trader.observability.metrics import TradingMetrics
from ai_trader.service import schemas
from ai_trader.service.auth import Authenticator, Principal
from ai_trader.service.backtests import (
    latest_report,
    run_backtest_report,
    run_backtest_request,
)
from ai_trader.service.dashboard_routes import build_dashboard_router
from ai_trader.service.facade import ActionRefusedError, TradingFacade
from ai_trader.service.middleware import BodySizeLimitMiddleware, RequestContextMiddleware
from ai_trader.service.operations_routes import build_operations_router
from ai_trader.service.resilience_routes import build_resilience_router
from ai_trader.service.slack_app import build_slack_router

logger = logging.getLogger(__name__)

TICK_SECONDS = 1.0
GZIP_MINIMUM_BYTES = 2_048
bearer = HTTPBearer(auto_error=False, description="ai-trader token (ai-trader token create)")
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]

ERRORS = schemas.AUTH_ERRORS
MUTATION_ERRORS: dict[int | str, dict[str, Any]] = {
    **ERRORS,
    409: {"model": schemas.ErrorResponse, "description": "refused now (risk, halt, no price)"},
    422: {"model": schemas.ErrorResponse, "description": "invalid request"},
}

BACKTEST_RESPONSES: dict[str, Any] = {
    "description": "statistics as JSON; with report=true the HTML report",
    "content": {"text/html": {"schema": {"type": "string"}}},
}


def require(role: Role) -> Callable[[Request, Credentials], Principal]:
    def check(request: Request, credentials: Credentials) -> Principal:
        if credentials is None or credentials.scheme.lower() != "bearer":
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                "missing bearer token",
                headers={"WWW-Authenticate": "Bearer"},
            )
        authenticator: Authenticator = request.app.state.authenticator
        principal = authenticator.authenticate(credentials.credentials)
        if principal is None:
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                "invalid or revoked token",
                headers={"WWW-Authenticate": "Bearer"},
            )
        if not principal.role.allows(role):
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                f"role {principal.role.value} may not do this; it needs {role.value} or above",
            )
        return principal

    return check


Viewer = Annotated[Principal, Depends(require(Role.VIEWER))]
Operator = Annotated[Principal, Depends(require(Role.OPERATOR))]


def facade_of(request: Request) -> TradingFacade:
    facade: TradingFacade = request.app.state.facade
    return facade


Facade = Annotated[TradingFacade, Depends(facade_of)]


def create_app(
    settings: Settings,
    facade: TradingFacade,
    authenticator: Authenticator,
    metrics: TradingMetrics,
    *,
    background_tasks: bool | None = None,
) -> FastAPI:
    run_background = settings.enable_bg_tasks if background_tasks is None else background_tasks

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        metrics.set_api_connected(True)
        ticker = asyncio.create_task(_tick_forever(facade)) if run_background else None
        try:
            yield
        finally:
            metrics.set_api_connected(False)
            if ticker is not None:
                ticker.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await ticker

    app = FastAPI(
        title="ai-trader",
        version=__version__,
        description="Trading service: status, trading controls, modes, metrics and SLOs.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.facade = facade
    app.state.authenticator = authenticator
    app.state.metrics = metrics
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.api_max_body_bytes)
    # The dashboard polls its state (tens of kB of curve) every few seconds, often from a
    # phone, and backtest reports are megabytes of HTML and JavaScript: both shrink 5-10x.
    app.add_middleware(GZipMiddleware, minimum_size=GZIP_MINIMUM_BYTES)
    app.add_middleware(RequestContextMiddleware, metrics=metrics)
    if settings.api_cors_origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.api_cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type"],
        )
    app.state.breakers = facade.breakers
    app.state.rate_gate = facade.rate_gate
    _install_error_handlers(app)
    _install_routes(app)
    app.include_router(build_resilience_router(require(Role.VIEWER), require(Role.OPERATOR)))
    app.include_router(build_operations_router(require(Role.VIEWER), require(Role.OPERATOR)))
    app.include_router(build_dashboard_router(require(Role.VIEWER)))
    app.include_router(build_slack_router(settings, facade))
    return app


async def _tick_forever(facade: TradingFacade) -> None:
    while True:
        try:
            await asyncio.to_thread(facade.tick)
        except Exception:  # a failed tick must not end the service; the log says why
            logger.exception("background tick failed")
        await asyncio.sleep(TICK_SECONDS)


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ConfigurationError)
    async def invalid(request: Request, exc: ConfigurationError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=422)

    @app.exception_handler(NotFoundError)
    async def not_found(request: Request, exc: NotFoundError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=404)

    @app.exception_handler(ActionRefusedError)
    async def refused(request: Request, exc: ActionRefusedError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=409)

    @app.exception_handler(AiTraderError)
    async def domain_error(request: Request, exc: AiTraderError) -> JSONResponse:
        logger.error("request failed: %s", exc)
        return JSONResponse({"detail": str(exc)}, status_code=409)

    @app.exception_handler(RequestValidationError)
    async def validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        first = errors[0] if errors else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body") or "request"
        return JSONResponse(
            {"detail": f"{where}: {first.get('msg', 'invalid')}", "errors": _plain(errors)},
            status_code=422,
        )


def _plain(errors: Any) -> Any:
    """Validation errors as JSON-safe data (a ``ctx`` may hold an exception object)."""
    return [{k: v for k, v in e.items() if k in ("loc", "msg", "type")} for e in errors]


def _install_routes(app: FastAPI) -> None:  # noqa: C901 - one place lists every route
    # -- open ---------------------------------------------------------------------------

    @app.get("/ping", response_model=schemas.Pong, tags=["health"])
    def ping() -> schemas.Pong:
        """Liveness of the HTTP server only."""
        return schemas.Pong()

    @app.get(
        "/health",
        response_model=schemas.HealthResponse,
        tags=["health"],
        responses={503: {"model": schemas.HealthResponse, "description": "unhealthy"}},
    )
    def health(facade: Facade) -> JSONResponse:
        """healthy, degraded (trading halted but running) or unhealthy (503)."""
        report = facade.health()
        code = 503 if report.status == "unhealthy" else 200
        return JSONResponse(report.model_dump(mode="json"), status_code=code)

    # -- viewer -------------------------------------------------------------------------

    @app.get("/status", response_model=schemas.StatusResponse, tags=["status"], responses=ERRORS)
    def status_(facade: Facade, _: Viewer) -> schemas.StatusResponse:
        """Portfolio, performance, trading state (mode, halt) and components."""
        return facade.status()

    @app.get(
        "/metrics",
        tags=["observability"],
        responses={**ERRORS, 200: {"content": {"text/plain": {}}, "description": "Prometheus"}},
        response_class=Response,
    )
    async def metrics(facade: Facade, _: Viewer) -> Response:
        """Prometheus exposition (text format 0.0.4). Served on the event loop: it takes
        no lock and does no I/O, so the thread pool hop would only add latency."""
        body, content_type = facade.metrics_exposition()
        return Response(body, media_type=content_type)

    @app.get(
        "/observability/slo",
        response_model=schemas.SloResponse,
        tags=["observability"],
        responses=ERRORS,
    )
    def slo(facade: Facade, _: Viewer) -> schemas.SloResponse:
        """Each SLO's target, actual value over the rolling window and whether it is met."""
        return facade.slo_report()

    @app.get(
        "/strategy/signals",
        response_model=schemas.SignalsResponse,
        tags=["strategy"],
        responses=ERRORS,
    )
    def signals(
        facade: Facade, _: Viewer, limit: Annotated[int, Query(ge=1, le=100)] = 20
    ) -> schemas.SignalsResponse:
        """The strategies and their latest signals, newest first."""
        return facade.signals(limit)

    @app.get("/trades", response_model=schemas.TradesResponse, tags=["trading"], responses=ERRORS)
    def trades(
        facade: Facade, _: Viewer, limit: Annotated[int, Query(ge=1, le=1000)] = 50
    ) -> schemas.TradesResponse:
        """Closed trades, newest first, with fees and net P&L."""
        return facade.trades(limit)

    @app.get(
        "/metrics/performance",
        response_model=schemas.PerformanceResponse,
        tags=["observability"],
        responses=ERRORS,
    )
    def performance(facade: Facade, _: Viewer) -> schemas.PerformanceResponse:
        """Statistics of this run so far (return, Sharpe, drawdown, win rate, fees)."""
        return facade.performance()

    @app.get(
        "/metrics/tca",
        response_model=schemas.TcaResponse,
        tags=["observability"],
        responses=ERRORS,
    )
    def tca(facade: Facade, _: Viewer) -> schemas.TcaResponse:
        """Per venue: fill rate, slippage against the decision price, fill latency."""
        return facade.tca_scorecard()

    @app.get("/mode", response_model=schemas.ModeResponse, tags=["mode"], responses=ERRORS)
    def get_mode(facade: Facade, _: Viewer) -> schemas.ModeResponse:
        return facade.mode()

    # -- operator -----------------------------------------------------------------------

    @app.post(
        "/mode", response_model=schemas.ModeResponse, tags=["mode"], responses=MUTATION_ERRORS
    )
    def set_mode(body: schemas.ModeRequest, facade: Facade, who: Operator) -> schemas.ModeResponse:
        """auto | manual | paper | halt (kill switch, with a reason and optional end)."""
        return facade.set_mode(body.mode, reason=body.reason, actor=who.name, until=body.until)

    @app.post(
        "/trading/open",
        response_model=schemas.OrderResult,
        tags=["trading"],
        responses=MUTATION_ERRORS,
    )
    def open_position(
        body: schemas.OpenRequest, facade: Facade, who: Operator
    ) -> schemas.OrderResult:
        """Market or limit entry sized by quantity or risk fraction, optional stop and
        take-profit; refused (409) while halted or when risk denies it."""
        return facade.open_position(body, who.name)

    @app.post(
        "/trading/close",
        response_model=schemas.ActionResult,
        tags=["trading"],
        responses=MUTATION_ERRORS,
    )
    def close(body: schemas.CloseRequest, facade: Facade, who: Operator) -> schemas.ActionResult:
        """Cancel the symbol's working orders and flatten its position."""
        return facade.close_position(body.symbol, body.reason, who.name)

    @app.post(
        "/trading/close_all",
        response_model=schemas.ActionResult,
        tags=["trading"],
        responses=MUTATION_ERRORS,
    )
    def close_all(
        facade: Facade, who: Operator, body: schemas.ReasonRequest | None = None
    ) -> schemas.ActionResult:
        """Flatten every position."""
        return facade.close_all((body or schemas.ReasonRequest()).reason, who.name)

    @app.post(
        "/trading/disable",
        response_model=schemas.ActionResult,
        tags=["trading"],
        responses=MUTATION_ERRORS,
    )
    def disable(
        facade: Facade, who: Operator, body: schemas.ReasonRequest | None = None
    ) -> schemas.ActionResult:
        """Mode halt: no new entries; positions and their exits stay."""
        return facade.disable((body or schemas.ReasonRequest()).reason, who.name)

    @app.post(
        "/trading/emergency-stop",
        response_model=schemas.ActionResult,
        tags=["trading"],
        responses=MUTATION_ERRORS,
    )
    def emergency_stop(
        facade: Facade, who: Operator, body: schemas.ReasonRequest | None = None
    ) -> schemas.ActionResult:
        """Halt, cancel every working order, flatten every position."""
        return facade.emergency_stop((body or schemas.ReasonRequest()).reason, who.name)

    @app.get("/capital", response_model=schemas.CapitalResponse, tags=["capital"], responses=ERRORS)
    def capital(facade: Facade, _: Viewer) -> schemas.CapitalResponse:
        """The capital stage in use, who approved it and the recent changes."""
        return facade.capital_view()

    @app.post(
        "/capital/stage",
        response_model=schemas.CapitalResponse,
        tags=["capital"],
        responses=MUTATION_ERRORS,
    )
    def capital_stage(
        body: schemas.CapitalRequest, facade: Facade, who: Operator
    ) -> schemas.CapitalResponse:
        """Move to a capital stage (one step up at most; refused at SLO tier C); recorded
        with who, when and why."""
        return facade.stage_capital(body.stage, body.reason, who.name)

    @app.get("/canary", response_model=schemas.CanaryResponse, tags=["canary"], responses=ERRORS)
    def canary(facade: Facade, _: Viewer) -> schemas.CanaryResponse:
        """The blue and green configurations and which is active."""
        return facade.canary_view()

    @app.post(
        "/canary/switch",
        response_model=schemas.CanaryResponse,
        tags=["canary"],
        responses=MUTATION_ERRORS,
    )
    def canary_switch(
        body: schemas.CanaryRequest, facade: Facade, who: Operator
    ) -> schemas.CanaryResponse:
        """Activate a colour, or roll back to the other one when no colour is given."""
        return facade.canary_switch(body.color, body.reason, who.name)

    @app.get("/heal", response_model=schemas.HealResponse, tags=["auto-heal"], responses=ERRORS)
    def heal_list(facade: Facade, _: Viewer) -> schemas.HealResponse:
        """Auto-heal snapshots (one per component) and how often this run healed."""
        return facade.heal_snapshots()

    @app.post(
        "/heal/replay/{component}",
        response_model=schemas.HealReplayResponse,
        tags=["auto-heal"],
        responses={**MUTATION_ERRORS, 404: {"model": schemas.ErrorResponse}},
    )
    def heal_replay(component: str, facade: Facade, who: Operator) -> schemas.HealReplayResponse:
        """Rebuild the component from its snapshot between two bars (recovery runs first)."""
        try:
            outcome = facade.replay_heal(component, who.name)
        except ConfigurationError as exc:
            raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
        return schemas.HealReplayResponse(component=component, outcome=outcome)

    @app.post(
        "/paper/backtest",
        response_model=schemas.BacktestResponse,
        tags=["backtest"],
        responses={**MUTATION_ERRORS, 200: BACKTEST_RESPONSES},
    )
    def backtest(
        body: schemas.BacktestRequest, who: Operator, facade: Facade
    ) -> schemas.BacktestResponse | Response:
        """Backtest a strategy on the seeded synthetic market: stats, equity curve, trades
        with fees; with ``report: true`` the self-contained HTML report instead, also kept
        as the latest (``GET /reports/backtest/latest``). Operator role: it costs CPU the
        trading loop shares."""
        if body.report:
            return HTMLResponse(run_backtest_report(body, facade.reports.output_dir))
        return run_backtest_request(body)

    @app.get(
        "/reports/backtest/latest",
        response_class=HTMLResponse,
        tags=["backtest"],
        responses={
            **ERRORS,
            200: {"content": {"text/html": {"schema": {"type": "string"}}}},
            404: {"model": schemas.ErrorResponse, "description": "no report made yet"},
        },
    )
    def latest_backtest_report(who: Viewer, facade: Facade) -> FileResponse:
        """The last backtest report the service made (``POST /paper/backtest`` with
        ``report: true``), one offline HTML file."""
        path = latest_report(facade.reports.output_dir)
        return FileResponse(path, media_type="text/html", headers={"Cache-Control": "no-store"})

    # -- websocket ----------------------------------------------------------------------

    @app.websocket("/ws/market")
    async def market_stream(websocket: WebSocket) -> None:
        """Bars, fills and mode changes as JSON messages. Token as ``?token=`` or bearer."""
        principal = _websocket_principal(websocket)
        if principal is None:
            await websocket.close(code=4401, reason="missing, invalid or revoked token")
            return
        facade_: TradingFacade = websocket.app.state.facade
        await websocket.accept()
        subscription = facade_.hub.subscribe()
        try:
            await websocket.send_json({"type": "hello", **facade_.mode().model_dump(mode="json")})
            while True:
                message = await subscription.queue.get()
                await websocket.send_json(message)
        except WebSocketDisconnect:
            pass
        finally:
            facade_.hub.unsubscribe(subscription)


def _websocket_principal(websocket: WebSocket) -> Principal | None:
    token = websocket.query_params.get("token")
    header = websocket.headers.get("authorization", "")
    if token is None and header.lower().startswith("bearer "):
        token = header[7:].strip()
    if not token:
        return None
    authenticator: Authenticator = websocket.app.state.authenticator
    principal = authenticator.authenticate(token)
    if principal is None or not principal.role.allows(Role.VIEWER):
        return None
    return principal
