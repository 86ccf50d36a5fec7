"""Typed access to the runbook's runtime state over any :class:`StateStore`.

Getters read the store every time and return a default when a key is absent; setters
check the value and raise :class:`~ai_trader.core.errors.ConfigurationError` naming what
is allowed. A stored value that cannot be read (someone ran ``redis-cli set mode fast``)
raises :class:`~ai_trader.core.errors.DataError` naming the key and the allowed values.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Literal, get_args

from ai_trader.adapters.state import keys
from ai_trader.core.errors import ConfigurationError, DataError
from ai_trader.domain.enums import Mode
from ai_trader.ports.state_store import StateStore

Color = Literal["blue", "green"]
COLORS: tuple[Color, ...] = get_args(Color)

DEFAULT_MODE = Mode.PAPER
DEFAULT_COLOR: Color = "blue"
_MODES = ", ".join(mode.value for mode in Mode)


def _check_float(name: str, value: object, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise ConfigurationError(f"{name} must be a number from {low:g} to {high:g}, got {value!r}")
    number = float(value)
    if not (math.isfinite(number) and low <= number <= high):
        raise ConfigurationError(f"{name} must be from {low:g} to {high:g}, got {value!r}")
    return number


def _check_decimal(name: str, value: object) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        raise ConfigurationError(f"{name} must be a Decimal, got {value!r}")
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise ConfigurationError(f"{name} must be a decimal number, got {value!r}") from None
    if not number.is_finite():
        raise ConfigurationError(f"{name} must be finite, got {value!r}")
    return number


def _stored(key: str, error: ConfigurationError) -> DataError:
    return DataError(f"stored value of {key!r} is unusable: {error}")


class RuntimeState:
    """The runtime state the runbook names, typed; see the module docstring."""

    def __init__(self, store: StateStore) -> None:
        self._store = store

    @property
    def store(self) -> StateStore:
        return self._store

    # -- mode -------------------------------------------------------------------------

    @property
    def mode(self) -> Mode:
        """Trading mode; ``paper`` when never set."""
        raw = self._store.get(keys.MODE)
        if raw is None:
            return DEFAULT_MODE
        try:
            return Mode(raw)
        except ValueError:
            raise DataError(
                f"stored value of {keys.MODE!r} is {raw!r}; allowed values: {_MODES}"
            ) from None

    @mode.setter
    def mode(self, value: Mode) -> None:
        try:
            mode = Mode(value)
        except ValueError:
            raise ConfigurationError(f"unknown mode {value!r}; allowed values: {_MODES}") from None
        self._store.set(keys.MODE, mode.value)

    # -- deployment colour ------------------------------------------------------------

    @property
    def active_color(self) -> Color:
        """Live deployment colour; ``blue`` when never set."""
        raw = self._store.get(keys.ACTIVE_COLOR)
        if raw is None:
            return DEFAULT_COLOR
        for color in COLORS:
            if raw == color:
                return color
        raise DataError(
            f"stored value of {keys.ACTIVE_COLOR!r} is {raw!r}; allowed values: blue, green"
        )

    @active_color.setter
    def active_color(self, value: Color) -> None:
        if value not in COLORS:
            raise ConfigurationError(f"unknown colour {value!r}; allowed values: blue, green")
        self._store.set(keys.ACTIVE_COLOR, value)

    # -- risk -------------------------------------------------------------------------

    @property
    def capital_effective(self) -> float:
        """Fraction of capital in use, 0..1; ``0.0`` when never set."""
        return self._get_float(keys.CAPITAL_EFFECTIVE, 0.0, 1.0)

    @capital_effective.setter
    def capital_effective(self, value: float) -> None:
        number = _check_float("capital_effective", value, 0.0, 1.0)
        self._store.set(keys.CAPITAL_EFFECTIVE, repr(number))

    @property
    def risk_stats(self) -> dict[str, str]:
        """Risk statistics hash (``redis-cli hgetall risk:stats``); empty when never set."""
        return dict(self._store.get_hash(keys.RISK_STATS))

    @risk_stats.setter
    def risk_stats(self, value: dict[str, str]) -> None:
        self._store.set_hash(keys.RISK_STATS, value)

    # -- P&L and positions ------------------------------------------------------------

    @property
    def pnl_net_today(self) -> Decimal:
        """Net P&L of the UTC day; ``0`` when never set."""
        raw = self._store.get(keys.PNL_NET_TODAY)
        if raw is None:
            return Decimal(0)
        try:
            return _check_decimal("pnl_net_today", raw)
        except ConfigurationError as exc:
            raise _stored(keys.PNL_NET_TODAY, exc) from None

    @pnl_net_today.setter
    def pnl_net_today(self, value: Decimal) -> None:
        self._store.set(keys.PNL_NET_TODAY, str(_check_decimal("pnl_net_today", value)))

    @property
    def positions(self) -> dict[str, Decimal]:
        """Quantity per symbol; empty when never set."""
        raw = self._store.get(keys.PORTFOLIO_POSITIONS)
        if raw is None:
            return {}
        try:
            document = json.loads(raw)
            if not isinstance(document, dict):
                raise ConfigurationError("expected a JSON object of symbol → quantity string")
            return _check_positions(document)
        except (ValueError, ConfigurationError) as exc:
            raise DataError(
                f"stored value of {keys.PORTFOLIO_POSITIONS!r} is unusable: {exc}"
            ) from None

    @positions.setter
    def positions(self, value: dict[str, Decimal]) -> None:
        self._store.set(keys.PORTFOLIO_POSITIONS, _positions_text(value))

    def publish_trading_state(
        self,
        *,
        risk_stats: dict[str, str],
        pnl_net_today: Decimal,
        positions: dict[str, Decimal] | None = None,
    ) -> None:
        """The values the trading loop keeps current, in one write (one file replace, or
        one MULTI/EXEC): readers never see today's P&L from one moment and the risk
        statistics from another."""
        values: dict[str, str | Mapping[str, str]] = {
            keys.RISK_STATS: risk_stats,
            keys.PNL_NET_TODAY: str(_check_decimal("pnl_net_today", pnl_net_today)),
        }
        if positions is not None:
            values[keys.PORTFOLIO_POSITIONS] = _positions_text(positions)
        self._store.set_many(values)

    # -- RL policy ----------------------------------------------------------------------

    @property
    def policy_last_update(self) -> datetime | None:
        """Last RL policy heartbeat (UTC); ``None`` when never set."""
        raw = self._store.get(keys.POLICY_LAST_UPDATE_TS)
        if raw is None:
            return None
        try:
            return datetime.fromtimestamp(float(raw), UTC)
        except (ValueError, OverflowError, OSError):
            raise DataError(
                f"stored value of {keys.POLICY_LAST_UPDATE_TS!r} is {raw!r}; expected Unix seconds"
            ) from None

    @policy_last_update.setter
    def policy_last_update(self, value: datetime) -> None:
        if not isinstance(value, datetime) or value.utcoffset() is None:
            raise ConfigurationError(
                f"policy_last_update must be a timezone-aware datetime, got {value!r}"
            )
        self._store.set(keys.POLICY_LAST_UPDATE_TS, repr(value.timestamp()))

    @property
    def policy_allowed_influence_pct(self) -> float:
        """RL policy influence allowed, 0..100 percent; ``0.0`` when never set."""
        return self._get_float(keys.POLICY_ALLOWED_INFLUENCE_PCT, 0.0, 100.0)

    @policy_allowed_influence_pct.setter
    def policy_allowed_influence_pct(self, value: float) -> None:
        number = _check_float("policy_allowed_influence_pct", value, 0.0, 100.0)
        self._store.set(keys.POLICY_ALLOWED_INFLUENCE_PCT, repr(number))

    # -- helpers ----------------------------------------------------------------------

    def _get_float(self, key: str, low: float, high: float) -> float:
        raw = self._store.get(key)
        if raw is None:
            return 0.0
        try:
            return _check_float(key, float(raw), low, high)
        except ValueError:
            raise DataError(f"stored value of {key!r} is {raw!r}; expected a number") from None
        except ConfigurationError as exc:
            raise _stored(key, exc) from None


def _positions_text(value: dict[str, Decimal]) -> str:
    checked = _check_positions(value)
    return json.dumps({symbol: str(quantity) for symbol, quantity in sorted(checked.items())})


def _check_positions(value: object) -> dict[str, Decimal]:
    if not isinstance(value, dict):
        raise ConfigurationError(f"positions must be a dict of symbol → Decimal, got {value!r}")
    checked: dict[str, Decimal] = {}
    for symbol, quantity in value.items():
        if not isinstance(symbol, str) or not symbol:
            raise ConfigurationError(f"position symbol must be a non-empty string, got {symbol!r}")
        checked[symbol] = _check_decimal(f"position quantity of {symbol}", quantity)
    return checked
