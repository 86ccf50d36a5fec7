"""How light and fast the web dashboard is, on a real ``ai-trader run``.

Starts the service with fast paper bars until the equity curve is full (600 points), then:

* **page weight** — the page, script and stylesheet, as sent and gzip-compressed;
* **state** — ``GET /dashboard/state`` (what the page polls every 5 s): its size plain and
  compressed, and its latency one request at a time;
* **first render** — headless Chromium (Debian's, through Playwright) opening the sign-in
  link until every panel is filled, repeated on fresh pages.

    .venv/bin/python -m bench.dashboard_load [--loads 15]

Writes its section of ``docs/benchmarks.md`` (between the dashboard markers).
"""

from __future__ import annotations

import argparse
import gzip
import os
import platform
import signal
import statistics
import tempfile
import time
from pathlib import Path

import httpx
from playwright.sync_api import sync_playwright

from bench.api_load import start_service
from bench.order_path import write_section

ROOT = Path(__file__).resolve().parent.parent
START, END = "<!-- dashboard:start -->", "<!-- dashboard:end -->"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PAGE_FILES = ("/", "/dashboard/assets/dashboard.js", "/dashboard/assets/dashboard.css")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def wait_for_full_curve(client: httpx.Client, points: int, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    while True:
        curve = client.get("/dashboard/state").json()["equity_curve"]
        if len(curve) >= points or time.monotonic() > deadline:
            return len(curve)
        time.sleep(1)


def measure_http(url: str, token: str, requests: int) -> dict[str, float]:
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=url, headers=headers, timeout=30) as client:
        curve_points = wait_for_full_curve(client, 600, timeout=90)
        page_plain = sum(len(client.get(path).content) for path in PAGE_FILES)
        page_gzip = sum(len(gzip.compress(client.get(path).content)) for path in PAGE_FILES)
        state = client.get("/dashboard/state", headers={"Accept-Encoding": "identity"})
        wire = client.get("/dashboard/state", headers={"Accept-Encoding": "gzip"})
        compressed = int(wire.headers.get("content-length", len(wire.content)))
        latencies = []
        for _ in range(requests):
            started = time.perf_counter()
            client.get("/dashboard/state").raise_for_status()
            latencies.append((time.perf_counter() - started) * 1e3)
    return {
        "curve_points": curve_points,
        "page_plain": page_plain,
        "page_gzip": page_gzip,
        "state_plain": len(state.content),
        "state_gzip": compressed,
        "state_p50_ms": statistics.median(latencies),
        "state_p99_ms": percentile(latencies, 0.99),
    }


def measure_render(url: str, token: str, loads: int) -> list[float]:
    """Milliseconds from navigation to every panel filled, on a fresh page each time."""
    timings = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            for _ in range(loads + 1):  # the first load warms Chromium's caches: dropped
                context = browser.new_context(viewport={"width": 1366, "height": 900})
                page = context.new_page()
                started = time.perf_counter()
                page.goto(f"{url}/#token={token}")
                page.locator("#equity-chart path.line").wait_for()
                page.locator("#slos tbody tr").first.wait_for()
                timings.append((time.perf_counter() - started) * 1e3)
                context.close()
        finally:
            browser.close()
    return timings[1:]


def section(http: dict[str, float], render: list[float]) -> str:
    kib = 1024
    return "\n".join(
        [
            START,
            "## Web dashboard",
            "",
            "`ai-trader run` (paper, SQLite, 20 bars a second until the equity curve holds "
            f"{http['curve_points']:.0f} points), measured from another process on loopback "
            "(`python -m bench.dashboard_load`). Machine: "
            f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}.",
            "",
            "| measure | value |",
            "|---|--:|",
            f"| page + script + stylesheet | {http['page_plain'] / kib:.1f} KiB "
            f"({http['page_gzip'] / kib:.1f} KiB gzip) |",
            f"| `GET /dashboard/state` body | {http['state_plain'] / kib:.1f} KiB "
            f"({http['state_gzip'] / kib:.1f} KiB as sent, gzip) |",
            f"| `GET /dashboard/state` latency p50 / p99 | {http['state_p50_ms']:.1f} ms / "
            f"{http['state_p99_ms']:.1f} ms |",
            f"| first render in Chromium, p50 / max of {len(render)} | "
            f"{statistics.median(render):.0f} ms / {max(render):.0f} ms |",
            "",
            "*First render*: from navigation to the curve drawn and the SLO table filled — the "
            "page, its two assets, the state and the websocket's opening, with no cache. "
            "No third-party code and no build step: the three files are all there is.",
            END,
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--loads", type=int, default=15)
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "benchmarks.md")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=ROOT) as scratch:
        process, url, token = start_service(Path(scratch), 0.05)
        try:
            http = measure_http(url, token, args.requests)
            print(http, flush=True)
            render = measure_render(url, token, args.loads)
            print(render, flush=True)
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=60)
    write_section(section(http, render), args.output, START, END)


if __name__ == "__main__":
    main()
