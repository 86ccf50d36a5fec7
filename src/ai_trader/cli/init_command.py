"""``ai-trader init``: three questions, one config file for autonomous mode.

The questions (maximum capital, timeframe, symbols) can be answered by options instead;
under ``CI`` nothing is asked, so every answer must come as an option. Each answer is
checked by ``Settings``; a bad answer typed at the prompt is asked again.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer

from ai_trader.config import TIMEFRAME_SECONDS, settings_from_values, write_config
from ai_trader.core.errors import ConfigurationError

DEFAULT_OUTPUT = Path("config/settings.toml")
HEADER = (
    "ai-trader settings for autonomous mode, written by 'ai-trader init'.\n"
    "Every key, its environment variable and allowed values: docs/reference/configuration.md.\n"
    "Environment variables override this file."
)


@dataclass(frozen=True)
class Question:
    key: str
    option: str
    text: str
    default: str | None = None


QUESTIONS = (
    Question("total_capital", "--capital", "Maximum capital to trade (quote currency)"),
    Question(
        "timeframe", "--timeframe", f"Timeframe ({', '.join(TIMEFRAME_SECONDS)})", default="1m"
    ),
    Question("symbols", "--symbols", "Symbols, comma-separated (e.g. BTC/USD,ETH/USD)"),
)


def init(
    capital: Annotated[
        str | None, typer.Option("--capital", help="maximum capital to trade (positive number)")
    ] = None,
    timeframe: Annotated[
        str | None, typer.Option(help=f"bar timeframe: {', '.join(TIMEFRAME_SECONDS)}")
    ] = None,
    symbols: Annotated[
        str | None, typer.Option(help="comma-separated BASE/QUOTE symbols, e.g. BTC/USD,ETH/USD")
    ] = None,
    output: Annotated[Path, typer.Option(help="config file to write")] = DEFAULT_OUTPUT,
    force: Annotated[bool, typer.Option(help="overwrite an existing config file")] = False,
) -> None:
    """Write a config file for autonomous mode from three answers."""
    if output.is_dir():
        raise ConfigurationError(f"{output} is a directory; --output must name a file")
    if output.exists() and not force:
        raise ConfigurationError(f"{output} already exists; pass --force to overwrite it")
    given = {"total_capital": capital, "timeframe": timeframe, "symbols": symbols}
    _refuse_questions_under_ci(given)
    answers = {q.key: _answer(q, given[q.key]) for q in QUESTIONS}
    settings = settings_from_values(answers)
    values: dict[str, object] = {
        "trading_mode_type": "autonomous",
        "total_capital": settings.total_capital,
        "timeframe": settings.timeframe,
        "symbols": settings.symbols,
    }
    write_config(output, values, header=HEADER)
    typer.echo(f"wrote {output}")
    typer.echo(f"start with: ai-trader run --config {output}")


def _refuse_questions_under_ci(given: dict[str, str | None]) -> None:
    if os.environ.get("CI", "").strip().lower() not in ("1", "true", "yes"):
        return
    missing = [q.option for q in QUESTIONS if given[q.key] is None]
    if missing:
        raise ConfigurationError(
            f"missing {', '.join(missing)}: under CI init asks no questions, so pass "
            "--capital, --timeframe and --symbols"
        )


def _answer(question: Question, given: str | None) -> str:
    """The option's value (checked once), else the prompt's (asked until it is valid)."""
    if given is not None:
        _check(question, given)
        return given
    while True:
        answer = _prompt(question)
        try:
            _check(question, answer)
        except ConfigurationError as exc:
            typer.echo(f"  {str(exc).removeprefix(question.option + ': ')}; try again", err=True)
            continue
        return answer


def _prompt(question: Question) -> str:
    try:
        answer: str = typer.prompt(question.text, default=question.default, type=str)
    except typer.Abort:
        if sys.stdin.isatty():
            raise  # Ctrl-C at the terminal
        raise ConfigurationError(
            f"no answer for {question.option} (stdin closed); pass --capital, --timeframe "
            "and --symbols to run without questions"
        ) from None
    return answer.strip()


def _check(question: Question, answer: str) -> None:
    """``ConfigurationError("--capital: must be greater than 0, got -5")`` if invalid."""
    try:
        settings_from_values({question.key: answer})
    except ConfigurationError as exc:
        problem = str(exc).removeprefix(f"{question.key}: ")
        raise ConfigurationError(f"{question.option}: {problem}") from None
