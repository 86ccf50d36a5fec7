"""The one error hierarchy, grouped by what the caller should do next.

    AiTraderError
    ├── ConfigurationError     fail at start: bad setting, bad parameter, bad CLI input
    │   ├── DataError          a data file or series is unusable (missing column, NaN, ...)
    │   └── NotFoundError      the thing asked for (an incident, a run) does not exist
    ├── TransientVenueError    retry with backoff: timeout, connection reset, rate limit
    │   └── OrderNotSentError  the submit was refused before anything reached the venue
    ├── VenueRejectedError     record and do not retry: the venue said no
    ├── StateStoreUnavailableError  retry later; meanwhile refuse new entries (fail closed)
    │   └── JournalUnavailableError  the order journal refused a write (locked, unreachable)
    ├── StrategyError          isolate the strategy that raised it
    └── InvariantViolation     fail fast: state is corrupt, continuing would be worse

Risk and compliance refusals are not exceptions: they are ``OrderDenied`` events.
"""


class AiTraderError(Exception):
    """Root of every error ai-trader raises on purpose."""


class ConfigurationError(AiTraderError):
    """A setting, parameter or input is invalid; the message says what is allowed."""


class DataError(ConfigurationError):
    """Market data cannot be used as given (bad file, bad columns, bad values)."""


class NotFoundError(ConfigurationError):
    """The caller named something that does not exist (an id, a run)."""


class TransientVenueError(AiTraderError):
    """The venue could not be reached or answered late; the call may be retried."""


class VenueRejectedError(AiTraderError):
    """The venue refused a request; retrying the same request will not help."""


class StateStoreUnavailableError(AiTraderError):
    """The runtime state store (Redis) stopped answering; the operation may be retried."""


class OrderNotSentError(TransientVenueError):
    """The executor refused a submit before anything reached the venue (an open circuit
    breaker, an exhausted rate budget): the order certainly does not exist there."""


class JournalUnavailableError(StateStoreUnavailableError):
    """The order journal's database refused a write (locked, connection lost). When it
    refused an order's intent, nothing was sent; retry later."""


class StrategyError(AiTraderError):
    """A strategy failed; the engine isolates it instead of stopping everything."""


class InvariantViolation(AiTraderError):
    """An internal invariant broke (e.g. a fill for an unknown order). Stop at once."""
