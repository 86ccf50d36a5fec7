"""``POST /paper/backtest``: a synthetic-market backtest run inside the service."""

from __future__ import annotations

from ai_trader.adapters.data.synthetic import SyntheticMarketConfig, generate_bars
from ai_trader.backtest.runner import run_backtest
from ai_trader.core.clock import ns_to_datetime
from ai_trader.core.ids import new_run_id
from ai_trader.runtime.results import stats_document
from ai_trader.runtime.spec import build_spec
from ai_trader.service import schemas

MAX_CURVE_POINTS = 1_000


def run_backtest_request(request: schemas.BacktestRequest) -> schemas.BacktestResponse:
    """Raises ``ConfigurationError`` (HTTP 422) for an unknown strategy or bad parameter."""
    spec = build_spec(
        strategy=request.strategy,
        params=request.params,
        cash=request.cash,
        commission=request.commission,
        slippage_bps=request.slippage_bps,
        sizing=request.sizing,
    )
    spec.validate_strategy()
    series = generate_bars(SyntheticMarketConfig(), request.bars, request.seed)
    result = run_backtest(spec, [series], run_id=new_run_id())
    portfolio = result.session.engine.portfolio
    curve = portfolio.equity_curve
    step = max(1, len(curve) // MAX_CURVE_POINTS)
    timestamps, values = curve.timestamps[::step], curve.values[::step]
    stats = stats_document(result, {"bars_requested": request.bars, "seed": request.seed})
    return schemas.BacktestResponse(
        run_id=result.run_id,
        stats={k: v for k, v in stats.items() if not isinstance(v, dict | list)},
        equity_curve=[
            schemas.EquityPoint(ts=ns_to_datetime(int(ts)), equity=float(equity))
            for ts, equity in zip(timestamps, values, strict=True)
        ],
        trades=[
            schemas.BacktestTrade(
                symbol=t.symbol,
                direction=t.direction,
                entry_time=ns_to_datetime(t.entry_ts),
                exit_time=ns_to_datetime(t.exit_ts),
                quantity=t.quantity,
                entry_price=t.entry_price,
                exit_price=t.exit_price,
                gross_pnl=t.gross_pnl,
                fees=t.fees,
                net_pnl=t.net_pnl,
            )
            for t in portfolio.trades.closed
        ],
    )
