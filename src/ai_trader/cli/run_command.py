"""``ai-trader run``: the whole system in one process — durable paper trading on the
synthetic market, the API on 127.0.0.1:8000, background tasks — until Ctrl-C/SIGTERM."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from ai_trader.config import load_settings
from ai_trader.observability.logging_setup import configure_logging

ENVIRONMENT_OVERRIDES = {
    "host": "API_HOST",
    "port": "API_PORT",
    "data_dir": "DATA_DIR",
    "bar_seconds": "BAR_SECONDS",
    "strategy": "STRATEGY",
}


def run(
    config: Annotated[
        Path | None,
        typer.Option(help="settings file (ai-trader init writes one); env vars override it"),
    ] = None,
    host: Annotated[str | None, typer.Option(help="API address (API_HOST)")] = None,
    port: Annotated[int | None, typer.Option(help="API port (API_PORT)")] = None,
    data_dir: Annotated[Path | None, typer.Option(help="durable state (DATA_DIR)")] = None,
    bar_seconds: Annotated[
        float | None, typer.Option(help="wall seconds per paper bar (default: the timeframe)")
    ] = None,
    strategy: Annotated[str | None, typer.Option(help="strategy (STRATEGY)")] = None,
    max_bars: Annotated[
        int | None, typer.Option(help="stop after this many bars (default: run until stopped)")
    ] = None,
) -> None:
    """Start trading (paper by default), the API and the background tasks."""
    values = {
        "host": host,
        "port": port,
        "data_dir": data_dir,
        "bar_seconds": bar_seconds,
        "strategy": strategy,
    }
    env = dict(os.environ)
    for option, variable in ENVIRONMENT_OVERRIDES.items():
        value = values[option]
        if value is not None:
            env[variable] = str(value)
    settings = load_settings(config, env)
    configure_logging(settings.log_dir, settings.log_level, settings.log_json)
    from ai_trader.service.server import ServeOptions, serve  # heavy: only when running

    code = serve(settings, ServeOptions(max_bars=max_bars))
    raise typer.Exit(code)
