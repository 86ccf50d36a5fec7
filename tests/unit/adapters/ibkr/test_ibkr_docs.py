"""The symbol table in docs/how-to/interactive-brokers.md is what the mapping does."""

from __future__ import annotations

import re
from pathlib import Path

from ai_trader.adapters.ibkr.mapping import ContractSpec, contract_spec

PAGE = Path(__file__).resolve().parents[4] / "docs" / "how-to" / "interactive-brokers.md"
ROW = re.compile(r"^\| `([^`]+)` +\|" + r" *([^|]*?) *\|" * 5 + r"$", re.MULTILINE)


def test_symbol_table_in_the_docs_then_matches_the_mapping() -> None:
    rows = ROW.findall(PAGE.read_text())

    assert len(rows) >= 5
    for symbol, *fields in rows:
        assert contract_spec(symbol) == ContractSpec(*fields), symbol
