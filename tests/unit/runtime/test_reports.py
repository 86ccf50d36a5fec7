"""Daily P&L report, TCA scorecard and their schedule (SPEC OPS-8), from a real SQLite
database created by the migrations and filled with known orders, fills and trades."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import Session

from ai_trader.adapters.db import (
    FillRow,
    OrderRow,
    PerformanceMetricRow,
    TradeRow,
    create_database_engine,
    upgrade_database,
)
from ai_trader.runtime.reports import (
    SCHEDULE_FILE,
    ReportSchedule,
    build_daily_report,
    build_tca_scorecard,
    render_daily_markdown,
    write_daily_report,
    write_tca_scorecard,
)

DAY = date(2026, 11, 20)  # a Friday
SUNDAY = date(2026, 11, 22)


def at(day: date, hour: int, minute: int = 0, second: float = 0.0) -> datetime:
    base = datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)
    return base + timedelta(seconds=second)


def order(
    oid: str,
    ts: datetime,
    side: str,
    status: str,
    *,
    order_type: str = "market",
    price: str | None = None,
    symbol: str = "BTC/USD",
) -> OrderRow:
    return OrderRow(
        client_order_id=oid,
        symbol=symbol,
        side=side,
        order_type=order_type,
        quantity=Decimal(1),
        price=None if price is None else Decimal(price),
        quote_quantity=None,
        reduce_only=False,
        status=status,
        tag="",
        timestamp=ts,
        updated_at=ts,
    )


def fill(
    oid: str, ts: datetime, side: str, qty: str, price: str, fee: str, *, venue: str = "SIM"
) -> FillRow:
    return FillRow(
        client_order_id=oid,
        venue=venue,
        venue_order_id=f"V-{oid}",
        trade_id=f"T-{oid}",
        symbol="ETH/USD" if oid in ("o2", "o8") else "BTC/USD",
        side=side,
        quantity=Decimal(qty),
        price=Decimal(price),
        fee=Decimal(fee),
        liquidity="taker",
        timestamp=ts,
    )


def trade(ts: datetime, entry: str, exit_: str, pnl: str, fees: str) -> TradeRow:
    return TradeRow(
        timestamp=ts,
        symbol="BTC/USD",
        side="long",
        quantity=Decimal(1),
        entry_price=Decimal(entry),
        exit_price=Decimal(exit_),
        pnl=Decimal(pnl),
        fees=Decimal(fees),
        entry_time=ts - timedelta(hours=1),
        strategy="sma_cross",
    )


def metric(ts: datetime, equity: str, scope: str = "portfolio") -> PerformanceMetricRow:
    return PerformanceMetricRow(
        timestamp=ts,
        scope=scope,
        date=ts.date(),
        equity=Decimal(equity),
        cash=Decimal(equity),
        pnl=Decimal(equity) - Decimal(1000),
        daily_pnl=Decimal(0),
        drawdown=0.0,
        win_rate=0.5,
        sharpe_ratio=1.25,
        trade_count=2,
    )


def fill_known_week(database: Engine) -> None:
    """The 19th: buy 1 BTC. The 20th: sell it (stop 110 → 108.9), buy 2 ETH (market, kept
    open), buy 1 BTC (limit 100 → 99.5) and sell it (market 95); one reject, one cancel,
    one denial. The 21st: buy 1 ETH on another venue."""
    previous = DAY - timedelta(days=1)
    rows: list[object] = [
        order("o0", at(previous, 10), "buy", "filled", order_type="limit", price="100"),
        order("o1", at(DAY, 9), "sell", "filled", order_type="stop", price="110"),
        order("o2", at(DAY, 10), "buy", "filled", symbol="ETH/USD"),
        order("o3", at(DAY, 11), "buy", "filled", order_type="limit", price="100"),
        order("o4", at(DAY, 12), "sell", "filled"),
        order("o5", at(DAY, 13), "buy", "rejected", order_type="limit", price="90"),
        order("o6", at(DAY, 14), "buy", "canceled", order_type="limit", price="90"),
        order("o7", at(DAY, 15), "buy", "denied"),
        order(
            "o8",
            at(DAY + timedelta(days=1), 10),
            "buy",
            "filled",
            order_type="limit",
            price="60",
            symbol="ETH/USD",
        ),
    ]
    rows += [
        fill("o0", at(previous, 10, second=0.2), "buy", "1", "100", "0.1"),
        fill("o1", at(DAY, 9, second=0.25), "sell", "1", "108.9", "0.1089"),
        fill("o2", at(DAY, 10, second=1), "buy", "2", "50", "0.05"),
        fill("o3", at(DAY, 11, second=0.5), "buy", "1", "99.5", "0.0995"),
        fill("o4", at(DAY, 12, second=2), "sell", "1", "95", "0.095"),
        fill(
            "o8", at(DAY + timedelta(days=1), 10, second=3), "buy", "1", "60", "0.06", venue="ALT"
        ),
        trade(at(DAY, 9, second=0.25), "100", "108.9", "8.6911", "0.2089"),
        trade(at(DAY, 12, second=2), "99.5", "95", "-4.6945", "0.1945"),
        trade(at(DAY + timedelta(days=1), 1), "1", "2", "1000", "1"),  # another day
        metric(at(previous, 23), "1000"),
        metric(at(DAY, 8), "1005"),
        metric(at(DAY, 12), "990"),
        metric(at(DAY, 23), "1004.9"),
        metric(at(DAY, 23), "99999", scope="sma_cross"),  # not the portfolio
    ]
    with Session(database) as session, session.begin():
        for row in rows[:9]:
            session.add(row)
        session.flush()  # orders first: fills reference them
        session.add_all(rows[9:])


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Engine]:
    path = tmp_path / "trading_bot.db"
    engine = create_database_engine(f"sqlite:///{path}", path)
    upgrade_database(engine)
    fill_known_week(engine)
    yield engine
    engine.dispose()


# -- the daily report ------------------------------------------------------------------


def test_daily_report_figures_come_from_the_days_rows(database: Engine) -> None:
    report = build_daily_report(database, DAY, generated_at=at(DAY, 23, 59))

    assert (report.trades_closed, report.winning_trades, report.losing_trades) == (2, 1, 1)
    assert report.win_rate == 0.5
    assert report.realized_pnl == Decimal("3.9966")
    assert report.trade_fees == Decimal("0.4034")
    assert report.fees_paid == Decimal("0.3534")
    assert report.fills == 4
    assert report.volume == Decimal("403.4")
    assert report.orders_by_status == {"filled": 4, "rejected": 1, "canceled": 1, "denied": 1}
    assert [(p.symbol, p.quantity, p.average_price) for p in report.open_positions] == [
        ("ETH/USD", Decimal(2), Decimal(50))
    ]
    assert report.complete is False


def test_daily_report_equity_uses_the_previous_close_and_the_days_last_snapshot(
    database: Engine,
) -> None:
    equity = build_daily_report(database, DAY).equity

    assert equity is not None
    assert (equity.start, equity.end, equity.change) == (
        Decimal(1000),
        Decimal("1004.9"),
        Decimal("4.9"),
    )
    assert equity.max_intraday_drawdown == pytest.approx(15 / 1005)
    assert equity.snapshots == 3
    assert equity.last_snapshot["equity"] == "1004.9"
    assert equity.last_snapshot["timestamp"] == at(DAY, 23).isoformat()


def test_daily_report_of_a_day_without_activity_is_empty_not_an_error(database: Engine) -> None:
    report = build_daily_report(database, date(2026, 1, 1), generated_at=at(DAY, 0))

    assert (report.trades_closed, report.fills, report.win_rate, report.equity) == (
        0,
        0,
        None,
        None,
    )
    assert report.complete is True
    assert "No performance snapshot" in render_daily_markdown(report)


def test_write_daily_report_writes_json_and_markdown(database: Engine, tmp_path: Path) -> None:
    report = build_daily_report(database, DAY, generated_at=at(DAY + timedelta(days=1), 0))

    json_path, markdown_path = write_daily_report(report, tmp_path / "reports")

    assert json_path == tmp_path / "reports" / "daily" / "daily_pnl_2026-11-20.json"
    assert markdown_path == json_path.with_suffix(".md")
    document = json.loads(json_path.read_text("utf-8"))
    assert (document["realized_pnl"], document["fees_paid"], document["win_rate"]) == (
        "3.9966",
        "0.3534",
        0.5,
    )
    assert document["orders"] == 7
    assert document["complete"] is True
    markdown = markdown_path.read_text("utf-8")
    assert "| realized P&L (net of fees) | 3.9966 |" in markdown
    assert "| ETH/USD | 2 | 50 |" in markdown


# -- the TCA scorecard -----------------------------------------------------------------


def test_tca_scorecard_per_venue_from_the_journal(database: Engine) -> None:
    scorecard = build_tca_scorecard(database, SUNDAY, venue="SIM")

    assert scorecard.week == "2026-W47"
    assert scorecard.start == at(date(2026, 11, 16), 0)
    assert scorecard.denied_orders == 1
    alt, sim = scorecard.venues
    assert (sim.venue, sim.orders, sim.filled, sim.rejected, sim.canceled) == ("SIM", 7, 5, 1, 1)
    assert sim.fill_rate == pytest.approx(5 / 7)
    assert sim.reject_rate == pytest.approx(1 / 7)
    assert (sim.slippage_samples, sim.fills_without_reference) == (3, 2)
    assert sim.mean_slippage_bps == pytest.approx(50 / 3)  # 0, +100 (stop), -50 (limit)
    assert sim.median_slippage_bps == pytest.approx(0.0)
    assert sim.median_latency_ms == pytest.approx(500.0)
    assert sim.grade == "D"  # fill rate 71 % is below C's 75 %
    assert (alt.venue, alt.orders, alt.fill_rate, alt.grade) == ("ALT", 1, 1.0, "n/a")


def test_tca_scorecard_without_a_venue_puts_unfilled_orders_apart(database: Engine) -> None:
    venues = build_tca_scorecard(database, SUNDAY).venues

    assert [(v.venue, v.orders) for v in venues] == [("ALT", 1), ("SIM", 5), ("unattributed", 2)]


def test_tca_scorecard_grades_a_good_venue_a(tmp_path: Path) -> None:
    path = tmp_path / "good.db"
    engine = create_database_engine(f"sqlite:///{path}", path)
    upgrade_database(engine)
    with Session(engine) as session, session.begin():
        for n in range(5):
            session.add(
                order(f"g{n}", at(DAY, 9, n), "buy", "filled", order_type="limit", price="100")
            )
        session.flush()
        for n in range(5):
            session.add(fill(f"g{n}", at(DAY, 9, n, 0.1), "buy", "1", "100", "0.1"))

    (card,) = build_tca_scorecard(engine, SUNDAY).venues
    engine.dispose()

    assert (card.fill_rate, card.grade) == (1.0, "A")
    assert card.median_latency_ms == pytest.approx(100)


def test_write_tca_scorecard_names_the_file_by_iso_week(database: Engine, tmp_path: Path) -> None:
    json_path, markdown_path = write_tca_scorecard(
        build_tca_scorecard(database, SUNDAY, venue="SIM"), tmp_path
    )

    assert json_path == tmp_path / "tca" / "tca_scorecard_2026-W47.json"
    assert json.loads(json_path.read_text("utf-8"))["venues"][1]["grade"] == "D"
    assert "| SIM | D | 7 | 71.4% | 1 | 1 | 0.00 | 16.67 | 500.00 |" in markdown_path.read_text(
        "utf-8"
    )


# -- the schedule ----------------------------------------------------------------------


def schedule_with_markers(database: Engine, reports: Path, daily: str, tca: str) -> ReportSchedule:
    reports.mkdir(parents=True, exist_ok=True)
    (reports / SCHEDULE_FILE).write_text(json.dumps({"daily": daily, "tca": tca}), "utf-8")
    return ReportSchedule(database, reports, venue="SIM")


def test_daily_report_is_due_at_2359_not_at_2358(database: Engine, tmp_path: Path) -> None:
    schedule = schedule_with_markers(database, tmp_path, "2026-11-19", "2026-11-15")

    assert schedule.due(at(DAY, 23, 58, 59.9)) == []
    assert schedule.due(at(DAY, 23, 59)) == ["daily:2026-11-20"]


def test_run_due_writes_the_report_once(database: Engine, tmp_path: Path) -> None:
    schedule = schedule_with_markers(database, tmp_path, "2026-11-19", "2026-11-15")

    written = schedule.run_due(at(DAY, 23, 59))

    assert [p.name for p in written] == ["daily_pnl_2026-11-20.json", "daily_pnl_2026-11-20.md"]
    assert json.loads(written[0].read_text("utf-8"))["realized_pnl"] == "3.9966"
    assert schedule.run_due(at(DAY, 23, 59, 30)) == []
    assert schedule.due(at(DAY + timedelta(days=1), 12)) == []
    assert json.loads((tmp_path / SCHEDULE_FILE).read_text("utf-8"))["daily"] == "2026-11-20"


def test_after_a_restart_a_written_report_is_not_repeated(database: Engine, tmp_path: Path) -> None:
    schedule_with_markers(database, tmp_path, "2026-11-19", "2026-11-15").run_due(at(DAY, 23, 59))

    restarted = ReportSchedule(database, tmp_path)

    assert restarted.due(at(DAY + timedelta(days=1), 0, 5)) == []


def test_a_day_missed_while_down_is_caught_up(database: Engine, tmp_path: Path) -> None:
    schedule_with_markers(database, tmp_path, "2026-11-19", "2026-11-15").run_due(at(DAY, 23, 59))
    # down from 23:00 on the 21st to 00:30 on the 22nd: the 21st's 23:59 was missed

    restarted = ReportSchedule(database, tmp_path)

    assert restarted.due(at(DAY + timedelta(days=2), 0, 30)) == ["daily:2026-11-21"]
    assert [p.name for p in restarted.run_due(at(DAY + timedelta(days=2), 0, 30))] == [
        "daily_pnl_2026-11-21.json",
        "daily_pnl_2026-11-21.md",
    ]


def test_tca_scorecard_is_due_on_sunday_at_2359(database: Engine, tmp_path: Path) -> None:
    schedule = schedule_with_markers(database, tmp_path, "2026-11-21", "2026-11-15")

    assert schedule.due(at(SUNDAY, 23, 58)) == []
    assert schedule.due(at(SUNDAY, 23, 59)) == ["daily:2026-11-22", "tca:2026-11-22"]
    written = schedule.run_due(at(SUNDAY, 23, 59))
    assert written[-2] == tmp_path / "tca" / "tca_scorecard_2026-W47.json"
    assert schedule.due(at(SUNDAY + timedelta(days=1), 23, 58)) == []


def test_first_start_writes_only_the_latest_reports(database: Engine, tmp_path: Path) -> None:
    schedule = ReportSchedule(database, tmp_path / "reports")

    assert schedule.due(at(DAY, 10)) == ["tca:2026-11-15", "daily:2026-11-19"]


def test_run_due_when_nothing_is_due_does_not_touch_the_database(tmp_path: Path) -> None:
    unreachable = create_engine(f"sqlite:///{tmp_path / 'missing' / 'nothing.db'}")
    schedule = schedule_with_markers(unreachable, tmp_path, "2026-11-20", "2026-11-15")

    for second in range(3):
        assert schedule.run_due(at(DAY + timedelta(days=1), 12, 0, second)) == []

    assert schedule.failures == 0


def test_a_failed_report_is_retried_later_and_the_marker_kept(tmp_path: Path) -> None:
    unreachable = create_engine(f"sqlite:///{tmp_path / 'missing' / 'nothing.db'}")
    schedule = schedule_with_markers(unreachable, tmp_path, "2026-11-19", "2026-11-15")

    assert schedule.run_due(at(DAY, 23, 59)) == []
    assert schedule.run_due(at(DAY, 23, 59, 1)) == []  # backing off: no second attempt

    assert schedule.failures == 1
    assert schedule.markers["daily"] == date(2026, 11, 19)
    assert schedule.due(at(DAY, 23, 59, 2)) == ["daily:2026-11-20"]


def test_due_refuses_a_naive_time(database: Engine, tmp_path: Path) -> None:
    schedule = ReportSchedule(database, tmp_path)

    with pytest.raises(ValueError, match="naive"):
        schedule.due(datetime(2026, 11, 20, 23, 59))  # naive on purpose
