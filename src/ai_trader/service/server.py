"""``serve(settings)``: the whole system in one process (SPEC API-1) — recovery, the
trading loop on its thread, the API on uvicorn, the background tick — and a graceful stop
on SIGINT/SIGTERM (the bar in progress finishes, state is published, results written)."""

from __future__ import annotations

import ipaddress
import logging
import os
import signal
import socket
import sys
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import TextIO

import uvicorn
from prometheus_client import CollectorRegistry

from ai_trader.adapters.db.tokens import TokenStore
from ai_trader.config import Settings
from ai_trader.core.clock import LiveClock
from ai_trader.core.errors import ConfigurationError
from ai_trader.core.ids import new_run_id
from ai_trader.domain.roles import Role
from ai_trader.observability.metrics import TradingMetrics
from ai_trader.observability.slo import SloTracker
from ai_trader.runtime.results import stats_document, write_results
from ai_trader.runtime.storage import Storage, StorageConfig, open_storage
from ai_trader.service.app import create_app
from ai_trader.service.auth import Authenticator
from ai_trader.service.facade import TradingFacade

logger = logging.getLogger(__name__)

LOCAL_TOKEN_FILE = "local_admin.token"
LOCAL_TOKEN_NAME = "local-admin"


@dataclass(frozen=True, slots=True)
class ServeOptions:
    max_bars: int | None = None
    results_root: Path = Path("results") / "runs"


def storage_config(settings: Settings) -> StorageConfig:
    return StorageConfig(
        data_dir=settings.data_dir,
        database_url=settings.database_url,
        redis_url=settings.redis_url,
        backup_interval_seconds=settings.backup_interval_seconds,
        backup_keep=settings.backup_keep,
    )


def serve(settings: Settings, options: ServeOptions | None = None) -> int:
    """Run until a signal (or ``max_bars``); returns the process exit code."""
    options = options or ServeOptions()
    check_port_free(settings.api_host, settings.api_port)
    _log_effective_mode(settings)
    storage = open_storage(storage_config(settings))
    try:
        return _serve(settings, options, storage)
    finally:
        storage.close()


def _serve(settings: Settings, options: ServeOptions, storage: Storage) -> int:
    if storage.state_recovery is not None:
        logger.warning("%s", storage.state_recovery.describe())
    run_id = new_run_id()
    metrics = TradingMetrics(CollectorRegistry())
    slo = SloTracker(
        LiveClock(),
        window_seconds=settings.slo_window_seconds,
        events_path=options.results_root / run_id / "ops_slo_events.jsonl",
    )
    facade = TradingFacade(
        settings,
        storage,
        metrics=metrics,
        slo=slo,
        run_id=run_id,
        max_bars=options.max_bars,
        results_dir=options.results_root,
    )
    authenticator = Authenticator(TokenStore(storage.database), settings.api_token)
    _require_credentials(settings, authenticator, storage)
    recovery = facade.open()
    logger.info(
        "recovery ok: %d fills in the journal, %d orders working; run %s",
        len(recovery.fills),
        len(recovery.open_orders),
        run_id,
    )
    app = create_app(settings, facade, authenticator, metrics)
    server = _GracefulServer(
        uvicorn.Config(
            app,
            host=settings.api_host,
            port=settings.api_port,
            log_config=None,
            access_log=False,
            timeout_graceful_shutdown=5,
            ws_max_size=65_536,
        )
    )
    if options.max_bars is not None:
        facade.on_loop_end = lambda: setattr(server, "should_exit", True)
    facade.start()
    logger.info(
        "ai-trader running: API on http://%s:%d (docs at /docs) — Ctrl-C to stop",
        settings.api_host,
        settings.api_port,
    )
    announce_dashboard(settings)
    try:
        server.run()
    finally:
        logger.info("stopping: finishing the current bar")
        result = facade.stop()
        if result is not None:
            directory = facade.results_dir
            extra = {"mode": "service", "symbol": settings.symbols[0]}
            files = write_results(result, directory, extra)
            stats = stats_document(result, extra)
            logger.info(
                "stopped after %d bars, equity %.2f; results in %s",
                stats["bars"],
                stats["final_equity"],
                files["stats"].parent,
            )
    return 0


class _GracefulServer(uvicorn.Server):
    """uvicorn re-raises the signal that stopped it once it is done, which would end the
    process with -SIGTERM before the trading loop is flushed; here a signal is a request to
    stop (a second Ctrl-C forces it), and the process then exits 0 on its own."""

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if self.should_exit and sig == signal.SIGINT:
            self.force_exit = True
        else:
            logger.info("%s received: stopping", signal.Signals(sig).name)
            self.should_exit = True


def check_port_free(host: str, port: int) -> None:
    """One clear line instead of uvicorn's bind error after everything started."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise ConfigurationError(
                f"cannot listen on {host}:{port}: {exc.strerror or exc}"
            ) from None


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _require_credentials(settings: Settings, auth: Authenticator, storage: Storage) -> None:
    """Off loopback a token must exist. On loopback, a first start without any token
    issues a local admin token into a private file, so the user can act at once."""
    if auth.has_credentials:
        return
    if not is_loopback(settings.api_host):
        raise ConfigurationError(
            f"refusing to listen on {settings.api_host} without an API token: create one "
            "with 'ai-trader token create --name NAME --role admin' or set API_TOKEN"
        )
    issued = TokenStore(storage.database).create(LOCAL_TOKEN_NAME, Role.ADMIN)
    path = settings.data_dir / LOCAL_TOKEN_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as stream:
        stream.write(issued.token + "\n")
    logger.warning(
        "no API token existed: issued admin token %r, saved to %s (readable by you only); "
        "'ai-trader mode' and the dashboard read it from there",
        LOCAL_TOKEN_NAME,
        path,
    )


def announce_dashboard(settings: Settings, stream: TextIO | None = None) -> None:
    """Tell the user where the dashboard is. On loopback with the local admin token, the
    link signs in by itself (the token rides in the URL fragment, which the browser never
    sends to a server); it goes to the terminal only, never into the log files."""
    url = f"http://{_url_host(settings.api_host)}:{settings.api_port}/"
    path = settings.data_dir / LOCAL_TOKEN_FILE
    if is_loopback(settings.api_host) and path.exists():
        token = path.read_text(encoding="utf-8").strip()
        print(f"\nDashboard: {url}#token={token}\n", file=stream or sys.stderr, flush=True)
    else:
        logger.info("dashboard at %s (sign in with an API token)", url)


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _log_effective_mode(settings: Settings) -> None:
    live = settings.exec_mode == "live" and not settings.dry_run
    if settings.exchange:
        mode = "LIVE — REAL ORDERS" if live else "DRY RUN — orders logged, never sent"
        venue = f"exchange {settings.exchange}"
    else:
        mode = "PAPER — simulated venue, no real orders"
        venue = "the paper venue"
    logger.warning(
        "EXECUTION MODE: %s on %s (EXEC_MODE=%s, DRY_RUN=%d)",
        mode,
        venue,
        settings.exec_mode,
        int(settings.dry_run),
    )
    if live and not settings.exchange:
        raise ConfigurationError(
            "EXEC_MODE=live with DRY_RUN=0 needs an exchange: set EXCHANGE (a ccxt id) and "
            "its keys, or use EXEC_MODE=paper"
        )
