"""Data quality while trading (SPEC DAT-2, OPS-2): the bars are checked every cycle.

:class:`DataQualityMonitor` is told every bar the engine receives (:meth:`observe`) and
every candle row a feed could not turn into a bar (:meth:`observe_raw`); each
:meth:`~DataQualityMonitor.run_cycle` reports what was wrong with the bars seen since the
previous cycle — corrupt, duplicated, non-monotonic, missing, price jumps (see
:mod:`ai_trader.runtime.data_quality_checks` for the rules and severities) — plus every
active symbol whose last bar is too old (``stale``).

The halt rule, as a state machine (``ok`` → ``breached`` → ``ok``):

- a cycle with a critical issue starts a breach: that cycle's ``report.breach`` holds the
  reason (``"data_quality: …"``), with which the caller halts new entries;
- while breached, further critical cycles change nothing (``breach`` is ``None``);
- the first cycle without a critical issue ends it: ``report.resumed`` is true, once.

Files, when ``run_dir`` (``results/runs/<run_id>``) is given: ``data_quality_events.jsonl``
gets one ``data_quality_issue`` line per issue and one ``data_quality_cycle`` line per
cycle, each written and flushed in one call; ``data_quality_latest.json`` is the last
report, replaced atomically. Time comes only from the arguments: ``now_ns`` and the bars'
``ts_event``. Not thread-safe: the service calls it under its engine lock.
"""

from __future__ import annotations

import json
import logging
import math
from collections import Counter, deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from ai_trader.core.clock import NANOS_PER_SECOND, ns_to_datetime
from ai_trader.core.errors import ConfigurationError
from ai_trader.core.files import write_atomically
from ai_trader.domain.bar import Bar
from ai_trader.runtime.data_quality_checks import (
    CRITICAL,
    ISSUE_KINDS,
    WARNING,
    DataQualityConfig,
    QualityIssue,
    check_jump,
    check_row,
    check_sequence,
    check_stale,
)

__all__ = [
    "BREACH_REASON",
    "EVENTS_FILE",
    "LATEST_FILE",
    "DataQualityConfig",
    "DataQualityMonitor",
    "DataQualityReport",
    "QualityIssue",
]

logger = logging.getLogger(__name__)

EVENTS_FILE = "data_quality_events.jsonl"
LATEST_FILE = "data_quality_latest.json"
BREACH_REASON = "data_quality"
_SHOWN_IN_REASON = 3


@dataclass(frozen=True, slots=True)
class DataQualityReport:
    cycle: int
    checked_at_ns: int
    symbols: tuple[str, ...]
    issues: tuple[QualityIssue, ...]
    breach: str | None = None  # the halt reason, on the cycle that starts a breach
    resumed: bool = False  # the first clean cycle after a breach
    breached: bool = False  # a breach is in force after this cycle

    @property
    def errors(self) -> int:
        """Critical issues (the SLO wants 0 per cycle)."""
        return sum(1 for issue in self.issues if issue.severity == CRITICAL)

    @property
    def warnings(self) -> int:
        return sum(1 for issue in self.issues if issue.severity == WARNING)

    @property
    def stale_warnings(self) -> int:
        """Stale issues of severity warning (critical ones count in ``errors``)."""
        return sum(1 for i in self.issues if i.kind == "stale" and i.severity == WARNING)

    @property
    def critical(self) -> bool:
        return self.errors > 0

    def counts_by_kind(self) -> dict[str, int]:
        counted = Counter(issue.kind for issue in self.issues)
        return {kind: counted.get(kind, 0) for kind in ISSUE_KINDS}

    def to_json(self) -> dict[str, object]:
        return {
            "cycle": self.cycle,
            "checked_at": _iso(self.checked_at_ns),
            "checked_at_ns": self.checked_at_ns,
            "symbols": list(self.symbols),
            "errors": self.errors,
            "warnings": self.warnings,
            "stale_warnings": self.stale_warnings,
            "critical": self.critical,
            "breached": self.breached,
            "breach": self.breach,
            "resumed": self.resumed,
            "by_kind": self.counts_by_kind(),
            "issues": [issue.to_json() for issue in self.issues],
        }


@dataclass(slots=True)
class _Track:
    """What the monitor remembers of one symbol between bars."""

    returns: deque[float]
    last_ns: int | None = None
    last_close: float | None = None
    pending: list[QualityIssue] = field(default_factory=list)


class DataQualityMonitor:
    def __init__(
        self,
        config: DataQualityConfig,
        *,
        bar_seconds: float,
        symbols: Sequence[str],
        run_dir: Path | None = None,
        log_transitions: bool = True,
    ) -> None:
        """``run_dir``: ``results/runs/<run_id>`` (``None``: write nothing);
        ``log_transitions``: log breaches and resumptions (off for one-shot checks)."""
        if not (math.isfinite(bar_seconds) and bar_seconds > 0):
            raise ConfigurationError(f"bar_seconds must be a positive number, got {bar_seconds}")
        self._config = config
        self._bar_ns = max(1, round(bar_seconds * NANOS_PER_SECOND))
        self._symbols = tuple(dict.fromkeys(symbols))
        self._run_dir = run_dir
        self._log = log_transitions
        self._tracks: dict[str, _Track] = {}
        self._cycle = 0
        self._since_ns: int | None = None
        self._breached = False
        self._last_report: DataQualityReport | None = None

    @property
    def config(self) -> DataQualityConfig:
        return self._config

    @property
    def symbols(self) -> tuple[str, ...]:
        return self._symbols

    @property
    def breached(self) -> bool:
        """A breach is in force: a critical issue was seen and no clean cycle since."""
        return self._breached

    @property
    def last_report(self) -> DataQualityReport | None:
        return self._last_report

    def observe(self, bar: Bar) -> None:
        """A bar as the engine receives it."""
        self.observe_raw(bar.symbol, *bar[1:])

    def observe_raw(
        self,
        symbol: str,
        ts_event: int,
        open: float,  # noqa: A002 - the market's own word for it
        high: float,
        low: float,
        close: float,
        volume: float,
    ) -> None:
        """A candle row before validation; what is wrong is reported by the next cycle.

        A corrupt row's time still counts for the duplicate/order/gap checks (the feed did
        deliver a bar then) but its prices never enter the price-jump window."""
        track = self._track(symbol)
        ts_event = int(ts_event)
        corrupt = check_row(symbol, ts_event, open, high, low, close, volume)
        order = check_sequence(
            symbol, track.last_ns, ts_event, self._bar_ns, self._config.missing_critical_bars
        )
        track.pending.extend(issue for issue in (order, corrupt) if issue is not None)
        if order is not None and order.kind != "missing":
            return  # a bar at or before the last one: nothing to learn from it
        track.last_ns = ts_event
        if corrupt is None:
            self._observe_close(track, symbol, ts_event, float(close))

    def forget_pending(self) -> None:
        """Drop what was observed since the last cycle without reporting it: for history
        that only fills the price-jump window (the symbols' last bars are kept)."""
        for track in self._tracks.values():
            track.pending.clear()

    def run_cycle(self, now_ns: int) -> DataQualityReport:
        """Check every active symbol; write the events and the snapshot; return the report."""
        if self._since_ns is None:
            self._since_ns = now_ns
        self._cycle += 1
        issues: list[QualityIssue] = []
        for track in self._tracks.values():
            issues.extend(track.pending)
            track.pending.clear()
        for symbol in self._symbols:
            track = self._track(symbol)
            stale = check_stale(
                symbol, track.last_ns, self._since_ns, now_ns, self._bar_ns, self._config
            )
            if stale is not None:
                issues.append(stale)
        report = self._judge(now_ns, tuple(issues))
        self._last_report = report
        self._write(report)
        return report

    def _judge(self, now_ns: int, issues: tuple[QualityIssue, ...]) -> DataQualityReport:
        critical = [issue for issue in issues if issue.severity == CRITICAL]
        breach: str | None = None
        resumed = False
        if critical and not self._breached:
            self._breached = True
            breach = _breach_reason(critical)
            if self._log:
                logger.warning("data quality breach, entries halted: %s", breach)
        elif not critical and self._breached:
            self._breached = False
            resumed = True
            if self._log:
                logger.info(
                    "data quality: clean cycle %d after a breach, entries may resume", self._cycle
                )
        return DataQualityReport(
            cycle=self._cycle,
            checked_at_ns=now_ns,
            symbols=self._symbols,
            issues=issues,
            breach=breach,
            resumed=resumed,
            breached=self._breached,
        )

    def _observe_close(self, track: _Track, symbol: str, ts_event: int, close: float) -> None:
        if track.last_close is not None:
            log_return = math.log(close / track.last_close)
            jump = check_jump(symbol, ts_event, log_return, track.returns, self._config)
            if jump is not None:
                track.pending.append(jump)
            track.returns.append(log_return)
        track.last_close = close

    def _track(self, symbol: str) -> _Track:
        track = self._tracks.get(symbol)
        if track is None:
            track = _Track(returns=deque(maxlen=self._config.window - 1))
            self._tracks[symbol] = track
        return track

    def _write(self, report: DataQualityReport) -> None:
        if self._run_dir is None:
            return
        self._run_dir.mkdir(parents=True, exist_ok=True)
        moment = _iso(report.checked_at_ns)
        with (self._run_dir / EVENTS_FILE).open("a", encoding="utf-8") as stream:
            for issue in report.issues:
                line = {"event_type": "data_quality_issue", "ts": moment, "cycle": report.cycle}
                _append(stream, {**line, **issue.to_json()})
            summary = report.to_json()
            del summary["issues"], summary["checked_at"]
            _append(stream, {"event_type": "data_quality_cycle", "ts": moment, **summary})
        snapshot = json.dumps(report.to_json(), indent=2) + "\n"
        write_atomically(self._run_dir / LATEST_FILE, snapshot.encode())


def _append(stream: TextIO, line: dict[str, object]) -> None:
    stream.write(json.dumps(line, allow_nan=False) + "\n")
    stream.flush()


def _breach_reason(critical: list[QualityIssue]) -> str:
    shown = "; ".join(f"{i.kind} {i.symbol} ({i.detail})" for i in critical[:_SHOWN_IN_REASON])
    more = len(critical) - _SHOWN_IN_REASON
    tail = f"; and {more} more" if more > 0 else ""
    return f"{BREACH_REASON}: {len(critical)} critical issue(s): {shown}{tail}"


def _iso(ts_ns: int) -> str:
    return ns_to_datetime(ts_ns).isoformat(timespec="microseconds")
