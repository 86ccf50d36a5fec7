"""``/`` and ``GET /dashboard/state`` on a running service (SQLite, fast paper bars)."""

from __future__ import annotations

import json

import pytest
from tests.integration.service.conftest import Service
from tests.support.running_service import wait_for

from ai_trader.domain.roles import Role

pytestmark = pytest.mark.integration


def test_page_and_assets_are_open_and_revalidated(service: Service) -> None:
    page = service.client.get("/")
    assert page.status_code == 200
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"

    script = service.client.get("/dashboard/assets/dashboard.js")
    assert script.headers["content-type"].startswith("text/javascript")
    again = service.client.get(
        "/dashboard/assets/dashboard.js", headers={"If-None-Match": script.headers["etag"]}
    )
    assert again.status_code == 304
    assert again.content == b""


def test_unknown_asset_is_404_not_a_file_read(service: Service) -> None:
    for name in ("app.py", "__init__.py", "index.html"):
        answer = service.client.get(f"/dashboard/assets/{name}")
        assert answer.status_code == 404, name
        assert answer.json()["detail"] == f"no dashboard asset {name!r}"
    assert service.client.get("/dashboard/assets/..%2F..%2Fapp.py").status_code == 404


def test_state_needs_a_token(service: Service) -> None:
    assert service.client.get("/dashboard/state").status_code == 401
    bad = service.client.get("/dashboard/state", headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401


def test_state_for_a_viewer_holds_every_panel(service: Service) -> None:
    wait_for(lambda: service.facade.bars_seen > 20, what="bars")
    answer = service.client.get("/dashboard/state", headers=service.headers(Role.VIEWER))

    assert answer.status_code == 200
    state = answer.json()
    assert state["mode"]["mode"] == state["trading"]["mode"]
    assert state["bar_seconds"] == 0.02
    assert 2 <= len(state["equity_curve"]) <= 600
    assert state["equity_curve"][-1]["drawdown"] >= 0
    assert set(state["slo"]["slos"]) >= {"order_success", "latency_under_2s"}
    assert state["incidents"] == []
    assert state["news"] == []
    assert state["latest_backtest_report"] is None


def test_state_shows_fills_positions_news_and_incidents(service: Service) -> None:
    opened = service.client.post(
        "/trading/open",
        json={"symbol": "SYN/USD", "side": "buy", "quantity": 3},
        headers=service.headers(Role.OPERATOR),
    )
    assert opened.status_code == 200, opened.text
    (service.settings.data_dir / "news.json").write_text(
        json.dumps([{"title": "Rates on hold", "source": "wire", "sentiment": 0.2}])
    )
    service.facade.operations.incidents.open(
        "risk", "warning", "drawdown at 80 % of its limit", "detail", key="test"
    )

    def ready() -> dict[str, object] | None:
        state = service.client.get("/dashboard/state", headers=service.headers()).json()
        return state if state["portfolio"]["positions"] and state["recent_fills"] else None

    state = wait_for(ready, what="the fill reaches the journal")
    assert state["recent_fills"][0]["symbol"] == "SYN/USD"
    assert state["news"][0]["title"] == "Rates on hold"
    assert state["incidents"][0]["title"] == "drawdown at 80 % of its limit"


def test_state_and_reports_are_compressed_for_clients_that_ask(service: Service) -> None:
    wait_for(lambda: service.facade.bars_seen > 50, what="bars")
    headers = {**service.headers(), "Accept-Encoding": "gzip"}

    state = service.client.get("/dashboard/state", headers=headers)
    plain = service.client.get("/dashboard/state", headers={**headers, "Accept-Encoding": ""})

    assert state.headers["content-encoding"] == "gzip"
    assert "content-encoding" not in plain.headers
    assert state.json()["run_id"] == plain.json()["run_id"]
