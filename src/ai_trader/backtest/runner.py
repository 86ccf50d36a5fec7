"""Run a backtest of one strategy on bar series, on the simulated venue."""

from __future__ import annotations

import time
from collections.abc import Sequence

from ai_trader.adapters.data.feeds import BarSeriesFeed
from ai_trader.core.clock import TestClock
from ai_trader.domain.bar import BarSeries
from ai_trader.engine.engine import ProgressCallback
from ai_trader.runtime.assembly import assemble_session
from ai_trader.runtime.result import RunResult, summarize
from ai_trader.runtime.spec import SessionSpec


def run_backtest(
    spec: SessionSpec,
    series: Sequence[BarSeries],
    *,
    run_id: str,
    on_progress: ProgressCallback | None = None,
) -> RunResult:
    """Replay ``series`` through the engine as fast as it goes; market orders fill at the
    next bar's open."""
    spec.validate_strategy()
    feed = BarSeriesFeed(series)
    starts = [int(s.ts_event[0]) for s in series if len(s)]
    clock = TestClock(min(starts) if starts else 0)
    session = assemble_session(spec, run_id=run_id, clock=clock, feed=feed)
    started = time.perf_counter()
    session.engine.run(on_progress=on_progress)
    return summarize(session, time.perf_counter() - started)
