"""``POST /paper/backtest`` with ``report: true`` and ``GET /reports/backtest/latest``
against a running service."""

from __future__ import annotations

import pytest
from tests.integration.service.conftest import Service

from ai_trader.domain.roles import Role
from ai_trader.service.backtests import NO_REPORT_YET

pytestmark = pytest.mark.integration

REQUEST = {"strategy": "sma_cross", "params": {"fast": 5, "slow": 20}, "bars": 2000, "seed": 4}
LATEST = "/reports/backtest/latest"


def test_backtest_with_report_then_html_with_charts_and_kept_as_latest(
    service: Service,
) -> None:
    viewer = service.headers(Role.VIEWER)
    before = service.client.get(LATEST, headers=viewer)
    assert before.status_code == 404
    assert before.json() == {"detail": NO_REPORT_YET}

    response = service.client.post(
        "/paper/backtest", json={**REQUEST, "report": True}, headers=service.headers(Role.OPERATOR)
    )

    assert response.status_code == 200, response.text[:300]
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert page.startswith("<!DOCTYPE html>")
    assert page.count("Plotly.newPlot(") == 4
    for chart in ("price", "equity", "drawdown", "monthly-returns"):
        assert f'id="chart-{chart}"' in page
    saved = service.facade.reports.output_dir / "backtests" / "latest.html"
    assert saved.read_text(encoding="utf-8") == page
    latest = service.client.get(LATEST, headers=viewer)
    assert latest.status_code == 200
    assert latest.headers["content-type"].startswith("text/html")
    assert latest.text == page


def test_backtest_without_report_then_json_and_no_latest_report(service: Service) -> None:
    response = service.client.post(
        "/paper/backtest", json=REQUEST, headers=service.headers(Role.OPERATOR)
    )

    assert response.status_code == 200
    assert response.json()["stats"]["bars"] == 2000
    assert service.client.get(LATEST, headers=service.headers(Role.VIEWER)).status_code == 404


def test_viewer_may_read_the_latest_report_but_not_run_a_backtest(service: Service) -> None:
    viewer = service.headers(Role.VIEWER)

    refused = service.client.post(
        "/paper/backtest", json={**REQUEST, "report": True}, headers=viewer
    )

    assert refused.status_code == 403
    assert "operator" in refused.json()["detail"]
    assert service.client.get(LATEST).status_code == 401
    assert service.client.get(LATEST, headers=viewer).status_code == 404


def test_openapi_documents_json_and_html_answers(service: Service) -> None:
    paths = service.client.get("/openapi.json").json()["paths"]

    backtest = paths["/paper/backtest"]["post"]["responses"]["200"]["content"]
    latest = paths[LATEST]["get"]["responses"]
    assert {"application/json", "text/html"} <= backtest.keys()
    assert "text/html" in latest["200"]["content"]
    assert {"401", "403", "404"} <= latest.keys()
