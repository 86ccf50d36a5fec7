"""One real ``ai-trader run`` on a free 127.0.0.1 port, in a scratch directory, for the
tests that need the whole service over HTTP (browser, chat-ops): the user's main command,
not an in-process app."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

CLI = Path(sys.executable).parent / "ai-trader"
BLUE = '[strategy]\nname = "sma_cross"\n\n[strategy.params]\nfast = 10\nslow = 30\n'
GREEN = (
    '[strategy]\nname = "sma_cross"\nrisk_per_trade = 0.005\n\n'
    "[strategy.params]\nfast = 5\nslow = 20\n"
)


def write_canary_configs(directory: Path) -> None:
    """Blue and green configurations in ``directory/config``, where the service looks."""
    (directory / "config").mkdir(exist_ok=True)
    (directory / "config" / "blue.toml").write_text(BLUE)
    (directory / "config" / "green.toml").write_text(GREEN)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(condition: Callable[[], Any], timeout: float = 15.0, what: str = "") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, f"not in time: {what}"
        time.sleep(0.1)


@dataclass
class RunningService:
    process: subprocess.Popen[str]
    url: str
    token: str
    directory: Path
    output: str = field(default="", kw_only=True)

    def client(self, token: str | None = None) -> httpx.Client:
        return httpx.Client(
            base_url=self.url,
            headers={"Authorization": f"Bearer {token or self.token}"},
            timeout=30,
        )

    def get(self, path: str) -> Any:
        with self.client() as client:
            answer = client.get(path)
        assert answer.status_code == 200, answer.text
        return answer.json()

    @property
    def running(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> str:
        if self.running:
            self.process.send_signal(signal.SIGTERM)
            self.output, _ = self.process.communicate(timeout=60)
        return self.output


def start_service(
    directory: Path, env: dict[str, str], *args: str, bar_seconds: float | None = 0.05
) -> RunningService:
    """Start ``ai-trader run`` in ``directory`` with ``env`` and wait until ``/health``
    answers; the local admin token it issues on first start is the service's token.
    ``bar_seconds=None`` keeps the user's default pace (one bar per timeframe)."""
    port = free_port()
    pace = [] if bar_seconds is None else ["--bar-seconds", str(bar_seconds)]
    process = subprocess.Popen(
        [str(CLI), "run", "--port", str(port), *pace, *args],
        cwd=directory,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"

    def up() -> bool:
        assert process.poll() is None, process.communicate()[0]
        try:
            return httpx.get(f"{url}/health", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        wait_for(up, timeout=60, what="the service answers /health")
    except BaseException:
        kill(process)
        raise
    token = (directory / "data" / "local_admin.token").read_text().strip()
    return RunningService(process, url, token, directory)


def kill(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.kill()
        process.communicate()


@contextmanager
def running_service(
    directory: Path, env: dict[str, str], *args: str, bar_seconds: float | None = 0.05
) -> Iterator[RunningService]:
    """:func:`start_service`, killed on the way out if still running."""
    running = start_service(directory, env, *args, bar_seconds=bar_seconds)
    try:
        yield running
    finally:
        kill(running.process)
