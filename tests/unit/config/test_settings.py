"""Settings: defaults, then the config file, then the environment; every bad input is one
``ConfigurationError`` line naming the key and what is allowed; secrets never printed."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from ai_trader.config import Settings, load_settings, settings_from_values
from ai_trader.config.settings import mask_url_password
from ai_trader.core.errors import ConfigurationError

AUTONOMOUS = 'total_capital = 5000\nsymbols = ["BTC/USD"]\ntimeframe = "1h"\n'
EXPERT = (
    'trading_mode_type = "expert"\n'
    + AUTONOMOUS
    + 'strategy = "breakout"\nmax_daily_loss = 0.02\nmax_drawdown_limit = 0.1\n'
    + "risk_per_trade = 0.005\n"
)
KEY = "kPq4tr2dD5PZ1qnc2DdvwqHcDwOfS7tDPRV8wYVdRbI="


def config(tmp_path: Path, text: str, name: str = "settings.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problem(config_file: Path | None = None, env: dict[str, str] | None = None) -> str:
    with pytest.raises(ConfigurationError) as raised:
        load_settings(config_file, env=env or {})
    message = str(raised.value)
    assert "\n" not in message
    return message


def test_load_settings_when_nothing_given_then_defaults() -> None:
    settings = load_settings(env={})

    assert settings == Settings.model_validate({})
    assert settings.trading_mode_type == "autonomous"
    assert settings.dry_run is True
    assert settings.exec_mode == "paper"
    assert settings.total_capital == Decimal(100_000)
    assert settings.symbols == ["SYN/USD"]
    assert settings.api_port == 8000
    assert settings.fernet_key is None


def test_load_settings_when_file_given_then_its_values_replace_defaults(tmp_path: Path) -> None:
    path = config(tmp_path, AUTONOMOUS + "[strategy_params]\nfast = 5\nslow = 20.5\nx = true\n")

    settings = load_settings(path, env={})

    assert settings.total_capital == Decimal(5000)
    assert settings.symbols == ["BTC/USD"]
    assert settings.timeframe == "1h"
    assert settings.strategy_params == {"fast": 5, "slow": 20.5, "x": True}


def test_load_settings_when_env_and_file_disagree_then_env_wins(tmp_path: Path) -> None:
    path = config(tmp_path, AUTONOMOUS)

    settings = load_settings(path, env={"TOTAL_CAPITAL": "750.5", "TIMEFRAME": "5m"})

    assert settings.total_capital == Decimal("750.5")
    assert settings.timeframe == "5m"
    assert settings.symbols == ["BTC/USD"]


@pytest.mark.parametrize(
    ("text", "expected"), [("1", True), ("0", False), ("true", True), ("false", False)]
)
def test_load_settings_when_dry_run_env_given_then_parsed_as_bool(
    text: str, expected: bool
) -> None:
    assert load_settings(env={"DRY_RUN": text}).dry_run is expected


def test_load_settings_when_env_names_differ_in_case_then_still_read() -> None:
    settings = load_settings(env={"exec_mode": "live", "Api_Port": "9000"})

    assert settings.exec_mode == "live"
    assert settings.api_port == 9000


def test_load_settings_when_env_var_is_empty_then_default_kept() -> None:
    assert load_settings(env={"DATABASE_URL": "", "API_PORT": ""}).api_port == 8000


def test_load_settings_when_env_is_given_then_os_environ_is_ignored(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("API_PORT", "9999")

    assert load_settings(env={}).api_port == 8000
    assert load_settings().api_port == 9999


def test_load_settings_when_lists_come_from_env_then_comma_or_json_accepted() -> None:
    settings = load_settings(
        env={"SYMBOLS": "btc/usd, eth/usd", "API_CORS_ORIGINS": '["http://a", "http://b"]'}
    )

    assert settings.symbols == ["BTC/USD", "ETH/USD"]
    assert settings.api_cors_origins == ["http://a", "http://b"]


def test_load_settings_when_strategy_params_env_is_json_then_parsed() -> None:
    settings = load_settings(env={"STRATEGY_PARAMS": '{"fast": 10, "ratio": 0.5}'})

    assert settings.strategy_params == {"fast": 10, "ratio": 0.5}


def test_load_settings_when_unknown_env_vars_present_then_ignored() -> None:
    assert load_settings(env={"HOME": "/root", "MAX_CAPITL": "1"}).total_capital == 100_000


def test_load_settings_when_file_has_a_typo_then_did_you_mean(tmp_path: Path) -> None:
    path = config(tmp_path, "max_capitl = 5\n")

    message = problem(path)

    assert message.startswith(
        f"config file {path}: unknown key 'max_capitl'; did you mean 'total_capital'? "
        "allowed keys: trading_mode_type, dry_run,"
    )


def test_load_settings_when_unknown_key_has_no_close_match_then_lists_allowed_keys(
    tmp_path: Path,
) -> None:
    message = problem(config(tmp_path, "zzz = 1\n"))

    assert "unknown key 'zzz'; allowed keys: " in message
    assert "did you mean" not in message


def test_load_settings_when_file_value_out_of_range_then_names_key_and_range(
    tmp_path: Path,
) -> None:
    path = config(tmp_path, AUTONOMOUS + "max_daily_loss = 2\n")

    assert problem(path) == (
        f"max_daily_loss: must be greater than 0 and at most 1, got 2 (config file {path})"
    )


def test_load_settings_when_env_value_bad_then_names_the_variable() -> None:
    assert problem(env={"RISK_PER_TRADE": "0.5"}) == (
        "risk_per_trade: must be at least 0.001 and at most 0.05, got 0.5 "
        "(environment variable RISK_PER_TRADE)"
    )


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"TOTAL_CAPITAL": "lots"}, "total_capital: must be a number greater than 0, got 'lots'"),
        ({"TOTAL_CAPITAL": "-1"}, "total_capital: must be greater than 0, got -1"),
        ({"TIMEFRAME": "2m"}, "timeframe: must be one of 1s, 5s, 15s, 1m, 5m, 15m, 30m, 1h,"),
        ({"SYMBOLS": "BTCUSD"}, "symbols: each symbol must look like BASE/QUOTE"),
        ({"SYMBOLS": "BTC/USD,btc/usd"}, "symbols: listed more than once: BTC/USD"),
        ({"SYMBOLS": ","}, "symbols: must list at least one symbol"),
        ({"API_PORT": "70000"}, "api_port: must be at least 1 and at most 65535, got 70000"),
        ({"API_MAX_BODY_BYTES": "10"}, "api_max_body_bytes: must be at least 1024, got 10"),
        ({"EXEC_MODE": "real"}, "exec_mode: must be 'paper' or 'live', got 'real'"),
        ({"DRY_RUN": "maybe"}, "dry_run: must be a valid boolean"),
        ({"BAR_SECONDS": "0"}, "bar_seconds: must be greater than 0, got 0"),
        ({"BACKUP_KEEP": "0"}, "backup_keep: must be at least 1, got 0"),
        ({"STRATEGY_PARAMS": "[1]"}, "strategy_params: must be a JSON object"),
        ({"STRATEGY_PARAMS": '{"fast": "x"}'}, "strategy_params.fast: must be a valid number"),
    ],
)
def test_load_settings_when_value_is_not_allowed_then_one_line_says_what_is(
    env: dict[str, str], expected: str
) -> None:
    assert problem(env=env).startswith(expected)


def test_load_settings_when_file_missing_then_one_line(tmp_path: Path) -> None:
    path = tmp_path / "nope.toml"

    assert problem(path) == f"config file {path}: not found (create one with 'ai-trader init')"


def test_load_settings_when_file_is_not_toml_then_one_line_with_position(tmp_path: Path) -> None:
    path = config(tmp_path, "total_capital = \n")

    assert problem(path).startswith(f"config file {path}: invalid TOML: ")


def test_load_settings_when_file_is_a_directory_then_cannot_read(tmp_path: Path) -> None:
    assert problem(tmp_path).startswith(f"config file {tmp_path}: cannot read it")


def test_load_settings_when_expert_file_sets_everything_then_loaded(tmp_path: Path) -> None:
    settings = load_settings(config(tmp_path, EXPERT), env={})

    assert settings.trading_mode_type == "expert"
    assert settings.strategy == "breakout"
    assert settings.risk_per_trade == 0.005


def test_load_settings_when_expert_file_lacks_risk_keys_then_names_missing(
    tmp_path: Path,
) -> None:
    path = config(tmp_path, 'trading_mode_type = "expert"\n' + AUTONOMOUS)

    message = problem(path)

    assert message.startswith(
        f"config file {path}: missing strategy, max_daily_loss, max_drawdown_limit, "
        "risk_per_trade: expert mode requires"
    )


def test_load_settings_when_expert_mode_from_env_without_file_then_refused() -> None:
    assert problem(env={"TRADING_MODE_TYPE": "expert"}).startswith(
        "missing total_capital, symbols, timeframe, strategy,"
    )


def test_load_settings_when_autonomous_file_lacks_an_init_answer_then_names_it(
    tmp_path: Path,
) -> None:
    path = config(tmp_path, 'symbols = ["BTC/USD"]\ntimeframe = "1h"\n')

    assert problem(path).startswith(f"config file {path}: missing total_capital: autonomous")


def test_load_settings_when_env_supplies_a_required_key_then_accepted(tmp_path: Path) -> None:
    path = config(tmp_path, 'symbols = ["BTC/USD"]\ntimeframe = "1h"\n')

    assert load_settings(path, env={"TOTAL_CAPITAL": "10"}).total_capital == 10


def test_settings_when_unknown_keyword_then_refused() -> None:
    with pytest.raises(ConfigurationError, match="unknown key 'colour'"):
        settings_from_values({"colour": "red"})


def test_bar_interval_seconds_when_bar_seconds_unset_then_timeframe_seconds() -> None:
    assert settings_from_values({"timeframe": "4h"}).bar_interval_seconds == 14_400.0
    assert settings_from_values({"bar_seconds": 0.5}).bar_interval_seconds == 0.5


def test_settings_when_printed_then_secrets_are_hidden() -> None:
    settings = load_settings(env={"FERNET_KEY": KEY, "API_TOKEN": "tok-123456"})

    assert settings.fernet_key is not None
    assert settings.fernet_key.get_secret_value() == KEY
    for text in (repr(settings), str(settings), str(settings.redacted())):
        assert KEY not in text
        assert "tok-123456" not in text


def test_redacted_when_secrets_and_url_passwords_set_then_masked() -> None:
    settings = load_settings(
        env={
            "FERNET_KEY": KEY,
            "DATABASE_URL": "postgresql+psycopg://trader:s3cret@db:5432/trading",
            "REDIS_URL": "redis://127.0.0.1:6379/0",
        }
    )

    redacted = settings.redacted()

    assert redacted["fernet_key"] == "***"
    assert redacted["api_token"] is None
    assert redacted["database_url"] == "postgresql+psycopg://trader:***@db:5432/trading"
    assert redacted["redis_url"] == "redis://127.0.0.1:6379/0"
    assert redacted["total_capital"] == "100000"
    assert set(redacted) == set(Settings.model_fields)


def test_mask_url_password_when_no_user_then_password_still_masked() -> None:
    assert mask_url_password("redis://:pw@host:6379/0") == "redis://:***@host:6379/0"


def test_load_settings_when_secret_value_is_bad_type_then_value_not_shown(
    tmp_path: Path,
) -> None:
    path = config(tmp_path, AUTONOMOUS + "api_token = 123456789\n")

    message = problem(path)

    assert message.startswith("api_token: ")
    assert "123456789" not in message


def test_configuration_reference_when_read_then_every_setting_is_documented() -> None:
    reference = Path(__file__).resolve().parents[3] / "docs" / "reference" / "configuration.md"
    text = reference.read_text(encoding="utf-8")

    undocumented = [name for name in Settings.model_fields if f"| `{name.upper()}` |" not in text]

    assert undocumented == []
