"""Checks shared by the state store adapters: keys and values are strings."""

from __future__ import annotations

from collections.abc import Mapping


def check_key(key: object) -> str:
    if not isinstance(key, str) or not key:
        raise TypeError(f"a state key must be a non-empty string, got {key!r}")
    return key


def check_value(key: str, value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(
            f"state value for {key!r} must be a string, got {type(value).__name__}: {value!r}"
        )
    return value


def check_hash(key: str, values: Mapping[str, str]) -> dict[str, str]:
    """Copy ``values`` into a plain dict after checking every field and value is a string."""
    checked: dict[str, str] = {}
    for field, value in values.items():
        if not isinstance(field, str):
            raise TypeError(f"hash field in {key!r} must be a string, got {field!r}")
        checked[field] = check_value(f"{key}[{field}]", value)
    return checked
