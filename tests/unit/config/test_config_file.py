"""The config file: what ``write_config`` writes, ``read_config`` reads back; writes are
atomic; a bad file is one ``ConfigurationError`` line."""

from __future__ import annotations

import math
import stat
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ai_trader.config import load_settings, read_config, write_config
from ai_trader.core.errors import ConfigurationError

KEYS = st.text(min_size=1, max_size=20)
SCALARS = st.one_of(
    st.text(max_size=30),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=False),
    st.decimals(allow_nan=False, allow_infinity=False, places=4, max_value=10**12),
)
VALUES = st.one_of(SCALARS, st.lists(st.text(max_size=10), max_size=4))
TABLES = st.dictionaries(KEYS, SCALARS, max_size=4)


def same(written: object, read: object) -> bool:
    """Read back equal; a ``Decimal`` may come back as an int, a float or a string."""
    if isinstance(written, Decimal):
        return Decimal(str(read)) == written
    if isinstance(written, dict) and isinstance(read, dict):
        return written.keys() == read.keys() and all(same(v, read[k]) for k, v in written.items())
    return type(written) is type(read) and written == read


@given(values=st.dictionaries(KEYS, VALUES, max_size=6), table=TABLES)
def test_write_config_when_read_back_then_same_values(
    values: dict[str, object], table: dict[str, object]
) -> None:
    values = {**values, "strategy_params": table}
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "settings.toml"

        write_config(path, values)

        assert same(values, read_config(path))


def test_write_config_when_settings_written_then_load_settings_reads_them(
    tmp_path: Path,
) -> None:
    path = tmp_path / "config" / "settings.toml"
    values = {
        "trading_mode_type": "autonomous",
        "total_capital": Decimal("25000.75"),
        "symbols": ["BTC/USD", "ETH/USD"],
        "timeframe": "15m",
        "data_dir": Path("var/data"),
        "dry_run": False,
        "max_daily_loss": 0.05,
        "database_url": None,
        "strategy_params": {"fast": 8, "slow": 21.5, "long_only": True},
    }

    write_config(path, values)
    settings = load_settings(path, env={})

    assert settings.total_capital == Decimal("25000.75")
    assert settings.symbols == ["BTC/USD", "ETH/USD"]
    assert settings.data_dir == Path("var/data")
    assert settings.dry_run is False
    assert settings.database_url is None
    assert settings.strategy_params == {"fast": 8, "slow": 21.5, "long_only": True}


def test_write_config_when_written_then_header_comment_comes_first(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"

    write_config(path, {"timeframe": "1h"}, header="line one\nline two")

    assert path.read_text(encoding="utf-8").splitlines()[:4] == [
        "# line one",
        "# line two",
        "",
        'timeframe = "1h"',
    ]


def test_write_config_when_file_exists_then_replaced_without_leftovers(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    write_config(path, {"timeframe": "1h"})

    write_config(path, {"timeframe": "5m"})

    assert read_config(path) == {"timeframe": "5m"}
    assert [p.name for p in tmp_path.iterdir()] == ["settings.toml"]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_write_config_when_decimal_is_not_exact_as_float_then_written_as_string(
    tmp_path: Path,
) -> None:
    path = tmp_path / "settings.toml"
    precise = Decimal("12345678901234.123456789")

    write_config(path, {"total_capital": precise, "ratio": Decimal("0.25")})

    assert read_config(path) == {"total_capital": str(precise), "ratio": 0.25}


def test_write_config_when_float_is_special_then_toml_spelling(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"

    write_config(path, {"a": math.inf, "b": -math.inf, "c": 3.0})

    read = read_config(path)
    assert read["a"] == math.inf
    assert read["b"] == -math.inf
    assert read["c"] == 3.0


def test_write_config_when_value_has_no_toml_form_then_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="cannot write when: a set has no TOML form"):
        write_config(tmp_path / "settings.toml", {"when": {1, 2}})

    assert not (tmp_path / "settings.toml").exists()


def test_write_config_when_table_holds_a_list_then_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match=r"strategy_params\.x: only scalars go in a table"):
        write_config(tmp_path / "settings.toml", {"strategy_params": {"x": [1]}})


def test_read_config_when_file_is_not_utf8_then_one_line(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_bytes(b'timeframe = "\xff"\n')

    with pytest.raises(ConfigurationError, match=r"settings.toml: not UTF-8 text"):
        read_config(path)


def test_read_config_when_toml_is_invalid_then_message_has_the_position(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_text('timeframe = "1h"\nsymbols = = 3\n', encoding="utf-8")

    with pytest.raises(ConfigurationError, match=r"invalid TOML: .*line \d+"):
        read_config(path)


def test_write_config_when_key_ends_with_newline_then_quoted_and_read_back(
    tmp_path: Path,
) -> None:
    path = tmp_path / "settings.toml"

    write_config(path, {"a\n": 1})

    assert read_config(path) == {"a\n": 1}
