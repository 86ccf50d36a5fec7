"""The DR drill's handle on a real ``ai-trader run`` process: start it on 127.0.0.1 in an
isolated working directory, poll ``/health``, read the journal and the venue ledger."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import httpx

from ai_trader.core.errors import AiTraderError

POLL_SECONDS = 0.05
START_TIMEOUT_SECONDS = 120.0
LAUNCHER = "from ai_trader.cli.main import run; run()"


class DrillError(AiTraderError):
    """The drill could not carry out a step (the service did not start, did not stop)."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Service:
    """One ``ai-trader run`` process working in ``directory`` (data in ``directory/data``,
    results in ``directory/results``, logs in ``directory/logs``)."""

    directory: Path
    port: int
    bar_seconds: float
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def data_dir(self) -> Path:
        return self.directory / "data"

    def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
        env.update({"RECONCILIATION_INTERVAL_SECONDS": "1", "NO_COLOR": "1"})
        command = [sys.executable, "-c", LAUNCHER, "run", "--port", str(self.port)]
        command += ["--bar-seconds", str(self.bar_seconds), "--data-dir", str(self.data_dir)]
        log = (self.directory / "drill_service.log").open("ab")
        try:
            self.process = subprocess.Popen(
                command,
                cwd=self.directory,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env,
            )
        finally:
            log.close()

    def wait_healthy(self, timeout: float = START_TIMEOUT_SECONDS) -> float:
        """Poll ``/health`` until it answers 200; returns the monotonic time it did."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise DrillError(
                    f"the service exited with {self.process.returncode}; see "
                    f"{self.directory / 'drill_service.log'}"
                )
            if self.healthy():
                return time.monotonic()
            time.sleep(POLL_SECONDS)
        raise DrillError(f"the service did not answer /health within {timeout:.0f} s")

    def healthy(self) -> bool:
        try:
            return httpx.get(f"{self.url}/health", timeout=1.0).status_code == 200
        except httpx.HTTPError:
            return False

    def wait_down(self, timeout: float = 60.0) -> float:
        """Poll ``/health`` until a poll fails; returns the monotonic time it did."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.healthy():
                return time.monotonic()
            time.sleep(POLL_SECONDS / 5)
        raise DrillError(f"/health still answered {timeout:.0f} s after the stop")

    def signal(self, number: signal.Signals) -> None:
        if self.process is None:
            raise DrillError("the service is not running")
        self.process.send_signal(number)

    def wait_exit(self, timeout: float = 60.0) -> int:
        if self.process is None:
            return 0
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise DrillError(f"the service did not stop within {timeout:.0f} s") from None

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def request(self, method: str, path: str, body: Mapping[str, object] | None = None) -> object:
        token = (self.data_dir / "local_admin.token").read_text("utf-8").strip()
        answer = httpx.request(
            method,
            f"{self.url}{path}",
            json=body,
            headers={"Authorization": f"Bearer {token}"},
            timeout=10.0,
        )
        if answer.status_code >= 400:
            raise DrillError(f"{method} {path} answered {answer.status_code}: {answer.text}")
        return answer.json()

    # -- durable state, read directly --------------------------------------------------

    def journal_fills(self) -> set[tuple[str, str, str]]:
        return _keys(self.data_dir / "trading_bot.db")

    def venue_fills(self) -> set[tuple[str, str, str]]:
        return _keys(self.data_dir / "paper_venue.db")

    def state_written_at(self) -> float | None:
        """Wall time the runtime state file was last written (None: never)."""
        path = self.data_dir / "bot_state.json"
        return path.stat().st_mtime if path.exists() else None

    def first_clean_reconciliation(self, run_id: str) -> float | None:
        """Wall time of the run's first cycle clean in orders and positions (None: none yet)."""
        run = self.directory / "results" / "runs" / run_id
        clean: dict[int, set[str]] = {}
        for kind in ("order", "position"):
            path = run / f"{kind}_reconciliation_events.jsonl"
            if not path.exists():
                return None
            for line in path.read_text("utf-8").splitlines():
                try:
                    event = json.loads(line)
                except ValueError:
                    continue  # a line being written
                if event.get("clean"):
                    clean.setdefault(int(event["cycle"]), set()).add(kind)
                    clean[int(event["cycle"])].add(f"{kind}:{event['ts']}")
        for cycle in sorted(clean):
            kinds = clean[cycle]
            if {"order", "position"} <= kinds:
                stamps = [k.split(":", 1)[1] for k in kinds if ":" in k]
                return max(datetime.fromisoformat(s).timestamp() for s in stamps)
        return None


def _keys(path: Path) -> set[tuple[str, str, str]]:
    if not path.exists():
        return set()
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)) as db:
        rows = db.execute("SELECT venue, venue_order_id, trade_id FROM fills").fetchall()
    return {(str(a), str(b), str(c)) for a, b, c in rows}


__all__ = ["DrillError", "Service", "free_port"]
