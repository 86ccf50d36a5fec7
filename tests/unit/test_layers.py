"""Layers only import downward (STYLE.md, "Architecture").

Two independent checks of the contract in pyproject's ``[tool.importlinter]``:
import-linter itself, and a plain AST walk over ``src/ai_trader`` that also holds
``ai_trader.core`` to the standard library. The lower layers' public names are pinned.
"""

from __future__ import annotations

import ast
import importlib
import json
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import ai_trader

REPO = Path(__file__).resolve().parents[2]
PACKAGE = Path(ai_trader.__file__).resolve().parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
TEST_KIT = "ai_trader.testing"


# -- the contract ---------------------------------------------------------------------


def importlinter_config() -> dict[str, object]:
    with (REPO / "pyproject.toml").open("rb") as stream:
        config: dict[str, object] = tomllib.load(stream)["tool"]["importlinter"]
    return config


def layers_contract() -> dict[str, object]:
    contracts = importlinter_config()["contracts"]
    assert isinstance(contracts, list)
    return next(c for c in contracts if c["type"] == "layers")


def layer_names() -> list[str]:
    """The contract's layers, top first, each as written (``a | b`` for independent ones)."""
    layers = layers_contract()["layers"]
    assert isinstance(layers, list)
    return [str(layer) for layer in layers]


@dataclass(frozen=True)
class Layers:
    """Module → layer lookup; index 0 is the top layer."""

    groups: tuple[tuple[str, ...], ...]

    @classmethod
    def from_contract(cls, names: list[str]) -> Layers:
        return cls(tuple(tuple(m.strip(" ()") for m in name.split("|")) for name in names))

    def locate(self, module: str) -> tuple[int, str] | None:
        """(layer index, the layer's package) of ``module``, or None if in no layer."""
        for index, group in enumerate(self.groups):
            for package in group:
                if module == package or module.startswith(package + "."):
                    return index, package
        return None


# -- an independent AST check -----------------------------------------------------------


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(
    module: str, source: str, is_package: bool = False
) -> Iterator[tuple[str, int]]:
    """Every module ``source`` imports (absolute names), with its line; relative imports
    are resolved against ``module``; imports under ``TYPE_CHECKING`` count too."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                package = module.split(".") if is_package else module.split(".")[:-1]
                base = package[: len(package) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            yield target, node.lineno


def upward_imports(module: str, source: str, layers: Layers, is_package: bool = False) -> list[str]:
    """Messages for each import of a higher (or an independent sibling) layer."""
    here = layers.locate(module)
    if here is None:
        return []
    problems = []
    for target, line in imported_modules(module, source, is_package):
        in_test_kit = module == TEST_KIT or module.startswith(TEST_KIT + ".")
        if not in_test_kit and (target == TEST_KIT or target.startswith(TEST_KIT + ".")):
            problems.append(
                f"{module} imports {target} (line {line}): production code "
                "must not import the test kit"
            )
            continue
        there = layers.locate(target)
        if there is None:
            continue
        (level, package), (target_level, target_package) = here, there
        if target_level < level:
            problems.append(
                f"{module} imports {target} (line {line}): layer {target_package} is above "
                f"layer {package}"
            )
        elif target_level == level and target_package != package:
            problems.append(
                f"{module} imports {target} (line {line}): {target_package} and {package} "
                "are independent layers"
            )
    return problems


def non_stdlib_imports(module: str, source: str, is_package: bool = False) -> list[str]:
    problems = []
    for target, line in imported_modules(module, source, is_package):
        top = target.split(".")[0]
        if target == "ai_trader.core" or target.startswith("ai_trader.core."):
            continue
        if top == "__future__" or top in sys.stdlib_module_names:
            continue
        problems.append(
            f"{module} imports {target} (line {line}): ai_trader.core may import only the "
            "standard library"
        )
    return problems


def sources(under: Path = PACKAGE) -> Iterator[tuple[str, str, bool]]:
    for path in sorted(under.rglob("*.py")):
        yield module_name(path), path.read_text(encoding="utf-8"), path.name == "__init__.py"


# -- tests: import-linter --------------------------------------------------------------


def test_import_linter_keeps_the_project_contract() -> None:
    result = subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=REPO, capture_output=True, text=True, check=False
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_import_linter_keeps_the_contract_for_the_packages_that_exist(tmp_path: Path) -> None:
    def present(module: str) -> bool:
        relative = Path(*module.split(".")[1:])
        return (PACKAGE / relative).is_dir() or (PACKAGE / relative).with_suffix(".py").exists()

    layers = [
        " | ".join(m if present(m) else f"({m})" for m in (p.strip() for p in name.split("|")))
        for name in layer_names()
    ]
    config = tmp_path / "importlinter.toml"
    config.write_text(
        '[tool.importlinter]\nroot_package = "ai_trader"\n\n'
        "[[tool.importlinter.contracts]]\n"
        'name = "Layers only import downward"\ntype = "layers"\n'
        f"layers = {json.dumps(layers)}\n",
        encoding="utf-8",
    )

    result = subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--config", str(config)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


# -- tests: the AST check --------------------------------------------------------------


def test_no_module_imports_a_higher_layer() -> None:
    layers = Layers.from_contract(layer_names())

    problems = [p for name, text, pkg in sources() for p in upward_imports(name, text, layers, pkg)]

    assert problems == [], "\n".join(problems)


def test_core_imports_only_the_standard_library() -> None:
    problems = [
        p
        for name, text, pkg in sources(PACKAGE / "core")
        for p in non_stdlib_imports(name, text, pkg)
    ]

    assert problems == [], "\n".join(problems)


def test_every_kernel_package_is_in_a_layer() -> None:
    layers = Layers.from_contract(layer_names())
    packages = [p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()]

    unlayered = [p for p in packages if layers.locate(f"ai_trader.{p}") is None and p != "testing"]

    assert unlayered == [], f"packages missing from the layers contract: {unlayered}"


LAYERS = Layers.from_contract(
    ["ai_trader.engine", "ai_trader.portfolio | ai_trader.strategies", "ai_trader.domain"]
)


@pytest.mark.parametrize(
    ("module", "source", "expected"),
    [
        (
            "ai_trader.domain.bar",
            "from ai_trader.engine import TradingEngine",
            "ai_trader.domain.bar imports ai_trader.engine (line 1): layer ai_trader.engine "
            "is above layer ai_trader.domain",
        ),
        (
            "ai_trader.domain.bar",
            "import os\nif TYPE_CHECKING:\n    import ai_trader.portfolio.stats",
            "ai_trader.domain.bar imports ai_trader.portfolio.stats (line 3): layer "
            "ai_trader.portfolio is above layer ai_trader.domain",
        ),
        (
            "ai_trader.domain.bar",
            "from ..engine import order_book",
            "ai_trader.domain.bar imports ai_trader.engine (line 1): layer ai_trader.engine "
            "is above layer ai_trader.domain",
        ),
        (
            "ai_trader.portfolio.stats",
            "from ai_trader.strategies.base import Strategy",
            "ai_trader.portfolio.stats imports ai_trader.strategies.base (line 1): "
            "ai_trader.strategies and ai_trader.portfolio are independent layers",
        ),
        (
            "ai_trader.engine.engine",
            "from ai_trader.testing import build_engine",
            "ai_trader.engine.engine imports ai_trader.testing (line 1): production code "
            "must not import the test kit",
        ),
    ],
)
def test_ast_check_names_the_offending_module_and_import(
    module: str, source: str, expected: str
) -> None:
    assert upward_imports(module, source, LAYERS) == [expected]


def test_ast_check_allows_downward_and_same_package_imports() -> None:
    source = "from ai_trader.domain.bar import Bar\nfrom . import order_book\nimport numpy"

    assert upward_imports("ai_trader.engine.engine", source, LAYERS) == []


def test_core_check_names_a_third_party_import() -> None:
    source = "from decimal import Decimal\nimport numpy as np\nfrom ai_trader.core import ids"

    assert non_stdlib_imports("ai_trader.core.money", source) == [
        "ai_trader.core.money imports numpy (line 2): ai_trader.core may import only the "
        "standard library"
    ]


def test_core_check_refuses_imports_of_other_ai_trader_layers() -> None:
    assert non_stdlib_imports("ai_trader.core.ids", "from ai_trader.domain import Bar") != []


# -- public names of the lower layers ---------------------------------------------------

PUBLIC = {
    "ai_trader.core": [
        "ZERO", "AiTraderError", "ClientOrderIdGenerator", "Clock", "ConfigurationError",
        "DataError", "InvariantViolation", "LiveClock", "StateStoreUnavailableError",
        "StrategyError", "TestClock",
        "TransientVenueError", "VenueRejectedError", "floor_to_step", "new_run_id",
        "to_decimal",
    ],
    "ai_trader.domain": [
        "Bar", "BarSeries", "Bracket", "CancelOrder", "Command", "Event", "Fill", "Instrument",
        "LiquiditySide", "Mode", "Order", "OrderAccepted", "OrderCanceled", "OrderDenied",
        "OrderFilled", "OrderRejected", "OrderStatus", "OrderSubmitted", "OrderType",
        "Position", "Side", "Signal", "SignalAction", "SignalGenerated", "SubmitOrder",
        "TradingHalted", "TradingResumed",
    ],
    "ai_trader.ports": [
        "BarDrivenExecutor", "Executor", "Journal", "MarketDataFeed", "ModelProvider",
        "ReportHandler", "StateStore",
    ],
}  # fmt: skip


@pytest.mark.parametrize("package", sorted(PUBLIC))
def test_public_names_of_the_lower_layers_are_pinned(package: str) -> None:
    module = importlib.import_module(package)

    assert sorted(module.__all__) == sorted(PUBLIC[package])
    assert all(hasattr(module, name) for name in module.__all__)
