"""``ai-trader capital [stage N]`` and ``ai-trader canary [blue|green|rollback]`` against
the running service (SPEC RSK-3, RSK-4): every change is recorded with who and why."""

from __future__ import annotations

from typing import Annotated

import typer

from ai_trader.cli.service_client import DEFAULT_URL, TokenOption, UrlOption, call_service

ReasonOption = Annotated[str, typer.Option(help="why (recorded in the audit trail)")]


def capital_show(url: UrlOption = DEFAULT_URL, token: TokenOption = None) -> None:
    """Show the capital stage in use and who approved it."""
    _print_capital(call_service("GET", "/capital", url=url, token=token))


def capital_stage(
    stage: Annotated[int, typer.Argument(help="10, 20, 30, 50, 70 or 100 (one step up at most)")],
    reason: ReasonOption,
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = None,
) -> None:
    """Move to a capital stage; refused while the SLO tier is C."""
    body = {"stage": stage, "reason": reason}
    _print_capital(call_service("POST", "/capital/stage", url=url, token=token, body=body))


def _print_capital(answer: dict[str, object]) -> None:
    by = (
        f", approved by {answer['approved_by']} ({answer['reason']})"
        if answer["approved_by"]
        else ""
    )
    typer.echo(
        f"capital stage {answer['percent']:g} %: {answer['effective_capital']:,.2f} of "
        f"{answer['total_capital']:,.2f}{by}"
    )


def canary(
    action: Annotated[
        str | None, typer.Argument(help="blue, green or rollback; omit to show")
    ] = None,
    reason: Annotated[str, typer.Option(help="why (recorded in the audit trail)")] = "",
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = None,
) -> None:
    """Show the blue/green configurations, switch the active one, or roll back."""
    if action is None:
        answer = call_service("GET", "/canary", url=url, token=token)
    else:
        if action not in ("blue", "green", "rollback"):
            raise typer.BadParameter(f"{action!r}: use blue, green or rollback")
        if not reason:
            raise typer.BadParameter("--reason is required to switch")
        body = {"color": None if action == "rollback" else action, "reason": reason}
        answer = call_service("POST", "/canary/switch", url=url, token=token, body=body)
    for color in answer["colors"]:
        marker = "*" if color["active"] else " "
        detail = color["problem"] or f"{color['strategy']} {color['params']}"
        typer.echo(f"{marker} {color['color']}: {detail}")


def build_capital_app() -> typer.Typer:
    app = typer.Typer(
        name="capital",
        help="Capital staging: show, stage N.",
        no_args_is_help=False,
        invoke_without_command=True,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
    )

    @app.callback(invoke_without_command=True)
    def show(ctx: typer.Context, url: UrlOption = DEFAULT_URL, token: TokenOption = None) -> None:
        """Show the capital stage (or use a subcommand)."""
        if ctx.invoked_subcommand is None:
            capital_show(url, token)

    app.command("stage")(capital_stage)
    return app
