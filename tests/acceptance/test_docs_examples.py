"""The commands shown in docs/how-to run as written, so the docs cannot rot."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from ai_trader.adapters.data import SyntheticMarketConfig, generate_bars, save_bars
from tests.acceptance.conftest import RunCli

pytestmark = pytest.mark.acceptance

DOCS = Path(__file__).resolve().parents[2] / "docs" / "how-to"
BLOCK = re.compile(r"```bash\n(.*?)```", re.DOTALL)


def _examples() -> list[tuple[str, str]]:
    examples = []
    for page in sorted(DOCS.glob("*.md")):
        for block in BLOCK.findall(page.read_text()):
            for line in block.splitlines():
                if line.startswith("ai-trader "):
                    examples.append((page.name, line))
    return examples


EXAMPLES = _examples()


def test_the_how_to_pages_have_examples() -> None:
    assert len(EXAMPLES) >= 4


@pytest.mark.parametrize(("page", "command"), EXAMPLES)
def test_docs_example_runs(run_cli: RunCli, tmp_path: Path, page: str, command: str) -> None:
    bars = generate_bars(SyntheticMarketConfig(), 3_000, seed=5)
    save_bars(bars, tmp_path / "results" / "example-bars.csv")
    result = run_cli(*shlex.split(command)[1:])
    assert result.returncode == 0, f"{page}: {command}\n{result.stderr}"
