"""Run peer scripts on data files and check that they agree with each other.

Each peer runs in its own process with ``--dump-trades``. Its trades are compared with a
plain-Python reference of the same conventions (running-sum SMAs like our engine's
``SimpleMovingAverage``): same entry and exit fill bars, final equity within half a cent.
The first differing fill is printed. Every peer's JSON line (without the trade lists) is
appended to ``--results`` when given.

    bench/peers/.venv/bin/python bench/peers/compare.py --data bench/peers/data/x.parquet
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections import deque
from pathlib import Path
from typing import Any

from peer_common import load_bars

HERE = Path(__file__).resolve().parent
PEERS = {
    "backtrader": "run_backtrader.py",
    "backtesting_py": "run_backtesting_py.py",
    "vectorbt": "run_vectorbt.py",
    "nautilus": "run_nautilus.py",
}
TOLERANCE = 0.005  # currency units: "to the cent"


def running_sma(closes: list[float], period: int) -> list[float | None]:
    window: deque[float] = deque()
    total = 0.0
    out: list[float | None] = []
    for x in closes:
        total += x
        if len(window) == period:
            total -= window.popleft()
        window.append(x)
        out.append(total / period if len(window) == period else None)
    return out


def reference(
    path: Path, fast: int, slow: int, size: float, cash: float, fee: float
) -> dict[str, Any]:
    bars = load_bars(path)
    opens, closes = bars["open"].tolist(), bars["close"].tolist()
    fast_sma, slow_sma = running_sma(closes, fast), running_sma(closes, slow)
    entries: list[int] = []
    exits: list[int] = []
    position = 0.0
    for t in range(1, len(closes) - 1):  # a signal on the last bar never fills
        f, s, fp, sp = fast_sma[t], slow_sma[t], fast_sma[t - 1], slow_sma[t - 1]
        if f is None or s is None or fp is None or sp is None:
            continue
        price = opens[t + 1]
        if f > s and fp <= sp and position == 0.0:
            position = size
            cash -= size * price * (1.0 + fee)
            entries.append(t + 1)
        elif f < s and fp >= sp and position > 0.0:
            cash += position * price * (1.0 - fee)
            position = 0.0
            exits.append(t + 1)
    return {
        "engine": "reference",
        "bars": len(closes),
        "trades": len(entries),
        "final_equity": cash + position * closes[-1],
        "entries": entries,
        "exits": exits,
    }


def run_peer(script: str, path: Path, passthrough: list[str]) -> dict[str, Any]:
    command = [sys.executable, str(HERE / script), "--data", str(path), "--dump-trades"]
    done = subprocess.run(command + passthrough, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{script} failed ({done.returncode}):\n{done.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def first_difference(name: str, mine: list[int], theirs: list[int]) -> str | None:
    for i, (a, b) in enumerate(zip(mine, theirs, strict=False)):
        if a != b:
            return f"{name}[{i}]: reference bar {a}, peer bar {b}"
    if len(mine) != len(theirs):
        return f"{name}: reference has {len(mine)}, peer {len(theirs)}"
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, action="append", required=True)
    parser.add_argument("--peers", nargs="+", choices=sorted(PEERS), default=list(PEERS))
    parser.add_argument("--fast", type=int, default=10)
    parser.add_argument("--slow", type=int, default=30)
    parser.add_argument("--size", type=float, default=1.0)
    parser.add_argument("--cash", type=float, default=1_000_000.0)
    parser.add_argument("--commission", type=float, default=0.001)
    parser.add_argument("--results", type=Path, help="append each peer's JSON line here")
    args = parser.parse_args()
    passthrough = [
        f"--fast={args.fast}",
        f"--slow={args.slow}",
        f"--size={args.size}",
        f"--cash={args.cash}",
        f"--commission={args.commission}",
    ]

    all_agree = True
    for path in args.data:
        ref = reference(path, args.fast, args.slow, args.size, args.cash, args.commission)
        print(f"{path.name}: reference {ref['trades']} trades, equity {ref['final_equity']:.6f}")
        for peer in args.peers:
            result = run_peer(PEERS[peer], path, passthrough)
            problems = [
                problem
                for problem in (
                    first_difference("entries", ref["entries"], result.pop("entries")),
                    first_difference("exits", ref["exits"], result.pop("exits")),
                )
                if problem
            ]
            equity_gap = result["final_equity"] - ref["final_equity"]
            if abs(equity_gap) > TOLERANCE:
                problems.append(f"equity differs by {equity_gap:+.6f}")
            all_agree &= not problems
            print(
                f"  {result['engine']:<26} {result['seconds']:>10.3f}s "
                f"{result['bars_per_second']:>12,.0f} bars/s {result['trades']:>7} trades "
                f"equity {result['final_equity']:.6f} ({equity_gap:+.2e}) "
                f"rss {result['peak_rss_mb']:.0f} MB  {'; '.join(problems) or 'agrees'}",
                flush=True,
            )
            if args.results:
                with args.results.open("a") as out:
                    out.write(json.dumps({"data": path.name, **result}) + "\n")
    sys.exit(0 if all_agree else 1)


if __name__ == "__main__":
    main()
