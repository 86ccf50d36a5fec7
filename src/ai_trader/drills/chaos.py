"""``run_chaos(seed)``: every scenario on its own engine in a temporary directory, on
simulated time, so the same seed gives the same report byte for byte."""

from __future__ import annotations

import random
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ai_trader.drills._report import ScenarioResult, chaos_document
from ai_trader.drills._rig import Rig
from ai_trader.drills._state_scenarios import db_lock, reconciliation_drift, stale_data
from ai_trader.drills._venue_scenarios import broker_disconnect, executor_crash, rate_limit_storm

Scenario = Callable[[Rig, random.Random], ScenarioResult]

SCENARIOS: tuple[tuple[str, Scenario], ...] = (
    ("executor_crash", executor_crash),
    ("stale_data", stale_data),
    ("broker_disconnect", broker_disconnect),
    ("db_lock", db_lock),
    ("rate_limit_storm", rate_limit_storm),
    ("reconciliation_drift", reconciliation_drift),
)
SCENARIO_NAMES = tuple(name for name, _ in SCENARIOS)


def run_scenario(name: str, scenario: Scenario, seed: int) -> ScenarioResult:
    """One scenario on a fresh engine; its randomness is drawn from ``seed`` and its name."""
    rng = random.Random(f"{seed}:{name}")
    with tempfile.TemporaryDirectory(prefix=f"ai-trader-chaos-{name}-") as directory:
        rig = Rig(Path(directory), random.Random(rng.getrandbits(64)))
        try:
            return scenario(rig, rng)
        finally:
            rig.close()


def run_chaos(
    seed: int, on_result: Callable[[ScenarioResult], None] | None = None
) -> dict[str, Any]:
    """Run every scenario; returns the report document (see ``chaos_document``)."""
    results: list[ScenarioResult] = []
    for name, scenario in SCENARIOS:
        result = run_scenario(name, scenario, seed)
        results.append(result)
        if on_result is not None:
            on_result(result)
    return chaos_document(seed, results)
