"""Run every benchmark in one go and write ``docs/benchmarks.md``.

    make bench            # or: .venv/bin/python -m bench.run [--skip-slow]

Each engine runs in its own process (so peak memory is its own) on the same files: the
real EUR/USD hourly sample, and seeded synthetic 1-minute bars at 100k and 1M.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from bench.report import Measurement, write_report

ROOT = Path(__file__).resolve().parent.parent
PEERS = ROOT / "bench" / "peers"
PEER_PYTHON = PEERS / ".venv" / "bin" / "python"
DATA = PEERS / "data"
FILES = {
    "EUR/USD 1h (real, 5k bars)": DATA / "real_eurusd_1h.parquet",
    "synthetic 1m, 100k bars": DATA / "synthetic_100k.parquet",
    "synthetic 1m, 1M bars": DATA / "synthetic_1m.parquet",
}
PEER_SCRIPTS = {
    "backtrader": "run_backtrader.py",
    "backtesting.py": "run_backtesting_py.py",
    "NautilusTrader": "run_nautilus.py",
    "vectorbt": "run_vectorbt.py",
}
SLOW = {("backtrader", "synthetic 1m, 1M bars")}


REPEATS = 3  # best of three, as timeit does: the machine is shared, noise only slows a run
REPEAT_UNDER_SECONDS = 30.0  # longer runs are measured once


def run_json(command: list[str]) -> dict[str, Any]:
    """Run a benchmark process up to ``REPEATS`` times; keep the fastest run's report."""
    runs: list[dict[str, Any]] = []
    while len(runs) < REPEATS:
        runs.append(_run_once(command))
        if runs[-1]["seconds"] > REPEAT_UNDER_SECONDS:
            break
    best = min(runs, key=lambda run: run["seconds"])
    return {**best, "runs": len(runs), "slowest_seconds": max(r["seconds"] for r in runs)}


def _run_once(command: list[str]) -> dict[str, Any]:
    print("$", " ".join(command), file=sys.stderr, flush=True)
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"benchmark failed: {' '.join(command)}\n{done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    print("  ", {k: result.get(k) for k in ("seconds", "trades", "final_equity")},
          file=sys.stderr, flush=True)  # fmt: skip
    return result


def ensure_data() -> None:
    if not all(path.exists() for path in FILES.values()):
        subprocess.run([str(PEER_PYTHON), str(PEERS / "make_data.py")], cwd=ROOT, check=True)


def measure_engines(skip_slow: bool) -> list[Measurement]:
    measurements = []
    for label, path in FILES.items():
        ours = run_json([sys.executable, "-m", "bench.engine_run", "--data", str(path)])
        measurements.append(Measurement(label, "ai-trader (event-driven)", ours))
        for peer, script in PEER_SCRIPTS.items():
            if skip_slow and (peer, label) in SLOW:
                continue
            result = run_json([str(PEER_PYTHON), str(PEERS / script), "--data", str(path)])
            measurements.append(Measurement(label, peer, result))
    return measurements


def measure_sweeps() -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    path = FILES["synthetic 1m, 100k bars"]
    ours_dump, theirs_dump = DATA / "sweep_ours.json", DATA / "sweep_vectorbt.json"
    ours = run_json(
        [sys.executable, "-m", "bench.sweep_run", "--data", str(path), "--dump", str(ours_dump)]
    )
    theirs = run_json(
        [str(PEER_PYTHON), str(PEERS / "run_vectorbt_sweep.py"), "--data", str(path),
         "--dump", str(theirs_dump)]
    )  # fmt: skip
    return ours, theirs, compare_sweeps(ours_dump, theirs_dump)


def compare_sweeps(ours_path: Path, theirs_path: Path) -> dict[str, Any]:
    ours = {(r["fast"], r["slow"]): r for r in json.loads(ours_path.read_text())}
    theirs = {(r["fast"], r["slow"]): r for r in json.loads(theirs_path.read_text())}
    common = sorted(ours.keys() & theirs.keys())
    trade_mismatches = [p for p in common if ours[p]["trades"] != theirs[p]["trades"]]
    gaps = [abs(ours[p]["final_equity"] - theirs[p]["final_equity"]) for p in common]
    return {
        "pairs": len(common),
        "trade_mismatches": len(trade_mismatches),
        "max_equity_gap": max(gaps) if gaps else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--skip-slow", action="store_true", help="skip backtrader on 1M bars (~3 minutes)"
    )
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "benchmarks.md")
    args = parser.parse_args()
    ensure_data()
    measurements = measure_engines(args.skip_slow)
    sweep_ours, sweep_vectorbt, agreement = measure_sweeps()
    write_report(args.output, measurements, sweep_ours, sweep_vectorbt, agreement)
    print(f"wrote {args.output}", file=sys.stderr)


if __name__ == "__main__":
    main()
