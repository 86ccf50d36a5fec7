"""configure_logging: rotating files, JSON lines, request ids, idempotent setup."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from logging.handlers import RotatingFileHandler
from pathlib import Path

import pytest

from ai_trader.core.errors import ConfigurationError
from ai_trader.observability import configure_logging, new_request_id, request_id_var
from ai_trader.observability.logging_setup import remove_installed_handlers

log = logging.getLogger("ai_trader.tests.observability")


@pytest.fixture(autouse=True)
def restore_root_logger() -> Iterator[None]:
    """Put the root logger back as it was; close whatever configure_logging opened."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
            handler.close()
    for handler in handlers:
        if handler not in root.handlers:
            root.addHandler(handler)
    root.setLevel(level)


def flush_all() -> None:
    for handler in logging.getLogger().handlers:
        handler.flush()


def read_lines(path: Path) -> list[str]:
    flush_all()
    return path.read_text(encoding="utf-8").splitlines()


def installed() -> list[logging.Handler]:
    return [
        handler
        for handler in logging.getLogger().handlers
        if (handler.get_name() or "").startswith("ai_trader.observability.")
    ]


def test_configure_creates_both_log_files(tmp_path: Path) -> None:
    configure_logging(tmp_path / "logs", console=False)

    assert (tmp_path / "logs" / "app.log").is_file()
    assert (tmp_path / "logs" / "error_logs" / "errors.log").is_file()


def test_file_handlers_rotate_at_ten_megabytes_keeping_five(tmp_path: Path) -> None:
    configure_logging(tmp_path, console=False)

    files = [handler for handler in installed() if isinstance(handler, RotatingFileHandler)]
    assert len(files) == 2
    for handler in files:
        assert handler.maxBytes == 10 * 1024 * 1024
        assert handler.backupCount == 5


def test_error_log_gets_only_errors(tmp_path: Path) -> None:
    configure_logging(tmp_path, level="DEBUG", console=False)

    log.debug("debug line")
    log.info("info line")
    log.warning("warning line")
    log.error("error line")
    log.critical("critical line")

    app = "\n".join(read_lines(tmp_path / "app.log"))
    errors = read_lines(tmp_path / "error_logs" / "errors.log")
    for text in ("debug line", "info line", "warning line", "error line", "critical line"):
        assert text in app
    assert len(errors) == 2
    assert "error line" in errors[0]
    assert "critical line" in errors[1]


def test_level_filters_the_app_log(tmp_path: Path) -> None:
    configure_logging(tmp_path, level="warning", console=False)

    log.info("too quiet")
    log.warning("loud enough")

    app = "\n".join(read_lines(tmp_path / "app.log"))
    assert "too quiet" not in app
    assert "loud enough" in app


def test_unknown_level_then_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match=r"unknown log level 'LOUD'.*WARNING"):
        configure_logging(tmp_path, level="LOUD", console=False)
    assert installed() == []


def test_json_lines_parse_and_carry_the_fields(tmp_path: Path) -> None:
    configure_logging(tmp_path, json_format=True, console=False)

    log.info("filled %s at %s", "BTC/USDT", 42_000)

    (line,) = read_lines(tmp_path / "app.log")
    document = json.loads(line)
    assert document["level"] == "INFO"
    assert document["logger"] == "ai_trader.tests.observability"
    assert document["message"] == "filled BTC/USDT at 42000"
    assert document["ts"].endswith("+00:00")
    assert "request_id" not in document
    assert "exc_info" not in document


def test_json_error_line_carries_the_traceback(tmp_path: Path) -> None:
    configure_logging(tmp_path, json_format=True, console=False)

    try:
        raise RuntimeError("venue went away")
    except RuntimeError:
        log.exception("order failed")

    (line,) = read_lines(tmp_path / "error_logs" / "errors.log")
    document = json.loads(line)
    assert document["level"] == "ERROR"
    assert "RuntimeError: venue went away" in document["exc_info"]


def test_request_id_appears_in_json_and_text(tmp_path: Path) -> None:
    configure_logging(tmp_path / "json", json_format=True, console=False)
    request_id = new_request_id()
    token = request_id_var.set(request_id)
    try:
        log.info("inside a request")
    finally:
        request_id_var.reset(token)
    log.info("outside a request")

    inside, outside = (json.loads(line) for line in read_lines(tmp_path / "json" / "app.log"))
    assert inside["request_id"] == request_id
    assert "request_id" not in outside

    configure_logging(tmp_path / "text", console=False)
    token = request_id_var.set("req-7")
    try:
        log.info("text inside")
    finally:
        request_id_var.reset(token)
    log.info("text outside")

    inside_text, outside_text = read_lines(tmp_path / "text" / "app.log")
    assert "[req-7] text inside" in inside_text
    assert "[-] text outside" in outside_text


def test_new_request_id_is_unique_hex() -> None:
    first, second = new_request_id(), new_request_id()

    assert first != second
    assert len(first) == 32
    int(first, 16)


def test_configure_twice_does_not_duplicate_handlers(tmp_path: Path) -> None:
    configure_logging(tmp_path / "first", console=True)
    configure_logging(tmp_path / "second", console=True)

    assert len(installed()) == 3
    log.warning("once")
    assert read_lines(tmp_path / "second" / "app.log")[0].endswith("once")
    assert len(read_lines(tmp_path / "second" / "app.log")) == 1
    assert read_lines(tmp_path / "first" / "app.log") == []


def test_configure_keeps_handlers_it_did_not_install(tmp_path: Path) -> None:
    foreign = logging.NullHandler()
    logging.getLogger().addHandler(foreign)

    configure_logging(tmp_path, console=False)
    configure_logging(tmp_path, console=False)

    assert foreign in logging.getLogger().handlers
    assert len(installed()) == 2


def test_console_handler_writes_to_stdout_leaving_stderr_for_the_error_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging(tmp_path, console=True)

    log.warning("to the console")
    flush_all()

    captured = capsys.readouterr()
    assert "to the console" in captured.out
    assert captured.err == ""


def test_remove_installed_handlers_closes_the_files(tmp_path: Path) -> None:
    configure_logging(tmp_path, console=False)
    files = [handler for handler in installed() if isinstance(handler, RotatingFileHandler)]

    remove_installed_handlers()

    assert installed() == []
    assert all(handler.stream is None for handler in files)
