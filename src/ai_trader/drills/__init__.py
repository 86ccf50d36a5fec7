"""Operational drills (SPEC OPS-7): ``run_chaos`` injects faults into a real engine on the
simulated venue and reports detection, recovery and data lost; ``run_dr`` stops and
restarts a real ``ai-trader run`` process and measures RTO and RPO."""

from ai_trader.drills._report import ScenarioResult, dumps, write_document
from ai_trader.drills.chaos import SCENARIO_NAMES, run_chaos

__all__ = ["SCENARIO_NAMES", "ScenarioResult", "dumps", "run_chaos", "write_document"]
