"""``ai-trader paper``: durable paper trading on the live-paced synthetic market until Ctrl-C.

A restart (after Ctrl-C, a crash or ``kill -9``) continues the same paper account: see
``ai_trader.live.paper`` for what is recovered and in which order.
"""

from __future__ import annotations

import logging
import signal
import threading
from decimal import Decimal
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.logging import RichHandler

from ai_trader.cli.options import (
    DEFAULT_DATA_DIR,
    CashOption,
    CommissionOption,
    DatabaseUrlOption,
    DataDirOption,
    ParamOption,
    RedisUrlOption,
    SeedOption,
    SizingOption,
    SlippageOption,
    StrategyOption,
    session_spec,
)
from ai_trader.cli.render import print_run
from ai_trader.core.clock import ns_to_datetime
from ai_trader.core.errors import ConfigurationError
from ai_trader.core.ids import new_run_id
from ai_trader.domain.events import Event, OrderDenied, OrderFilled, TradingHalted
from ai_trader.live.paper import PaperConfig, run_paper
from ai_trader.runtime.recovery import RecoveryReport
from ai_trader.runtime.results import stats_document, write_results
from ai_trader.runtime.spec import describe_validation_error
from ai_trader.runtime.storage import StorageConfig, open_storage

logger = logging.getLogger("ai_trader.paper")


def paper(
    strategy: StrategyOption = "sma_cross",
    param: ParamOption = None,
    cash: CashOption = 100_000.0,
    commission: CommissionOption = 0.001,
    slippage_bps: SlippageOption = 1.0,
    sizing: SizingOption = "risk:0.01",
    bar_seconds: Annotated[float, typer.Option(help="wall-clock seconds per bar")] = 1.0,
    warmup_bars: Annotated[int, typer.Option(help="history bars to warm indicators")] = 500,
    max_bars: Annotated[int | None, typer.Option(help="stop after this many bars")] = None,
    seed: SeedOption = 0,
    data_dir: DataDirOption = DEFAULT_DATA_DIR,
    database_url: DatabaseUrlOption = None,
    redis_url: RedisUrlOption = None,
    backup_interval: Annotated[
        float, typer.Option(help="seconds between automatic backups (0: none)")
    ] = 3600.0,
    backup_keep: Annotated[int, typer.Option(help="backups kept (oldest removed first)")] = 10,
    output: Annotated[
        Path | None, typer.Option(help="result directory (default results/runs/<run_id>)")
    ] = None,
) -> None:
    """Paper-trade a strategy on the synthetic market, live-paced, until Ctrl-C."""
    spec = session_spec(strategy, param, cash, commission, slippage_bps, sizing)
    try:
        config = PaperConfig(
            bar_seconds=bar_seconds, warmup_bars=warmup_bars, max_bars=max_bars, seed=seed
        )
        storage_config = StorageConfig(
            data_dir=data_dir,
            database_url=database_url,
            redis_url=redis_url,
            backup_interval_seconds=backup_interval,
            backup_keep=backup_keep,
        )
    except ValidationError as exc:
        raise ConfigurationError(describe_validation_error(exc)) from None
    spec.validate_strategy()
    console = Console()
    _configure_logging(console)
    storage = open_storage(storage_config)
    try:
        if storage.state_recovery is not None:
            logger.warning("%s", storage.state_recovery.describe())
        stop = threading.Event()
        _stop_on_signals(stop)
        run_id = new_run_id()
        result = run_paper(
            spec,
            config,
            run_id=run_id,
            stop_event=stop,
            storage=storage,
            listeners=(_log_event,),
            on_ready=lambda report: _announce(
                report, strategy, config, run_id, storage.database_label
            ),
        )
    finally:
        storage.close()
    run = result.run
    logger.info("stopped after %d bars; writing results", run.stats.bars)
    directory = output or Path("results") / "runs" / run_id
    extra = {"mode": "paper", "symbol": config.symbol, "seed": seed, "resumed": result.resumed}
    files = write_results(run, directory, extra)
    print_run(console, f"paper {strategy} — run {run_id}", stats_document(run, extra), files)


def _announce(
    report: RecoveryReport, strategy: str, config: PaperConfig, run_id: str, database: str
) -> None:
    logger.info(
        "recovery ok: %d fills in the journal, %d orders working, %d pending resolved, "
        "%d fills imported from the venue",
        len(report.fills),
        len(report.open_orders),
        len(report.accepted) + len(report.canceled_unsent),
        report.imported_fills,
    )
    logger.info(
        "paper trading %s on %s, one bar every %gs, run %s, journal %s — Ctrl-C to stop",
        strategy,
        config.symbol,
        config.bar_seconds,
        run_id,
        database,
    )


def _log_event(event: Event) -> None:
    if isinstance(event, OrderFilled):
        fill = event.fill
        logger.info(
            "fill %s %s %s @ %s fee %s (%s) at %s",
            fill.side.value,
            fill.quantity,
            fill.symbol,
            fill.price,
            fill.fee.quantize(Decimal("0.0001")),
            fill.client_order_id,
            ns_to_datetime(fill.ts_event).strftime("%H:%M:%S"),
        )
    elif isinstance(event, OrderDenied):
        logger.warning("order denied: %s", event.reason)
    elif isinstance(event, TradingHalted):
        logger.warning("trading halted: %s", event.reason)


def _configure_logging(console: Console) -> None:
    handler = RichHandler(console=console, show_path=False, markup=False)
    logging.basicConfig(level=logging.INFO, format="%(message)s", handlers=[handler], force=True)


def _stop_on_signals(stop: threading.Event) -> None:
    def request_stop(signum: int, frame: FrameType | None) -> None:
        logger.info("%s received: finishing the current bar", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
