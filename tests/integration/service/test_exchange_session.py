"""The service on an exchange through ccxt, against a local server speaking Binance's REST
API: the live gate (dry run logs orders and sends none; EXEC_MODE=live with DRY_RUN=0 sends
them), warm-up and live bars from closed candles, fills journaled, reconciliation clean
against balances measured from the account's baseline, no token for live without keys."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

import pytest
from tests.contract.binance_server import BinanceState, serve_binance
from tests.integration.service.conftest import Service, make_settings, start_service

from ai_trader.core.errors import ConfigurationError

pytestmark = pytest.mark.integration

MINUTE_MS = 60_000
NOW_MS = 1_767_225_600_000 + 30 * MINUTE_MS


def wait_for(condition, timeout: float = 15.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


@pytest.fixture
def venue() -> Iterator[tuple[BinanceState, str]]:
    state = BinanceState(Decimal("42000"), {"USDT": Decimal("100000"), "BTC": Decimal("0.5")})
    state.now_ms = NOW_MS
    with serve_binance(state) as url:
        yield state, url


@contextmanager
def exchange_service(tmp_path: Path, url: str, **env: str) -> Iterator[Service]:
    values = {
        "EXCHANGE": "binance",
        "EXCHANGE_API_URL": url,
        "SYMBOLS": "BTC/USDT",
        "TIMEFRAME": "1m",
        "POLL_SECONDS": "0.1",
        "RECONCILIATION_INTERVAL_SECONDS": "0.2",
        "DATA_QUALITY_INTERVAL_SECONDS": "0.2",
    }
    settings = make_settings(tmp_path, **{**values, **env})
    yield from start_service(tmp_path, settings)


def test_dry_run_when_operator_opens_then_logged_not_sent_and_bars_flow(
    tmp_path: Path, venue: tuple[BinanceState, str]
) -> None:
    state, url = venue
    with exchange_service(tmp_path, url) as service:
        status = service.client.get("/status", headers=service.headers()).json()
        assert status["trading"]["symbols"] == ["BTC/USDT"]
        assert status["trading"]["dry_run"] is True

        opened = service.client.post(
            "/trading/open",
            json={"symbol": "BTC/USDT", "side": "buy", "quantity": "0.01"},
            headers=service.headers(),
        )
        assert opened.status_code == 200, opened.text
        assert opened.json()["status"] == "canceled"
        assert opened.json()["reason"] == "dry run: never sent"
        assert opened.json()["fills"] == []
        assert ("POST", "/api/v3/order") not in state.requests

        facade, seen = service.facade, service.facade.bars_seen
        with state.lock:
            state.now_ms += 2 * MINUTE_MS  # two more candles close
        wait_for(lambda: facade.bars_seen >= seen + 2)


def test_live_when_keys_given_then_orders_reach_the_exchange_and_stay_reconciled(
    tmp_path: Path, venue: tuple[BinanceState, str]
) -> None:
    state, url = venue
    live = {
        "EXEC_MODE": "live",
        "DRY_RUN": "0",
        "EXCHANGE_API_KEY": "test-key",
        "EXCHANGE_API_SECRET": "test-secret",
    }
    with exchange_service(tmp_path, url, **live) as service:
        opened = service.client.post(
            "/trading/open",
            json={"symbol": "BTC/USDT", "side": "buy", "quantity": "0.01"},
            headers=service.headers(),
        )
        assert opened.status_code == 200, opened.text
        assert opened.json()["status"] == "filled"
        assert ("POST", "/api/v3/order") in state.requests
        facade = service.facade
        with facade.engine_lock:  # the strategy trades too: the journal holds every fill
            assert len(facade.storage.journal.fills()) == len(state.trades) >= 1

        loop = facade.reconciliation
        assert loop is not None
        target = loop.reconciler.metrics().cycles + 3  # positions = balance changes
        wait_for(lambda: loop.reconciler.metrics().cycles >= target)
        assert loop.reconciler.state == "ok"
        assert facade.engine.risk.halt is None


def test_live_when_no_keys_then_refused_before_trading(
    tmp_path: Path, venue: tuple[BinanceState, str]
) -> None:
    _, url = venue
    refused = pytest.raises(ConfigurationError, match="live trading on binance needs API keys")
    with refused, exchange_service(tmp_path, url, EXEC_MODE="live", DRY_RUN="0"):
        pass


def test_key_that_can_withdraw_then_refused(
    tmp_path: Path, venue: tuple[BinanceState, str]
) -> None:
    state, url = venue
    state.enable_withdrawals = True
    keys = {"EXCHANGE_API_KEY": "k", "EXCHANGE_API_SECRET": "s"}
    refused = pytest.raises(ConfigurationError, match="withdraw")
    with refused, exchange_service(tmp_path, url, **keys):
        pass


def test_futures_when_live_short_then_position_signed_at_venue_and_reconciled(
    tmp_path: Path,
) -> None:
    state = BinanceState(
        Decimal("42000"), {"USDT": Decimal("1000")}, futures_wallet={"USDT": Decimal("10000")}
    )
    state.now_ms = NOW_MS
    with serve_binance(state) as url:
        _trade_futures(tmp_path, url)


def _trade_futures(tmp_path: Path, url: str) -> None:
    live = {
        "EXEC_MODE": "live",
        "DRY_RUN": "0",
        "EXCHANGE_API_KEY": "test-key",
        "EXCHANGE_API_SECRET": "test-secret",
        "SYMBOLS": "BTC/USDT:USDT",
        "STRATEGY_PARAMS": '{"fast": 3, "slow": 500}',  # the strategy stays quiet
    }
    with exchange_service(tmp_path, url, **live) as service:
        opened = service.client.post(
            "/trading/open",
            json={"symbol": "BTC/USDT:USDT", "side": "sell", "quantity": "0.003"},
            headers=service.headers(),
        )
        assert opened.status_code == 200, opened.text
        assert opened.json()["status"] == "filled"
        facade = service.facade
        with facade.engine_lock:
            assert facade.session.venue.positions() == {"BTC/USDT:USDT": Decimal("-0.003")}
            assert facade.engine.portfolio.position("BTC/USDT:USDT").quantity == Decimal("-0.003")
        loop = facade.reconciliation
        assert loop is not None
        target = loop.reconciler.metrics().cycles + 3
        wait_for(lambda: loop.reconciler.metrics().cycles >= target)
        assert loop.reconciler.state == "ok"


def test_a_corrupt_candle_is_skipped_reported_and_halts_entries_for_one_cycle(
    tmp_path: Path, venue: tuple[BinanceState, str]
) -> None:
    state, url = venue
    with exchange_service(tmp_path, url) as service:
        facade, seen = service.facade, service.facade.bars_seen
        with state.lock:
            next_open = state.now_ms // MINUTE_MS * MINUTE_MS
            state.corrupt_candle_opens.add(next_open)
            state.now_ms += 2 * MINUTE_MS  # the corrupt candle and a good one close

        wait_for(lambda: facade.bars_seen >= seen + 1)  # the feed goes on past it

        def incident_opened() -> bool:
            facade.tick()
            found = facade.operations.incidents.incidents()
            return any(i.incident_class == "data_quality" for i in found)

        wait_for(incident_opened)
        events = (facade.results_dir / "data_quality_events.jsonl").read_text()
        assert '"kind": "corrupt"' in events
        with state.lock:
            state.now_ms += MINUTE_MS
        wait_for(lambda: facade.bars_seen >= seen + 2)
