"""The package's public names are pinned, and the metrics reference runs and stays complete."""

from __future__ import annotations

import re
from pathlib import Path

from prometheus_client import CollectorRegistry

import ai_trader.observability as observability
from ai_trader.observability import TradingMetrics
from ai_trader.observability.slo import OBJECTIVES

REFERENCE = Path(__file__).resolve().parents[3] / "docs" / "reference" / "metrics.md"
PYTHON_BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)


def test_public_names_are_pinned() -> None:
    assert observability.__all__ == [
        "SloReport",
        "SloStatus",
        "SloTracker",
        "TradingMetrics",
        "configure_logging",
        "new_request_id",
        "request_id_var",
    ]


def test_reference_documents_every_metric() -> None:
    text = REFERENCE.read_text(encoding="utf-8")
    registry = CollectorRegistry()
    TradingMetrics(registry)

    families = list(registry.collect())

    assert families
    for family in families:
        exported = f"{family.name}_total" if family.type == "counter" else family.name
        assert f"`{exported}`" in text, exported


def test_reference_documents_every_slo_and_target() -> None:
    text = REFERENCE.read_text(encoding="utf-8")

    for objective in OBJECTIVES:
        assert f"`{objective.name}`" in text
        assert f"{objective.target:.2f}" in text
        assert f"{objective.tier_c_below:.2f}" in text


def test_reference_python_examples_run() -> None:
    blocks = PYTHON_BLOCK.findall(REFERENCE.read_text(encoding="utf-8"))

    assert blocks
    for block in blocks:
        exec(compile(block, str(REFERENCE), "exec"), {"__name__": "docs_example"})
