"""Interactive Brokers through ib_async (SPEC EXE-2), an optional extra: the ``Executor``
port over a connected ``ib_async.IB`` (TWS or IB Gateway).

``IbkrExecutor`` needs the ``ibkr`` extra: without ib_async, taking it from this package
raises a one-line ``ConfigurationError`` saying how to install it. The symbol and order
mapping (``ai_trader.adapters.ibkr.mapping``) works without the extra.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ai_trader.adapters.ibkr._extra import require_ib_async
from ai_trader.adapters.ibkr.mapping import (
    ContractSpec,
    contract_spec,
    instrument_from_details,
    symbol_from_contract,
)

if TYPE_CHECKING:
    from ai_trader.adapters.ibkr.client import IbkrExecutor

__all__ = [
    "ContractSpec",
    "IbkrExecutor",
    "contract_spec",
    "instrument_from_details",
    "symbol_from_contract",
]


def __getattr__(name: str) -> Any:
    """``IbkrExecutor`` is imported on first use, so the mapping needs no ib_async."""
    if name == "IbkrExecutor":
        require_ib_async()
        from ai_trader.adapters.ibkr.client import IbkrExecutor

        return IbkrExecutor
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
