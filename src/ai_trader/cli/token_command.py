"""``ai-trader token create|list|revoke|rotate``: the API's bearer tokens (SPEC API-2).

Each command migrates the database first, so it works on a fresh machine. A new token is
printed once, alone on stdout (``TOKEN=$(ai-trader token create …)`` captures it); the
warning that it cannot be shown again goes to stderr. Bad input ends in one line through
``ConfigurationError``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from ai_trader.adapters.db import (
    IssuedToken,
    TokenInfo,
    TokenStore,
    create_database_engine,
    upgrade_database,
)
from ai_trader.cli.options import DEFAULT_DATABASE_PATH, DatabaseUrlOption
from ai_trader.core.errors import ConfigurationError
from ai_trader.domain.roles import Role

ROLE_NAMES = "|".join(Role)
PIPED_WIDTH = 120

NameOption = Annotated[str, typer.Option("--name", help="1-64 of A-Z a-z 0-9 _ . -")]
RoleOption = Annotated[str, typer.Option("--role", help=ROLE_NAMES)]
NameArgument = Annotated[str, typer.Argument(help="the token's name")]


def create(name: NameOption, role: RoleOption, database_url: DatabaseUrlOption = None) -> None:
    """Issue a token with a role; it is shown once and cannot be shown again."""
    parsed = parse_role(role)
    with token_store(database_url) as store:
        _print_issued(store.create(name, parsed), "created")


def list_tokens(database_url: DatabaseUrlOption = None) -> None:
    """List the tokens: name, role, prefix and when they were created, used, revoked."""
    with token_store(database_url) as store:
        tokens = store.list()
    console = Console()
    if not console.is_terminal:  # a pipe or a file: no terminal width to fit, never crop
        console.width = max(console.width, PIPED_WIDTH)
    console.print(tokens_table(tokens))


def revoke(name: NameArgument, database_url: DatabaseUrlOption = None) -> None:
    """Revoke a token: it stops working at once; the name is not reused."""
    with token_store(database_url) as store:
        info = store.revoke(name)
    typer.echo(f"revoked API token {info.name!r} ({info.prefix}…) at {_moment(info.revoked_at)}")


def rotate(name: NameArgument, database_url: DatabaseUrlOption = None) -> None:
    """Replace a token's secret (same name and role); the old token stops working at once."""
    with token_store(database_url) as store:
        _print_issued(store.rotate(name), "rotated")


def parse_role(text: str) -> Role:
    """``--role`` as a ``Role``; anything else is one line naming the roles."""
    try:
        return Role(text.strip().lower())
    except ValueError:
        raise ConfigurationError(f"unknown role {text!r}; allowed roles: {ROLE_NAMES}") from None


@contextmanager
def token_store(database_url: str | None) -> Iterator[TokenStore]:
    """A ``TokenStore`` on the migrated database; the engine is disposed afterwards."""
    engine = create_database_engine(database_url, DEFAULT_DATABASE_PATH)
    try:
        upgrade_database(engine)
        yield TokenStore(engine)
    finally:
        engine.dispose()


def tokens_table(tokens: list[TokenInfo]) -> Table:
    table = Table(title="API tokens", title_justify="left")
    columns: tuple[tuple[str, Callable[[TokenInfo], str]], ...] = (
        ("name", lambda info: info.name),
        ("role", lambda info: info.role.value),
        ("prefix", lambda info: info.prefix),
        ("created", lambda info: _moment(info.created_at)),
        ("last used", lambda info: _moment(info.last_used_at)),
        ("revoked", lambda info: _moment(info.revoked_at)),
    )
    for header, _ in columns:
        table.add_column(header, no_wrap=True)
    for info in tokens:
        table.add_row(*(cell(info) for _, cell in columns))
    return table


def build_token_app() -> typer.Typer:
    """The ``token`` command group."""
    app = typer.Typer(
        name="token",
        help="API bearer tokens: create, list, revoke, rotate.",
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
    )
    app.command("create")(create)
    app.command("list")(list_tokens)
    app.command("revoke")(revoke)
    app.command("rotate")(rotate)
    return app


def _print_issued(issued: IssuedToken, verb: str) -> None:
    info = issued.info
    typer.echo(issued.token)
    typer.echo(
        f"{verb} API token {info.name!r} with role {info.role.value}; store it now: "
        "it cannot be shown again",
        err=True,
    )


def _moment(moment: datetime | None) -> str:
    return "-" if moment is None else moment.strftime("%Y-%m-%d %H:%M:%SZ")
