"""Entry point: ``ai-trader <command>``. Every failure the user can cause ends in one line
on stderr and a non-zero exit code, never a traceback."""

from __future__ import annotations

import sys

import typer

from ai_trader import __version__
from ai_trader.cli import (
    audit_command,
    backtest_command,
    backup_command,
    data_command,
    db_command,
    drill_command,
    heal_command,
    incident_command,
    init_command,
    mode_command,
    paper_command,
    report_command,
    resilience_command,
    run_command,
    secrets_command,
    snapshot_command,
    staging_command,
    strategies_command,
    sweep_command,
    token_command,
)
from ai_trader.core.errors import AiTraderError

EXIT_USAGE = 2
EXIT_FAILURE = 1


def build_app() -> typer.Typer:
    app = typer.Typer(
        name="ai-trader",
        help="AI trading system with operations built in.",
        add_completion=False,
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
    )
    app.command("run")(run_command.run)
    app.command("mode")(mode_command.mode)
    app.command("init")(init_command.init)
    app.command("backtest")(backtest_command.backtest)
    app.command("paper")(paper_command.paper)
    app.command("sweep")(sweep_command.sweep)
    app.command("strategies")(strategies_command.strategies)
    app.add_typer(backup_command.app, name="backup")
    app.add_typer(db_command.build_db_app(), name="db")
    app.add_typer(data_command.build_data_app(), name="data")
    app.add_typer(heal_command.build_heal_app(), name="heal")
    app.add_typer(audit_command.build_audit_app(), name="audit")
    app.add_typer(incident_command.build_incident_app(), name="incident")
    app.add_typer(snapshot_command.build_snapshot_app(), name="snapshot")
    app.add_typer(drill_command.build_drill_app(), name="drill")
    app.add_typer(report_command.build_report_app(), name="report")
    app.add_typer(resilience_command.build_rate_gate_app(), name="rate-gate")
    app.add_typer(resilience_command.build_breakers_app(), name="breakers")
    app.add_typer(staging_command.build_capital_app(), name="capital")
    app.command("canary")(staging_command.canary)
    app.add_typer(token_command.build_token_app(), name="token")
    app.add_typer(secrets_command.build_secrets_app(), name="secrets")

    @app.command("version")
    def version() -> None:
        """Print the version."""
        typer.echo(__version__)

    return app


def main(argv: list[str] | None = None) -> int:
    app = build_app()
    try:
        result = app(args=argv, prog_name="ai-trader", standalone_mode=False)
    except typer.Abort:
        return _fail("aborted", EXIT_FAILURE)
    except typer.Exit as exc:
        return int(exc.exit_code)
    except typer.TyperException as exc:  # usage errors: unknown option, bad value, ...
        return _usage_error(exc)
    except AiTraderError as exc:
        return _fail(str(exc), EXIT_FAILURE)
    except OSError as exc:
        return _fail(f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), EXIT_FAILURE)
    return result if isinstance(result, int) else 0


def _usage_error(exc: typer.TyperException) -> int:
    ctx = getattr(exc, "ctx", None)
    if type(exc).__name__ == "NoArgsIsHelpError" and ctx is not None:
        typer.echo(ctx.get_help())
        return 0
    message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
    command = getattr(ctx, "command_path", "ai-trader")
    return _fail(f"{message} (see '{command} --help')", int(getattr(exc, "exit_code", EXIT_USAGE)))


def _fail(message: str, code: int) -> int:
    first_line = " ".join(message.split())
    print(f"error: {first_line}", file=sys.stderr)
    return code


def run() -> None:
    sys.exit(main())
