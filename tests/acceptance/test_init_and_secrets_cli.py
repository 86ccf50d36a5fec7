"""``ai-trader init`` and ``ai-trader secrets`` as a user drives them.

``cli.main`` does not register the two commands yet, so they run here on a small Typer app
built the same way; a ``ConfigurationError`` is what ``cli.main`` turns into one
``error: ...`` line and exit code 1.
"""

from __future__ import annotations

import stat
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path

import pytest
import typer
from click.testing import Result
from typer.testing import CliRunner

from ai_trader.cli.init_command import init
from ai_trader.cli.secrets_command import build_secrets_app
from ai_trader.config import SecretStore, generate_key, load_settings, read_config
from ai_trader.core.errors import ConfigurationError

pytestmark = pytest.mark.acceptance

INTERACTIVE = {"CI": None, "FERNET_KEY": None}
VALUE = "sk-live-0123456789abcdef"


def build_app() -> typer.Typer:
    app = typer.Typer(pretty_exceptions_enable=False, rich_markup_mode=None)
    app.command("init")(init)
    app.add_typer(build_secrets_app(), name="secrets")
    return app


class CliRunnerCall:
    """``ai-trader ARGS`` on the test app, in the scratch directory."""

    def __init__(self) -> None:
        self.runner = CliRunner()
        self.app = build_app()

    def __call__(
        self, *args: str, stdin: str | None = None, env: Mapping[str, str | None] | None = None
    ) -> Result:
        return self.runner.invoke(
            self.app, list(args), input=stdin, env={**INTERACTIVE, **(env or {})}
        )


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunnerCall:
    monkeypatch.chdir(tmp_path)
    return CliRunnerCall()


def error_line(result: Result) -> str:
    """The one line ``cli.main`` prints for this failure (without ``error: ``)."""
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, ConfigurationError), repr(result.exception)
    message = str(result.exception)
    assert "\n" not in message
    return message


# -- init ------------------------------------------------------------------------------


def test_init_when_all_options_given_then_writes_a_loadable_config(run: CliRunnerCall) -> None:
    result = run(
        "init", "--capital", "2500.50", "--timeframe", "1h", "--symbols", "btc/usd,ETH/USD"
    )

    assert result.exit_code == 0, result.output
    path = Path("config/settings.toml")
    assert result.stdout.splitlines() == [
        f"wrote {path}",
        f"start with: ai-trader run --config {path}",
    ]
    assert path.read_text(encoding="utf-8").startswith("# ai-trader settings")
    assert read_config(path) == {
        "trading_mode_type": "autonomous",
        "total_capital": 2500.5,
        "timeframe": "1h",
        "symbols": ["BTC/USD", "ETH/USD"],
    }
    settings = load_settings(path, env={})
    assert settings.total_capital == Decimal("2500.5")
    assert settings.bar_interval_seconds == 3600


def test_init_when_answers_are_typed_then_bad_ones_are_asked_again(run: CliRunnerCall) -> None:
    answers = ["lots", "-5", "10000", "2m", "", "BTCUSD", "sol/usdt"]

    result = run("init", "--output", "my.toml", stdin="\n".join(answers) + "\n")

    assert result.exit_code == 0, result.output
    assert result.stderr.count("try again") == 4
    assert "must be a number greater than 0, got 'lots'; try again" in result.stderr
    assert "must be one of 1s, 5s, 15s, 1m, 5m, 15m, 30m, 1h, 4h, 1d" in result.stderr
    assert (
        "each symbol must look like BASE/QUOTE (or BASE/QUOTE:SETTLE for a perpetual swap), "
        "e.g. BTC/USD, got 'BTCUSD'"
    ) in result.stderr
    settings = load_settings(Path("my.toml"), env={})
    assert settings.total_capital == 10000
    assert settings.timeframe == "1m"  # the default, taken with Enter
    assert settings.symbols == ["SOL/USDT"]


def test_init_when_some_options_given_then_only_the_rest_is_asked(run: CliRunnerCall) -> None:
    result = run("init", "--capital", "500", "--timeframe", "5m", stdin="BTC/USD\n")

    assert result.exit_code == 0, result.output
    assert "Maximum capital" not in result.stdout
    assert "Symbols" in result.stdout
    assert load_settings(Path("config/settings.toml"), env={}).symbols == ["BTC/USD"]


def test_init_when_file_exists_then_refused_unless_forced(run: CliRunnerCall) -> None:
    options = ("--capital", "1", "--timeframe", "1d", "--symbols", "A/B", "--output", "s.toml")
    Path("s.toml").write_text("# mine\n", encoding="utf-8")

    refused = run("init", *options)
    forced = run("init", *options, "--force")

    assert error_line(refused) == "s.toml already exists; pass --force to overwrite it"
    assert forced.exit_code == 0, forced.output
    assert read_config(Path("s.toml"))["symbols"] == ["A/B"]


def test_init_when_option_is_bad_then_one_line_names_the_option(run: CliRunnerCall) -> None:
    result = run("init", "--capital", "0", "--timeframe", "1h", "--symbols", "BTC/USD")

    assert error_line(result) == "--capital: must be greater than 0, got 0"
    assert not Path("config/settings.toml").exists()


def test_init_when_ci_and_answers_missing_then_one_line(run: CliRunnerCall) -> None:
    result = run("init", "--capital", "100", env={"CI": "true"})

    assert error_line(result) == (
        "missing --timeframe, --symbols: under CI init asks no questions, so pass "
        "--capital, --timeframe and --symbols"
    )


def test_init_when_stdin_is_closed_then_one_line(run: CliRunnerCall) -> None:
    result = run("init", stdin="")

    assert error_line(result).startswith("no answer for --capital (stdin closed)")


# -- the config file a user edits ----------------------------------------------------------


def test_load_settings_when_user_adds_a_misspelt_key_then_did_you_mean(
    run: CliRunnerCall,
) -> None:
    run("init", "--capital", "100", "--timeframe", "1h", "--symbols", "BTC/USD")
    path = Path("config/settings.toml")
    path.write_text(path.read_text(encoding="utf-8") + "max_daily_los = 0.1\n", encoding="utf-8")

    with pytest.raises(ConfigurationError, match="did you mean 'max_daily_loss'"):
        load_settings(path, env={})


def test_load_settings_when_user_sets_a_bad_value_then_names_key_and_range(
    run: CliRunnerCall,
) -> None:
    run("init", "--capital", "100", "--timeframe", "1h", "--symbols", "BTC/USD")
    path = Path("config/settings.toml")
    path.write_text(path.read_text(encoding="utf-8") + "max_daily_loss = 2\n", encoding="utf-8")

    with pytest.raises(ConfigurationError) as raised:
        load_settings(path, env={})

    assert str(raised.value).startswith(
        "max_daily_loss: must be greater than 0 and at most 1, got 2"
    )


# -- secrets ----------------------------------------------------------------------------


def test_secrets_when_key_generated_then_set_list_delete_work(run: CliRunnerCall) -> None:
    keygen = run("secrets", "keygen")
    key = keygen.stdout.strip()
    env = {"FERNET_KEY": key}

    stored = run("secrets", "set", "binance.secret", "--stdin", stdin=VALUE + "\n", env=env)
    typed = run("secrets", "set", "alpaca_key", stdin="typed-value\ntyped-value\n", env=env)
    listed = run("secrets", "list", env=env)
    deleted = run("secrets", "delete", "alpaca_key", env=env)

    assert keygen.exit_code == 0
    assert "export FERNET_KEY=" in keygen.stderr
    assert stored.exit_code == 0, stored.output
    assert typed.exit_code == 0, typed.output
    assert "typed-value" not in typed.output
    assert listed.stdout.splitlines() == ["alpaca_key", "binance.secret"]
    assert deleted.exit_code == 0, deleted.output
    path = Path("data/secrets.enc")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    store = SecretStore(path, key)
    assert store.names() == ["binance.secret"]
    assert store.get("binance.secret") == VALUE
    for result in (stored, listed, deleted):
        assert VALUE not in result.output


def test_secrets_when_fernet_key_missing_then_tells_to_run_keygen(run: CliRunnerCall) -> None:
    result = run("secrets", "list")

    assert error_line(result) == (
        "FERNET_KEY is not set: create a key with 'ai-trader secrets keygen' and export it "
        "as FERNET_KEY"
    )


def test_secrets_when_key_is_wrong_then_cannot_decrypt(run: CliRunnerCall) -> None:
    SecretStore(Path("data/secrets.enc"), generate_key()).set("token", VALUE)

    result = run(
        "secrets", "set", "other", "--stdin", stdin="x\n", env={"FERNET_KEY": generate_key()}
    )

    assert error_line(result) == (
        "cannot decrypt data/secrets.enc: FERNET_KEY does not match the key it was written with"
    )


def test_secrets_when_name_not_stored_then_known_names_listed(run: CliRunnerCall) -> None:
    key = generate_key()
    SecretStore(Path("vault.enc"), key).set("token", VALUE)

    result = run(
        "secrets", "delete", "tokn", "--secrets-file", "vault.enc", env={"FERNET_KEY": key}
    )

    assert error_line(result) == "no secret named 'tokn' in vault.enc; known names: token"


def test_secrets_when_name_not_allowed_then_refused_before_the_value_is_asked(
    run: CliRunnerCall,
) -> None:
    result = run("secrets", "set", "bad name", env={"FERNET_KEY": generate_key()})

    assert error_line(result).startswith("secret name 'bad name' is not allowed")
    assert "Value for" not in result.output


def test_secrets_when_stdin_is_empty_then_one_line(run: CliRunnerCall) -> None:
    result = run("secrets", "set", "token", "--stdin", stdin="", env={"FERNET_KEY": generate_key()})

    assert error_line(result) == "--stdin: nothing was read from stdin"
