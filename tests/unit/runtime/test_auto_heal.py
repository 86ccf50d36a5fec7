"""Auto-heal snapshots: written atomically with the error and the config minus secrets,
marked when replayed, listed and cleared; unknown components are refused."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from ai_trader.core.errors import ConfigurationError
from ai_trader.runtime.auto_heal import TRADING_EXECUTOR, AutoHealStore

CONFIG = {
    "exec_mode": "live",
    "api_token": "***",
    "exchange_api_key": "AKIA-real-key",
    "fernet_key": "whatever",
    "symbols": ["BTC/USDT"],
}


def record(store: AutoHealStore, message: str = "venue ledger closed") -> None:
    store.record_failure(
        TRADING_EXECUTOR,
        OSError(message),
        exec_mode="paper",
        dry_run=True,
        venue="SIM",
        testnet=False,
        config=CONFIG,
    )


def test_record_failure_then_snapshot_file_has_error_and_no_secret(tmp_path: Path) -> None:
    store = AutoHealStore(tmp_path / "auto_heal")

    record(store)

    path = tmp_path / "auto_heal" / "trading_executor.json"
    document = json.loads(path.read_text())
    assert document["error_type"] == "OSError"
    assert document["error_message"] == "venue ledger closed"
    assert document["config"] == {"exec_mode": "live", "symbols": ["BTC/USDT"]}
    assert "AKIA" not in path.read_text()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert store.pending(TRADING_EXECUTOR) is not None


def test_mark_replayed_then_not_pending_and_heals_counted_history_kept(tmp_path: Path) -> None:
    store = AutoHealStore(tmp_path)
    record(store, "first")
    store.mark_replayed(TRADING_EXECUTOR)
    record(store, "second")

    snapshot = store.mark_replayed(TRADING_EXECUTOR)

    assert store.pending(TRADING_EXECUTOR) is None
    assert snapshot.heals == 2
    assert [h["error"] for h in snapshot.history] == ["OSError: first", "OSError: second"]
    assert "replayed" in snapshot.describe()


def test_clear_and_list(tmp_path: Path) -> None:
    store = AutoHealStore(tmp_path)
    record(store)

    assert [s.component for s in store.list()] == [TRADING_EXECUTOR]
    assert store.clear() == 1
    assert store.list() == []
    assert store.clear(TRADING_EXECUTOR) == 0


def test_unknown_component_or_missing_snapshot_then_one_line_error(tmp_path: Path) -> None:
    store = AutoHealStore(tmp_path)

    with pytest.raises(ConfigurationError, match="unknown component 'broker'"):
        store.get("broker")
    with pytest.raises(ConfigurationError, match="no auto-heal snapshot for trading_executor"):
        store.require(TRADING_EXECUTOR)
