"""Capital staging and blue/green switches on every storage pair: SQLite or PostgreSQL for
the audit trail, the JSON file or Redis for the runtime state. A second process (new
engine, new store) sees what the first one wrote."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine

from ai_trader.adapters.db import (
    AuditEventRow,
    Repository,
    create_database_engine,
    upgrade_database,
)
from ai_trader.adapters.state import FileStateStore, RedisStateStore, RuntimeState, keys
from ai_trader.core.clock import NANOS_PER_SECOND, TestClock
from ai_trader.ports.state_store import StateStore
from ai_trader.runtime.capital_staging import CapitalStaging, StagingRefusedError
from ai_trader.runtime.deployments import Deployments

pytestmark = pytest.mark.integration

DEPLOYMENT = '[strategy]\nname = "{name}"\nrisk_per_trade = 0.005\n'


@dataclass
class Storage:
    database_url: str | None
    database_path: Path
    engine: Engine
    state_location: str | Path

    def reopen(self) -> tuple[Engine, StateStore]:
        """A new engine and a new store on the same database and state."""
        engine = create_database_engine(self.database_url, self.database_path)
        return engine, self.store()

    def store(self) -> StateStore:
        if isinstance(self.state_location, Path):
            return FileStateStore(self.state_location)
        return RedisStateStore(self.state_location)


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str | None, Engine]]:
    url: str | None = None
    if request.param == "postgresql":
        url = request.getfixturevalue("postgres_url")
    engine = create_database_engine(url, tmp_path / "data" / "trading_bot.db")
    upgrade_database(engine)
    try:
        yield url, engine
    finally:
        engine.dispose()


@pytest.fixture(params=["file", "redis"])
def state_location(request: pytest.FixtureRequest, tmp_path: Path) -> str | Path:
    if request.param == "file":
        return tmp_path / "data" / "bot_state.json"
    url: str = request.getfixturevalue("redis_url")
    return url


@pytest.fixture
def storage(
    database: tuple[str | None, Engine], state_location: str | Path, tmp_path: Path
) -> Storage:
    url, engine = database
    return Storage(url, tmp_path / "data" / "trading_bot.db", engine, state_location)


@pytest.fixture
def clock() -> TestClock:
    return TestClock(1_704_164_645_000_000_000)


def close(store: StateStore) -> None:
    if isinstance(store, RedisStateStore):
        store.close()


def test_stage_changes_persist_and_are_audited(storage: Storage, clock: TestClock) -> None:
    store = storage.store()
    staging = CapitalStaging(RuntimeState(store), Repository(storage.engine, AuditEventRow), clock)
    staging.request(20, "alice", "first step", "A")
    clock.advance(NANOS_PER_SECOND)
    staging.request(30, "alice", "second step", "B")
    clock.advance(NANOS_PER_SECOND)
    with pytest.raises(StagingRefusedError):
        staging.request(70, "alice", "too far", "A")
    close(store)

    engine, reopened = storage.reopen()
    try:
        again = CapitalStaging(RuntimeState(reopened), Repository(engine, AuditEventRow), clock)
        view = again.current()
        history = again.history(10)
        raw = reopened.get(keys.CAPITAL_EFFECTIVE)
    finally:
        close(reopened)
        engine.dispose()

    assert (view.percent, view.approved_by, view.reason) == (30, "alice", "second step")
    assert view.approved_at == datetime(2024, 1, 2, 3, 4, 6, tzinfo=UTC)
    assert raw is not None
    assert float(raw) == 0.3
    assert [(c.from_percent, c.to_percent, c.slo_tier) for c in history] == [
        (20, 30, "B"),
        (10, 20, "A"),
    ]
    assert again.effective_capital(Decimal(10_000)) == Decimal(3_000)


def test_canary_switch_and_rollback_persist_and_are_audited(
    storage: Storage, clock: TestClock, tmp_path: Path
) -> None:
    config_dir = tmp_path / "deployments"
    config_dir.mkdir()
    (config_dir / "blue.toml").write_text(DEPLOYMENT.format(name="sma_cross"), encoding="utf-8")
    (config_dir / "green.toml").write_text(DEPLOYMENT.format(name="breakout"), encoding="utf-8")
    store = storage.store()
    audit = Repository(storage.engine, AuditEventRow)
    deployments = Deployments(RuntimeState(store), audit, config_dir, clock)
    deployments.switch("green", "alice", "canary")
    clock.advance(NANOS_PER_SECOND)
    deployments.rollback("bob", "worse fills")
    clock.advance(NANOS_PER_SECOND)
    deployments.switch("green", "alice", "second try")
    close(store)

    engine, reopened = storage.reopen()
    try:
        active = Deployments(
            RuntimeState(reopened), Repository(engine, AuditEventRow), config_dir, clock
        ).active()
        rows = Repository(engine, AuditEventRow).list_recent(10)
        raw = reopened.get(keys.ACTIVE_COLOR)
    finally:
        close(reopened)
        engine.dispose()

    assert (active, raw) == ("green", "green")
    assert [(row.action, row.actor, row.payload) for row in rows] == [
        ("canary_switch", "alice", {"from": "blue", "to": "green"}),
        ("canary_rollback", "bob", {"from": "green", "to": "blue"}),
        ("canary_switch", "alice", {"from": "blue", "to": "green"}),
    ]
