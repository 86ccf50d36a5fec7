"""Commands that act on the running service go through its HTTP API with a token; this is
the one place that knows how (address, token lookup, one-line errors)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer

from ai_trader.core.errors import ConfigurationError

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


def call_service(
    method: str,
    path: str,
    *,
    url: str,
    token: str | None,
    body: dict[str, Any] | None = None,
    timeout: float = 10.0,
) -> Any:
    """The JSON answer of ``method path``; an unreachable service or a 4xx/5xx answer is a
    one-line ``ConfigurationError`` with the service's ``detail``."""
    headers = {"Authorization": f"Bearer {service_token(token)}"}
    try:
        with httpx.Client(base_url=url, headers=headers, timeout=timeout) as client:
            response = client.request(method, path, json=body)
    except httpx.HTTPError as exc:
        raise ConfigurationError(f"cannot reach the service at {url}: {exc}") from None
    if response.status_code >= 400:
        raise ConfigurationError(f"{url} answered {response.status_code}: {_detail(response)}")
    return response.json()


def service_token(given: str | None) -> str:
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
