"""Operations on a running service: a breach opens an incident (audited, paged to a real
webhook receiver, counted in /metrics), operators ack and resolve it over the API, a corrupt
bar halts entries until a clean data-quality cycle, and /snapshot writes an archive."""

from __future__ import annotations

import json
import math
import tarfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from tests.integration.service.conftest import Service, make_settings, start_service
from tests.integration.test_paging_webhook import Receiver

from ai_trader.core.errors import TransientVenueError
from ai_trader.domain.roles import Role

pytestmark = pytest.mark.integration


def wait_for(condition: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def paged_service(tmp_path: Path, receiver: Receiver) -> Iterator[Service]:
    settings = make_settings(
        tmp_path, SLO_PAGING_ENABLED="true", SLO_PAGING_WEBHOOK_URL=receiver.url
    )
    yield from start_service(tmp_path, settings)


def open_breaker(service: Service) -> None:
    breaker = service.facade.breakers.get("SIM", "orders")

    def failing() -> None:
        raise TransientVenueError("venue timeout")

    for _ in range(5):
        with pytest.raises(TransientVenueError):
            breaker.call(failing)
    service.facade.tick()


def incidents(service: Service, status: str = "unresolved") -> list[dict[str, object]]:
    answer = service.client.get(f"/incidents?status={status}", headers=service.headers())
    assert answer.status_code == 200, answer.text
    found: list[dict[str, object]] = answer.json()["incidents"]
    return found


def test_a_breaker_opening_opens_a_paged_audited_incident(
    paged_service: Service, receiver: Receiver
) -> None:
    service = paged_service
    open_breaker(service)

    [incident] = incidents(service)
    assert incident["incident_class"] == "broker_connectivity"
    assert incident["severity"] == "critical"
    assert incident["status"] == "open"
    assert receiver.received.wait(10), "the page never reached the webhook"
    assert receiver.bodies[0]["incident_id"] == incident["incident_id"]
    assert receiver.bodies[0]["event_type"] == "incident_open"
    actions = [record.action for record in service.facade.audit.records()]
    assert "incident_open" in actions
    metrics = service.client.get("/metrics", headers=service.headers()).text
    assert 'ai_trader_incidents_open{severity="critical"} 1.0' in metrics

    open_breaker(service)  # still the same condition: no second incident
    assert len(incidents(service)) == 1


def test_operators_ack_and_resolve_over_the_api(service: Service) -> None:
    open_breaker(service)
    [incident] = incidents(service)
    ident = incident["incident_id"]

    viewer = service.client.post(
        f"/incidents/{ident}/ack", json={"notes": "x"}, headers=service.headers(Role.VIEWER)
    )
    unknown = service.client.post(
        "/incidents/INC-9999/ack", json={}, headers=service.headers(Role.OPERATOR)
    )
    acked = service.client.post(
        f"/incidents/{ident}/ack",
        json={"notes": "venue status page shows an outage"},
        headers=service.headers(Role.OPERATOR),
    )
    again = service.client.post(
        f"/incidents/{ident}/ack", json={}, headers=service.headers(Role.OPERATOR)
    )

    assert viewer.status_code == 403
    assert unknown.status_code == 404
    assert "INC-9999" in unknown.json()["detail"]
    assert acked.status_code == 200, acked.text
    assert acked.json()["status"] == "acknowledged"
    assert acked.json()["acked_by"] == "test-operator"
    assert again.status_code == 422
    assert "already acknowledged" in again.json()["detail"]

    service.client.post("/circuit-breakers/reset", headers=service.headers())
    service.facade.tick()
    assert incidents(service)[0]["cleared_at"] is not None  # condition gone, still open
    resolved = service.client.post(
        f"/incidents/{ident}/resolve",
        json={"notes": "venue recovered"},
        headers=service.headers(Role.OPERATOR),
    )
    assert resolved.json()["status"] == "resolved"
    assert incidents(service) == []
    assert incidents(service, "all")[0]["resolve_notes"] == "venue recovered"
    events = (service.facade.results_dir / "incident_events.jsonl").read_text().splitlines()
    kinds = [json.loads(line)["event_type"] for line in events]
    assert kinds == ["incident_open", "incident_ack", "incident_cleared", "incident_resolve"]
    actions = [record.action for record in service.facade.audit.records()]
    assert actions.count("incident_ack") == 1
    assert actions.count("incident_resolve") == 1
    assert service.facade.slo.report().slos["incident_ack_15m"].actual == 1.0


def test_a_corrupt_bar_halts_entries_until_a_clean_cycle(service: Service) -> None:
    facade = service.facade
    wait_for(lambda: (facade.tick(), facade.operations.data_quality.last_report)[1] is not None)
    symbol = service.settings.symbols[0]
    with facade.engine_lock:
        facade.operations.data_quality.observe_raw(
            symbol, time.time_ns(), 100.0, math.nan, 99.0, 100.0, 1.0
        )

    def halted_for_data_quality() -> bool:
        facade.tick()
        halt = facade.engine.risk.halt
        return halt is not None and halt.reason.startswith("data_quality")

    wait_for(halted_for_data_quality)
    answer = service.client.get("/data-quality", headers=service.headers(Role.VIEWER)).json()
    assert answer["breached"] is True
    assert answer["latest"]["errors"] >= 1
    [incident] = incidents(service)
    assert incident["incident_class"] == "data_quality"

    wait_for(lambda: (facade.tick(), facade.engine.risk.halt)[1] is None)
    assert incidents(service)[0]["cleared_at"] is not None
    events = facade.results_dir / "data_quality_events.jsonl"
    kinds = {
        json.loads(line)["kind"]
        for line in events.read_text().splitlines()
        if json.loads(line)["event_type"] == "data_quality_issue"
    }
    assert "corrupt" in kinds


def test_snapshot_route_writes_an_archive_with_secrets_redacted(
    paged_service: Service, receiver: Receiver
) -> None:
    service = paged_service
    open_breaker(service)

    viewer = service.client.post("/snapshot", json={}, headers=service.headers(Role.VIEWER))
    answer = service.client.post(
        "/snapshot", json={"reason": "INC-0001 triage"}, headers=service.headers(Role.OPERATOR)
    )

    assert viewer.status_code == 403
    assert answer.status_code == 200, answer.text
    body = answer.json()
    path = Path(body["path"])
    assert path.name.startswith("snapshot_")
    assert path.suffix == ".tgz"
    for part in (
        "config.json",
        "state.json",
        "database/trading_bot.db",
        "health.json",
        "status.json",
        "incidents.json",
        "audit.json",
        "manifest.json",
    ):
        assert part in body["files"] or part == "manifest.json", part  # manifest: last
    with tarfile.open(path) as archive:
        names = {name.split("/", 1)[1]: name for name in archive.getnames()}
        config = json.loads(archive.extractfile(names["config.json"]).read())  # type: ignore[union-attr]
        found = json.loads(archive.extractfile(names["incidents.json"]).read())  # type: ignore[union-attr]
        health = json.loads(archive.extractfile(names["health.json"]).read())  # type: ignore[union-attr]
    assert config["slo_paging_webhook_url"] == "***"
    assert receiver.url not in json.dumps(config)
    assert [i["class"] for i in found] == ["broker_connectivity"]
    assert health["status"] in {"healthy", "degraded", "unhealthy"}
    assert "snapshot_capture" in [r.action for r in service.facade.audit.records()]


def test_a_data_quality_halt_restored_at_start_lifts_after_a_clean_cycle(
    service: Service,
) -> None:
    facade = service.facade
    with facade.engine_lock:  # as restored from the state store after a restart
        facade.engine.halt_entries("data_quality: 1 critical issue(s) before the restart")

    wait_for(lambda: (facade.tick(), facade.engine.risk.halt)[1] is None)

    report = facade.operations.data_quality.last_report
    assert report is not None
    assert not report.critical


def test_the_scheduled_tca_scorecard_credits_unfilled_orders_to_the_traded_venue(
    service: Service,
) -> None:
    assert service.facade.reports.venue == service.facade.session.session.venue.venue
