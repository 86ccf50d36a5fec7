"""``ai-trader snapshot capture`` (SPEC OPS-6): an incident snapshot ``.tgz``.

While the service runs, it is asked to take the snapshot (``POST /snapshot``) so the live
health and status are inside; when it does not answer, the snapshot is taken from the
files alone and the manifest says that health and status were not reachable."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import httpx
import typer

from ai_trader.cli.incident_command import RESULTS_ROOT
from ai_trader.cli.service_client import DEFAULT_URL, TokenOption, UrlOption, call_service
from ai_trader.config.settings import load_settings
from ai_trader.runtime.incidents import EVENTS_FILE, IncidentLog
from ai_trader.runtime.snapshot import DEFAULT_DIRECTORY, SnapshotInputs, capture_snapshot

PING_TIMEOUT_SECONDS = 2.0


def capture(
    reason: Annotated[str, typer.Option(help="why (recorded in the audit log)")] = "on demand",
    output_dir: Annotated[
        Path, typer.Option(help="where snapshots are written (offline captures only)")
    ] = DEFAULT_DIRECTORY,
    offline: Annotated[
        bool, typer.Option(help="do not ask the running service; capture from files")
    ] = False,
    config: Annotated[Path | None, typer.Option(help="settings file (offline)")] = None,
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = None,
) -> None:
    """Capture state, a consistent database copy, recent logs, redacted config, health,
    status and open incidents into snapshots/snapshot_<time>.tgz."""
    if not offline and _service_answers(url):
        answer = call_service(
            "POST", "/snapshot", url=url, token=token, body={"reason": reason}, timeout=120
        )
        typer.echo(f"snapshot written by the service: {answer['path']} ({answer['size_bytes']} B)")
        _report_missing(answer.get("missing", {}))
        return
    settings = load_settings(config, dict(os.environ))
    run_dir = _latest_run(RESULTS_ROOT)
    incidents = (
        [i.to_dict() for i in IncidentLog(run_dir).unresolved()] if run_dir is not None else []
    )
    why = "offline capture requested" if offline else f"the service at {url} did not answer"
    inputs = SnapshotInputs(
        settings,
        data_dir=settings.data_dir,
        logs_dir=settings.log_dir,
        run_dir=run_dir,
        incidents=incidents,
        unavailable={"health": why, "status": why},
    )
    result = capture_snapshot(inputs, output_dir)
    typer.echo(f"snapshot written: {result.path} ({result.size_bytes} B)")
    _report_missing(result.missing)


def _service_answers(url: str) -> bool:
    try:
        return httpx.get(f"{url}/ping", timeout=PING_TIMEOUT_SECONDS).status_code == 200
    except httpx.HTTPError:
        return False


def _latest_run(results_dir: Path) -> Path | None:
    runs = [path for path in results_dir.glob("*") if path.is_dir()]
    with_incidents = [path for path in runs if (path / EVENTS_FILE).is_file()]
    pool = with_incidents or runs
    return max(pool, key=lambda path: path.stat().st_mtime) if pool else None


def _report_missing(missing: dict[str, str]) -> None:
    for part, why in sorted(missing.items()):
        typer.echo(f"  not captured: {part}: {why}", err=True)


def build_snapshot_app() -> typer.Typer:
    app = typer.Typer(
        name="snapshot",
        help="Incident snapshots: state, database, logs, config, health in one archive.",
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
    )
    app.command("capture")(capture)
    return app
