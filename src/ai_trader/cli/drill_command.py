"""``ai-trader drill chaos|dr``: operational drills (SPEC OPS-7)."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from ai_trader.core.errors import ConfigurationError
from ai_trader.drills import ScenarioResult, run_chaos, write_document
from ai_trader.drills.dr import run_dr


def _check_output(path: Path) -> None:
    if path.is_dir():
        raise ConfigurationError(f"--output {path} is a directory; give a file path")


@contextlib.contextmanager
def _quiet_product_logs() -> Iterator[None]:
    """The faults make the product log errors on purpose; the drill reports them instead."""
    product = logging.getLogger("ai_trader")
    propagate, quiet = product.propagate, logging.NullHandler()
    product.addHandler(quiet)
    product.propagate = False
    try:
        yield
    finally:
        product.removeHandler(quiet)
        product.propagate = propagate


def chaos(
    output: Annotated[Path, typer.Option(help="report file (JSON)")] = Path(
        "results/chaos_drill_latest.json"
    ),
    seed: Annotated[int, typer.Option(help="same seed, same report byte for byte")] = 0,
) -> None:
    """Inject each fault into an engine on the simulated venue; report detection,
    recovery and data lost. Exit 1 when any scenario failed."""
    _check_output(output)
    console = Console(width=160)

    def show(result: ScenarioResult) -> None:
        mark = "ok" if result.passed else "FAILED"
        console.print(
            f"{result.name:<22} {mark:<6} detected after {result.detected_after_seconds} s, "
            f"recovered after {result.recovered_after_seconds} s, data lost {result.data_lost}",
            highlight=False,
        )

    with _quiet_product_logs():
        document = run_chaos(seed, show)
    write_document(output, document)
    console.print(f"chaos drill {'passed' if document['passed'] else 'FAILED'}; {output}")
    raise typer.Exit(0 if document["passed"] else 1)


def dr(
    output: Annotated[Path, typer.Option(help="report file (JSON)")] = Path(
        "results/dr_drill_latest.json"
    ),
    data_dir: Annotated[
        Path | None,
        typer.Option(help="the service's working directory (default: a temporary one)"),
    ] = None,
    port: Annotated[int | None, typer.Option(help="API port (default: a free one)")] = None,
    bar_seconds: Annotated[float, typer.Option(help="wall seconds per paper bar")] = 0.05,
) -> None:
    """Stop a real service gracefully and by SIGKILL, restart it, and measure detection,
    restart, first clean reconciliation, RTO and RPO. Exit 1 when a target is missed."""
    _check_output(output)
    if not bar_seconds > 0:
        raise ConfigurationError(f"--bar-seconds must be positive, got {bar_seconds}")
    console = Console(width=160)
    document = run_dr(
        data_dir.resolve() if data_dir else None,
        port=port,
        bar_seconds=bar_seconds,
        on_step=lambda step: console.print(step, highlight=False),
    )
    write_document(output, document)
    console.print(_dr_table(document))
    verdict = "passed" if document["passed"] else "FAILED"
    console.print(
        f"DR drill {verdict}: RTO {document['rto_seconds']} s (target ≤ "
        f"{document['targets']['rto_seconds']:.0f}), RPO {document['rpo_seconds']} s (target ≤ "
        f"{document['targets']['rpo_seconds']:.0f}), fills lost {document['fills_lost']}; "
        f"{output}",
        highlight=False,
    )
    raise typer.Exit(0 if document["passed"] else 1)


def _dr_table(document: dict[str, Any]) -> Table:
    table = Table(title="disaster-recovery drill (wall seconds)", title_justify="left")
    columns = ("stop", "detected", "restarted", "clean reconciliation", "RTO", "RPO", "lost")
    for column in columns:
        table.add_column(column)
    for stop in document["stops"]:
        table.add_row(
            f"{stop['name']} ({stop['signal']})",
            str(stop["detected_after_seconds"]),
            str(stop["restart_complete_seconds"]),
            str(stop["first_clean_reconciliation_seconds"]),
            str(stop["rto_seconds"]),
            str(stop["rpo_seconds"]),
            str(stop["fills_lost"]),
        )
    return table


def build_drill_app() -> typer.Typer:
    app = typer.Typer(
        name="drill",
        help="Operational drills: chaos (fault injection) and dr (stop, restart, RTO/RPO).",
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
    )
    app.command("chaos")(chaos)
    app.command("dr")(dr)
    return app
