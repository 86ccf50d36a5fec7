"""Exact decimals and aware UTC timestamps, checked without a database round trip."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.dialects import postgresql, sqlite

from ai_trader.adapters.db._types import ExactDecimal, UtcDateTime

SQLITE = sqlite.dialect()
POSTGRESQL = postgresql.dialect()  # type: ignore[no-untyped-call]
FITTING = st.decimals(
    min_value=Decimal("-99999999999999999999.999999999999999999"),
    max_value=Decimal("99999999999999999999.999999999999999999"),
    places=18,
    allow_nan=False,
    allow_infinity=False,
)


@given(FITTING)
def test_exact_decimal_survives_sqlite_text_storage(value: Decimal) -> None:
    column = ExactDecimal()

    stored = column.process_bind_param(value, SQLITE)

    assert isinstance(stored, str)
    assert column.process_result_value(stored, SQLITE) == value


@pytest.mark.parametrize("dialect", [SQLITE, POSTGRESQL], ids=["sqlite", "postgresql"])
@pytest.mark.parametrize(
    ("value", "message"),
    [
        (Decimal("0.0000000000000000001"), "more than 18 decimal places"),
        (Decimal("100000000000000000000"), "does not fit"),
        (Decimal("NaN"), "finite"),
    ],
)
def test_exact_decimal_refuses_what_numeric_38_18_cannot_hold(
    dialect: object, value: Decimal, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        ExactDecimal().process_bind_param(value, dialect)  # type: ignore[arg-type]


def test_exact_decimal_accepts_trailing_zeros_beyond_the_scale() -> None:
    value = Decimal("1.50000000000000000000000")

    assert ExactDecimal().process_bind_param(value, POSTGRESQL) == value


def test_naive_timestamps_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        UtcDateTime().process_bind_param(datetime(2024, 1, 1), SQLITE)


def test_timestamps_are_stored_in_utc_and_read_back_aware() -> None:
    column = UtcDateTime()
    local = datetime(2024, 1, 1, 12, tzinfo=timezone(timedelta(hours=2)))

    stored = column.process_bind_param(local, SQLITE)
    read = column.process_result_value(datetime(2024, 1, 1, 10), SQLITE)

    assert stored == datetime(2024, 1, 1, 10, tzinfo=UTC)
    assert read == datetime(2024, 1, 1, 10, tzinfo=UTC)
