"""RUNBOOK.md's procedure map, tried as an on-call would: one ``ai-trader run`` for the
whole module, driven through the CLI and HTTP on 127.0.0.1.

Each test is named after the map's ID of the seed procedure it exercises (``S1_08`` = seed
001, procedure 8); rows that share a test point at the same name. The tests run in file
order on the same service: modes first, then positions, capital and canary, then an
executor failure (the paper venue's ledger is locked from outside for longer than SQLite's
busy timeout) that auto-heals and opens a critical incident, which is triaged and
acknowledged; the service is stopped with SIGTERM last and the offline procedures (restore,
heal clear) run on its files.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import tarfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.sync.client import connect

from tests.acceptance.conftest import CLI, cli_environment
from tests.integration.test_paging_webhook import Receiver
from tests.support.running_service import (
    RunningService,
    running_service,
    wait_for,
    write_canary_configs,
)

pytestmark = pytest.mark.acceptance

SYMBOL = "SYN/USD"


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


@dataclass
class Service(RunningService):
    receiver: Receiver

    def cli(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(CLI), *args],
            cwd=self.directory,
            capture_output=True,
            text=True,
            timeout=timeout,
            env={**cli_environment(), "AI_TRADER_URL": self.url},
            stdin=subprocess.DEVNULL,
            check=False,
        )

    def ok(self, *args: str) -> str:
        result = self.cli(*args)
        assert result.returncode == 0, f"ai-trader {' '.join(args)}: {result.stderr}"
        return result.stdout

    def post(self, path: str, body: dict[str, Any] | None = None) -> httpx.Response:
        with self.client() as client:
            return client.post(path, json=body)

    @property
    def run_dir(self) -> Path:
        run_id = self.get("/incidents")["run_id"] if self.running else None
        runs = self.directory / "results" / "runs"
        return runs / run_id if run_id else max(runs.iterdir(), key=lambda p: p.stat().st_mtime)

    def state(self) -> dict[str, Any]:
        document: dict[str, Any] = json.loads((self.directory / "data/bot_state.json").read_text())
        return document

    def audit(self) -> list[dict[str, Any]]:
        return read_jsonl(self.directory / "audit_logs" / "audit.jsonl")


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    directory = tmp_path_factory.mktemp("runbook")
    write_canary_configs(directory)
    receiver = Receiver()
    env = {
        **cli_environment(),
        "SLO_PAGING_ENABLED": "true",
        "SLO_PAGING_WEBHOOK_URL": receiver.url,
        "RECONCILIATION_INTERVAL_SECONDS": "1",
        "MAX_DAILY_LOSS": "0.025",
    }
    try:
        with running_service(directory, env) as running:
            yield Service(running.process, running.url, running.token, directory, receiver)
    finally:
        receiver.close()


@pytest.fixture(scope="module")
def executor_incident(service: Service) -> dict[str, Any]:
    """Lock the paper venue's ledger from outside for longer than SQLite's busy timeout:
    the trading loop's next venue write fails, the executor is auto-healed and a critical
    broker-connectivity incident opens."""
    ledger = sqlite3.connect(
        service.directory / "data" / "paper_venue.db", isolation_level=None, timeout=10
    )
    try:
        ledger.execute("BEGIN EXCLUSIVE")
        time.sleep(6.5)
        ledger.execute("COMMIT")
    finally:
        ledger.close()

    def opened() -> dict[str, Any] | None:
        found = service.get("/incidents")["incidents"]
        return next((i for i in found if i["incident_class"] == "broker_connectivity"), None)

    incident: dict[str, Any] = wait_for(opened, what="the executor incident")
    wait_for(lambda: service.get("/heal")["heals_this_run"] >= 1, what="the heal")
    return incident


def set_mode(service: Service, *args: str) -> str:
    return service.ok("mode", *args)


def positions(service: Service) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = service.get("/status")["portfolio"]["positions"]
    return found


def open_position(service: Service, quantity: str = "1") -> None:
    answer = service.post("/trading/open", {"symbol": SYMBOL, "side": "buy", "quantity": quantity})
    assert answer.status_code == 200, answer.text
    wait_for(lambda: positions(service), what="the position is open")


# -- start, health, status ------------------------------------------------------------------


def test_S2_11_service_starts_paper_with_dry_run(service: Service) -> None:
    status = service.get("/status")
    first_line = (service.directory / "logs" / "app.log").read_text().splitlines()[0]

    assert status["trading"]["exec_mode"] == "paper"
    assert status["trading"]["dry_run"] is True
    assert "EXECUTION MODE: PAPER" in first_line
    assert "DRY_RUN=1" in first_line


def test_S2_01_ping_health_status_endpoints(service: Service) -> None:
    with httpx.Client(base_url=service.url, timeout=10) as anonymous:
        ping = anonymous.get("/ping")
        health = anonymous.get("/health")
        status = anonymous.get("/status")

    assert ping.status_code == 200
    assert health.status_code == 200
    assert health.json()["status"] == "healthy"
    assert status.status_code == 401, "status needs a token"
    components = service.get("/status")["components"]
    assert components["trading_loop"]["status"] == "ok"


SEED_METRICS = (
    "bot_running",
    "api_connected",
    "trading_halted",
    "last_heartbeat",
    "total_equity",
    "daily_pnl",
    "open_positions",
    "win_rate",
    "sharpe_ratio",
    "circuit_breaker_state",
    "backup_count",
    "last_backup_time",
    "ai_trader_order_latency_seconds",
    "ai_trader_orders_total",
    "ai_trader_slo_compliance_ratio",
    "rate_gate_backoff_count",
    "ai_trader_http_request_duration_seconds",
    "process_resident_memory_bytes",
)


def test_S2_14_metrics_export_the_seed_names(service: Service) -> None:
    with service.client() as client:
        text = client.get("/metrics").text
    declared = {line.split()[2] for line in text.splitlines() if line.startswith("# TYPE ")}

    assert not [name for name in SEED_METRICS if name not in declared]
    assert "bot_running 1.0" in text
    assert "trading_halted 0.0" in text


def test_S0_15_risk_limits_come_from_the_settings(service: Service) -> None:
    with service.client() as client:
        text = client.get("/metrics").text

    values = dict(line.split() for line in text.splitlines() if line.startswith("risk_"))

    # MAX_DAILY_LOSS=0.025 of the day's starting equity (100,000), in the account currency
    assert float(values["risk_daily_loss_limit"]) == pytest.approx(2500.0)
    assert float(values["risk_max_drawdown"]) == 0.15


def test_S0_10_slo_api_reports_target_actual_met(service: Service) -> None:
    report = service.get("/observability/slo")

    assert report["tier"] in ("A", "B", "C")
    targets = {name: slo["target"] for name, slo in report["slos"].items()}
    assert targets["order_success"] == 0.98
    assert targets["latency_under_2s"] == 0.95
    assert targets["executor_availability"] == 0.99
    for slo in report["slos"].values():
        assert {"actual", "met", "samples"} <= slo.keys()


# -- kill switch and modes ------------------------------------------------------------------


def test_S1_08_kill_switch_via_cli(service: Service) -> None:
    until = (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M%z")

    printed = set_mode(service, "halt", "--reason", "runbook drill", "--until", until)

    assert "mode: halt — entries halted: runbook drill" in printed
    mode = service.get("/mode")
    assert mode["halted"] is True
    assert mode["halt_reason"] == "runbook drill"
    assert mode["trading_halted_until"] is not None
    wait_for(lambda: service.state()["mode"] == "halt", what="mode halt in bot_state.json")
    assert service.state()["risk:stats"]["halted"] == "1"
    health = service.get("/health")
    assert health["status"] == "degraded"
    assert health["reasons"] == ["trading halted: runbook drill"]
    refused = service.post("/trading/open", {"symbol": SYMBOL, "side": "buy", "quantity": "1"})
    assert refused.status_code == 409, refused.text
    assert "mode: halt" in set_mode(service)


def test_S1_19_resume_paper_then_auto(service: Service) -> None:
    assert set_mode(service, "paper", "--reason", "root cause found").strip() == "mode: paper"
    assert service.get("/mode")["halted"] is False
    wait_for(lambda: service.state()["mode"] == "paper", what="mode paper in the state file")
    assert service.get("/health")["status"] == "healthy"

    assert set_mode(service, "auto", "--reason", "confident").strip() == "mode: auto"
    wait_for(lambda: service.state()["mode"] == "auto", what="mode auto in the state file")


def test_S2_31_manual_mode_strategies_advise_people_trade(service: Service) -> None:
    set_mode(service, "manual", "--reason", "losses: people trade")

    assert service.get("/mode")["mode"] == "manual"
    assert service.get("/mode")["halted"] is False
    wait_for(lambda: service.state()["mode"] == "manual", what="mode manual in the state file")
    service.post("/trading/close_all", {"reason": "flat before manual trading"})
    wait_for(lambda: not positions(service), what="flat")
    time.sleep(1.0)  # 20 bars: the strategy may signal but does not trade in manual mode
    assert positions(service) == []


# -- positions --------------------------------------------------------------------------------


def test_S0_12_signals_then_open_then_backtest_export(service: Service) -> None:
    signals = service.get("/strategy/signals?limit=5")
    assert signals["strategies"] == ["sma_cross"]
    assert signals["signals"], "the strategy has signalled"
    price = signals["signals"][0]["reference_price"]

    limit = service.post(
        "/trading/open",
        {
            "symbol": SYMBOL,
            "side": "buy",
            "order_type": "limit",
            "quantity": "1",
            "limit_price": str(round(price * 0.5, 2)),
        },
    )
    assert limit.status_code == 200, limit.text
    open_position(service, "2")
    assert positions(service)[0]["symbol"] == SYMBOL

    with service.client() as client:
        backtest = client.post("/paper/backtest", json={"strategy": "sma_cross", "bars": 2000})
    assert backtest.status_code == 200, backtest.text
    result = backtest.json()
    assert result["stats"]["fees"] > 0
    assert len(result["equity_curve"]) > 0
    assert result["trades"], "the export lists the trades with their fees"


def test_S0_16_close_and_close_all_flatten(service: Service) -> None:
    if not positions(service):
        open_position(service)

    closed = service.post("/trading/close", {"symbol": SYMBOL, "reason": "runbook"})
    assert closed.status_code == 200, closed.text
    wait_for(lambda: not positions(service), what="the symbol is flat")

    open_position(service)
    flattened = service.post("/trading/close_all", {"reason": "emergency flattening"})
    assert flattened.status_code == 200, flattened.text
    wait_for(lambda: not positions(service), what="every position is flat")
    trades = service.get("/trades?limit=20")["trades"]
    assert trades, "the round trips are closed trades"


def test_S3_07_performance_trades_and_disable(service: Service) -> None:
    performance = service.get("/metrics/performance")
    assert {"sharpe", "max_drawdown", "win_rate", "fees", "closed_trades"} <= performance.keys()
    assert len(service.get("/trades?limit=20")["trades"]) <= 20

    disabled = service.post("/trading/disable", {"reason": "negative sharpe review"})

    assert disabled.status_code == 200, disabled.text
    mode = service.get("/mode")
    assert mode["halted"] is True
    assert mode["halt_reason"] == "trading disabled: negative sharpe review"
    set_mode(service, "manual", "--reason", "review done")
    assert service.get("/mode")["halted"] is False


def test_S3_21_emergency_stop_halts_cancels_flattens(service: Service) -> None:
    open_position(service)
    signals = service.get("/strategy/signals?limit=1")["signals"]
    working = service.post(
        "/trading/open",
        {
            "symbol": SYMBOL,
            "side": "buy",
            "order_type": "limit",
            "quantity": "1",
            "limit_price": str(round(signals[0]["reference_price"] * 0.5, 2)),
        },
    )
    assert working.status_code == 200, working.text

    stopped = service.post("/trading/emergency-stop", {"reason": "suspected breach"})

    assert stopped.status_code == 200, stopped.text
    wait_for(lambda: not positions(service), what="flattened")
    assert service.get("/status")["portfolio"].get("open_orders", []) == []
    mode = service.get("/mode")
    assert mode["halted"] is True
    assert mode["halt_reason"] == "emergency stop: suspected breach"
    set_mode(service, "manual", "--reason", "all clear")


# -- capital staging and canary ----------------------------------------------------------------


def test_S1_28_capital_stage_via_cli(service: Service) -> None:
    assert "capital stage 100 %" in service.ok("capital")

    service.ok("capital", "stage", "20", "--reason", "new strategy: start small")
    printed = service.ok("capital", "stage", "30", "--reason", "one step up")

    assert "capital stage 30 %" in printed
    refused = service.cli("capital", "stage", "100", "--reason", "too fast")
    assert refused.returncode == 1
    assert len(refused.stderr.strip().splitlines()) == 1
    view = service.get("/capital")
    assert view["percent"] == 30.0
    assert [h["to_percent"] for h in view["history"]][-2:] in ([20.0, 30.0], [30.0, 20.0])
    assert view["approved_by"] == "local-admin"
    wait_for(
        lambda: float(service.state()["risk:capital_effective"]) == 0.3,
        what="risk:capital_effective 0.3",
    )


def test_S1_17_canary_switch_and_rollback(service: Service) -> None:
    assert "* blue" in service.ok("canary")

    service.ok("canary", "green", "--reason", "canary of faster averages")

    assert service.get("/canary")["active"] == "green"
    wait_for(lambda: service.state().get("mode:active_color") == "green", what="active colour")

    service.ok("canary", "rollback", "--reason", "canary lost money")

    assert service.get("/canary")["active"] == "blue"
    wait_for(lambda: service.state().get("mode:active_color") == "blue", what="rolled back")


def test_S3_18_websocket_market_stream(service: Service) -> None:
    port = service.url.rsplit(":", 1)[1]
    with connect(f"ws://127.0.0.1:{port}/ws/market?token={service.token}") as socket_:
        hello = json.loads(socket_.recv(timeout=10))
        following = json.loads(socket_.recv(timeout=10))

    assert hello["type"] == "hello"
    assert hello["mode"] == "manual"
    assert following["type"] in ("bar", "fill", "mode")


# -- circuit breakers and rate gate --------------------------------------------------------------


def test_S2_24_circuit_breakers_status_and_reset(service: Service) -> None:
    service.ok("breakers", "status")

    printed = service.ok("breakers", "reset")

    assert printed.startswith("reset ")
    assert "circuit breakers" in printed
    assert service.get("/circuit-breakers")["any_open"] is False


def test_S3_05_rate_gate_status_and_reset(service: Service) -> None:
    printed = service.ok("rate-gate", "status")
    assert "binance" in printed

    assert "reset 1 rate gate providers: binance" in service.ok("rate-gate", "reset", "binance")
    assert "reset " in service.ok("rate-gate", "reset")
    providers = service.get("/rate-gate/status")
    assert providers, "every provider has a budget"
    with service.client() as client:
        assert "rate_gate_backoff_count" in client.get("/metrics").text


# -- executor failure, auto-heal, incident -------------------------------------------------------


def test_S0_04_executor_failure_writes_snapshot_and_heals(
    service: Service, executor_incident: dict[str, Any]
) -> None:
    snapshot = json.loads(
        (service.directory / "state" / "auto_heal" / "trading_executor.json").read_text()
    )
    text = json.dumps(snapshot)

    assert executor_incident["severity"] == "critical"
    assert executor_incident["title"] == "executor failed (auto-heal)"
    assert "database is locked" in text
    assert "paper" in text
    assert "testnet" in text
    assert service.token not in text
    assert service.get("/status")["components"]["trading_loop"]["status"] == "ok"
    assert service.get("/health")["status"] != "unhealthy"


def test_S4_04_critical_incident_paged_to_webhook(
    service: Service, executor_incident: dict[str, Any]
) -> None:
    assert service.receiver.received.wait(10), "no page reached the webhook"
    paged = [body for body in service.receiver.bodies if body.get("event_type") == "incident_open"]

    assert paged[0]["incident_id"] == executor_incident["incident_id"]
    events = wait_for(
        lambda: (
            (service.run_dir / "paging_events.jsonl").exists()
            and read_jsonl(service.run_dir / "paging_events.jsonl")
        ),
        what="paging_events.jsonl",
    )
    assert any(executor_incident["incident_id"] in json.dumps(event) for event in events)


def test_S0_06_heal_list_shows_mode_venue_and_error(
    service: Service, executor_incident: dict[str, Any]
) -> None:
    printed = service.ok("heal", "list")

    assert "trading_executor" in printed
    assert "SIM" in printed
    assert "paper (dry run)" in printed
    assert "replayed" in printed
    [snapshot] = service.get("/heal")["snapshots"]
    assert snapshot["exec_mode"] == "paper"
    assert snapshot["dry_run"] is True
    assert snapshot["testnet"] is False


def test_S0_05_heal_replay_via_cli(service: Service, executor_incident: dict[str, Any]) -> None:
    before = service.get("/heal")["heals_this_run"]

    printed = service.ok("heal", "replay", "trading_executor")

    assert "trading_executor: rebuild requested" in printed
    wait_for(lambda: service.get("/heal")["heals_this_run"] > before, what="rebuilt")


def test_S0_08_heal_replay_via_http(service: Service, executor_incident: dict[str, Any]) -> None:
    before = service.get("/heal")["heals_this_run"]

    answer = service.post("/heal/replay/trading_executor")
    unknown = service.post("/heal/replay/no_such_component")

    assert answer.status_code == 200, answer.text
    assert unknown.status_code == 404
    wait_for(lambda: service.get("/heal")["heals_this_run"] > before, what="rebuilt")
    assert service.get("/status")["components"]["trading_loop"]["status"] == "ok"


def test_S4_11_broker_failure_session_rebuilt_and_reconciled(
    service: Service, executor_incident: dict[str, Any]
) -> None:
    log = (service.directory / "logs" / "app.log").read_text()

    assert "executor rebuilt" in log
    assert "reconciliation at start: journal and venue agree" in log
    events = read_jsonl(service.run_dir / "order_reconciliation_events.jsonl")
    assert events[-1]["clean"] is True


# -- triage ---------------------------------------------------------------------------------


def test_S1_10_snapshot_capture_via_cli(service: Service) -> None:
    printed = service.ok("snapshot", "capture", "--reason", "runbook drill")

    archive = service.directory / printed.split("snapshots/", 1)[1].split()[0]
    archive = service.directory / "snapshots" / archive.name
    assert archive.suffix == ".tgz"
    with tarfile.open(archive) as bundle:
        names = {
            Path(name).relative_to(Path(name).parts[0]).as_posix()
            for name in bundle.getnames()
            if "/" in name
        }
        manifest_member = next(m for m in bundle.getnames() if m.endswith("/manifest.json"))
        manifest_file = bundle.extractfile(manifest_member)
        assert manifest_file is not None
        manifest = json.loads(manifest_file.read())
    assert {"manifest.json", "state.json", "health.json", "status.json", "config.json"} <= names
    assert "database/trading_bot.db" in names
    assert "logs/app.log" in names
    assert "incidents.json" in names
    assert manifest


def test_S1_13_runtime_state_keys(service: Service) -> None:
    state = service.state()

    assert state["mode"] == "manual"
    assert float(state["risk:capital_effective"]) == 0.3
    assert "drawdown" in state["risk:stats"]
    assert "pnl:net:today" in state
    assert "portfolio_positions" in state


def test_S2_17_trade_history_in_the_database(service: Service) -> None:
    database = service.directory / "data" / "trading_bot.db"
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
        rows = connection.execute(
            "SELECT * FROM trades ORDER BY timestamp DESC LIMIT 10;"
        ).fetchall()
    connection.close()

    assert rows, "closed trades are in the trades table"


def test_S2_08_database_schema_revision(service: Service) -> None:
    assert "(head)" in service.ok("db", "current")


def test_S1_14_logs_and_error_log(service: Service, executor_incident: dict[str, Any]) -> None:
    app_log = (service.directory / "logs" / "app.log").read_text()
    errors = (service.directory / "logs" / "error_logs" / "errors.log").read_text()

    assert "recovery" in app_log
    assert "database is locked" in errors
    assert " INFO " not in errors


def test_S4_12_incident_ack_via_cli(service: Service, executor_incident: dict[str, Any]) -> None:
    ident = executor_incident["incident_id"]
    run_id = service.run_dir.name
    assert ident in service.ok("incident", "list")

    printed = service.ok(
        "incident",
        "ack",
        "--run-id",
        run_id,
        "--incident-id",
        ident,
        "--ack-by",
        "oncall",
        "--notes",
        "venue ledger was locked; executor healed",
    )

    assert f"{ident} of run {run_id} acknowledged by oncall" in printed
    events = read_jsonl(service.run_dir / "incident_events.jsonl")
    [ack] = [e for e in events if e["event_type"] == "incident_ack" and e["incident_id"] == ident]
    assert ack["ack_by"] == "oncall"
    assert ack["notes"] == "venue ledger was locked; executor healed"
    assert ack["within_sla"] is True

    def acked() -> bool:  # by id: another condition may have opened a newer incident
        incidents = service.get("/incidents")["incidents"]
        return next(i for i in incidents if i["incident_id"] == ident)["status"] == "acknowledged"

    wait_for(
        acked,
        what="the service sees the ack",
    )


def test_S4_06_run_artifacts_for_triage(
    service: Service, executor_incident: dict[str, Any]
) -> None:
    run = service.run_dir
    for name in (
        "incident_events.jsonl",
        "ops_slo_events.jsonl",
        "order_reconciliation_events.jsonl",
        "position_reconciliation_events.jsonl",
        "data_quality_events.jsonl",
    ):
        assert read_jsonl(run / name), f"{name} has events"
    latest = json.loads((run / "data_quality_latest.json").read_text())
    assert latest["errors"] == 0
    assert latest["breached"] is False
    slo_events = read_jsonl(run / "ops_slo_events.jsonl")
    assert {"order_success", "incident_ack_15m"} <= {e.get("slo") for e in slo_events}
    opened = [
        e for e in read_jsonl(run / "incident_events.jsonl") if e["event_type"] == "incident_open"
    ]
    assert opened[0]["class"] in (
        "data_quality",
        "reconciliation",
        "broker_connectivity",
        "risk",
        "slo",
    )


def test_S4_09_data_validate_latest_30_bars(service: Service) -> None:
    result = service.cli("data", "validate", "--bars", "30", "--output", "dq.json")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 critical" in result.stdout.replace("\n", " ")
    report = json.loads((service.directory / "dq.json").read_text())
    assert report
    assert service.get("/data-quality")["breached"] is False


def test_S4_10_reconciliation_two_clean_cycles(service: Service) -> None:
    run = service.run_dir
    orders = read_jsonl(run / "order_reconciliation_events.jsonl")
    held = read_jsonl(run / "position_reconciliation_events.jsonl")

    assert orders[-1]["consecutive_mismatches"] == 0
    assert orders[-1]["consecutive_clean"] >= 2
    assert held[-1]["clean"] is True
    assert held[-1]["max_abs_drift"] == "0"
    with service.client() as client:
        assert "ai_trader_reconciliation" in client.get("/metrics").text


def test_S4_02_audit_verify_and_tail(service: Service, executor_incident: dict[str, Any]) -> None:
    printed = service.ok("audit", "verify")

    assert printed.startswith("audit chain ok: ")
    actions = {record["action"] for record in service.audit()}
    assert {"mode_change", "operator_action", "approval", "config_change"} <= actions
    assert {"incident_open", "incident_ack"} <= actions
    assert "incident_ack" in service.ok("audit", "tail", "--limit", "5")


def test_S4_02_audit_keeps_service_actions_after_a_cli_ack(
    service: Service, executor_incident: dict[str, Any]
) -> None:
    set_mode(service, "manual", "--reason", "after the ack")
    set_mode(service, "halt", "--reason", "audited after the ack")
    set_mode(service, "manual", "--reason", "audited after the ack")

    records = service.audit()
    acked = max(r["seq"] for r in records if r["action"] == "incident_ack")
    later = [r for r in records if r["seq"] > acked and r["action"] == "mode_change"]
    assert later, "mode changes after the CLI ack are in the hash-chained journal"


# -- reports and backups -------------------------------------------------------------------


def test_S1_39_daily_pnl_report(service: Service) -> None:
    service.ok("report", "daily")

    today = datetime.now(UTC).date().isoformat()
    report = json.loads(
        (service.directory / "reports" / "daily" / f"daily_pnl_{today}.json").read_text()
    )
    assert (service.directory / "reports" / "daily" / f"daily_pnl_{today}.md").exists()
    assert json.dumps(report).count("trades") >= 1


def test_S1_37_tca_venue_scorecard(service: Service) -> None:
    printed = service.ok("report", "tca")

    assert "SIM" in printed
    written = list((service.directory / "reports" / "tca").glob("tca_scorecard_*.json"))
    assert written
    assert "SIM" in written[0].read_text()
    assert "venues" in service.get("/metrics/tca")


def test_S2_21_backup_create_list_verify_rotate(service: Service) -> None:
    service.ok("backup", "create", "--reason", "before risky work", "--keep", "2")
    created = service.ok("backup", "create", "--reason", "runbook", "--keep", "2")

    assert "integrity ok" in created
    metadata = json.loads(
        (service.directory / "data" / "backups" / "backup_metadata.json").read_text()
    )
    assert len(json.dumps(metadata)) > 0
    listed = service.ok("backup", "list")
    assert "runbook" in listed
    assert "before risky work" in listed
    assert "scheduled" not in listed, "rotation kept the newest two"
    assert "checksums match, integrity ok" in service.ok("backup", "verify")


def test_S2_46_strategies_and_parameter_bounds(service: Service) -> None:
    printed = service.ok("strategies")

    for name in ("sma_cross", "rsi_reversion", "breakout"):
        assert name in printed


def test_S4_13_incident_resolve_via_cli(
    service: Service, executor_incident: dict[str, Any]
) -> None:
    ident = executor_incident["incident_id"]

    service.ok("incident", "resolve", "--incident-id", ident, "--resolved-by", "oncall")

    events = read_jsonl(service.run_dir / "incident_events.jsonl")
    assert any(e["event_type"] == "incident_resolve" and e["incident_id"] == ident for e in events)
    assert ident not in service.ok("incident", "list")
    assert ident in service.ok("incident", "list", "--all")


# -- stop, then the offline procedures ------------------------------------------------------


def test_S2_50_graceful_stop_with_sigterm(service: Service) -> None:
    run = service.run_dir

    output = service.stop()

    assert service.process.returncode == 0, output
    assert "finishing the current bar" in output
    assert "Traceback" not in output.split("finishing the current bar", 1)[1]
    assert (run / "stats.json").exists()
    assert json.loads((service.directory / "data" / "bot_state.json").read_text())["mode"]


def test_S2_22_backup_restore_after_stop(service: Service) -> None:
    service.stop()
    backups = json.loads(
        (service.directory / "data" / "backups" / "backup_metadata.json").read_text()
    )
    assert backups

    result = service.cli("backup", "restore")

    assert result.returncode == 0, result.stdout + result.stderr
    listed = service.ok("backup", "list")
    assert listed.count("backup_") >= 2
    assert "checksums match, integrity ok" in service.ok("backup", "verify")
    database = service.directory / "data" / "trading_bot.db"
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    connection.close()


def test_S0_07_heal_clear_after_recovery(service: Service) -> None:
    service.stop()
    snapshots = service.directory / "state" / "auto_heal"
    assert (snapshots / "trading_executor.json").exists()

    service.ok("heal", "clear", "trading_executor")

    assert not (snapshots / "trading_executor.json").exists()
    assert "trading_executor" not in service.ok("heal", "list")
