"""The trading service (SPEC API-1..3, RSK-2, OPS-1..2): one process with the trading loop,
the HTTP API and the background tasks; :class:`TradingFacade` is what every interface uses."""
