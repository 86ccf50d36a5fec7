"""``ai-trader heal list|clear|replay``: the auto-heal snapshots (SPEC EXE-5)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from ai_trader.cli.service_client import DEFAULT_URL, TokenOption, UrlOption, call_service
from ai_trader.runtime.auto_heal import DEFAULT_DIRECTORY, AutoHealStore

DirectoryOption = Annotated[Path, typer.Option(help="where the snapshots are")]


def list_snapshots(directory: DirectoryOption = DEFAULT_DIRECTORY) -> None:
    """Show the snapshots: component, venue, mode, the error, when, replayed or pending."""
    snapshots = AutoHealStore(directory).list()
    if not snapshots:
        typer.echo(f"no auto-heal snapshots in {directory}")
        return
    table = Table(title=f"auto-heal snapshots in {directory}", title_justify="left")
    for column in ("component", "venue", "mode", "error", "at", "heals", "state"):
        table.add_column(column)
    for s in snapshots:
        state = f"replayed {s.replayed_at}" if s.replayed_at else "pending"
        mode = f"{s.exec_mode}{' (dry run)' if s.dry_run else ''}"
        error = f"{s.error_type}: {s.error_message}"
        table.add_row(s.component, s.venue, mode, error, s.created_at, str(s.heals), state)
    Console(width=160).print(table)


def clear(
    component: Annotated[str | None, typer.Argument(help="default: every component")] = None,
    directory: DirectoryOption = DEFAULT_DIRECTORY,
) -> None:
    """Remove snapshots (after the cause is understood)."""
    removed = AutoHealStore(directory).clear(component)
    typer.echo(f"removed {removed} snapshot{'s' if removed != 1 else ''}")


def replay(
    component: Annotated[str, typer.Argument(help="e.g. trading_executor")],
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = None,
) -> None:
    """Ask the running service to rebuild the component from its snapshot."""
    answer = call_service("POST", f"/heal/replay/{component}", url=url, token=token, timeout=30)
    typer.echo(f"{component}: {answer['outcome']}")


def build_heal_app() -> typer.Typer:
    app = typer.Typer(
        name="heal",
        help="Auto-heal snapshots: list, clear, replay.",
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
    )
    app.command("list")(list_snapshots)
    app.command("clear")(clear)
    app.command("replay")(replay)
    return app
