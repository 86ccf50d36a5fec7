"""The Python example in docs/reference/database.md runs as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import Engine

from ai_trader.adapters.db import TABLE_NAMES

pytestmark = pytest.mark.integration

DOC = Path(__file__).resolve().parents[2] / "docs" / "reference" / "database.md"


def test_database_reference_example_creates_the_default_sqlite_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    (example,) = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.DOTALL)
    namespace: dict[str, object] = {}

    exec(compile(example, str(DOC), "exec"), namespace)

    engine = namespace["engine"]
    assert isinstance(engine, Engine)
    engine.dispose()
    assert (tmp_path / "data" / "trading_bot.db").is_file()
    assert len(TABLE_NAMES) == 9
