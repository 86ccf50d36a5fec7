"""Parameter sweeps on the fast path, as a runner: pick the data, run, rank, save."""

from ai_trader.sweep.runner import SWEEP_FILE, SweepReport, rank, run_sweep, save

__all__ = ["SWEEP_FILE", "SweepReport", "rank", "run_sweep", "save"]
