"""Faults at the venue: the executor crashes, the broker disconnects, a rate-limit storm.

Each scenario warms the rig up (a minute of trading), injects its fault at a seeded moment,
ticks until the product shows it recovered (or a horizon passes), trades on for a minute
and counts the data lost."""

from __future__ import annotations

import contextlib
import random

from ai_trader.core.errors import TransientVenueError
from ai_trader.drills._report import Observation, ScenarioResult
from ai_trader.drills._rig import BAR_SECONDS, BREAKER_REASON, Rig
from ai_trader.drills._venue import QUERY_METHODS

WARMUP_SECONDS = 60
HORIZON_SECONDS = 900
AFTER_SECONDS = 60
STORM_CALLS_PER_TICK = 40
STORM_429_PROBABILITY = 0.3


def executor_crash(rig: Rig, rng: random.Random) -> ScenarioResult:
    """The venue's storage goes away under the loop (its ledger connection is closed): the
    next bar fails the loop, auto-heal snapshots the executor, rebuilds it from the ledger
    (recovery and a reconciliation first) and trading goes on with the next bar."""
    rig.run_for(WARMUP_SECONDS + rng.randint(1, BAR_SECONDS - 1))
    observed = Observation("executor_crash", rig.now)
    failures, heals = len(rig.loop_failures), rig.heals
    rig.ledger.close()

    def bar_done(_bar: object) -> None:
        if len(rig.loop_failures) > failures:
            failed_at = rig.loop_failures[failures][0]
            observed.detect(failed_at)
            if rig.heals > heals and rig.now > failed_at:
                observed.recover(rig.now)  # the rebuilt executor traded a bar

    rig.bar_listeners.append(bar_done)
    rig.run_for(HORIZON_SECONDS, lambda: observed.recovered)
    rig.bar_listeners.remove(bar_done)
    rig.run_for(AFTER_SECONDS)
    error = rig.loop_failures[failures][1] if len(rig.loop_failures) > failures else "none"
    snapshot = rig.heal_store.get("trading_executor")
    detail = (
        f"ledger closed under the loop; loop failed with {error}; auto-heal snapshot "
        f"{'replayed' if snapshot and snapshot.replayed_at else 'missing'}, "
        f"{rig.heals - heals} rebuild(s), recovery ok, reconciliation state "
        f"{rig.reconciliation.reconciler.state}; {rig.orders_sent} orders sent in all"
    )
    return observed.result(rig.data_lost(), detail)


def broker_disconnect(rig: Rig, rng: random.Random) -> ScenarioResult:
    """Every venue call fails with "connection lost" for a seeded outage: the breaker of
    the failing group opens, entries halt; after the outage the half-open trial succeeds,
    the breaker closes and the halt lifts."""
    rig.run_for(WARMUP_SECONDS + rng.randint(0, 3))
    outage = rng.randint(30, 150)
    observed = Observation("broker_disconnect", rig.now)
    ends = rig.now + outage * 1_000_000_000
    rig.switch.disconnected = True

    def tick() -> None:
        if rig.switch.disconnected and rig.now >= ends:
            rig.switch.disconnected = False
        if (rig.halt_reason or "").startswith(BREAKER_REASON):
            observed.detect(rig.now)
        elif observed.detected and rig.halt_reason is None and rig.breakers.any_open() is None:
            observed.recover(rig.now)

    rig.tick_listeners.append(tick)
    rig.run_for(HORIZON_SECONDS, lambda: observed.recovered)
    rig.tick_listeners.remove(tick)
    rig.run_for(AFTER_SECONDS)
    denied = sum(1 for ts, _ in rig.denied if observed.injected_ns <= ts)
    detail = (
        f"outage of {outage} s; {rig.switch.refused.get('disconnect', 0)} calls failed, "
        f"breaker opened and halted entries ({denied} entries denied), closed after a "
        f"successful half-open trial; {rig.orders_sent} orders sent in all"
    )
    return observed.result(rig.data_lost(), detail)


def rate_limit_storm(rig: Rig, rng: random.Random) -> ScenarioResult:
    """A burst of queries far beyond the budget while the venue answers 429 to a seeded
    share of them: the rate gate backs off (counted) and never sends past the budget; when
    the storm ends, a tick passes with no backoff, every breaker closed and no halt."""
    rig.run_for(WARMUP_SECONDS + rng.randint(1, 5))
    storm = rng.randint(5, 20)
    answers = random.Random(rng.getrandbits(64))
    observed = Observation("rate_limit_storm", rig.now)
    ends = rig.now + storm * 1_000_000_000
    backoffs = rig.gate.status()[0].backoff_count
    openings = rig.breaker_openings
    rig.switch.throttle = lambda method: (
        method in QUERY_METHODS and answers.random() < STORM_429_PROBABILITY
    )
    state = {"storming": True, "last": backoffs}

    def tick() -> None:
        if state["storming"]:
            for _ in range(STORM_CALLS_PER_TICK):
                with contextlib.suppress(TransientVenueError):
                    rig.executor.order_states()
            if rig.now >= ends:
                state["storming"] = False
                rig.switch.throttle = None
        count = rig.gate.status()[0].backoff_count
        if count > backoffs or rig.switch.refused.get("rate_limited", 0):
            observed.detect(rig.now)
        quiet = count == state["last"] and not state["storming"]
        if quiet and rig.breakers.any_open() is None and rig.halt_reason is None:
            observed.recover(rig.now)
        state["last"] = count

    rig.tick_listeners.append(tick)
    rig.run_for(HORIZON_SECONDS, lambda: observed.recovered)
    rig.tick_listeners.remove(tick)
    rig.run_for(AFTER_SECONDS)
    detail = (
        f"storm of {storm} s, {STORM_CALLS_PER_TICK} queries a second against a budget of "
        f"{rig.gate.status()[0].limit}; {rig.gate.status()[0].backoff_count - backoffs} "
        f"backoffs, {rig.switch.refused.get('rate_limited', 0)} answered 429"
        f", breaker opened {rig.breaker_openings - openings} time(s); "
        f"{rig.orders_sent} orders sent in all"
    )
    return observed.result(rig.data_lost(), detail)
