"""``ai-trader mode [auto|manual|paper|halt]``: read or change the mode of the running
service over its API (the kill switch: ``ai-trader mode halt --reason "..."``)."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import Annotated

import httpx
import typer

from ai_trader.core.errors import ConfigurationError
from ai_trader.domain.enums import Mode

DEFAULT_URL = "http://127.0.0.1:8000"
LOCAL_TOKEN = Path("data") / "local_admin.token"

UrlOption = Annotated[str, typer.Option(envvar="AI_TRADER_URL", help="the service's address")]
TokenOption = Annotated[
    str | None,
    typer.Option(
        envvar="AI_TRADER_TOKEN",
        help=f"API token (default: the local admin token in {LOCAL_TOKEN})",
    ),
]


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
    headers = {"Authorization": f"Bearer {_token(token)}"}
    try:
        with httpx.Client(base_url=url, headers=headers, timeout=10.0) as client:
            if new_mode is None:
                response = client.get("/mode")
            else:
                body: dict[str, object] = {"mode": new_mode.value, "reason": reason}
                if until is not None:
                    body["until"] = until.isoformat()
                response = client.post("/mode", json=body)
    except httpx.HTTPError as exc:
        raise ConfigurationError(f"cannot reach the service at {url}: {exc}") from None
    if response.status_code >= 400:
        detail = _detail(response)
        raise ConfigurationError(f"{url} answered {response.status_code}: {detail}")
    state = response.json()
    line = f"mode: {state['mode']}"
    if state.get("halted"):
        line += f" — entries halted: {state.get('halt_reason')}"
        if state.get("trading_halted_until"):
            line += f" (until {state['trading_halted_until']})"
    typer.echo(line)


def _token(given: str | None) -> str:
    if given:
        return given.strip()
    local = Path(os.environ.get("DATA_DIR", "data")) / LOCAL_TOKEN.name
    if local.exists():
        return local.read_text().strip()
    raise ConfigurationError(
        "no API token: pass --token, set AI_TRADER_TOKEN, or run the service once on this "
        f"machine so it writes {local}"
    )


def _detail(response: httpx.Response) -> str:
    try:
        return str(response.json().get("detail", response.text))
    except ValueError:
        return response.text[:200]
