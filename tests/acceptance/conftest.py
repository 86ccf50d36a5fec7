"""Acceptance tests drive the installed ``ai-trader`` command as a user would."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

CLI = Path(sys.executable).parent / "ai-trader"

RunCli = Callable[..., subprocess.CompletedProcess[str]]


def cli_environment() -> dict[str, str]:
    """The user's environment without storage settings a developer may have exported."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    return {**env, "COLUMNS": "120", "NO_COLOR": "1"}


@pytest.fixture
def run_cli(tmp_path: Path) -> RunCli:
    """Run ``ai-trader ARGS`` in a scratch directory; returns the completed process."""

    def run(
        *args: str, timeout: float = 120, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        env = {**cli_environment(), **(env or {})}
        return subprocess.run(
            [str(CLI), *args],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
            stdin=subprocess.DEVNULL,
            check=False,
        )

    return run
