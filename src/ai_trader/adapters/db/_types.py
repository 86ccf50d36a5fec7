"""Column types that behave the same on SQLite and PostgreSQL.

``UtcDateTime`` refuses naive datetimes and always hands back aware UTC ones (SQLite has no
time zones and returns naive values). ``ExactDecimal`` is ``NUMERIC(38, 18)`` on PostgreSQL
and text on SQLite, whose NUMERIC affinity would turn ``0.1`` into a binary float.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Context, Decimal
from typing import Any

from sqlalchemy import DateTime, Dialect, Numeric, String
from sqlalchemy.types import TypeDecorator, TypeEngine

DECIMAL_PRECISION = 38
DECIMAL_SCALE = 18
_WIDE = Context(prec=DECIMAL_PRECISION * 2)
_STEP = Decimal(1).scaleb(-DECIMAL_SCALE)
_LIMIT = Decimal(10) ** (DECIMAL_PRECISION - DECIMAL_SCALE)


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: timestamps must be timezone-aware (UTC)")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class ExactDecimal(TypeDecorator[Decimal]):
    """A Decimal that round-trips exactly (up to 20 integer and 18 fractional digits)."""

    impl = Numeric(DECIMAL_PRECISION, DECIMAL_SCALE, asdecimal=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(DECIMAL_PRECISION + 2))
        return dialect.type_descriptor(Numeric(DECIMAL_PRECISION, DECIMAL_SCALE, asdecimal=True))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, Decimal) or not value.is_finite():
            raise ValueError(f"expected a finite Decimal, got {value!r}")
        check_exact_decimal(value)
        if dialect.name == "sqlite":
            return format(value, "f")
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return Decimal(str(value)) if not isinstance(value, Decimal) else value


def check_exact_decimal(value: Decimal) -> None:
    """Refuse what NUMERIC(38, 18) cannot hold exactly, identically on every backend
    (PostgreSQL would round extra fractional digits silently)."""
    if value.copy_abs() >= _LIMIT:
        raise ValueError(f"{value} does not fit NUMERIC({DECIMAL_PRECISION}, {DECIMAL_SCALE})")
    if value.quantize(_STEP, context=_WIDE) != value:
        raise ValueError(f"{value} has more than {DECIMAL_SCALE} decimal places")
