"""``ai-trader rate-gate status|reset [PROVIDER]`` and ``ai-trader breakers status|reset``:
read or reset the rate gate and the circuit breakers of the running service over its API,
the way ``ai-trader mode`` does."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import quote

import typer
from rich.console import Console
from rich.table import Table

from ai_trader.cli.service_client import DEFAULT_URL, TokenOption, UrlOption, call_service


def _request(method: str, path: str, url: str, token: str | None) -> Any:
    return call_service(method, path, url=url, token=token)


def _table(title: str, columns: Sequence[str], rows: Sequence[Sequence[object]]) -> Table:
    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column, no_wrap=True)
    for row in rows:
        table.add_row(*("-" if cell is None else str(cell) for cell in row))
    return table


def _moment(iso: str | None) -> str | None:
    if iso is None:
        return None
    return datetime.fromisoformat(iso).strftime("%Y-%m-%d %H:%M:%SZ")


def _print_reset(body: dict[str, list[str]], what: str) -> None:
    names = body.get("reset", [])
    typer.echo(f"reset {len(names)} {what}: {', '.join(names) or 'none'}")


# -- rate gate ----------------------------------------------------------------------------


def rate_gate_status(url: UrlOption = DEFAULT_URL, token: TokenOption = None) -> None:
    """Each provider's budget, weight used in the current window, and backoffs."""
    body = _request("GET", "/rate-gate/status", url, token)
    rows = [
        (
            p["provider"],
            f"{p['limit']} / {p['window_seconds']:g} s",
            p["used"],
            p["remaining"],
            p["backoff_count"],
            _moment(p["last_backoff_at"]),
        )
        for p in body["providers"]
    ]
    columns = ("provider", "budget", "used", "remaining", "backoffs", "last backoff")
    Console().print(_table("rate gate", columns, rows))


def rate_gate_reset(
    provider: Annotated[str | None, typer.Argument(help="omit to reset every provider")] = None,
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = None,
) -> None:
    """Empty the window and backoff count of one provider, or of all."""
    path = (
        "/rate-gate/reset" if provider is None else f"/rate-gate/reset/{quote(provider, safe='')}"
    )
    _print_reset(_request("POST", path, url, token), "rate gate providers")


def build_rate_gate_app() -> typer.Typer:
    """The ``rate-gate`` command group."""
    app = typer.Typer(
        name="rate-gate",
        help="Per-provider request budgets of the running service.",
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
    )
    app.command("status")(rate_gate_status)
    app.command("reset")(rate_gate_reset)
    return app


# -- circuit breakers ---------------------------------------------------------------------


def breakers_status(url: UrlOption = DEFAULT_URL, token: TokenOption = None) -> None:
    """Every circuit breaker: state, failures, last error, when it may retry."""
    body = _request("GET", "/circuit-breakers", url, token)
    breakers = body["breakers"]
    rows = [(b["name"], b["state"], b["failures"], _moment(b["retry_at"])) for b in breakers]
    columns = ("breaker", "state", "failures", "retry at")
    Console().print(_table("circuit breakers", columns, rows))
    for breaker in breakers:
        if breaker["last_error"]:
            typer.echo(f"{breaker['name']} last error: {breaker['last_error']}")
    if body.get("any_open"):
        typer.echo("an open breaker halts new entries until it recovers or is reset")


def breakers_reset(url: UrlOption = DEFAULT_URL, token: TokenOption = None) -> None:
    """Close every circuit breaker."""
    _print_reset(_request("POST", "/circuit-breakers/reset", url, token), "circuit breakers")


def build_breakers_app() -> typer.Typer:
    """The ``breakers`` command group."""
    app = typer.Typer(
        name="breakers",
        help="Circuit breakers of the running service.",
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
    )
    app.command("status")(breakers_status)
    app.command("reset")(breakers_reset)
    return app
