"""``ai-trader audit verify|tail``: the hash-chained audit journal (SPEC OPS-5)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from ai_trader.core.errors import ConfigurationError
from ai_trader.observability.audit import DEFAULT_DIRECTORY, AuditJournal

DirectoryOption = Annotated[Path, typer.Option(help="where audit.jsonl and chain_head.json are")]


def verify(directory: DirectoryOption = DEFAULT_DIRECTORY) -> None:
    """Check every record's hash, the chain links and the chain head; exit 1 if broken."""
    result = AuditJournal(directory).verify()
    if not result.ok:
        raise ConfigurationError(
            f"audit chain broken at seq {result.first_bad_seq}: {result.problem}"
        )
    typer.echo(f"audit chain ok: {result.records} records, head {result.head_hash[:12]}")


def tail(
    limit: Annotated[int, typer.Option(min=1, help="how many records, newest last")] = 20,
    directory: DirectoryOption = DEFAULT_DIRECTORY,
) -> None:
    """Show the newest records (run 'verify' to check them)."""
    records = AuditJournal(directory).records(limit)
    if not records:
        typer.echo(f"no audit records in {directory}")
        return
    table = Table(title=f"audit journal in {directory}", title_justify="left")
    for column in ("seq", "ts", "actor", "action", "reason", "details", "hash"):
        table.add_column(column)
    for r in records:
        details = json.dumps(r.details, sort_keys=True, ensure_ascii=False)
        table.add_row(str(r.seq), r.ts, r.actor, r.action, r.reason, details, r.hash[:12])
    Console(width=160).print(table)


def build_audit_app() -> typer.Typer:
    app = typer.Typer(
        name="audit",
        help="Audit journal: verify the hash chain, show the newest records.",
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
    )
    app.command("verify")(verify)
    app.command("tail")(tail)
    return app
