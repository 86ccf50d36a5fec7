"""``ai-trader report daily|tca`` as a user runs it, on a SQLite file and on PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from ai_trader.adapters.db import (
    FillRow,
    OrderRow,
    PerformanceMetricRow,
    TradeRow,
    create_database_engine,
    upgrade_database,
)
from ai_trader.cli.main import main
from ai_trader.runtime.reports import (
    build_daily_report,
    build_tca_scorecard,
    render_daily_markdown,
    render_tca_markdown,
)

pytestmark = pytest.mark.integration


def ts(hour: int, second: float = 0.0) -> datetime:
    return datetime(2026, 11, 20, hour, tzinfo=UTC).replace(microsecond=int(second * 1e6))


def populate(engine: Engine) -> None:
    """One round trip on 2026-11-20: buy 2 at 100 (limit 100), sell 2 at 103 (market)."""
    upgrade_database(engine)
    orders = [
        OrderRow(
            client_order_id=oid,
            symbol="BTC/USD",
            side=side,
            order_type=kind,
            quantity=Decimal(2),
            price=price,
            quote_quantity=None,
            reduce_only=False,
            status="filled",
            tag="",
            timestamp=ts(hour),
            updated_at=ts(hour),
        )
        for oid, side, kind, price, hour in (
            ("b1", "buy", "limit", Decimal(100), 9),
            ("s1", "sell", "market", None, 15),
        )
    ]
    fills = [
        FillRow(
            client_order_id=oid,
            venue="SIM",
            venue_order_id=f"V-{oid}",
            trade_id=f"T-{oid}",
            symbol="BTC/USD",
            side=side,
            quantity=Decimal(2),
            price=Decimal(price),
            fee=Decimal(fee),
            liquidity="taker",
            timestamp=ts(hour, 0.25),
        )
        for oid, side, price, fee, hour in (
            ("b1", "buy", "100", "0.2", 9),
            ("s1", "sell", "103", "0.206", 15),
        )
    ]
    closed = TradeRow(
        timestamp=ts(15, 0.25),
        symbol="BTC/USD",
        side="long",
        quantity=Decimal(2),
        entry_price=Decimal(100),
        exit_price=Decimal(103),
        pnl=Decimal("5.594"),  # 6 - 0.406 in fees
        fees=Decimal("0.406"),
        entry_time=ts(9, 0.25),
        strategy="sma_cross",
    )
    snapshot = PerformanceMetricRow(
        timestamp=ts(23),
        scope="portfolio",
        date=ts(23).date(),
        equity=Decimal("10005.594"),
        cash=Decimal("10005.594"),
        pnl=Decimal("5.594"),
        daily_pnl=Decimal("5.594"),
        drawdown=0.0,
        win_rate=1.0,
        sharpe_ratio=None,
        trade_count=1,
    )
    with Session(engine) as session, session.begin():
        session.add_all(orders)
        session.flush()
        session.add_all([*fills, closed, snapshot])


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    path = tmp_path / "data" / "trading_bot.db"
    engine = create_database_engine(f"sqlite:///{path}", path)
    try:
        populate(engine)
    finally:
        engine.dispose()
    return f"sqlite:///{path}"


def run(*args: str) -> int:
    return main(["report", *args])


def test_report_daily_writes_the_files_with_the_days_figures(
    sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "reports"

    code = run(
        "daily", "--date", "2026-11-20", "--output-dir", str(out), "--database-url", sqlite_url
    )

    assert code == 0
    document = json.loads((out / "daily" / "daily_pnl_2026-11-20.json").read_text("utf-8"))
    assert (document["realized_pnl"], document["trade_fees"], document["fees_paid"]) == (
        "5.594",
        "0.406",
        "0.406",
    )
    assert (document["trades_closed"], document["win_rate"], document["fills"]) == (1, 1.0, 2)
    assert document["volume"] == "406"
    assert document["orders_by_status"] == {"filled": 2}
    assert document["equity"]["end"] == "10005.594"
    assert (
        (out / "daily" / "daily_pnl_2026-11-20.md")
        .read_text("utf-8")
        .startswith("# Daily P&L report — 2026-11-20 (UTC)")
    )
    stdout = capsys.readouterr().out
    assert "daily P&L 2026-11-20: realized 5.594, 1 trades, win rate 100.0%, 2 fills" in stdout


def test_report_tca_writes_the_weeks_scorecard(
    sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = run(
        "tca",
        "--week-ending",
        "2026-11-22",
        "--output-dir",
        str(tmp_path),
        "--database-url",
        sqlite_url,
    )

    assert code == 0
    document = json.loads((tmp_path / "tca" / "tca_scorecard_2026-W47.json").read_text("utf-8"))
    (venue,) = document["venues"]
    assert (venue["venue"], venue["orders"], venue["fill_rate"], venue["grade"]) == (
        "SIM",
        2,
        1.0,
        "n/a",
    )
    assert (venue["median_slippage_bps"], venue["fills_without_reference"]) == (0.0, 1)
    assert venue["median_latency_ms"] == 250.0
    assert "TCA scorecard 2026-W47: SIM n/a" in capsys.readouterr().out


@pytest.mark.parametrize("bad", ["2026-13-01", "yesterday", "20261120"])
def test_report_with_a_bad_date_is_one_line_and_exit_2(
    bad: str, sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = run("daily", "--date", bad, "--output-dir", str(tmp_path), "--database-url", sqlite_url)

    assert code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("error: ")
    assert "YYYY-MM-DD" in err
    assert not (tmp_path / "daily").exists()


def test_report_without_a_database_is_one_line_and_creates_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nowhere" / "trading_bot.db"

    code = run("daily", "--output-dir", str(tmp_path), "--database-url", f"sqlite:///{missing}")

    assert code == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert f"no database at {missing}" in err
    assert not missing.parent.exists()


def test_report_daily_on_postgresql_matches_sqlite(
    postgres_url: str,
    sqlite_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    engine = create_database_engine(postgres_url, tmp_path / "unused.db")
    try:
        populate(engine)
    finally:
        engine.dispose()
    monkeypatch.setenv("DATABASE_URL", postgres_url)

    assert run("daily", "--date", "2026-11-20", "--output-dir", str(tmp_path / "pg")) == 0
    assert (
        run(
            "daily",
            "--date",
            "2026-11-20",
            "--output-dir",
            str(tmp_path / "lite"),
            "--database-url",
            sqlite_url,
        )
        == 0
    )

    name = Path("daily") / "daily_pnl_2026-11-20.json"
    on_postgres = json.loads((tmp_path / "pg" / name).read_text("utf-8"))
    on_sqlite = json.loads((tmp_path / "lite" / name).read_text("utf-8"))
    for document in (on_postgres, on_sqlite):
        document.pop("generated_at")
    assert on_postgres == on_sqlite
    assert on_postgres["realized_pnl"] == "5.594"


def test_the_examples_in_the_operations_docs_are_what_the_reports_render(
    sqlite_url: str,
) -> None:
    docs = (Path(__file__).parents[2] / "docs" / "operations" / "reports.md").read_text("utf-8")
    blocks = [part.split("```", 1)[0] for part in docs.split("```markdown\n")[1:]]
    engine = create_database_engine(sqlite_url, Path("unused.db"))
    try:
        daily = build_daily_report(
            engine, date(2026, 11, 20), generated_at=datetime(2026, 11, 20, 23, 59, tzinfo=UTC)
        )
        scorecard = build_tca_scorecard(
            engine, date(2026, 11, 22), generated_at=datetime(2026, 11, 22, 23, 59, tzinfo=UTC)
        )
    finally:
        engine.dispose()

    assert blocks == [render_daily_markdown(daily), render_tca_markdown(scorecard)]
