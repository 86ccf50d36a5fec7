"""Durable paper trading, in process, on real storage: SQLite with the state file, and
PostgreSQL with Redis. A restart continues the same account; the journal, the venue, the
tables and the runtime state agree; a halt and a corrupt state file are handled."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from ai_trader.adapters.db import FillRow, OrderRow
from ai_trader.adapters.sim.ledger import VenueLedger
from ai_trader.core.errors import ConfigurationError
from ai_trader.domain.enums import Mode
from ai_trader.domain.events import Event, OrderDenied
from ai_trader.live.paper import PaperConfig, PaperResult, run_paper
from ai_trader.runtime.spec import SessionSpec
from ai_trader.runtime.storage import Storage, StorageConfig, open_storage

pytestmark = pytest.mark.integration

SPEC = SessionSpec(params={"fast": 3, "slow": 6}, sizing="fixed:5")
FAST = PaperConfig(bar_seconds=0.005, warmup_bars=30, max_bars=120, seed=3)


@pytest.fixture(params=["sqlite+file", "postgresql+redis"])
def storage_config(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StorageConfig]:
    if request.param == "sqlite+file":
        yield StorageConfig(data_dir=tmp_path / "data")
        return
    database_url = request.getfixturevalue("postgres_url")
    redis_url = request.getfixturevalue("redis_url")
    yield StorageConfig(data_dir=tmp_path / "data", database_url=database_url, redis_url=redis_url)


def trade(config: StorageConfig, events: list[Event] | None = None) -> PaperResult:
    storage = open_storage(config)
    try:
        listeners = (events.append,) if events is not None else ()
        return run_paper(
            SPEC,
            FAST,
            run_id=f"run{len(list(config.data_dir.glob('*')))}",
            stop_event=threading.Event(),
            storage=storage,
            listeners=listeners,
        )
    finally:
        storage.close()


def journal_counts(storage: Storage) -> tuple[int, int, set[str]]:
    with storage.database.connect() as connection:
        orders = connection.scalar(select(func.count()).select_from(OrderRow))
        fills = connection.scalar(select(func.count()).select_from(FillRow))
        ids = set(connection.scalars(select(OrderRow.client_order_id)))
    return int(orders or 0), int(fills or 0), ids


def test_restart_continues_the_account_and_every_store_agrees(
    storage_config: StorageConfig,
) -> None:
    first = trade(storage_config)
    second = trade(storage_config)

    assert not first.resumed
    assert second.resumed
    assert second.recovery.ok
    assert len(second.recovery.fills) > 0, "the first run traded"
    storage = open_storage(storage_config)
    ledger = VenueLedger(storage_config.paper_venue_path)
    try:
        _, fills, ids = journal_counts(storage)
        assert fills == len(ledger.fills())
        attempts = [cid for cid, _ in ledger.submit_attempts()]
        assert len(attempts) == len(set(attempts)), "no client order id sent twice"
        assert set(attempts) <= ids
        positions = {s: p.quantity for s, p in storage.journal.positions_from_fills().items()}
        venue_positions = {f.symbol: Decimal(0) for f in ledger.fills()}
        for fill in ledger.fills():
            venue_positions[fill.symbol] += fill.signed_quantity
        assert positions == venue_positions
        assert storage.state.positions == {s: q for s, q in positions.items() if q != 0}
        assert storage.state.mode is Mode.PAPER
        stats = storage.state.risk_stats
        assert stats["halted"] == "0"
        assert float(stats["peak_equity"]) >= 100_000.0
        final = second.run.session.engine.portfolio
        assert storage.repositories.trades.count() == len(final.trades.closed)
        assert storage.repositories.performance_metrics.count() >= 2
    finally:
        ledger.close()
        storage.close()


def test_restart_when_mode_is_halt_then_no_new_entries(storage_config: StorageConfig) -> None:
    trade(storage_config)
    storage = open_storage(storage_config)
    storage.state.mode = Mode.HALT
    storage.close()
    events: list[Event] = []

    result = trade(storage_config, events)

    denied = [e for e in events if isinstance(e, OrderDenied)]
    assert result.run.session.engine.risk.halt is not None
    assert denied, "the strategy tried to enter"
    assert all("mode is halt" in e.reason for e in denied)
    assert result.run.session.engine.orders.filled_entries == 0


def test_corrupt_state_file_when_backup_exists_then_kept_aside_and_restored(
    tmp_path: Path,
) -> None:
    config = StorageConfig(data_dir=tmp_path / "data")
    trade(config)  # the first start takes a backup, the state file is in it
    storage = open_storage(config)
    storage.state.store.set("mode:active_color", "green")
    assert storage.backups is not None
    backup = storage.backups.create("before corruption")
    storage.close()
    config.state_path.write_text('{"mode": "paper", "risk:st')

    storage = open_storage(config)
    try:
        assert storage.state_recovery is not None
        assert storage.state_recovery.backup_id == backup.backup_id
        assert storage.state_recovery.corrupt_file == config.data_dir / "bot_state.json.corrupt"
        assert storage.state_recovery.corrupt_file.read_text().startswith('{"mode": "paper"')
        assert storage.state.active_color == "green"
        assert json.loads(config.state_path.read_text())["mode"] == "paper"
    finally:
        storage.close()


def test_corrupt_state_file_when_no_backup_then_starts_empty_and_says_so(tmp_path: Path) -> None:
    config = StorageConfig(data_dir=tmp_path / "data")
    config.data_dir.mkdir()
    config.state_path.write_bytes(b"\xff\xfe not json")

    storage = open_storage(config)
    try:
        assert storage.state_recovery is not None
        assert storage.state_recovery.backup_id is None
        assert "empty (no usable backup)" in storage.state_recovery.describe()
        assert storage.state.store.get("mode") is None
    finally:
        storage.close()


def test_open_storage_migrates_a_new_sqlite_database_in_wal_full(tmp_path: Path) -> None:
    config = StorageConfig(data_dir=tmp_path / "data")

    open_storage(config).close()

    with sqlite3.connect(config.database_path) as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
        mode = connection.execute("PRAGMA journal_mode").fetchone()[0]
    assert {"orders", "fills", "trades", "performance_metrics", "alembic_version"} <= tables
    assert mode == "wal"


def test_open_storage_when_data_directory_in_use_then_refused_until_released(
    tmp_path: Path,
) -> None:
    config = StorageConfig(data_dir=tmp_path / "data")
    first = open_storage(config)

    with pytest.raises(
        ConfigurationError, match=r"in use by another ai-trader process \(pid \d+\)"
    ):
        open_storage(config)

    first.close()
    open_storage(config).close()
