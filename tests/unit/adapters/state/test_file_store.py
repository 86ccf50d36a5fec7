"""FileStateStore specifics: atomic writes, corrupt files moved aside, threads."""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Mapping
from pathlib import Path

import pytest

from ai_trader.adapters.state import FileStateStore
from ai_trader.core.errors import DataError


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "bot_state.json"


def _leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


def test_missing_file_starts_empty_and_is_created_on_first_write(path: Path) -> None:
    store = FileStateStore(path)
    assert not path.exists()
    store.set("mode", "halt")
    assert json.loads(path.read_text(encoding="utf-8")) == {"mode": "halt"}
    assert store.recovered_from_corruption is None


def test_file_holds_strings_and_hashes_as_readable_json(path: Path) -> None:
    store = FileStateStore(path)
    store.set("mode", "paper")
    store.set_hash("risk:stats", {"drawdown": "0.012"})
    assert json.loads(path.read_text(encoding="utf-8")) == {
        "mode": "paper",
        "risk:stats": {"drawdown": "0.012"},
    }


def test_writes_leave_no_temporary_files_behind(path: Path) -> None:
    store = FileStateStore(path)
    for value in ("auto", "paper", "halt"):
        store.set("mode", value)
    store.delete("mode")
    assert _leftovers(path.parent) == []


def test_write_interrupted_before_replace_keeps_the_old_file_and_state(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = FileStateStore(path)
    store.set("mode", "paper")
    before = path.read_bytes()

    def crash(descriptor: int) -> None:
        raise OSError("disk yanked mid-write")

    monkeypatch.setattr(os, "fsync", crash)
    with pytest.raises(OSError, match="disk yanked"):
        store.set("mode", "halt")
    monkeypatch.undo()

    assert path.read_bytes() == before
    assert store.get("mode") == "paper"
    assert _leftovers(path.parent) == []


def test_concurrent_reader_of_the_file_always_sees_valid_json(path: Path) -> None:
    store = FileStateStore(path)
    store.set("mode", "paper")
    stop = threading.Event()
    failures: list[str] = []

    def read_file_repeatedly() -> None:
        while not stop.is_set():
            text = path.read_text(encoding="utf-8")
            try:
                json.loads(text)
            except ValueError:
                failures.append(text)

    reader = threading.Thread(target=read_file_repeatedly)
    reader.start()
    try:
        for index in range(200):
            store.set_hash("risk:stats", {f"field{n}": "x" * 50 for n in range(index % 40)})
    finally:
        stop.set()
        reader.join()
    assert failures == []


def test_concurrent_writers_from_threads_lose_no_update(path: Path) -> None:
    store = FileStateStore(path)
    threads = [
        threading.Thread(
            target=lambda worker=worker: [
                store.set(f"worker{worker}:{n}", str(n)) for n in range(25)
            ]
        )
        for worker in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    on_disk = json.loads(path.read_text(encoding="utf-8"))
    assert len(on_disk) == 8 * 25
    assert FileStateStore(path).get("worker7:24") == "24"
    assert _leftovers(path.parent) == []


@pytest.mark.parametrize(
    "content",
    [b'{"mode": "ha', b"[1, 2]", b'{"mode": 3}', b"\xff\xfe not utf-8", b""],
    ids=["truncated", "not-an-object", "number-value", "not-utf8", "empty"],
)
def test_corrupt_file_is_moved_aside_reported_and_store_starts_empty(
    path: Path, content: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    with caplog.at_level(logging.WARNING):
        store = FileStateStore(path)
    aside = path.with_name("bot_state.json.corrupt")
    assert store.recovered_from_corruption == aside
    assert aside.read_bytes() == content
    assert store.get("mode") is None
    assert json.loads(path.read_text(encoding="utf-8")) == {}
    assert "corrupt" in caplog.text
    assert str(aside) in caplog.text


def test_second_corrupt_file_gets_a_timestamp_suffix(path: Path) -> None:
    path.parent.mkdir(parents=True)
    path.with_name("bot_state.json.corrupt").write_text("older", encoding="utf-8")
    path.write_text("{oops", encoding="utf-8")
    store = FileStateStore(path)
    aside = store.recovered_from_corruption
    assert aside is not None
    assert aside.name.startswith("bot_state.json.corrupt.")
    assert aside.read_text(encoding="utf-8") == "{oops"
    assert path.with_name("bot_state.json.corrupt").read_text(encoding="utf-8") == "older"


def test_corrupt_file_restores_state_from_the_on_corrupt_callable(path: Path) -> None:
    path.parent.mkdir(parents=True)
    path.write_text("{oops", encoding="utf-8")
    seen: list[Path] = []

    def restore_backup(corrupt: Path) -> Mapping[str, object]:
        seen.append(corrupt)
        return {"mode": "halt", "risk:stats": {"drawdown": "0.05"}}

    store = FileStateStore(path, on_corrupt=restore_backup)
    assert seen == [path.with_name("bot_state.json.corrupt")]
    assert store.get("mode") == "halt"
    assert dict(store.get_hash("risk:stats")) == {"drawdown": "0.05"}
    assert json.loads(path.read_text(encoding="utf-8"))["mode"] == "halt"


def test_on_corrupt_returning_bad_state_raises_a_clear_data_error(path: Path) -> None:
    path.parent.mkdir(parents=True)
    path.write_text("{oops", encoding="utf-8")
    with pytest.raises(DataError, match="value of 'mode' must be a string"):
        FileStateStore(path, on_corrupt=lambda corrupt: {"mode": 1})


def test_file_corrupted_by_another_process_is_recovered_on_next_read(path: Path) -> None:
    store = FileStateStore(path)
    store.set("mode", "halt")
    path.write_text("garbage that is not json at all", encoding="utf-8")
    assert store.get("mode") is None
    assert store.recovered_from_corruption == path.with_name("bot_state.json.corrupt")
