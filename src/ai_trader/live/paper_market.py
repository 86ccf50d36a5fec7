"""The paper market across restarts: the synthetic market continues where it stopped.

On the first start the history for warm-up is drawn from a fresh seeded stream. On a
restart the venue's ledger holds the bars it traded; the market resumes from the last of
them (same price, a stream seeded by the run's seed and that bar's time, so a restart is
reproducible), and the bars that would have closed while nothing was running are drawn
too — the venue trades them before the engine is back, as a real venue keeps trading while
a client is down. At most ``MAX_MISSED_BARS`` are drawn: after a longer outage the market
jumps over the rest of the gap in time (never in price).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ai_trader.adapters.data.synthetic import SyntheticBarStream, SyntheticMarketConfig
from ai_trader.core.clock import NANOS_PER_SECOND
from ai_trader.domain.bar import Bar

MAX_MISSED_BARS = 2_000


@dataclass(frozen=True, slots=True)
class PaperMarket:
    stream: SyntheticBarStream
    history: tuple[Bar, ...]
    """Bars for the strategies' warm-up, oldest first."""
    venue_bars: tuple[Bar, ...]
    """Bars the venue has not traded yet and must before the engine starts."""
    missed_bars: int
    """Bar slots that closed while nothing ran (0 on a first start)."""

    @property
    def last_close(self) -> float | None:
        return self.history[-1].close if self.history else None


def open_paper_market(
    *,
    symbol: str,
    seed: int,
    bar_seconds: float,
    warmup_bars: int,
    traded: Sequence[Bar],
    now_ns: int,
) -> PaperMarket:
    """``traded``: the venue's last bars of ``symbol`` (oldest first), empty on a first start."""
    bar_ns = max(1, round(bar_seconds * NANOS_PER_SECOND))
    config = SyntheticMarketConfig(symbol=symbol)
    if not traded:
        stream = SyntheticBarStream(config, seed=seed)
        history = tuple(stream.next_bar(now_ns - i * bar_ns) for i in range(warmup_bars, 0, -1))
        return PaperMarket(stream, history, history, 0)
    last = traded[-1]
    resumed = config.model_copy(update={"start_price": last.close})
    stream = SyntheticBarStream(resumed, seed=(seed << 64) | (last.ts_event % (1 << 64)))
    slots = max(0, (now_ns - last.ts_event) // bar_ns)
    drawn = min(slots, MAX_MISSED_BARS)
    first_ts = last.ts_event + (slots - drawn + 1) * bar_ns
    missed = tuple(stream.next_bar(first_ts + i * bar_ns) for i in range(drawn))
    history = (*traded, *missed)[-warmup_bars:] if warmup_bars else ()
    return PaperMarket(stream, tuple(history), missed, slots)
