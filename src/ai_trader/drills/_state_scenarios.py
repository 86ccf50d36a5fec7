"""Faults in state and data: the journal's database is locked, a position drifts behind
the engine's back, market data goes stale."""

from __future__ import annotations

import random
import sqlite3

from ai_trader.core.ids import ClientOrderId
from ai_trader.core.money import to_decimal
from ai_trader.domain.enums import OrderType, Side
from ai_trader.domain.orders import Order
from ai_trader.drills._report import Observation, ScenarioResult
from ai_trader.drills._rig import BAR_NS, BAR_SECONDS, SYMBOL, Rig
from ai_trader.drills._venue_scenarios import AFTER_SECONDS, HORIZON_SECONDS, WARMUP_SECONDS
from ai_trader.runtime.data_quality import BREACH_REASON as DATA_QUALITY_REASON
from ai_trader.runtime.data_quality import DataQualityConfig, DataQualityMonitor


def db_lock(rig: Rig, rng: random.Random) -> ScenarioResult:
    """Another connection holds ``BEGIN EXCLUSIVE`` on the journal for one bar interval:
    the engine's write-ahead intent waits out SQLite's busy timeout and fails, so the order
    is never sent (fail closed); once the lock is released the next order's writes land."""
    rig.run_for(WARMUP_SECONDS + rng.randint(1, BAR_SECONDS - 1))
    observed = Observation("db_lock", rig.now)
    holder = sqlite3.connect(rig.directory / "trading_bot.db", isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    released_at = rig.now + BAR_NS
    failures, sent = len(rig.journal_failures), rig.orders_sent
    state = {"held": True, "sent": sent}

    def tick() -> None:
        if state["held"] and rig.now >= released_at:
            holder.rollback()
            holder.close()
            state["held"] = False
            state["sent"] = rig.orders_sent
        if len(rig.journal_failures) > failures:
            observed.detect(rig.journal_failures[failures][0])
        if observed.detected and not state["held"] and rig.orders_sent > state["sent"]:
            observed.recover(rig.now)  # an order's intent, acceptance and fill landed

    rig.tick_listeners.append(tick)
    try:
        rig.run_for(HORIZON_SECONDS, lambda: observed.recovered)
    finally:
        rig.tick_listeners.remove(tick)
        if state["held"]:
            holder.close()
    rig.run_for(AFTER_SECONDS)
    error = rig.journal_failures[failures][1] if len(rig.journal_failures) > failures else "-"
    unsent = _unsent_in_book(rig)
    detail = (
        f"journal locked for {BAR_SECONDS} s; the intent write failed ({error}) and the "
        f"order never reached the venue ({rig.ledger_attempts()} submit attempts, each id "
        f"once); {unsent} order(s) left in the engine's book that neither journal nor venue "
        f"know; {rig.orders_sent} orders sent in all"
    )
    return observed.result(rig.data_lost(), detail)


def reconciliation_drift(rig: Rig, rng: random.Random) -> ScenarioResult:
    """Another client buys on the same account: the journal's position drifts from the
    venue's; three mismatching cycles breach and halt entries. The operator flattens the
    foreign position at the venue; two clean cycles resume entries."""
    rig.run_for(WARMUP_SECONDS + rng.randint(1, BAR_SECONDS - 1))
    quantity = rng.randint(1, 3)
    observed = Observation("reconciliation_drift", rig.now)
    rig.venue.foreign_submit(_foreign(rig, "OTHER-1", Side.BUY, quantity))
    state = {"flattened": False}

    def tick() -> None:
        if (rig.halt_reason or "").startswith("reconciliation"):
            observed.detect(rig.now)
            if not state["flattened"]:  # the runbook: flatten the unknown trade at the venue
                rig.venue.foreign_submit(_foreign(rig, "OTHER-2", Side.SELL, quantity))
                state["flattened"] = True
        elif observed.detected and rig.halt_reason is None:
            observed.recover(rig.now)

    rig.tick_listeners.append(tick)
    rig.run_for(HORIZON_SECONDS, lambda: observed.recovered)
    rig.tick_listeners.remove(tick)
    rig.run_for(AFTER_SECONDS)
    metrics = rig.reconciliation.reconciler.metrics()
    detail = (
        f"foreign buy of {quantity} at the venue; {metrics.cycles} cycles, "
        f"{metrics.breaches} breach, resumed after 2 clean cycles; the 2 foreign fills are "
        f"not ours and not counted as lost; {rig.orders_sent} orders sent in all"
    )
    return observed.result(rig.data_lost(), detail)


def stale_data(rig: Rig, rng: random.Random) -> ScenarioResult:
    """The feed stops for a seeded number of bar intervals (more than the critical limit):
    the data-quality monitor reports ``stale`` (a warning, then critical), its breach halts
    entries; when bars flow again a clean cycle resumes them."""
    monitor = DataQualityMonitor(
        DataQualityConfig(), bar_seconds=BAR_SECONDS, symbols=[SYMBOL], log_transitions=False
    )
    rig.bar_listeners.append(monitor.observe)
    limit = monitor.config.stale_critical_after_bars
    gap = rng.randint(int(limit) + 2, int(limit) + 8)
    state = {"breaches": 0, "stale": 0, "armed": False}
    observed = Observation("stale_data", rig.now)

    def cycle() -> None:
        if (rig.now - rig.started_ns) % BAR_NS:
            return
        report = monitor.run_cycle(rig.now)
        stale = [issue for issue in report.issues if issue.kind == "stale"]
        state["stale"] += len(stale)
        if stale and state["armed"]:
            observed.detect(rig.now)
        if report.breach is not None:
            state["breaches"] += 1
            if rig.halt_reason is None:
                rig.engine.halt_entries(report.breach)
        elif report.resumed and (rig.halt_reason or "").startswith(DATA_QUALITY_REASON):
            rig.engine.resume_entries("data quality clean for a cycle")
        clean = rig.halt_reason is None and not monitor.breached
        if observed.detected and rig.market_open and clean:
            observed.recover(rig.now)

    rig.tick_listeners.append(cycle)
    rig.run_for(WARMUP_SECONDS + rng.randint(1, BAR_SECONDS - 1))
    observed.injected_ns = rig.now
    state["armed"] = True
    rig.market_open = False
    rig.run_for(gap * BAR_SECONDS)
    rig.market_open = True
    rig.run_for(HORIZON_SECONDS, lambda: observed.recovered)
    rig.tick_listeners.remove(cycle)
    rig.run_for(AFTER_SECONDS)
    denied = sum(1 for ts, _ in rig.denied if observed.injected_ns <= ts)
    detail = (
        f"no bars for {gap} bar intervals (critical after {limit:g}); {state['stale']} stale "
        f"issues, {state['breaches']} breach, {denied} entries denied while halted; resumed "
        f"after a clean cycle; {rig.orders_sent} orders sent in all"
    )
    return observed.result(rig.data_lost(), detail)


def _foreign(rig: Rig, client_order_id: str, side: Side, quantity: int) -> Order:
    return Order(
        client_order_id=ClientOrderId(client_order_id),
        symbol=SYMBOL,
        side=side,
        order_type=OrderType.MARKET,
        quantity=to_decimal(quantity),
        ts_init=rig.now,
    )


def _unsent_in_book(rig: Rig) -> int:
    return sum(
        1
        for record in rig.engine.orders.open_records()
        if rig.journal.order(record.order.client_order_id) is None
    )
