"""Process configuration: settings from a TOML file and the environment, encrypted secrets."""

from ai_trader.config.config_file import read_config, write_config
from ai_trader.config.secrets import SecretStore, generate_key
from ai_trader.config.settings import (
    TIMEFRAME_SECONDS,
    Settings,
    load_settings,
    settings_from_values,
)

__all__ = [
    "TIMEFRAME_SECONDS",
    "SecretStore",
    "Settings",
    "generate_key",
    "load_settings",
    "read_config",
    "settings_from_values",
    "write_config",
]
