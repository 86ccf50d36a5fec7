"""``ai-trader run`` as a user starts it: one process with the trading loop and the API on
127.0.0.1. Open a position, see it in /status and /trades, halt from the CLI, see /health
go degraded, close all, stop with SIGTERM (exit 0, results written)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.acceptance.conftest import CLI, RunCli, cli_environment
from tests.support.running_service import RunningService as Running
from tests.support.running_service import free_port, running_service, start_service

pytestmark = pytest.mark.acceptance


def start(directory: Path, *extra: str, env: dict[str, str] | None = None) -> Running:
    return start_service(directory, {**cli_environment(), **(env or {})}, *extra)


def stop(running: Running) -> str:
    output = running.stop()
    assert running.process.returncode == 0, output
    return output


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Running]:
    with running_service(tmp_path, cli_environment()) as running:
        yield running


def test_run_when_operated_over_http_and_cli_then_trades_halts_and_stops_cleanly(
    service: Running, run_cli: RunCli
) -> None:
    with service.client() as client:
        opened = client.post(
            "/trading/open", json={"symbol": "SYN/USD", "side": "buy", "quantity": "2"}
        )
        assert opened.status_code == 200, opened.text
        status = client.get("/status").json()
        assert status["portfolio"]["positions"][0]["symbol"] == "SYN/USD"
        assert status["components"]["trading_loop"]["status"] == "ok"

        halted = subprocess.run(
            [str(CLI), "mode", "halt", "--reason", "drill", "--url", service.url],
            cwd=service.directory,
            capture_output=True,
            text=True,
            env=cli_environment(),
            check=False,
        )
        assert halted.returncode == 0, halted.stderr
        assert "mode: halt — entries halted: drill" in halted.stdout
        health = client.get("/health").json()
        assert health["status"] == "degraded"
        assert health["reasons"] == ["trading halted: drill"]

        closed = client.post("/trading/close_all", json={"reason": "end of drill"})
        assert closed.status_code == 200
        assert client.get("/status").json()["portfolio"]["positions"] == []
        trades = client.get("/trades", params={"limit": 10}).json()["trades"]
        assert trades, "the round trip is in the trades table"
        assert "ai_trader_orders_total" in client.get("/metrics").text

    output = stop(service)

    assert "Traceback" not in output
    assert "finishing the current bar" in output
    assert list((service.directory / "results" / "runs").glob("*/stats.json"))
    assert list((service.directory / "results" / "runs").glob("*/ops_slo_events.jsonl"))
    assert (service.directory / "logs" / "app.log").stat().st_size > 0
    assert f"Dashboard: {service.url}/#token={service.token}" in output
    assert service.token not in (service.directory / "logs" / "app.log").read_text(), (
        "the sign-in link goes to the terminal only, never into the log files"
    )


def test_run_when_restarted_then_mode_and_account_survive(tmp_path: Path) -> None:
    first = start(tmp_path)
    with first.client() as client:
        client.post("/trading/open", json={"symbol": "SYN/USD", "side": "buy", "quantity": "1"})
        client.post("/mode", json={"mode": "halt", "reason": "overnight"})
    stop(first)

    second = start(tmp_path)
    try:
        with second.client() as client:
            mode = client.get("/mode").json()
            status = client.get("/status").json()
        assert mode["mode"] == "halt"
        assert mode["halted"] is True
        assert status["portfolio"]["positions"], "the position is still there"
    finally:
        stop(second)


def test_mode_cli_when_service_down_then_one_line_error(run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli("mode", "halt", "--url", f"http://127.0.0.1:{free_port()}", "--token", "x")

    assert result.returncode == 1
    assert result.stderr.startswith("error: cannot reach the service")
    assert len(result.stderr.strip().splitlines()) == 1


def test_run_when_public_address_without_token_then_refuses(run_cli: RunCli) -> None:
    result = run_cli("run", "--host", "0.0.0.0", "--port", str(free_port()))

    assert result.returncode == 1
    assert "refusing to listen on 0.0.0.0 without an API token" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_run_when_port_taken_then_one_line_error(run_cli: RunCli) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_cli("run", "--port", str(port))

    assert result.returncode == 1
    assert result.stderr.startswith(f"error: cannot listen on 127.0.0.1:{port}")


def test_run_when_config_has_unknown_key_then_one_line_error(
    run_cli: RunCli, tmp_path: Path
) -> None:
    (tmp_path / "settings.toml").write_text("max_capitl = 5000\n")

    result = run_cli("run", "--config", "settings.toml")

    assert result.returncode == 1
    assert "unknown key 'max_capitl'" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.skipif(shutil.which("redis-cli") is None, reason="needs redis-cli")
def test_run_with_redis_when_redis_cli_sets_halt_then_halted_within_a_tick(
    tmp_path: Path, redis_url: str
) -> None:
    running = start(tmp_path, env={"REDIS_URL": redis_url})
    try:
        database = redis_url.rsplit("/", 1)[1]
        assert (
            subprocess.run(
                ["redis-cli", "-n", database, "get", "mode"], capture_output=True, text=True
            ).stdout.strip()
            == "paper"
        )
        subprocess.run(["redis-cli", "-n", database, "set", "mode", "halt"], check=True)
        deadline = time.monotonic() + 3
        with running.client() as client:
            while not client.get("/mode").json()["halted"]:
                assert time.monotonic() < deadline, "the halt was not applied"
                time.sleep(0.05)
            assert client.get("/health").json()["status"] == "degraded"
    finally:
        stop(running)


def test_paper_when_service_runs_on_the_same_data_then_one_line_error(
    service: Running, run_cli: RunCli
) -> None:
    result = subprocess.run(
        [str(CLI), "paper", "--max-bars", "3"],
        cwd=service.directory,
        capture_output=True,
        text=True,
        env=cli_environment(),
        check=False,
    )

    assert result.returncode == 1
    assert "is in use by another ai-trader process" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
