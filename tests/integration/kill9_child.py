"""Child process of the kill -9 test: run the durable session, maybe die at a crash point.

Usage: ``python kill9_child.py JOURNAL LEDGER_DB TOTAL_BARS SEED``; JOURNAL is a SQLite
file or a ``postgresql+psycopg://`` URL. With
``AI_TRADER_CRASH_POINT`` set to one of ``CRASH_POINTS``, the process sends itself SIGKILL
the ``AI_TRADER_CRASH_AT``-th time (default 1st) it reaches that point. It prints
``ACK <client order id>`` once an acceptance is journaled, ``FILL <trade id>`` once a fill
is, ``RECOVERY <accepted> <unsent> <imported>`` after recovery and ``DONE`` at the end.
"""

from __future__ import annotations

import os
import signal
import sys
from contextlib import AbstractContextManager
from pathlib import Path

from ai_trader.domain.events import Event, OrderAccepted, OrderFilled
from ai_trader.domain.orders import Order
from ai_trader.live.durable import DurableConfig, run_durable
from ai_trader.ports.journal import Journal
from ai_trader.runtime.spec import SessionSpec

CRASH_POINTS = (
    "before_intent",
    "after_intent_before_send",
    "after_send_before_ack",
    "after_send_before_fill_journal",
)
SPEC = SessionSpec(params={"fast": 3, "slow": 8}, sizing="fixed:10")


class CrashingJournal:
    """Passes everything to the real journal; dies at the configured point."""

    def __init__(self, journal: Journal, point: str, at: int) -> None:
        self._journal = journal
        self._point = point
        self._left = at

    def _reach(self, point: str) -> None:
        if point != self._point:
            return
        self._left -= 1
        if self._left <= 0:
            os.kill(os.getpid(), signal.SIGKILL)

    def record_intent(self, order: Order) -> None:
        self._reach("before_intent")
        self._journal.record_intent(order)
        self._reach("after_intent_before_send")  # committed; the venue has not seen it

    def batch(self) -> AbstractContextManager[None]:
        return self._journal.batch()

    def record_event(self, event: Event) -> None:
        if isinstance(event, OrderAccepted):
            self._reach("after_send_before_ack")
        if isinstance(event, OrderFilled):
            self._reach("after_send_before_fill_journal")  # the venue committed the fill
        self._journal.record_event(event)
        if isinstance(event, OrderAccepted):
            print("ACK", event.order.client_order_id, flush=True)
        elif isinstance(event, OrderFilled):
            print("FILL", event.fill.trade_id, flush=True)


def main(argv: list[str]) -> int:
    journal_path, ledger_path, total_bars, seed = argv
    point = os.environ.get("AI_TRADER_CRASH_POINT", "")
    at = int(os.environ.get("AI_TRADER_CRASH_AT", "1"))
    if point and point not in CRASH_POINTS:
        print(f"unknown crash point {point!r}; known: {CRASH_POINTS}", file=sys.stderr)
        return 2
    result = run_durable(
        SPEC,
        DurableConfig(seed=int(seed), total_bars=int(total_bars)),
        journal_path=Path("unused.db") if "://" in journal_path else Path(journal_path),
        database_url=journal_path if "://" in journal_path else None,
        ledger_path=Path(ledger_path),
        wrap_journal=lambda journal: CrashingJournal(journal, point, at),
        on_recovered=lambda report: print(
            "RECOVERY",
            len(report.accepted),
            len(report.canceled_unsent),
            report.imported_fills,
            flush=True,
        ),
    )
    print("DONE", result.bars_traded, result.orders_sent, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
