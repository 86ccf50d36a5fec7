"""Trade-only keys (SPEC EXE-2): refuse an API key that can withdraw funds."""

from __future__ import annotations

import logging

import ccxt

from ai_trader.adapters.ccxt.constants import PERMISSION_CHECKS
from ai_trader.core.errors import ConfigurationError, TransientVenueError

logger = logging.getLogger(__name__)


def check_key_permissions(exchange: ccxt.Exchange) -> bool:
    """Raise ``ConfigurationError`` if the key can withdraw. True: checked, trade-only;
    False: the venue does not report it (logged: the operator must make sure)."""
    name = str(exchange.id)
    if name not in PERMISSION_CHECKS:
        logger.warning(
            "%s does not report API key permissions: could not check that the key cannot "
            "withdraw; use a trade-only key",
            name,
        )
        return False
    try:
        restrictions = exchange.sapi_get_account_apirestrictions()
    except ccxt.NetworkError as exc:
        raise TransientVenueError(f"{name}: key permissions not readable: {exc}") from exc
    except ccxt.ExchangeError as exc:
        raise ConfigurationError(f"{name}: key permissions not readable: {exc}") from exc
    if restrictions.get("enableWithdrawals") is not False:
        raise ConfigurationError(
            f"{name} API key can withdraw funds (enableWithdrawals="
            f"{restrictions.get('enableWithdrawals')}): create a trade-only key"
        )
    logger.info("%s API key is trade-only: withdrawals disabled", name)
    return True
