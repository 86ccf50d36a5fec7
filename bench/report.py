"""Render benchmark measurements as ``docs/benchmarks.md``."""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

OURS = "ai-trader (event-driven)"
ORDER_PATH_START, ORDER_PATH_END = "<!-- order-path:start -->", "<!-- order-path:end -->"


@dataclass(frozen=True)
class Measurement:
    data: str
    engine: str
    result: dict[str, Any]


def machine() -> str:
    model = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        kib = int(meminfo.read_text().split()[1])
        memory = f", {kib / 1024 / 1024:.0f} GiB RAM"
    return (
        f"{model}, {os.cpu_count()} cores{memory}; {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()}"
    )


def engine_table(measurements: list[Measurement]) -> list[str]:
    lines = []
    for data in dict.fromkeys(m.data for m in measurements):
        rows = [m for m in measurements if m.data == data]
        ours = next(m.result for m in rows if m.engine == OURS)
        lines += [
            f"### {data}",
            "",
            "| engine | bars/s | ai-trader ÷ engine | trades | final equity | Δ vs ai-trader | "
            "peak RSS MB | runs | seconds (best / slowest) |",
            "|---|--:|--:|--:|--:|--:|--:|--:|--:|",
        ]
        for m in rows:
            r = m.result
            ratio = ours["bars_per_second"] / r["bars_per_second"]
            delta = r["final_equity"] - ours["final_equity"]
            lines.append(
                f"| {m.engine} | {r['bars_per_second']:,.0f} | {ratio:,.2f}× | {r['trades']:,} | "
                f"{r['final_equity']:,.6f} | {delta:+.2e} | {r['peak_rss_mb']:,.0f} | "
                f"{r['runs']} | {r['seconds']:.3f} / {r['slowest_seconds']:.3f} |"
            )
        lines.append("")
    return lines


def sweep_table(
    ours: dict[str, Any], theirs: dict[str, Any], agreement: dict[str, Any]
) -> list[str]:
    ratio = ours["combos_per_second"] / theirs["combos_per_second"]
    return [
        "| sweep | combos | bars | seconds | combos/s | bar-combos/s | peak RSS MB |",
        "|---|--:|--:|--:|--:|--:|--:|",
        *(
            f"| {r['engine']} | {r['combos']:,} | {r['bars']:,} | {r['seconds']:.3f} | "
            f"{r['combos_per_second']:,.1f} | {r['bar_combos_per_second']:,.0f} | "
            f"{r['peak_rss_mb']:,.0f} |"
            for r in (ours, theirs)
        ),
        "",
        f"Fast path ÷ vectorbt: **{ratio:,.1f}×** combos/s (kernel compile "
        f"{ours['compile_seconds']:.1f} s, cached after the first run, not counted; vectorbt's "
        "numba warm-up is likewise excluded). Agreement over "
        f"{agreement['pairs']:,} pairs: {agreement['trade_mismatches']} trade-count mismatches, "
        f"largest final-equity gap {agreement['max_equity_gap']:.2e}.",
        "",
    ]


def goals(
    measurements: list[Measurement], ours_sweep: dict[str, Any], vbt: dict[str, Any]
) -> list[str]:
    big = {m.engine: m.result for m in measurements if m.data == "synthetic 1m, 1M bars"}
    ours = big[OURS]
    lines = ["| goal | measured | met |", "|---|---|:-:|"]

    def row(goal: str, measured: str, met: bool) -> None:
        lines.append(f"| {goal} | {measured} | {'yes' if met else 'no'} |")

    row("engine ≥ 180k bars/s at 1M bars", f"{ours['bars_per_second']:,.0f} bars/s",
        ours["bars_per_second"] >= 180_000)  # fmt: skip
    for peer, factor in (("backtesting.py", 2), ("NautilusTrader", 10)):
        if peer in big:
            ratio = ours["bars_per_second"] / big[peer]["bars_per_second"]
            row(f"engine ≥ {factor}× {peer}", f"{ratio:.1f}×", ratio >= factor)
    row("sweep ≥ vectorbt (combos/s)",
        f"{ours_sweep['combos_per_second'] / vbt['combos_per_second']:.1f}×",
        ours_sweep["combos_per_second"] >= vbt["combos_per_second"])  # fmt: skip
    row("peak memory at 1M bars < 500 MB", f"{ours['peak_rss_mb']:.0f} MB",
        ours["peak_rss_mb"] < 500)  # fmt: skip
    return [*lines, ""]


def write_report(
    path: Path,
    measurements: list[Measurement],
    sweep_ours: dict[str, Any],
    sweep_vectorbt: dict[str, Any],
    agreement: dict[str, Any],
) -> None:
    today = datetime.now(tz=UTC).strftime("%Y-%m-%d")
    text = [
        "# Benchmarks",
        "",
        f"Measured {today} on {machine()}, with `make bench` (`python -m bench.run`). "
        "Every engine ran in its own process, one after another, in the same run; peers are "
        "installed in their own venv (`bench/peers/requirements.txt`). Each figure is the best "
        "of 3 runs (runs longer than 30 s: one run); *runs* and the slowest run's time show "
        "the spread on this shared 2-core machine.",
        "",
        "**Strategy, identical everywhere:** SMA 10/30 of the close, long-only; enter when fast > "
        "slow on bar t and fast ≤ slow on bar t−1, exit on the mirror condition; a signal on bar "
        "t fills at bar t+1's open; 1 unit per entry; commission 0.1 % of notional per side; no "
        "slippage; starting cash 1,000,000; nothing force-closed (final equity = cash + position "
        "at the last close). *trades* = entry fills. Speeds are bars/s of the backtest itself "
        "(data loading excluded).",
        "",
        "## Goals",
        "",
        *goals(measurements, sweep_ours, sweep_vectorbt),
        "## Event-driven engines",
        "",
        *engine_table(measurements),
        "## Parameter sweep: 1,000 SMA pairs on 100k bars",
        "",
        "Pairs: fast 2–51 × slow = fast + 2, 4, …, 40. ai-trader's fast path "
        "(`ai_trader.fastpath`, numba) against vectorbt's `Portfolio.from_signals` with all pairs "
        "as columns (in chunks).",
        "",
        *sweep_table(sweep_ours, sweep_vectorbt, agreement),
        Path(__file__).with_name("notes.md").read_text().strip(),
        "",
    ]
    previous = path.read_text() if path.exists() else ""
    if ORDER_PATH_START in previous and ORDER_PATH_END in previous:  # written by bench.order_path
        kept = previous.split(ORDER_PATH_START, 1)[1].split(ORDER_PATH_END, 1)[0]
        text += [ORDER_PATH_START + kept + ORDER_PATH_END, ""]
    path.write_text("\n".join(text))
