"""What a trading session runs: strategy, parameters, money, costs, sizing and risk."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ai_trader.core.errors import ConfigurationError
from ai_trader.risk.config import RiskConfig, Sizing
from ai_trader.strategies.registry import build_params


class SessionSpec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    strategy: str = "sma_cross"
    params: dict[str, str | int | float | bool] = Field(default_factory=dict)
    cash: Decimal = Field(Decimal(100_000), gt=0, description="starting cash (quote currency)")
    commission: float = Field(
        0.001, ge=0.0, le=0.1, description="fee as a fraction of notional, per side"
    )
    slippage_bps: float = Field(0.0, ge=0.0, le=1000.0)
    sizing: str = "all_in"
    max_volume_share: float | None = Field(None, gt=0.0, le=1.0)
    risk: RiskConfig = Field(default_factory=RiskConfig)

    @field_validator("sizing")
    @classmethod
    def _sizing_parses(cls, value: str) -> str:
        Sizing.parse(value)
        return value

    def parsed_sizing(self) -> Sizing:
        return Sizing.parse(self.sizing)

    def validate_strategy(self) -> None:
        """Raise ``ConfigurationError`` for an unknown strategy or a bad parameter."""
        build_params(self.strategy, self.params)


def build_spec(**values: Any) -> SessionSpec:
    """``SessionSpec(**values)`` with failures as one ``ConfigurationError`` line."""
    try:
        return SessionSpec(**values)
    except ValidationError as exc:
        raise ConfigurationError(describe_validation_error(exc)) from None


def describe_validation_error(exc: ValidationError) -> str:
    """First problem of a pydantic error as "name: what is wrong (got value)"."""
    error = exc.errors()[0]
    name = ".".join(str(part) for part in error["loc"]) or "value"
    message = str(error["msg"]).removeprefix("Value error, ")
    message = message[:1].lower() + message[1:]
    return f"{name}: {message} (got {error.get('input')!r})"
