"""Routes for incidents, data quality and incident snapshots (SPEC OPS-4, OPS-6, DAT-2).

``build_operations_router(require_viewer, require_operator)`` takes the two auth
dependencies; the facade comes from ``app.state.facade``.
"""

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from ai_trader.runtime.incidents import ACK_SLA_SECONDS, Incident
from ai_trader.service.auth import Principal
from ai_trader.service.facade import TradingFacade
from ai_trader.service.schemas import AUTH_ERRORS, ErrorResponse

ERRORS = AUTH_ERRORS
CHANGE_ERRORS: dict[int | str, dict[str, Any]] = {
    **ERRORS,
    404: {"model": ErrorResponse, "description": "no such incident in this run"},
    422: {"model": ErrorResponse, "description": "invalid body, or already acknowledged/resolved"},
}


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class IncidentView(_Model):
    incident_id: str
    run_id: str
    incident_class: Literal["data_quality", "reconciliation", "broker_connectivity", "risk", "slo"]
    severity: Literal["critical", "warning"]
    status: Literal["open", "acknowledged", "resolved"]
    title: str
    detail: str
    opened_at: datetime
    acked_at: datetime | None
    acked_by: str | None
    ack_notes: str | None
    resolved_at: datetime | None
    resolved_by: str | None
    resolve_notes: str | None
    cleared_at: datetime | None
    ack_sla_breached: bool


class IncidentsResponse(_Model):
    run_id: str
    ack_sla_seconds: int
    incidents: list[IncidentView]


class IncidentChange(_Model):
    notes: str = Field("", max_length=2000, description="what was done; kept in the audit log")


class SnapshotRequest(_Model):
    reason: str = Field("on demand", max_length=500)


class SnapshotResponse(_Model):
    path: str
    size_bytes: int
    files: list[str]
    missing: dict[str, str]


class DataQualityResponse(_Model):
    breached: bool
    latest: dict[str, Any] | None = Field(description="the last cycle's report; none before it")


def build_operations_router(
    require_viewer: Callable[..., Principal], require_operator: Callable[..., Principal]
) -> APIRouter:
    viewer = Annotated[Principal, Depends(require_viewer)]
    operator = Annotated[Principal, Depends(require_operator)]
    router = APIRouter()

    @router.get(
        "/incidents", response_model=IncidentsResponse, tags=["incidents"], responses=ERRORS
    )
    def incidents(
        request: Request,
        _: viewer,
        status: Annotated[Literal["unresolved", "all"], Query()] = "unresolved",
    ) -> IncidentsResponse:
        log = _facade(request).operations.incidents
        found = log.unresolved() if status == "unresolved" else log.incidents()
        return IncidentsResponse(
            run_id=log.run_id,
            ack_sla_seconds=ACK_SLA_SECONDS,
            incidents=[incident_view(incident) for incident in reversed(found)],
        )

    @router.post(
        "/incidents/{incident_id}/ack",
        response_model=IncidentView,
        tags=["incidents"],
        responses=CHANGE_ERRORS,
    )
    def ack(
        incident_id: str, body: IncidentChange, request: Request, who: operator
    ) -> IncidentView:
        operations = _facade(request).operations
        return incident_view(operations.ack(incident_id, who.name, body.notes))

    @router.post(
        "/incidents/{incident_id}/resolve",
        response_model=IncidentView,
        tags=["incidents"],
        responses=CHANGE_ERRORS,
    )
    def resolve(
        incident_id: str, body: IncidentChange, request: Request, who: operator
    ) -> IncidentView:
        operations = _facade(request).operations
        return incident_view(operations.resolve(incident_id, who.name, body.notes))

    @router.get(
        "/data-quality",
        response_model=DataQualityResponse,
        tags=["data quality"],
        responses=ERRORS,
    )
    def data_quality(request: Request, _: viewer) -> DataQualityResponse:
        monitor = _facade(request).operations.data_quality
        report = monitor.last_report
        return DataQualityResponse(
            breached=monitor.breached, latest=report.to_json() if report else None
        )

    @router.post("/snapshot", response_model=SnapshotResponse, tags=["incidents"], responses=ERRORS)
    def snapshot(body: SnapshotRequest, request: Request, who: operator) -> SnapshotResponse:
        result = _facade(request).capture_snapshot(who.name, body.reason)
        return SnapshotResponse(
            path=str(result.path),
            size_bytes=result.size_bytes,
            files=sorted(result.files),
            missing=result.missing,
        )

    return router


def _facade(request: Request) -> TradingFacade:
    facade: TradingFacade = request.app.state.facade
    return facade


def incident_view(incident: Incident) -> IncidentView:
    document = incident.to_dict()
    document["incident_class"] = document.pop("class")
    return IncidentView.model_validate(document)
