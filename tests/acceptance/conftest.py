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


@pytest.fixture
def run_cli(tmp_path: Path) -> RunCli:
    """Run ``ai-trader ARGS`` in a scratch directory; returns the completed process."""

    def run(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "COLUMNS": "120", "NO_COLOR": "1"}
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
