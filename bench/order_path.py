"""Latency of the durable order path, one order at a time.

signal → risk → journal intent committed → simulated fill (paper venue, last price) →
acceptance and fill committed. Measured for SQLite (WAL, synchronous=FULL) and
PostgreSQL, and, for scale, the cost of one ``fsync`` on the same disk.

    .venv/bin/python -m bench.order_path [--orders 2000] [--postgres URL]

Writes its section of ``docs/benchmarks.md`` (between the order-path markers).
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import tempfile
import time
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg

from ai_trader.adapters.data import SyntheticMarketConfig, generate_bars
from ai_trader.adapters.data.feeds import BarSeriesFeed
from ai_trader.adapters.db import SqlJournal, create_database_engine, upgrade_database
from ai_trader.adapters.sim import MarketFill
from ai_trader.core.clock import TestClock
from ai_trader.domain.enums import SignalAction
from ai_trader.domain.signals import Signal
from ai_trader.runtime import SessionSpec, assemble_session

ROOT = Path(__file__).resolve().parent.parent
START, END = "<!-- order-path:start -->", "<!-- order-path:end -->"
COMMITS_PER_ORDER = 3  # intent, acceptance, fill


def measure(url: str | None, database_file: Path, orders: int) -> dict[str, Any]:
    engine = create_database_engine(url, database_file)
    upgrade_database(engine)
    series = generate_bars(SyntheticMarketConfig(), 10, seed=1)
    clock = TestClock(int(series.ts_event[0]))
    session = assemble_session(
        SessionSpec(sizing="fixed:1", cash=Decimal(10_000_000)),
        run_id=f"bench-{uuid.uuid4().hex[:6]}",
        clock=clock,
        feed=BarSeriesFeed([series]),
        market_fill=MarketFill.LAST_PRICE,
        journal=SqlJournal(engine),
    )
    bar = series.bar(0)
    session.venue.process_bar(bar)
    session.engine.portfolio.mark(bar.symbol, bar.close)
    latencies = []
    started = time.perf_counter()
    for index in range(orders):
        action = SignalAction.ENTER_LONG if index % 2 == 0 else SignalAction.EXIT
        signal = Signal(bar.symbol, action, bar.ts_event, bar.close, "bench")
        begin = time.perf_counter_ns()
        session.engine.emit(signal)
        latencies.append((time.perf_counter_ns() - begin) / 1e6)
    elapsed = time.perf_counter() - started
    filled = session.engine.orders.filled_entries
    engine.dispose()
    latencies.sort()
    return {
        "orders": orders,
        "filled_entries": filled,
        "p50_ms": statistics.median(latencies),
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1],
        "max_ms": latencies[-1],
        "orders_per_second": orders / elapsed,
    }


def fsync_cost(directory: Path, samples: int = 500) -> dict[str, float]:
    path = directory / "fsync-probe"
    timings = []
    with path.open("wb") as stream:
        for _ in range(samples):
            stream.write(b"x" * 128)
            stream.flush()
            begin = time.perf_counter_ns()
            os.fsync(stream.fileno())
            timings.append((time.perf_counter_ns() - begin) / 1e6)
    path.unlink()
    timings.sort()
    return {"p50_ms": statistics.median(timings), "p99_ms": timings[int(samples * 0.99) - 1]}


BATCH_SIZES = (1, 2, 10, 100)


def batching_gain(directory: Path, records: int = 2_000) -> dict[int, float]:
    """Milliseconds per journal record when ``k`` records share one commit, on SQLite with
    the journal's settings (WAL, synchronous=FULL): what group commit buys on this disk."""
    per_record: dict[int, float] = {}
    payload = "x" * 200  # about one journal row
    for size in BATCH_SIZES:
        path = directory / f"batch-{size}.db"
        connection = sqlite3.connect(path, isolation_level=None)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=FULL")
        connection.execute("CREATE TABLE journal (id INTEGER PRIMARY KEY, payload TEXT)")
        begin = time.perf_counter_ns()
        for start in range(0, records, size):
            connection.execute("BEGIN IMMEDIATE")
            connection.executemany(
                "INSERT INTO journal (payload) VALUES (?)",
                [(payload,)] * min(size, records - start),
            )
            connection.execute("COMMIT")
        per_record[size] = (time.perf_counter_ns() - begin) / 1e6 / records
        connection.close()
    return per_record


def temporary_postgres(admin_url: str) -> tuple[str, str]:
    name = f"ai_trader_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base = admin_url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    return f"{base}/{name}", name


def drop_postgres(admin_url: str, name: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def section(
    sqlite: dict[str, Any],
    postgres: dict[str, Any] | None,
    disk: dict[str, float],
    batching: dict[int, float],
) -> str:
    rows = [("SQLite (WAL, synchronous=FULL)", sqlite)]
    if postgres is not None:
        rows.append(("PostgreSQL 127.0.0.1", postgres))
    table = [
        "| journal | orders | p50 ms | p99 ms | max ms | orders/s |",
        "|---|--:|--:|--:|--:|--:|",
        *(
            f"| {name} | {r['orders']:,} | {r['p50_ms']:.3f} | {r['p99_ms']:.3f} | "
            f"{r['max_ms']:.2f} | {r['orders_per_second']:,.0f} |"
            for name, r in rows
        ),
    ]
    return "\n".join(
        [
            START,
            "## Durable order path",
            "",
            "One order at a time through signal → risk → journal intent committed → paper fill "
            "at the last price → acceptance and fill committed (`python -m bench.order_path`). "
            "Each order is three commits (intent, acceptance, fill).",
            "",
            *table,
            "",
            f"One `fsync` of a small file on the same disk: p50 {disk['p50_ms']:.3f} ms, "
            f"p99 {disk['p99_ms']:.3f} ms. With `synchronous=FULL` each SQLite commit waits for "
            f"its WAL write to reach the disk, so the flushes account for about "
            f"{COMMITS_PER_ORDER * disk['p50_ms']:.2f} ms of the SQLite median of "
            f"{sqlite['p50_ms']:.2f} ms; the rest is Python: SQLAlchemy's per-statement work "
            "(the journal's hot path — intent, acceptance, fill — uses Core statements, about "
            "0.3–0.5 ms per transaction here), risk, venue and portfolio. The 1 ms p99 goal is "
            "therefore not met. What would meet it: commit a venue's acceptance and fill "
            "together when they arrive together (two commits instead of three), prepared "
            "statements on the raw driver connection, and group commit across orders, which "
            "divides the flushes per order at the cost of acknowledging an order only when its "
            "group commits.",
            "",
            "What batching buys, measured: SQLite with the journal's settings, 2,000 records of "
            "about one journal row, `k` records per commit:",
            "",
            "| records per commit | ms per record |",
            "|--:|--:|",
            *(f"| {size} | {ms:.4f} |" for size, ms in batching.items()),
            "",
            f"Committing an acceptance and its fill together (k = 2) costs {batching[2]:.3f} ms "
            f"per record instead of {batching[1]:.3f} ms; group commit of 10 records brings it "
            f"to {batching[10]:.3f} ms and of 100 to {batching[100]:.3f} ms, at the "
            "price of a later acknowledgement. The journal keeps one commit per record: an "
            "intent must be on disk before the venue sees the order, whatever else is waiting.",
            END,
        ]
    )


def write_section(text: str, path: Path, start: str = START, end: str = END) -> None:
    """Replace the text between ``start`` and ``end`` in ``path`` (append if absent)."""
    document = path.read_text() if path.exists() else "# Benchmarks\n"
    if start in document and end in document:
        head, rest = document.split(start, 1)
        document = head + text + rest.split(end, 1)[1]
    else:
        document = document.rstrip() + "\n\n" + text + "\n"
    path.write_text(document)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=2_000)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "benchmarks.md")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=ROOT) as scratch:
        directory = Path(scratch)
        sqlite = measure(None, directory / "journal.db", args.orders)
        disk = fsync_cost(directory)
        batching = batching_gain(directory)
    postgres_url, name = temporary_postgres(args.postgres)
    try:
        postgres = measure(postgres_url, Path("unused.db"), args.orders)
    finally:
        drop_postgres(args.postgres, name)
    print({"sqlite": sqlite, "postgres": postgres, "fsync": disk, "batching": batching})
    write_section(section(sqlite, postgres, disk, batching), args.output)


if __name__ == "__main__":
    main()
