"""``ai-trader mode [auto|manual|paper|halt]``: read or change the mode of the running
service over its API (the kill switch: ``ai-trader mode halt --reason "..."``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer

from ai_trader.cli.service_client import DEFAULT_URL, TokenOption, UrlOption, call_service
from ai_trader.domain.enums import Mode


def mode(
    new_mode: Annotated[Mode | None, typer.Argument(help="omit to show the current mode")] = None,
    reason: Annotated[str, typer.Option(help="why (recorded; shown as the halt reason)")] = "",
    until: Annotated[
        datetime | None,
        typer.Option(
            formats=["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M%z"],
            help="halt only: end time with zone, e.g. 2026-11-21T18:00+00:00",
        ),
    ] = None,
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = None,
) -> None:
    """Show or set the trading mode of the running service."""
    if new_mode is None:
        state = call_service("GET", "/mode", url=url, token=token)
    else:
        body: dict[str, object] = {"mode": new_mode.value, "reason": reason}
        if until is not None:
            body["until"] = until.isoformat()
        state = call_service("POST", "/mode", url=url, token=token, body=body)
    line = f"mode: {state['mode']}"
    if state.get("halted"):
        line += f" — entries halted: {state.get('halt_reason')}"
        if state.get("trading_halted_until"):
            line += f" (until {state['trading_halted_until']})"
    typer.echo(line)
