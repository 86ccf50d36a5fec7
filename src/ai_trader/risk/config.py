"""Risk limits (RSK-1) and position sizing."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from ai_trader.core.errors import ConfigurationError
from ai_trader.core.money import to_decimal


class RiskConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    max_daily_loss: float = Field(
        0.03, gt=0.0, le=1.0, description="halt entries for the rest of the UTC day past this loss"
    )
    max_drawdown: float = Field(
        0.15, gt=0.0, le=1.0, description="halt entries past this fall from the equity peak"
    )
    max_position_fraction: float = Field(
        1.0, gt=0.0, le=10.0, description="largest position value as a fraction of equity"
    )
    max_position_units: Decimal | None = Field(
        None, gt=0, description="largest position size in units, None = no unit limit"
    )


class SizingKind(StrEnum):
    ALL_IN = "all_in"
    FIXED = "fixed"
    RISK = "risk"


@dataclass(frozen=True, slots=True)
class Sizing:
    """How large an entry is.

    - ``all_in``: spend all available cash (a market buy sized in quote currency, fees
      included; a short sells equity / price units);
    - ``fixed:N``: N units per entry;
    - ``risk:F``: lose at most fraction F of equity if the stop is hit: units =
      F * equity / stop distance; without a stop the whole price is the risk, i.e.
      units = F * equity / price. Capped by the cash available.
    """

    kind: SizingKind
    value: Decimal | None = None

    @classmethod
    def parse(cls, text: str) -> Sizing:
        name, _, argument = text.strip().partition(":")
        try:
            kind = SizingKind(name)
        except ValueError:
            raise ConfigurationError(_SIZING_HELP.format(text=text)) from None
        if kind is SizingKind.ALL_IN:
            if argument:
                raise ConfigurationError(_SIZING_HELP.format(text=text))
            return cls(kind)
        try:
            value = to_decimal(argument)
        except ValueError:
            raise ConfigurationError(_SIZING_HELP.format(text=text)) from None
        if value <= 0 or (kind is SizingKind.RISK and value > 1):
            raise ConfigurationError(_SIZING_HELP.format(text=text))
        return cls(kind, value)

    def __str__(self) -> str:
        return self.kind.value if self.value is None else f"{self.kind.value}:{self.value}"


_SIZING_HELP = (
    "sizing must be all_in, fixed:N (N units, N > 0) or risk:F (fraction of equity, "
    "0 < F <= 1), got {text!r}"
)
