"""``ai-trader incident list|ack|resolve`` (SPEC OPS-4): works on the run's
``incident_events.jsonl`` directly, so it needs no token and works while the service runs
(the service sees the ack on its next tick) or after it stopped."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from ai_trader.core.errors import NotFoundError
from ai_trader.observability.audit import DEFAULT_DIRECTORY as AUDIT_DIRECTORY
from ai_trader.observability.audit import AuditJournal
from ai_trader.runtime.incidents import EVENTS_FILE, Incident, IncidentLog

RESULTS_ROOT = Path("results") / "runs"

ResultsOption = Annotated[Path, typer.Option(help="where the runs' result directories are")]
RunIdOption = Annotated[str | None, typer.Option(help="the run (default: the latest one)")]
IncidentIdOption = Annotated[str, typer.Option(help="e.g. INC-0001 (see 'incident list')")]
NotesOption = Annotated[str, typer.Option(help="mitigation status, kept in the audit log")]
AuditOption = Annotated[Path, typer.Option(help="the audit journal's directory")]


def incident_log(results_dir: Path, run_id: str | None) -> IncidentLog:
    """The named run's incidents, or the newest run that has any."""
    if run_id is not None:
        run_dir = results_dir / run_id
        if not (run_dir / EVENTS_FILE).is_file():
            raise NotFoundError(f"run {run_id!r} has no {EVENTS_FILE} under {results_dir}")
        return IncidentLog(run_dir)
    candidates = sorted(results_dir.glob(f"*/{EVENTS_FILE}"), key=lambda path: path.stat().st_mtime)
    if not candidates:
        raise NotFoundError(f"no run under {results_dir} has incidents")
    return IncidentLog(candidates[-1].parent)


def list_incidents(
    run_id: RunIdOption = None,
    show_all: Annotated[bool, typer.Option("--all", help="resolved ones too")] = False,
    results_dir: ResultsOption = RESULTS_ROOT,
) -> None:
    """Unresolved incidents of a run (newest first), with their ack SLA."""
    log = incident_log(results_dir, run_id)
    found = log.incidents() if show_all else log.unresolved()
    if not found:
        typer.echo(f"run {log.run_id}: no {'' if show_all else 'unresolved '}incidents")
        return
    now = datetime.now(UTC)
    table = Table(title=f"incidents of run {log.run_id}", title_justify="left")
    for column in ("id", "class", "severity", "status", "age", "title", "detail", "ack"):
        table.add_column(column)
    for incident in reversed(found):
        table.add_row(
            incident.incident_id,
            incident.incident_class,
            incident.severity,
            incident.status,
            _age(incident.age_seconds(now)),
            incident.title,
            incident.detail,
            _ack(incident),
        )
    Console(width=200).print(table)


def ack(
    incident_id: IncidentIdOption,
    ack_by: Annotated[str, typer.Option(help="who acknowledges (the on-call's name)")],
    notes: NotesOption = "",
    run_id: RunIdOption = None,
    results_dir: ResultsOption = RESULTS_ROOT,
    audit_dir: AuditOption = AUDIT_DIRECTORY,
) -> None:
    """Acknowledge an incident (the ack SLA is 15 minutes for critical ones)."""
    log = incident_log(results_dir, run_id)
    incident = log.ack(incident_id, ack_by, notes)
    AuditJournal(audit_dir).append(ack_by, "incident_ack", notes or "-", _details(incident))
    late = " (after the 15-minute SLA)" if incident.ack_sla_breached else ""
    typer.echo(f"{incident_id} of run {log.run_id} acknowledged by {ack_by}{late}")


def resolve(
    incident_id: IncidentIdOption,
    resolved_by: Annotated[str, typer.Option(help="who resolves it")],
    notes: NotesOption = "",
    run_id: RunIdOption = None,
    results_dir: ResultsOption = RESULTS_ROOT,
    audit_dir: AuditOption = AUDIT_DIRECTORY,
) -> None:
    """Resolve an incident once its cause is fixed."""
    log = incident_log(results_dir, run_id)
    incident = log.resolve(incident_id, resolved_by, notes)
    AuditJournal(audit_dir).append(
        resolved_by, "incident_resolve", notes or "-", _details(incident)
    )
    typer.echo(f"{incident_id} of run {log.run_id} resolved by {resolved_by}")


def _details(incident: Incident) -> dict[str, object]:
    return {"incident_id": incident.incident_id, "run_id": incident.run_id}


def _ack(incident: Incident) -> str:
    if incident.acked_at is None:
        return "late" if incident.ack_sla_breached else "-"
    return f"{incident.acked_by}{' (late)' if incident.ack_sla_breached else ''}"


def _age(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{secs:02d}s"


def build_incident_app() -> typer.Typer:
    app = typer.Typer(
        name="incident",
        help="Incidents: list, acknowledge, resolve.",
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
    )
    app.command("list")(list_incidents)
    app.command("ack")(ack)
    app.command("resolve")(resolve)
    return app
