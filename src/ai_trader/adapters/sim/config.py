"""Configuration of the simulated venue."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class MarketFill(StrEnum):
    """Where market orders fill: the next bar's open (backtest) or the last price (paper)."""

    NEXT_OPEN = "next_open"
    LAST_PRICE = "last_price"


class SimulatedVenueConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    venue: str = Field("SIM", min_length=1)
    maker_fee: float = Field(0.001, ge=0.0, le=0.1, description="fraction of notional, limit fills")
    taker_fee: float = Field(
        0.001, ge=0.0, le=0.1, description="fraction of notional, market and stop fills"
    )
    slippage_bps: float = Field(
        0.0, ge=0.0, le=1000.0, description="adverse price move on taker fills, basis points"
    )
    max_volume_share: float | None = Field(
        None,
        gt=0.0,
        le=1.0,
        description="at most this share of a bar's volume fills per bar; None = no limit",
    )
    market_fill: MarketFill = MarketFill.NEXT_OPEN
    starting_balances: dict[str, Decimal] = Field(
        default_factory=dict,
        description="asset → amount held before any fill; balances() adds the fills to it",
    )
