"""Money: floats become the Decimal they print as; NaN and infinities are refused;
rounding to a step floors quantities and rounds prices half-even."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ai_trader.core.money import ZERO, floor_to_step, round_to_step, to_decimal


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0.1, "0.1"),
        (0.3, "0.3"),
        (0.1 + 0.2, "0.30000000000000004"),
        (100.0, "100.0"),
        (1e-8, "1E-8"),
        (123456.789, "123456.789"),
        (-2.5, "-2.5"),
    ],
)
def test_to_decimal_of_a_float_is_its_shortest_repr(value: float, expected: str) -> None:
    assert str(to_decimal(value)) == expected


def test_to_decimal_of_a_float_is_not_the_binary_fraction() -> None:
    assert to_decimal(0.1) == Decimal("0.1")
    assert to_decimal(0.1) != Decimal.from_float(0.1)


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_to_decimal_of_any_finite_float_round_trips(value: float) -> None:
    assert float(to_decimal(value)) == value


def test_to_decimal_passes_a_decimal_through_unchanged() -> None:
    value = Decimal("1.2300")

    assert to_decimal(value) is value


@pytest.mark.parametrize(
    ("value", "expected"),
    [(7, Decimal(7)), ("12.50", Decimal("12.50")), ("-3", Decimal(-3)), ("1e3", Decimal(1000))],
)
def test_to_decimal_of_ints_and_text(value: int | str, expected: Decimal) -> None:
    assert to_decimal(value) == expected


@pytest.mark.parametrize(
    "value",
    [float("nan"), float("inf"), float("-inf"), "NaN", "Infinity", "-inf", Decimal("NaN")],
)
def test_to_decimal_refuses_nan_and_infinities(value: float | str | Decimal) -> None:
    with pytest.raises(ValueError, match="must be finite"):
        to_decimal(value)


@pytest.mark.parametrize("text", ["", "abc", "1,5", "12 units"])
def test_to_decimal_refuses_text_that_is_not_a_number(text: str) -> None:
    with pytest.raises(ValueError, match="not a decimal number"):
        to_decimal(text)


@pytest.mark.parametrize(
    ("value", "step", "expected"),
    [
        ("1.23456789", "0.001", "1.234"),
        ("1.9999", "1", "1"),
        ("10", "0.5", "10"),
        ("0.00000999", "0.00001", "0"),
        ("7.75", "0.25", "7.75"),
        ("-1.25", "1", "-1"),  # toward zero: never more than asked, whatever the sign
    ],
)
def test_floor_to_step(value: str, step: str, expected: str) -> None:
    assert floor_to_step(Decimal(value), Decimal(step)) == Decimal(expected)


@pytest.mark.parametrize(
    ("value", "step", "expected"),
    [
        ("1.234", "0.01", "1.23"),
        ("1.236", "0.01", "1.24"),
        ("1.225", "0.01", "1.22"),  # tie: to even
        ("1.235", "0.01", "1.24"),  # tie: to even
        ("100.1", "0.5", "100.0"),
        ("100.3", "0.5", "100.5"),
    ],
)
def test_round_to_step(value: str, step: str, expected: str) -> None:
    assert round_to_step(Decimal(value), Decimal(step)) == Decimal(expected)


@pytest.mark.parametrize("step", [Decimal(0), Decimal("-0.01")])
def test_steps_must_be_positive(step: Decimal) -> None:
    with pytest.raises(ValueError, match="step must be positive"):
        floor_to_step(Decimal(1), step)
    with pytest.raises(ValueError, match="step must be positive"):
        round_to_step(Decimal(1), step)


@given(
    st.decimals(min_value=0, max_value=10**6, places=8),
    st.sampled_from([Decimal("0.00000001"), Decimal("0.001"), Decimal("0.5"), Decimal(1)]),
)
def test_floor_to_step_is_a_multiple_of_the_step_and_never_above(
    value: Decimal, step: Decimal
) -> None:
    floored = floor_to_step(value, step)

    assert floored <= value
    assert value - floored < step
    assert floored % step == ZERO
