"""``ai-trader secrets keygen|set|list|delete``: the encrypted secrets file.

Secrets live in ``data/secrets.enc`` (``--secrets-file``), encrypted with the key in the
``FERNET_KEY`` environment variable. A value is typed at a hidden prompt or piped on stdin
(``--stdin``), never given on the command line, and never printed.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from ai_trader.config import SecretStore, generate_key
from ai_trader.config.secrets import check_secret_name
from ai_trader.core.errors import ConfigurationError

DEFAULT_SECRETS_FILE = Path("data/secrets.enc")

SecretsFileOption = Annotated[Path, typer.Option("--secrets-file", help="encrypted secrets file")]
FernetKeyOption = Annotated[
    str | None,
    typer.Option(
        "--fernet-key",
        envvar="FERNET_KEY",
        help="encryption key; prefer the FERNET_KEY environment variable",
        show_default=False,
    ),
]
NameArgument = Annotated[str, typer.Argument(help="secret name: letters, digits, '_', '.', '-'")]


def keygen() -> None:
    """Print a new encryption key for FERNET_KEY."""
    key = generate_key()
    typer.echo(key)
    typer.echo(
        f"export it before running ai-trader: export FERNET_KEY='{key}' "
        "(keep it out of version control; without it the stored secrets cannot be read)",
        err=True,
    )


def set_secret(
    name: NameArgument,
    stdin: Annotated[bool, typer.Option("--stdin", help="read the value from stdin")] = False,
    secrets_file: SecretsFileOption = DEFAULT_SECRETS_FILE,
    fernet_key: FernetKeyOption = None,
) -> None:
    """Store a secret; the value is asked at a hidden prompt (or read with --stdin)."""
    check_secret_name(name)
    store = _open_store(secrets_file, fernet_key)
    store.names()  # a wrong key fails before the value is typed
    value = _read_stdin() if stdin else _prompt_hidden(name)
    store.set(name, value)
    typer.echo(f"stored secret {name} in {secrets_file}")


def list_secrets(
    secrets_file: SecretsFileOption = DEFAULT_SECRETS_FILE, fernet_key: FernetKeyOption = None
) -> None:
    """List the names of the stored secrets (never their values)."""
    names = _open_store(secrets_file, fernet_key).names()
    if not names:
        typer.echo(f"no secrets in {secrets_file}", err=True)
    for name in names:
        typer.echo(name)


def delete(
    name: NameArgument,
    secrets_file: SecretsFileOption = DEFAULT_SECRETS_FILE,
    fernet_key: FernetKeyOption = None,
) -> None:
    """Delete a stored secret."""
    _open_store(secrets_file, fernet_key).delete(name)
    typer.echo(f"deleted secret {name} from {secrets_file}")


def build_secrets_app() -> typer.Typer:
    """The ``secrets`` command group, to be registered by ``cli.main``."""
    app = typer.Typer(
        name="secrets",
        help="Encrypted secrets: keygen, set, list, delete.",
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
    )
    app.command("keygen")(keygen)
    app.command("set")(set_secret)
    app.command("list")(list_secrets)
    app.command("delete")(delete)
    return app


def _open_store(secrets_file: Path, fernet_key: str | None) -> SecretStore:
    if not fernet_key:
        raise ConfigurationError(
            "FERNET_KEY is not set: create a key with 'ai-trader secrets keygen' and export it "
            "as FERNET_KEY"
        )
    return SecretStore(secrets_file, fernet_key)


def _read_stdin() -> str:
    value = sys.stdin.read().rstrip("\r\n")
    if not value:
        raise ConfigurationError("--stdin: nothing was read from stdin")
    return value


def _prompt_hidden(name: str) -> str:
    try:
        value: str = typer.prompt(
            f"Value for {name}", hide_input=True, confirmation_prompt=True, type=str
        )
    except typer.Abort:
        if sys.stdin.isatty():
            raise
        raise ConfigurationError(
            "no value typed (stdin closed); pipe the value with --stdin instead"
        ) from None
    return value
