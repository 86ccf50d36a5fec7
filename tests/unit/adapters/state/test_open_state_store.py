"""open_state_store chooses the adapter; the package's public names are pinned."""

from __future__ import annotations

from pathlib import Path

import pytest

import ai_trader.adapters.state as state_package
from ai_trader.adapters.state import FileStateStore, open_state_store
from ai_trader.core.errors import ConfigurationError


def test_public_names_are_pinned() -> None:
    assert state_package.__all__ == [
        "REDIS_SCHEMES",
        "Color",
        "FileStateStore",
        "Recover",
        "RedisStateStore",
        "RuntimeState",
        "StateStoreUnavailableError",
        "keys",
        "open_state_store",
    ]


@pytest.mark.parametrize("url", [None, "", "   "])
def test_without_a_redis_url_the_file_store_is_opened(tmp_path: Path, url: str | None) -> None:
    store = open_state_store(url, tmp_path / "data" / "bot_state.json")
    assert isinstance(store, FileStateStore)
    assert store.path == tmp_path / "data" / "bot_state.json"


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:6379/0", "postgresql://db/state", "127.0.0.1:6379", "localhost"],
)
def test_unsupported_url_scheme_is_refused_naming_the_allowed_schemes(
    tmp_path: Path, url: str
) -> None:
    with pytest.raises(ConfigurationError, match=r"redis://, rediss://, unix://"):
        open_state_store(url, tmp_path / "bot_state.json")


def test_refused_url_does_not_show_its_password(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError) as caught:
        open_state_store("http://user:hunter2@host/0", tmp_path / "bot_state.json")
    assert "hunter2" not in str(caught.value)
    assert "user:***@host" in str(caught.value)


def test_runtime_state_doc_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    document = Path(__file__).resolve().parents[4] / "docs" / "reference" / "runtime-state.md"
    example = document.read_text(encoding="utf-8").split("```python\n", 1)[1].split("```", 1)[0]
    monkeypatch.chdir(tmp_path)
    exec(compile(example, str(document), "exec"), {})
    assert (tmp_path / "data" / "bot_state.json").is_file()
