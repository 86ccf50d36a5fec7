"""A running trading service for API tests: real SQLite storage in a temporary directory,
the paper trading loop on its thread (fast bars), and tokens of every role."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from prometheus_client import CollectorRegistry

from ai_trader.adapters.db.tokens import TokenStore
from ai_trader.config import Settings, load_settings
from ai_trader.core.clock import LiveClock
from ai_trader.domain.roles import Role
from ai_trader.observability.audit import AuditJournal
from ai_trader.observability.metrics import TradingMetrics
from ai_trader.observability.slo import SloTracker
from ai_trader.runtime.auto_heal import AutoHealStore
from ai_trader.runtime.storage import open_storage
from ai_trader.service.app import create_app
from ai_trader.service.auth import Authenticator
from ai_trader.service.facade import TradingFacade
from ai_trader.service.server import storage_config


@dataclass
class Service:
    client: TestClient
    facade: TradingFacade
    tokens: dict[Role, str]
    settings: Settings

    def headers(self, role: Role = Role.ADMIN) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}


def make_settings(tmp_path: Path, **env: str) -> Settings:
    base = {
        "DATA_DIR": str(tmp_path / "data"),
        "LOG_DIR": str(tmp_path / "logs"),
        "BAR_SECONDS": "0.02",
        "STRATEGY_PARAMS": '{"fast": 3, "slow": 8}',
        "BACKUP_INTERVAL_SECONDS": "0",
        "CANARY_CONFIG_DIR": str(tmp_path / "config"),
        "DATA_QUALITY_INTERVAL_SECONDS": "0.5",
    }
    return load_settings(None, {**base, **env})


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Service]:
    yield from start_service(tmp_path, make_settings(tmp_path))


@pytest.fixture(scope="module")
def module_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """One service for a whole module (schema fuzzing makes thousands of requests)."""
    tmp_path = tmp_path_factory.mktemp("service")
    yield from start_service(tmp_path, make_settings(tmp_path))


def start_service(tmp_path: Path, settings: Settings) -> Iterator[Service]:
    storage = open_storage(storage_config(settings))
    metrics = TradingMetrics(CollectorRegistry())
    slo = SloTracker(LiveClock(), events_path=tmp_path / "results" / "ops_slo_events.jsonl")
    facade = TradingFacade(
        settings,
        storage,
        metrics=metrics,
        slo=slo,
        results_dir=tmp_path / "results",
        heal_store=AutoHealStore(tmp_path / "state" / "auto_heal"),
        audit=AuditJournal(tmp_path / "audit_logs"),
        reports_dir=tmp_path / "reports",
        snapshots_dir=tmp_path / "snapshots",
    )
    store = TokenStore(storage.database)
    tokens = {role: store.create(f"test-{role.value}", role).token for role in Role}
    facade.open()
    facade.start()
    app = create_app(settings, facade, Authenticator(store, None), metrics)
    try:
        with TestClient(app) as client:
            yield Service(client, facade, tokens, settings)
    finally:
        facade.stop()
        storage.close()
