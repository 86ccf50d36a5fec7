"""Paper trading: the same engine, paced by the wall clock, on the simulated venue.

Market orders fill at the last price (the latest bar's close) the moment they are sent,
as a paper account at a real venue would; stops and limits fill as the bars trade
through them. Before the first live bar the strategies are warmed up on history, so
indicators are ready at once.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator

from pydantic import BaseModel, ConfigDict, Field

from ai_trader.adapters.data.feeds import LivePacedFeed
from ai_trader.adapters.data.synthetic import SyntheticBarStream, SyntheticMarketConfig
from ai_trader.adapters.sim.config import MarketFill
from ai_trader.core.clock import NANOS_PER_SECOND, LiveClock
from ai_trader.domain.bar import Bar
from ai_trader.engine.engine import EventListener
from ai_trader.runtime.assembly import TradingSession, assemble_session
from ai_trader.runtime.result import RunResult, summarize
from ai_trader.runtime.spec import SessionSpec

logger = logging.getLogger(__name__)


class PaperConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    bar_seconds: float = Field(1.0, gt=0.0, le=86_400.0, description="wall seconds per bar")
    warmup_bars: int = Field(500, ge=0, le=100_000, description="history bars for indicators")
    max_bars: int | None = Field(None, ge=1, description="stop after this many live bars")
    seed: int = Field(0, ge=0)
    symbol: str = Field("SYN/USD", min_length=1)
    status_every_bars: int = Field(60, ge=1, description="log equity and position this often")


def run_paper(
    spec: SessionSpec,
    config: PaperConfig,
    *,
    run_id: str,
    stop_event: threading.Event,
    listeners: tuple[EventListener, ...] = (),
) -> RunResult:
    """Trade until ``stop_event`` is set (or ``max_bars`` live bars); returns the summary."""
    spec.validate_strategy()
    clock = LiveClock()
    stream = SyntheticBarStream(SyntheticMarketConfig(symbol=config.symbol), seed=config.seed)
    history = list(_history(stream, clock, config))
    feed = LivePacedFeed(stream, clock, config.bar_seconds, stop_event, config.max_bars)
    session = assemble_session(
        spec, run_id=run_id, clock=clock, feed=feed, market_fill=MarketFill.LAST_PRICE
    )
    engine = session.engine
    for listener in listeners:
        engine.subscribe(listener)
    engine.subscribe_bars(_status_logger(session, config.status_every_bars))
    engine.warm_up(history)
    if history:
        session.venue.process_bar(history[-1])  # the venue knows the last price before bar 1
    started = time.perf_counter()
    engine.run()  # the feed ends as soon as stop_event is set
    return summarize(session, time.perf_counter() - started)


def _status_logger(session: TradingSession, every: int) -> Callable[[Bar], None]:
    engine = session.engine
    seen = 0

    def log_status(bar: Bar) -> None:
        nonlocal seen
        seen += 1
        if seen % every:
            return
        halt = engine.risk.halt
        logger.info(
            "bar %d: %s close %.4f, equity %.2f, position %g%s",
            seen,
            bar.symbol,
            bar.close,
            engine.portfolio.equity_float(),
            engine.portfolio.position_quantity(bar.symbol),
            f", entries halted ({halt.reason})" if halt else "",
        )

    return log_status


def _history(stream: SyntheticBarStream, clock: LiveClock, config: PaperConfig) -> Iterator[Bar]:
    bar_ns = round(config.bar_seconds * NANOS_PER_SECOND)
    now = clock.timestamp_ns()
    for index in range(config.warmup_bars, 0, -1):
        yield stream.next_bar(now - index * bar_ns)
