"""A restartable paper session: journal, venue ledger and recovery wired together.

The market is the seeded synthetic one, indexed by bar (bar ``i`` is the same on every
start), and the session time is the bars' time, so a run is fast and deterministic. On
start:

1. the venue restores its books from its ledger and trades the bars that elapsed while the
   engine was down (``restart_gap_bars`` after the last bar it saw);
2. ``recover`` reconciles the journal with the venue (fails closed on a difference);
3. the portfolio is rebuilt from the journal's fills, the order book from the orders still
   working, the order id sequence continues after the highest id used;
4. the strategies are warmed up, and only then are bars traded and new orders accepted.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from ai_trader.adapters.data.feeds import BarSeriesFeed
from ai_trader.adapters.data.synthetic import SyntheticMarketConfig, generate_bars
from ai_trader.adapters.db import SqlJournal, create_database_engine, upgrade_database
from ai_trader.adapters.sim.config import MarketFill
from ai_trader.adapters.sim.ledger import PersistentSimulatedVenue, VenueLedger
from ai_trader.core.clock import TestClock
from ai_trader.core.ids import ClientOrderIdGenerator
from ai_trader.domain.bar import BarSeries
from ai_trader.engine.engine import TradingEngine
from ai_trader.ports.journal import Journal
from ai_trader.runtime.assembly import build_engine, venue_config
from ai_trader.runtime.recovery import RecoveryReport, recover
from ai_trader.runtime.resume import rebuild_portfolio, restore_working_orders
from ai_trader.runtime.spec import SessionSpec

logger = logging.getLogger(__name__)


class DurableConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    seed: int = Field(0, ge=0)
    symbol: str = Field("SYN/USD", min_length=1)
    total_bars: int = Field(400, ge=2, description="the session ends at this bar index")
    warmup_bars: int = Field(50, ge=1)
    restart_gap_bars: int = Field(3, ge=0, description="bars that elapse while restarting")
    order_id_prefix: str = Field("durable", min_length=1, pattern=r"^\S+$")


@dataclass(frozen=True, slots=True)
class DurableResult:
    recovery: RecoveryReport
    first_bar: int
    bars_traded: int
    orders_sent: int


def run_durable(
    spec: SessionSpec,
    config: DurableConfig,
    *,
    journal_path: Path,
    ledger_path: Path,
    database_url: str | None = None,
    wrap_journal: Callable[[Journal], Journal] | None = None,
    on_recovered: Callable[[RecoveryReport], object] | None = None,
) -> DurableResult:
    """Start (or restart) the session, recover, trade up to ``total_bars`` and return.

    The journal is SQLite at ``journal_path`` unless ``database_url`` names another
    database. ``wrap_journal`` wraps the journal the engine writes to (recovery uses the real one);
    ``on_recovered`` sees the recovery report before any bar is traded."""
    spec.validate_strategy()
    market = generate_bars(
        SyntheticMarketConfig(symbol=config.symbol), config.total_bars, config.seed
    )
    database = create_database_engine(database_url, journal_path)
    upgrade_database(database)
    journal = SqlJournal(database)
    clock = TestClock()
    ledger = VenueLedger(ledger_path)
    try:
        venue = PersistentSimulatedVenue(venue_config(spec, MarketFill.NEXT_OPEN), clock, ledger)
        first = _catch_up(venue, market, config)
        recovery = recover(
            journal,
            venue,
            database=database,
            prefix=config.order_id_prefix,
            ts_event=clock.timestamp_ns(),
        ).require_ok()
        if on_recovered is not None:
            on_recovered(recovery)
        order_ids = ClientOrderIdGenerator(config.order_id_prefix, recovery.next_sequence)
        engine = _engine(spec, config, market, first, venue, recovery, order_ids, journal, clock)
        if wrap_journal is not None:
            engine.journal = wrap_journal(journal)
        engine.warm_up(market.slice(max(0, first - config.warmup_bars), first).iter_bars())
        traded = engine.run()
        return DurableResult(recovery, first, traded, order_ids.sequence - recovery.next_sequence)
    finally:
        ledger.close()
        database.dispose()


def _catch_up(venue: PersistentSimulatedVenue, market: BarSeries, config: DurableConfig) -> int:
    """The first bar the engine trades; the venue trades the bars before it that it missed."""
    if venue.last_input_ts is None:
        return min(config.warmup_bars, len(market))
    seen = int((market.ts_event <= venue.last_input_ts).sum())
    first = min(seen + config.restart_gap_bars, len(market))
    missed = venue.catch_up(market.slice(seen, first).iter_bars())
    logger.info("restart: venue traded %d bars while the engine was down", missed)
    return first


def _engine(
    spec: SessionSpec,
    config: DurableConfig,
    market: BarSeries,
    first: int,
    venue: PersistentSimulatedVenue,
    recovery: RecoveryReport,
    order_ids: ClientOrderIdGenerator,
    journal: Journal,
    venue_clock: TestClock,
) -> TradingEngine:
    engine = build_engine(
        spec,
        clock=venue_clock,
        feed=BarSeriesFeed([market.slice(first)]),
        executor=venue,
        order_ids=order_ids,
        portfolio=rebuild_portfolio(spec.cash, recovery.fills),
        journal=journal,
    )
    restore_working_orders(engine, recovery)
    return engine
