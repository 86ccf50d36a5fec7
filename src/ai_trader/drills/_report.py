"""What a drill reports: one ``ScenarioResult`` per fault, the JSON document, the file."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ai_trader.core.clock import NANOS_PER_SECOND, ns_to_datetime
from ai_trader.core.files import write_atomically


@dataclass(frozen=True, slots=True)
class ScenarioResult:
    """Times are simulated seconds after the fault was injected (None: never)."""

    name: str
    injected_at: str
    detected: bool
    detected_after_seconds: float | None
    recovered: bool
    recovered_after_seconds: float | None
    data_lost: int
    detail: str

    @property
    def passed(self) -> bool:
        return self.detected and self.recovered and self.data_lost == 0


class Observation:
    """When a fault was injected, first detected and recovered from, in simulated ns."""

    def __init__(self, name: str, injected_ns: int) -> None:
        self.name = name
        self.injected_ns = injected_ns
        self.detected_ns: int | None = None
        self.recovered_ns: int | None = None

    def detect(self, now_ns: int) -> None:
        if self.detected_ns is None:
            self.detected_ns = now_ns

    def recover(self, now_ns: int) -> None:
        if self.detected_ns is not None and self.recovered_ns is None:
            self.recovered_ns = now_ns

    @property
    def detected(self) -> bool:
        return self.detected_ns is not None

    @property
    def recovered(self) -> bool:
        return self.recovered_ns is not None

    def result(self, data_lost: int, detail: str) -> ScenarioResult:
        return ScenarioResult(
            name=self.name,
            injected_at=ns_to_datetime(self.injected_ns).isoformat(),
            detected=self.detected,
            detected_after_seconds=self._after(self.detected_ns),
            recovered=self.recovered,
            recovered_after_seconds=self._after(self.recovered_ns),
            data_lost=data_lost,
            detail=detail,
        )

    def _after(self, ts_ns: int | None) -> float | None:
        if ts_ns is None:
            return None
        return round((ts_ns - self.injected_ns) / NANOS_PER_SECOND, 3)


def chaos_document(seed: int, results: list[ScenarioResult]) -> dict[str, Any]:
    return {
        "seed": seed,
        "scenarios": [asdict(result) for result in results],
        "passed": all(result.passed for result in results),
    }


def dumps(document: dict[str, Any]) -> str:
    """Sorted keys, fixed indentation: the same document gives the same bytes."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_document(path: Path, document: dict[str, Any]) -> None:
    """Replace ``path`` atomically (its directory is created when missing)."""
    write_atomically(path, dumps(document).encode("utf-8"))
