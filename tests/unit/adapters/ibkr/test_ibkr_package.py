"""The ``ibkr`` extra is optional: the mapping works without ib_async; the executor says
how to install it."""

from __future__ import annotations

import subprocess
import sys

import pytest

import ai_trader.adapters.ibkr as ibkr_adapter
from ai_trader.core.errors import ConfigurationError

WITHOUT_IB_ASYNC = """
import sys
sys.modules["ib_async"] = None  # as if the extra were not installed
import ai_trader.adapters.ibkr.mapping as mapping
print(mapping.contract_spec("EUR/USD").exchange)
try:
    from ai_trader.adapters.ibkr import IbkrExecutor
except Exception as exc:
    print(type(exc).__name__, exc, sep=": ")
"""


def test_public_names_are_pinned() -> None:
    assert sorted(ibkr_adapter.__all__) == [
        "ContractSpec",
        "IbkrExecutor",
        "contract_spec",
        "instrument_from_details",
        "symbol_from_contract",
    ]


def test_executor_with_the_extra_then_importable() -> None:
    from ai_trader.adapters.ibkr.client import IbkrExecutor

    assert ibkr_adapter.IbkrExecutor is IbkrExecutor


def test_unknown_name_then_attribute_error() -> None:
    with pytest.raises(AttributeError, match="has no attribute 'Nope'"):
        _ = ibkr_adapter.Nope  # type: ignore[attr-defined]


def test_without_ib_async_then_executor_raises_one_line_configuration_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "ib_async", None)

    with pytest.raises(ConfigurationError) as caught:
        _ = ibkr_adapter.IbkrExecutor

    assert str(caught.value) == (
        "the Interactive Brokers adapter needs the ibkr extra: pip install 'ai-trader[ibkr]'"
    )


def test_without_ib_async_in_a_fresh_process_then_mapping_imports() -> None:
    result = subprocess.run(
        [sys.executable, "-c", WITHOUT_IB_ASYNC],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )

    assert result.stdout.splitlines() == [
        "IDEALPRO",
        "ConfigurationError: the Interactive Brokers adapter needs the ibkr extra: "
        "pip install 'ai-trader[ibkr]'",
    ]
