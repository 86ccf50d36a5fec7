"""Routes for the rate gate and the circuit breakers (SPEC EXE-3, EXE-4).

``build_resilience_router(require_viewer, require_operator)`` takes the two auth
dependencies, so this module needs nothing from ``app.py``. The routes read the
``BreakerRegistry`` from ``app.state.breakers`` and the ``RateGate`` from
``app.state.rate_gate``; without them (no live venue configured) they answer 503.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request, status
from pydantic import BaseModel, ConfigDict

from ai_trader.resilience.breaker import BreakerRegistry, BreakerState
from ai_trader.resilience.rate_gate import RateGate, UnknownProviderError
from ai_trader.service.schemas import AUTH_ERRORS, ErrorResponse

ERRORS: dict[int | str, dict[str, Any]] = {
    **AUTH_ERRORS,
    503: {"model": ErrorResponse, "description": "no rate gate or circuit breakers configured"},
}


class _Response(BaseModel):
    model_config = ConfigDict(frozen=True)


class ProviderStatusModel(_Response):
    provider: str
    limit: int
    window_seconds: float
    used: int
    remaining: int
    backoff_count: int
    last_backoff_at: datetime | None


class RateGateStatusResponse(_Response):
    providers: list[ProviderStatusModel]


class BreakerStatusModel(_Response):
    name: str
    state: BreakerState
    failures: int
    opened_at: datetime | None
    last_error: str | None
    retry_at: datetime | None


class CircuitBreakersResponse(_Response):
    breakers: list[BreakerStatusModel]
    any_open: bool


class ResetResponse(_Response):
    reset: list[str]


def rate_gate_of(request: Request) -> RateGate:
    gate: RateGate | None = getattr(request.app.state, "rate_gate", None)
    if gate is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "no rate gate is configured")
    return gate


def breakers_of(request: Request) -> BreakerRegistry:
    breakers: BreakerRegistry | None = getattr(request.app.state, "breakers", None)
    if breakers is None:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE, "no circuit breakers are configured"
        )
    return breakers


Gate = Annotated[RateGate, Depends(rate_gate_of)]
Breakers = Annotated[BreakerRegistry, Depends(breakers_of)]


def build_resilience_router(
    require_viewer: Callable[..., Any], require_operator: Callable[..., Any]
) -> APIRouter:
    router = APIRouter(tags=["resilience"], responses=ERRORS)
    viewer = [Depends(require_viewer)]
    operator = [Depends(require_operator)]

    @router.get("/rate-gate/status", response_model=RateGateStatusResponse, dependencies=viewer)
    def rate_gate_status(gate: Gate) -> RateGateStatusResponse:
        """Each provider's budget, the weight used in the current window and its backoffs."""
        return _gate_status(gate)

    @router.post("/rate-gate/reset", response_model=ResetResponse, dependencies=operator)
    def rate_gate_reset(gate: Gate) -> ResetResponse:
        """Empty every provider's window and backoff count."""
        return ResetResponse(reset=gate.reset())

    @router.post(
        "/rate-gate/reset/{provider}",
        response_model=ResetResponse,
        dependencies=operator,
        responses={404: {"model": ErrorResponse, "description": "no budget for this provider"}},
    )
    def rate_gate_reset_provider(provider: str, gate: Gate) -> ResetResponse:
        """Empty one provider's window and backoff count."""
        try:
            return ResetResponse(reset=gate.reset(provider))
        except UnknownProviderError as exc:
            raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None

    @router.get("/circuit-breakers", response_model=CircuitBreakersResponse, dependencies=viewer)
    def circuit_breakers(
        breakers: Breakers,
    ) -> CircuitBreakersResponse:
        """Every breaker: state, consecutive failures, last error, when it may retry."""
        return _breakers_status(breakers)

    @router.post("/circuit-breakers/reset", response_model=ResetResponse, dependencies=operator)
    def circuit_breakers_reset(
        breakers: Breakers,
    ) -> ResetResponse:
        """Close every breaker (``reset_all``)."""
        return ResetResponse(reset=breakers.reset_all())

    return router


def _gate_status(gate: RateGate) -> RateGateStatusResponse:
    return RateGateStatusResponse(
        providers=[
            ProviderStatusModel(
                provider=s.provider,
                limit=s.limit,
                window_seconds=s.window_seconds,
                used=s.used,
                remaining=s.remaining,
                backoff_count=s.backoff_count,
                last_backoff_at=s.last_backoff_at,
            )
            for s in gate.status()
        ]
    )


def _breakers_status(breakers: BreakerRegistry) -> CircuitBreakersResponse:
    snapshot = breakers.snapshot()
    return CircuitBreakersResponse(
        breakers=[
            BreakerStatusModel(
                name=s.name,
                state=s.state,
                failures=s.failures,
                opened_at=s.opened_at,
                last_error=s.last_error,
                retry_at=s.retry_at,
            )
            for s in snapshot
        ],
        any_open=any(s.state == "open" for s in snapshot),
    )
