"""``run_dr``: the weekly disaster-recovery drill against a real ``ai-trader run`` process.

The service trades paper on the synthetic market (short bars) in an isolated working
directory. After fills exist it is stopped twice — gracefully (SIGTERM) and by SIGKILL —
and restarted each time. For each stop the drill measures, on the wall clock:

- detection: from the signal to the first failed ``/health`` poll;
- restart complete: from the restart command to ``/health`` answering 200;
- first clean reconciliation: the new run's first cycle clean in orders and positions
  (``results/runs/<run_id>/{order,position}_reconciliation_events.jsonl``; cycle 1 is the
  start-up reconciliation that follows recovery);
- RTO: from the signal until the service answers and a clean cycle is recorded;
- RPO: fills the venue ledger holds that the journal lacks after the restart, and the age
  of the newest runtime state write (``data/bot_state.json``) at the moment of the stop.
"""

from __future__ import annotations

import signal
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ai_trader.drills._service import DrillError, Service, free_port

RTO_TARGET_SECONDS = 900.0
RPO_TARGET_SECONDS = 60.0
MIN_FILLS = 2
FILL_TIMEOUT_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class StopResult:
    name: str
    signal: str
    exit_code: int
    detected_after_seconds: float
    restart_complete_seconds: float
    first_clean_reconciliation_seconds: float
    rto_seconds: float
    fills_before_stop: int
    fills_lost: int
    state_age_seconds: float | None

    @property
    def rpo_seconds(self) -> float:
        return max(0.0, self.state_age_seconds or 0.0)


def run_dr(
    directory: Path | None = None,
    *,
    port: int | None = None,
    bar_seconds: float = 0.05,
    on_step: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Run the drill; returns the report document. ``directory`` is the service's working
    directory (a temporary one by default)."""
    say = on_step or (lambda _message: None)
    if directory is not None:
        directory.mkdir(parents=True, exist_ok=True)
        return _drill(directory, port or free_port(), bar_seconds, say)
    with tempfile.TemporaryDirectory(prefix="ai-trader-dr-") as name:
        return _drill(Path(name), port or free_port(), bar_seconds, say)


def _drill(
    directory: Path, port: int, bar_seconds: float, say: Callable[[str], None]
) -> dict[str, Any]:
    service = Service(directory, port, bar_seconds)
    try:
        service.start()
        service.wait_healthy()
        say(f"service up on {service.url}; trading until {MIN_FILLS} fills are journaled")
        _make_fills(service)
        stops = []
        for name, number in (("graceful", signal.SIGTERM), ("kill", signal.SIGKILL)):
            say(f"{name} stop ({number.name}) and restart")
            stops.append(_stop_and_restart(service, name, number))
            _make_fills(service)
        service.signal(signal.SIGTERM)
        service.wait_exit()
        fills_lost = len(service.venue_fills() - service.journal_fills())
    finally:
        service.kill()
    return _document(stops, fills_lost, bar_seconds)


def _make_fills(service: Service) -> None:
    """An operator round trip plus an open position, then wait for the fills to land."""
    before = len(service.journal_fills())
    for path, body in (
        ("/trading/open", {"symbol": "SYN/USD", "side": "buy", "quantity": "1"}),
        ("/trading/close_all", {"reason": "dr drill round trip"}),
        ("/trading/open", {"symbol": "SYN/USD", "side": "buy", "quantity": "1"}),
    ):
        service.request("POST", path, body)
    deadline = time.monotonic() + FILL_TIMEOUT_SECONDS
    while len(service.journal_fills()) < before + MIN_FILLS:
        if time.monotonic() > deadline:
            raise DrillError(f"no {MIN_FILLS} new fills within {FILL_TIMEOUT_SECONDS:.0f} s")
        time.sleep(0.05)


def _stop_and_restart(service: Service, name: str, number: signal.Signals) -> StopResult:
    fills_before = len(service.journal_fills())
    wall_stop, stopped = time.time(), time.monotonic()
    service.signal(number)
    detected = service.wait_down()
    exit_code = service.wait_exit()
    written = service.state_written_at()
    state_age = None if written is None else round(wall_stop - written, 3)
    restarting = time.monotonic()
    service.start()
    answered = service.wait_healthy()
    run_id = str(_as_dict(service.request("GET", "/status"))["run_id"])
    clean_wall = _wait_clean(service, run_id)
    clean = stopped + (clean_wall - wall_stop)
    fills_lost = len(service.venue_fills() - service.journal_fills())
    return StopResult(
        name=name,
        signal=number.name,
        exit_code=exit_code,
        detected_after_seconds=round(detected - stopped, 3),
        restart_complete_seconds=round(answered - restarting, 3),
        first_clean_reconciliation_seconds=round(clean - stopped, 3),
        rto_seconds=round(max(answered, clean) - stopped, 3),
        fills_before_stop=fills_before,
        fills_lost=fills_lost,
        state_age_seconds=state_age,
    )


def _wait_clean(service: Service, run_id: str, timeout: float = 60.0) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = service.first_clean_reconciliation(run_id)
        if found is not None:
            return found
        time.sleep(0.1)
    raise DrillError(f"no clean reconciliation cycle within {timeout:.0f} s of the restart")


def _as_dict(value: object) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise DrillError(f"unexpected answer: {value!r}")
    return value


def _document(stops: list[StopResult], fills_lost: int, bar_seconds: float) -> dict[str, Any]:
    rto = max(s.rto_seconds for s in stops)
    rpo = max(s.rpo_seconds for s in stops)
    lost = max(fills_lost, *(s.fills_lost for s in stops))
    return {
        "bar_seconds": bar_seconds,
        "targets": {"rto_seconds": RTO_TARGET_SECONDS, "rpo_seconds": RPO_TARGET_SECONDS},
        "stops": [{**asdict(s), "rpo_seconds": s.rpo_seconds} for s in stops],
        "rto_seconds": rto,
        "rpo_seconds": rpo,
        "fills_lost": lost,
        "passed": rto <= RTO_TARGET_SECONDS and rpo <= RPO_TARGET_SECONDS and lost == 0,
    }
