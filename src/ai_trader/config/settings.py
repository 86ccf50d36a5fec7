"""Process settings: defaults, overridden by a TOML config file, overridden by the environment.

Every field is read from the environment under its upper-case name (``DRY_RUN``,
``TOTAL_CAPITAL``, ...). ``load_settings`` is the one way to build settings from a file and
the environment; every failure is one ``ConfigurationError`` line naming the key and what
is allowed. Secrets (``FERNET_KEY``, ``API_TOKEN``) are ``SecretStr`` and never printed.
"""

from __future__ import annotations

import difflib
import json
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)
from pydantic_settings.sources.utils import parse_env_vars

from ai_trader.config.config_file import read_config
from ai_trader.core.errors import ConfigurationError
from ai_trader.domain.roles import Role

TIMEFRAME_SECONDS: dict[str, int] = {
    "1s": 1,
    "5s": 5,
    "15s": 15,
    "1m": 60,
    "5m": 300,
    "15m": 900,
    "30m": 1800,
    "1h": 3600,
    "4h": 14_400,
    "1d": 86_400,
}
INIT_KEYS = ("total_capital", "symbols", "timeframe")
EXPERT_KEYS = (
    "total_capital",
    "symbols",
    "timeframe",
    "strategy",
    "max_daily_loss",
    "max_drawdown_limit",
    "risk_per_trade",
)
SECRET_FIELDS = (
    "fernet_key",
    "api_token",
    "exchange_api_key",
    "exchange_api_secret",
    "slo_paging_webhook_url",
    "slack_signing_secret",
)
URL_FIELDS = ("database_url", "redis_url")
SYMBOL_PART = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
MASK = "***"
BOUND_ERRORS = frozenset({"greater_than", "greater_than_equal", "less_than", "less_than_equal"})
BOUND_PHRASES = {"gt": "greater than", "ge": "at least", "lt": "less than", "le": "at most"}

# The environment ``load_settings`` was given, for ``settings_customise_sources``.
_ENVIRONMENT: ContextVar[Mapping[str, str] | None] = ContextVar("_ENVIRONMENT", default=None)


class Settings(BaseSettings):
    """Everything a process needs to start; unknown keys are refused."""

    model_config = SettingsConfigDict(
        case_sensitive=False, env_ignore_empty=True, extra="forbid", frozen=True
    )

    trading_mode_type: Literal["autonomous", "expert"] = "autonomous"
    dry_run: bool = True
    exec_mode: Literal["paper", "live"] = "paper"
    enable_bg_tasks: bool = True
    data_dir: Path = Path("data")
    database_url: str | None = None
    redis_url: str | None = None
    fernet_key: SecretStr | None = None
    api_host: str = "127.0.0.1"
    api_port: int = Field(8000, ge=1, le=65535)
    api_token: SecretStr | None = None
    api_max_body_bytes: int = Field(1_048_576, ge=1024)
    api_cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    total_capital: Decimal = Field(Decimal(100_000), gt=0, allow_inf_nan=False)
    symbols: Annotated[list[str], NoDecode] = Field(default_factory=lambda: ["SYN/USD"])
    timeframe: str = "1m"
    bar_seconds: float | None = Field(None, gt=0, allow_inf_nan=False)
    strategy: str = Field("sma_cross", min_length=1)
    strategy_params: Annotated[dict[str, float | int | bool], NoDecode] = Field(
        default_factory=dict
    )
    max_daily_loss: float = Field(0.03, gt=0, le=1)
    max_drawdown_limit: float = Field(0.15, gt=0, le=1)
    risk_per_trade: float = Field(0.01, ge=0.001, le=0.05)
    commission: float = Field(0.001, ge=0, le=0.05)
    slippage_bps: float = Field(1.0, ge=0, le=1000)
    log_dir: Path = Path("logs")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_json: bool = False
    backup_interval_seconds: float = Field(3600.0, ge=0, allow_inf_nan=False)
    backup_keep: int = Field(10, ge=1)
    slo_window_seconds: float = Field(3600.0, gt=0, allow_inf_nan=False)
    heartbeat_stale_seconds: float = Field(120.0, gt=0, allow_inf_nan=False)
    reconciliation_interval_seconds: float = Field(30.0, gt=0, allow_inf_nan=False)
    exchange: str | None = Field(None, description="ccxt exchange id; none: the paper venue")
    exchange_api_url: str | None = None
    exchange_testnet: bool = False
    exchange_api_key: SecretStr | None = None
    exchange_api_secret: SecretStr | None = None
    poll_seconds: float = Field(5.0, gt=0, le=3600, allow_inf_nan=False)
    use_nownodes: bool = False
    exchange_ws_url: str | None = None
    canary_config_dir: Path = Path("config")
    slo_paging_enabled: bool = False
    slo_paging_webhook_url: SecretStr | None = None
    slo_paging_min_severity: Literal["critical", "warning"] = "critical"
    data_quality_jump_sigma: float = Field(8.0, gt=0, allow_inf_nan=False)
    data_quality_interval_seconds: float = Field(10.0, gt=0, le=3600, allow_inf_nan=False)
    slack_signing_secret: SecretStr | None = Field(
        None, description="Slack app signing secret; chat-ops (/slack/commands) is off when unset"
    )
    slack_user_roles: Annotated[dict[str, Role], NoDecode] = Field(
        default_factory=dict, description="Slack user id → role, as U012AB3CD:operator,U045:viewer"
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """``Settings(**values)``: values beat the environment. Inside ``load_settings``
        the file's values are the init values and the given environment beats them."""
        environment = _ENVIRONMENT.get()
        if environment is None:
            return init_settings, env_settings
        return _MappingEnvSource(settings_cls, environment), init_settings

    @field_validator("symbols", "api_cors_origins", mode="before")
    @classmethod
    def _split_list(cls, value: object) -> object:
        """An environment variable holds a list as ``a,b`` or as JSON ``["a", "b"]``."""
        if not isinstance(value, str):
            return value
        if value.lstrip().startswith("["):
            try:
                return json.loads(value)
            except json.JSONDecodeError:
                raise ValueError("must be a JSON list or a comma-separated list") from None
        return [item.strip() for item in value.split(",") if item.strip()]

    @field_validator("strategy_params", mode="before")
    @classmethod
    def _parse_params(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError:
            parsed = None
        if not isinstance(parsed, dict):
            raise ValueError('must be a JSON object of numbers and booleans, e.g. {"fast": 10}')
        return parsed

    @field_validator("symbols")
    @classmethod
    def _symbols_are_pairs(cls, value: list[str]) -> list[str]:
        symbols = [symbol.strip().upper() for symbol in value]
        if not symbols:
            raise ValueError("must list at least one symbol, e.g. BTC/USD")
        for symbol in symbols:
            pair, colon, settle = symbol.partition(":")  # BTC/USDT:USDT is a perpetual swap
            base, slash, quote = pair.partition("/")
            if not (slash and _is_symbol_part(base) and _is_symbol_part(quote)) or (
                colon and not _is_symbol_part(settle)
            ):
                raise ValueError(
                    "each symbol must look like BASE/QUOTE (or BASE/QUOTE:SETTLE for a "
                    "perpetual swap), e.g. BTC/USD"
                )
        duplicates = sorted({symbol for symbol in symbols if symbols.count(symbol) > 1})
        if duplicates:
            raise ValueError(f"listed more than once: {', '.join(duplicates)}")
        return symbols

    @field_validator("slo_paging_webhook_url")
    @classmethod
    def _webhook_is_http(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return value

    @model_validator(mode="after")
    def _paging_has_a_target(self) -> Settings:
        if self.slo_paging_enabled and self.slo_paging_webhook_url is None:
            raise ValueError("SLO_PAGING_WEBHOOK_URL is required when SLO_PAGING_ENABLED=true")
        return self

    @field_validator("slack_user_roles", mode="before")
    @classmethod
    def _parse_user_roles(cls, value: object) -> object:
        """``U012AB3CD:operator,U045EF6GH:viewer`` (Slack user id, a colon, a role)."""
        if not isinstance(value, str):
            return value
        roles: dict[str, str] = {}
        allowed = ", ".join(role.value for role in Role)
        for entry in (item.strip() for item in value.split(",") if item.strip()):
            user, colon, role = (part.strip() for part in entry.partition(":"))
            if not (user and colon and role):
                raise ValueError(f"entry {entry!r} must be USER_ID:ROLE, e.g. U012AB3CD:operator")
            if role.lower() not in allowed.split(", "):
                raise ValueError(f"role {role!r} of {user} must be one of {allowed}")
            if user in roles:
                raise ValueError(f"user {user} is listed more than once")
            roles[user] = role.lower()
        return roles

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_case_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("timeframe")
    @classmethod
    def _timeframe_is_known(cls, value: str) -> str:
        if value not in TIMEFRAME_SECONDS:
            raise ValueError(f"must be one of {', '.join(TIMEFRAME_SECONDS)}")
        return value

    @property
    def bar_interval_seconds(self) -> float:
        """Seconds per bar: ``bar_seconds`` when set (paper pacing), else the timeframe."""
        if self.bar_seconds is not None:
            return self.bar_seconds
        return float(TIMEFRAME_SECONDS[self.timeframe])

    def redacted(self) -> dict[str, object]:
        """Every setting as JSON-ready values, secrets and URL passwords shown as ``***``."""
        values: dict[str, object] = self.model_dump(mode="json")
        for name in SECRET_FIELDS:
            if values[name] is not None:
                values[name] = MASK
        for name in URL_FIELDS:
            url = values[name]
            if isinstance(url, str):
                values[name] = mask_url_password(url)
        return values


def load_settings(
    config_file: Path | None = None, env: Mapping[str, str] | None = None
) -> Settings:
    """Defaults, then ``config_file`` (flat TOML table of field names), then the environment
    (``env`` instead of ``os.environ`` when given). Raises ``ConfigurationError``."""
    environment = os.environ if env is None else env
    file_values = read_config(config_file) if config_file is not None else {}
    origin = f"config file {config_file}" if config_file is not None else "settings"
    _refuse_unknown_keys(file_values, origin)
    env_values = _MappingEnvSource(Settings, environment)()
    token = _ENVIRONMENT.set(environment)
    try:
        settings = Settings(**_as_keywords(file_values))
    except ValidationError as exc:
        raise ConfigurationError(_describe(exc, env_values, origin)) from None
    finally:
        _ENVIRONMENT.reset(token)
    if config_file is not None or settings.trading_mode_type == "expert":
        _require_keys(settings, set(file_values) | set(env_values), config_file)
    return settings


def settings_from_values(values: Mapping[str, object]) -> Settings:
    """Settings from ``values`` and defaults alone (no file, no environment), for
    checking answers; failures are one ``ConfigurationError`` line."""
    _refuse_unknown_keys(values, "settings")
    with _no_environment():
        try:
            return Settings(**_as_keywords(values))
        except ValidationError as exc:
            raise ConfigurationError(_first_problem(exc)) from None


def mask_url_password(url: str) -> str:
    """``postgresql://user:pw@host/db`` → ``postgresql://user:***@host/db``."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    netloc = f"{parts.username or ''}:{MASK}@{host}"
    return urlunsplit(parts._replace(netloc=netloc))


def allowed_keys() -> list[str]:
    return list(Settings.model_fields)


class _MappingEnvSource(EnvSettingsSource):
    """The environment source reading a given mapping instead of ``os.environ``."""

    def __init__(self, settings_cls: type[BaseSettings], environment: Mapping[str, str]) -> None:
        self._environment = environment
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return parse_env_vars(
            self._environment, self.case_sensitive, self.env_ignore_empty, self.env_parse_none_str
        )


@contextmanager
def _no_environment() -> Iterator[None]:
    token = _ENVIRONMENT.set({})
    try:
        yield
    finally:
        _ENVIRONMENT.reset(token)


def _as_keywords(values: Mapping[str, object]) -> dict[str, Any]:
    return dict(values)


def _is_symbol_part(part: str) -> bool:
    return 0 < len(part) <= 20 and set(part) <= SYMBOL_PART


def _refuse_unknown_keys(values: Mapping[str, object], origin: str) -> None:
    fields = allowed_keys()
    for key in values:
        if key in fields:
            continue
        close = difflib.get_close_matches(key, fields, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ";"
        raise ConfigurationError(
            f"{origin}: unknown key {key!r}{hint} allowed keys: {', '.join(fields)}"
        )


def _describe(exc: ValidationError, env_values: Mapping[str, Any], origin: str) -> str:
    """The first problem, and whether the value came from the environment or the file."""
    message = _first_problem(exc)
    field = str(exc.errors()[0]["loc"][0]) if exc.errors()[0]["loc"] else ""
    if field in env_values:
        return f"{message} (environment variable {field.upper()})"
    if field in Settings.model_fields:
        return f"{message} ({origin})"
    return message


def _require_keys(settings: Settings, given: set[str], config_file: Path | None) -> None:
    mode = settings.trading_mode_type
    required = EXPERT_KEYS if mode == "expert" else INIT_KEYS
    missing = [key for key in required if key not in given]
    if not missing:
        return
    where = f"config file {config_file}: " if config_file is not None else ""
    raise ConfigurationError(
        f"{where}missing {', '.join(missing)}: {mode} mode requires {', '.join(required)} "
        "to be set in the config file or the environment"
    )


def _first_problem(exc: ValidationError) -> str:
    """``max_daily_loss: must be greater than 0 and at most 1, got 2`` (secrets not shown)."""
    error = exc.errors()[0]
    loc = error["loc"]
    field = str(loc[0]) if loc else "settings"
    name = f"{field}.{loc[1]}" if field == "strategy_params" and len(loc) > 1 else field
    problem = _problem(field, error["type"], str(error["msg"]))
    if field in SECRET_FIELDS or error["type"] == "missing":
        return f"{name}: {problem}"
    return f"{name}: {problem}, got {_show(error.get('input'))}"


def _problem(field: str, error_type: str, message: str) -> str:
    bounds = _bounds(field)
    if bounds and error_type in BOUND_ERRORS:
        return f"must be {bounds}"
    if bounds and error_type.endswith(("_parsing", "_type", "finite_number")):
        return f"must be {_kind(field)} {bounds}"
    message = message.removeprefix("Value error, ").replace("Input should be", "must be", 1)
    return message[:1].lower() + message[1:]


def _bounds(field: str) -> str:
    info = Settings.model_fields.get(field)
    if info is None:
        return ""
    phrases = []
    for constraint in info.metadata:
        for attribute, phrase in BOUND_PHRASES.items():
            limit = getattr(constraint, attribute, None)
            if limit is not None:
                phrases.append(f"{phrase} {_show(limit)}")
    return " and ".join(phrases)


def _kind(field: str) -> str:
    annotation = Settings.model_fields[field].annotation
    return "a whole number" if annotation is int else "a number"


def _show(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float | Decimal) or _is_number(value):
        return str(value)
    return repr(value)


def _is_number(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        float(value)
    except ValueError:
        return False
    return True
