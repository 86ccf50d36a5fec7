"""``ai-trader paper``: live-paced paper trading that stops cleanly."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
import redis

from tests.acceptance.conftest import CLI, RunCli, cli_environment

pytestmark = pytest.mark.acceptance


def test_paper_with_max_bars_trades_and_writes_results(run_cli: RunCli, tmp_path: Path) -> None:
    out = tmp_path / "paper"
    result = run_cli(
        "paper", "--max-bars", "40", "--bar-seconds", "0.02", "--warmup-bars", "200",
        "--param", "fast=3", "--param", "slow=6", "--output", str(out),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    stats = json.loads((out / "stats.json").read_text())
    assert stats["bars"] == 40
    assert stats["mode"] == "paper"
    assert "paper trading sma_cross" in result.stdout


def test_paper_when_interrupted_then_shuts_down_cleanly(tmp_path: Path) -> None:
    out = tmp_path / "paper"
    process = subprocess.Popen(
        [str(CLI), "paper", "--bar-seconds", "0.05", "--output", str(out)],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env=cli_environment(),
    )
    assert process.stdout is not None
    seen = []
    for line in process.stdout:  # interrupt once it trades, however long start-up took
        seen.append(line)
        if "fill " in line or "bar 60:" in line:
            break
    process.send_signal(signal.SIGINT)
    rest, stderr = process.communicate(timeout=30)
    stdout = "".join(seen) + rest
    assert process.returncode == 0, stderr
    assert "SIGINT received" in stdout
    assert "Traceback" not in stdout + stderr
    stats = json.loads((out / "stats.json").read_text())
    assert stats["bars"] > 0


FAST = ("--bar-seconds", "0.02", "--warmup-bars", "60", "--param", "fast=3", "--param", "slow=6")


def test_paper_when_restarted_then_continues_the_account_and_runbook_queries_work(
    run_cli: RunCli, tmp_path: Path
) -> None:
    first = run_cli("paper", "--max-bars", "60", *FAST)
    second = run_cli("paper", "--max-bars", "20", *FAST)

    assert first.returncode == 0, first.stdout + first.stderr
    assert second.returncode == 0, second.stdout + second.stderr
    assert "restart:" in second.stdout
    assert "recovery ok" in second.stdout
    database = tmp_path / "data" / "trading_bot.db"
    with sqlite3.connect(database) as connection:
        trades = connection.execute(
            "SELECT * FROM trades ORDER BY timestamp DESC LIMIT 10;"
        ).fetchall()
        metrics = connection.execute(
            "SELECT * FROM performance_metrics ORDER BY date DESC LIMIT 10;"
        ).fetchall()
        fills = connection.execute("SELECT count(*) FROM fills").fetchone()[0]
    assert trades
    assert metrics
    assert fills > 0
    state = json.loads((tmp_path / "data" / "bot_state.json").read_text())
    assert state["mode"] == "paper"
    assert (tmp_path / "data" / "backups" / "backup_metadata.json").exists()


def test_paper_when_killed_with_sigkill_then_restart_recovers(
    run_cli: RunCli, tmp_path: Path
) -> None:
    process = subprocess.Popen(
        [str(CLI), "paper", *FAST],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
        env=cli_environment(),
    )
    assert process.stdout is not None
    fills = 0
    deadline = time.monotonic() + 60
    for line in process.stdout:  # kill in the middle of trading, after a few fills
        fills += " fill " in f" {line}"
        if fills >= 3 or time.monotonic() > deadline:
            break
    process.kill()
    process.wait(timeout=30)
    process.stdout.close()
    assert fills >= 3

    restarted = run_cli("paper", "--max-bars", "20", *FAST)

    assert restarted.returncode == 0, restarted.stdout + restarted.stderr
    assert "recovery ok" in restarted.stdout
    with sqlite3.connect(tmp_path / "data" / "paper_venue.db") as venue:
        attempts = [row[0] for row in venue.execute("SELECT client_order_id FROM submit_attempts")]
    assert len(attempts) == len(set(attempts)), "no client order id was sent twice"
    with sqlite3.connect(tmp_path / "data" / "trading_bot.db") as journal:
        assert journal.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://127.0.0.1/x", "is not supported"),
        ("postgresql://postgres@127.0.0.1:1/test", "cannot connect"),
    ],
)
def test_paper_when_database_url_bad_then_one_line_error(
    run_cli: RunCli, url: str, message: str
) -> None:
    result = run_cli("paper", "--max-bars", "5", env={"DATABASE_URL": url})

    assert result.returncode == 1
    assert result.stderr.startswith("error: ")
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stdout + result.stderr


def test_paper_when_redis_url_set_then_mode_is_in_redis(run_cli: RunCli, redis_url: str) -> None:
    result = run_cli("paper", "--max-bars", "10", *FAST, env={"REDIS_URL": redis_url})

    assert result.returncode == 0, result.stdout + result.stderr
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    assert client.get("mode") == "paper"
    assert client.hget("risk:stats", "halted") == "0"
    assert client.get("portfolio_positions") is not None
