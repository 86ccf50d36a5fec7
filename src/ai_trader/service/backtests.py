"""``POST /paper/backtest``: a synthetic-market backtest run inside the service, answered
as JSON or as the HTML report; the last report is kept for ``GET /reports/backtest/latest``."""

from __future__ import annotations

from pathlib import Path

from ai_trader.adapters.data.synthetic import SyntheticMarketConfig, generate_bars
from ai_trader.backtest.html_report import render_html_report
from ai_trader.backtest.runner import run_backtest
from ai_trader.core.clock import ns_to_datetime
from ai_trader.core.errors import NotFoundError
from ai_trader.core.files import write_text_atomically
from ai_trader.core.ids import new_run_id
from ai_trader.domain.bar import BarSeries
from ai_trader.runtime.result import RunResult
from ai_trader.runtime.results import stats_document
from ai_trader.runtime.spec import build_spec
from ai_trader.service import schemas

MAX_CURVE_POINTS = 1_000
LATEST_REPORT = Path("backtests") / "latest.html"
NO_REPORT_YET = (
    "no backtest report yet: POST /paper/backtest with report=true "
    "or run ai-trader backtest --report"
)


def run_backtest_request(request: schemas.BacktestRequest) -> schemas.BacktestResponse:
    """Raises ``ConfigurationError`` (HTTP 422) for an unknown strategy or bad parameter."""
    result, _ = _run(request)
    return _response(request, result)


def run_backtest_report(request: schemas.BacktestRequest, reports_dir: Path) -> str:
    """The HTML report of the backtest ``request`` asks for; also saved (atomically) as
    ``<reports_dir>/backtests/latest.html``."""
    result, series = _run(request)
    report = render_html_report(
        result, series, {"data": "synthetic", "seed": request.seed, "bars": request.bars}
    )
    write_text_atomically(reports_dir / LATEST_REPORT, lambda stream: stream.write(report))
    return report


def latest_report(reports_dir: Path) -> Path:
    """The last report the service made; ``NotFoundError`` (HTTP 404) before the first."""
    path = reports_dir / LATEST_REPORT
    if not path.is_file():
        raise NotFoundError(NO_REPORT_YET)
    return path


def _run(request: schemas.BacktestRequest) -> tuple[RunResult, BarSeries]:
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
    return run_backtest(spec, [series], run_id=new_run_id()), series


def _response(request: schemas.BacktestRequest, result: RunResult) -> schemas.BacktestResponse:
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
