"""The daily P&L report (SPEC OPS-8), computed from the database, never from memory.

One UTC day ``[00:00, 24:00)``: the trades closed that day (``trades``), the orders created
that day by their current status and the day's fills (the journal), the open positions at
the end of the day (rebuilt by replaying the journal's fills up to then: the ``positions``
table only holds the latest state), and equity from the ``performance_metrics`` rows of
scope ``portfolio`` when there are any. Written as ``daily/daily_pnl_<YYYY-MM-DD>.json``
and ``.md`` under the reports directory.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Context, Decimal
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from ai_trader.adapters.db import FillRow, OrderRow, PerformanceMetricRow, TradeRow
from ai_trader.core.files import write_atomically
from ai_trader.core.ids import ClientOrderId, TradeId, VenueOrderId
from ai_trader.domain.enums import LiquiditySide, Side
from ai_trader.domain.fills import Fill
from ai_trader.domain.positions import Position

DAILY_DIRECTORY = "daily"
PORTFOLIO_SCOPE = "portfolio"
ZERO = Decimal(0)
_WIDE = Context(prec=80)  # wider than NUMERIC(38, 18): normalising never rounds


@dataclass(frozen=True, slots=True)
class SymbolPnl:
    symbol: str
    trades: int
    realized_pnl: Decimal
    fees: Decimal


@dataclass(frozen=True, slots=True)
class OpenPosition:
    symbol: str
    quantity: Decimal
    average_price: Decimal


@dataclass(frozen=True, slots=True)
class EquityFigures:
    """From ``performance_metrics``: ``start`` is the last snapshot before the day (else
    the day's first), ``end`` the day's last; the drawdown is the largest fall from a
    running peak (starting at ``start``) during the day, as a fraction."""

    start: Decimal
    end: Decimal
    change: Decimal
    max_intraday_drawdown: float
    snapshots: int
    last_snapshot: dict[str, object]


@dataclass(frozen=True, slots=True)
class DailyReport:
    day: date
    generated_at: datetime
    complete: bool  # generated after the day ended: nothing of the day can be missing
    trades_closed: int
    winning_trades: int
    losing_trades: int
    win_rate: float | None
    realized_pnl: Decimal  # net of the closed trades' fees
    trade_fees: Decimal  # what the closed trades paid, entry and exit
    fees_paid: Decimal  # what the day's fills paid (including positions still open)
    orders_by_status: dict[str, int]
    fills: int
    volume: Decimal  # sum of price × quantity of the day's fills
    by_symbol: tuple[SymbolPnl, ...]
    open_positions: tuple[OpenPosition, ...]
    equity: EquityFigures | None

    def to_json(self) -> dict[str, object]:
        return {
            "report": "daily_pnl",
            "day": self.day.isoformat(),
            "generated_at": self.generated_at.isoformat(),
            "complete": self.complete,
            "trades_closed": self.trades_closed,
            "winning_trades": self.winning_trades,
            "losing_trades": self.losing_trades,
            "win_rate": self.win_rate,
            "realized_pnl": decimal_text(self.realized_pnl),
            "trade_fees": decimal_text(self.trade_fees),
            "fees_paid": decimal_text(self.fees_paid),
            "orders_by_status": dict(sorted(self.orders_by_status.items())),
            "orders": sum(self.orders_by_status.values()),
            "fills": self.fills,
            "volume": decimal_text(self.volume),
            "by_symbol": [_symbol_json(s) for s in self.by_symbol],
            "open_positions": [_position_json(p) for p in self.open_positions],
            "equity": _equity_json(self.equity),
        }


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), tzinfo=UTC)
    return start, start + timedelta(days=1)


def build_daily_report(
    database: Engine, day: date, *, generated_at: datetime | None = None
) -> DailyReport:
    """The report of the UTC day ``day`` from what the database holds now."""
    generated = generated_at or datetime.now(UTC)
    start, end = day_bounds(day)
    with Session(database) as session:
        trades = list(
            session.scalars(
                select(TradeRow)
                .where(TradeRow.timestamp >= start, TradeRow.timestamp < end)
                .order_by(TradeRow.timestamp, TradeRow.id)
            )
        )
        statuses = session.scalars(
            select(OrderRow.status).where(OrderRow.timestamp >= start, OrderRow.timestamp < end)
        )
        orders_by_status = dict(Counter(statuses))
        history = list(
            session.scalars(
                select(FillRow)
                .where(FillRow.timestamp < end)
                .order_by(FillRow.timestamp, FillRow.id)
            )
        )
        equity = _equity(session, start, end)
    day_fills = [row for row in history if row.timestamp >= start]
    wins = sum(1 for trade in trades if trade.pnl > 0)
    losses = sum(1 for trade in trades if trade.pnl < 0)
    return DailyReport(
        day=day,
        generated_at=generated,
        complete=generated >= end,
        trades_closed=len(trades),
        winning_trades=wins,
        losing_trades=losses,
        win_rate=wins / len(trades) if trades else None,
        realized_pnl=sum((trade.pnl for trade in trades), ZERO),
        trade_fees=sum((trade.fees for trade in trades), ZERO),
        fees_paid=sum((row.fee for row in day_fills), ZERO),
        orders_by_status=orders_by_status,
        fills=len(day_fills),
        volume=sum((row.price * row.quantity for row in day_fills), ZERO),
        by_symbol=_by_symbol(trades),
        open_positions=_open_positions(history),
        equity=equity,
    )


def write_daily_report(report: DailyReport, output_dir: Path) -> tuple[Path, Path]:
    """Write ``<output_dir>/daily/daily_pnl_<day>.json`` and ``.md`` atomically."""
    stem = output_dir / DAILY_DIRECTORY / f"daily_pnl_{report.day.isoformat()}"
    return write_report(stem, report.to_json(), render_daily_markdown(report))


def render_daily_markdown(report: DailyReport) -> str:
    data = report.to_json()
    win_rate = "n/a" if report.win_rate is None else f"{report.win_rate:.1%}"
    state = "complete" if report.complete else "partial: the day had not ended"
    lines = [
        f"# Daily P&L report — {data['day']} (UTC)",
        "",
        f"Generated {data['generated_at']} ({state}).",
        "",
        "| figure | value |",
        "|---|---|",
        f"| realized P&L (net of fees) | {data['realized_pnl']} |",
        f"| trades closed | {report.trades_closed} |",
        f"| winning / losing | {report.winning_trades} / {report.losing_trades} |",
        f"| win rate | {win_rate} |",
        f"| fees of closed trades | {data['trade_fees']} |",
        f"| fees paid by the day's fills | {data['fees_paid']} |",
        f"| orders | {data['orders']} |",
        f"| fills | {report.fills} |",
        f"| volume (price × quantity) | {data['volume']} |",
        "",
        "## Orders by status",
        "",
        *_bullets(
            f"{status}: {count}" for status, count in sorted(report.orders_by_status.items())
        ),
        "",
        "## P&L by symbol",
        "",
        *_table(
            ("symbol", "trades", "realized P&L", "fees"),
            [
                (s.symbol, str(s.trades), decimal_text(s.realized_pnl), decimal_text(s.fees))
                for s in report.by_symbol
            ],
        ),
        "",
        "## Open positions at the end of the day",
        "",
        *_table(
            ("symbol", "quantity", "average price"),
            [
                (p.symbol, decimal_text(p.quantity), decimal_text(p.average_price))
                for p in report.open_positions
            ],
        ),
        "",
        "## Equity",
        "",
        *_equity_lines(report.equity),
    ]
    return "\n".join(lines) + "\n"


def _equity(session: Session, start: datetime, end: datetime) -> EquityFigures | None:
    portfolio = PerformanceMetricRow.scope == PORTFOLIO_SCOPE
    rows = list(
        session.scalars(
            select(PerformanceMetricRow)
            .where(portfolio, PerformanceMetricRow.timestamp >= start)
            .where(PerformanceMetricRow.timestamp < end)
            .order_by(PerformanceMetricRow.timestamp)
        )
    )
    if not rows:
        return None
    before = session.scalars(
        select(PerformanceMetricRow.equity)
        .where(portfolio, PerformanceMetricRow.timestamp < start)
        .order_by(PerformanceMetricRow.timestamp.desc())
        .limit(1)
    ).first()
    opening = before if before is not None else rows[0].equity
    peak, drawdown = opening, 0.0
    for row in rows:
        peak = max(peak, row.equity)
        if peak > 0:
            drawdown = max(drawdown, float((peak - row.equity) / peak))
    last = rows[-1]
    return EquityFigures(
        start=opening,
        end=last.equity,
        change=last.equity - opening,
        max_intraday_drawdown=drawdown,
        snapshots=len(rows),
        last_snapshot={
            "timestamp": last.timestamp.isoformat(),
            "equity": decimal_text(last.equity),
            "cash": None if last.cash is None else decimal_text(last.cash),
            "pnl": decimal_text(last.pnl),
            "daily_pnl": None if last.daily_pnl is None else decimal_text(last.daily_pnl),
            "drawdown": last.drawdown,
            "win_rate": last.win_rate,
            "sharpe_ratio": last.sharpe_ratio,
            "trade_count": last.trade_count,
        },
    )


def _by_symbol(trades: list[TradeRow]) -> tuple[SymbolPnl, ...]:
    symbols = sorted({trade.symbol for trade in trades})
    return tuple(
        SymbolPnl(
            symbol=symbol,
            trades=sum(1 for t in trades if t.symbol == symbol),
            realized_pnl=sum((t.pnl for t in trades if t.symbol == symbol), ZERO),
            fees=sum((t.fees for t in trades if t.symbol == symbol), ZERO),
        )
        for symbol in symbols
    )


def _open_positions(history: list[FillRow]) -> tuple[OpenPosition, ...]:
    positions: dict[str, Position] = {}
    for row in history:
        position = positions.get(row.symbol, Position(row.symbol))
        positions[row.symbol] = position.apply(_fill(row))
    return tuple(
        OpenPosition(p.symbol, p.quantity, p.average_price)
        for p in sorted(positions.values(), key=lambda p: p.symbol)
        if not p.is_flat
    )


def _fill(row: FillRow) -> Fill:
    return Fill(
        client_order_id=ClientOrderId(row.client_order_id),
        venue_order_id=VenueOrderId(row.venue_order_id),
        trade_id=TradeId(row.trade_id),
        venue=row.venue,
        symbol=row.symbol,
        side=Side(row.side),
        quantity=row.quantity,
        price=row.price,
        fee=row.fee,
        liquidity=LiquiditySide(row.liquidity),
        ts_event=0,
    )


def _symbol_json(item: SymbolPnl) -> dict[str, object]:
    return {
        "symbol": item.symbol,
        "trades": item.trades,
        "realized_pnl": decimal_text(item.realized_pnl),
        "fees": decimal_text(item.fees),
    }


def _position_json(item: OpenPosition) -> dict[str, object]:
    return {
        "symbol": item.symbol,
        "quantity": decimal_text(item.quantity),
        "average_price": decimal_text(item.average_price),
    }


def _equity_json(equity: EquityFigures | None) -> dict[str, object] | None:
    if equity is None:
        return None
    return {
        "start": decimal_text(equity.start),
        "end": decimal_text(equity.end),
        "change": decimal_text(equity.change),
        "max_intraday_drawdown": equity.max_intraday_drawdown,
        "snapshots": equity.snapshots,
        "last_snapshot": equity.last_snapshot,
    }


def _equity_lines(equity: EquityFigures | None) -> list[str]:
    if equity is None:
        return ["No performance snapshot was recorded this day."]
    return [
        f"- start: {decimal_text(equity.start)}",
        f"- end: {decimal_text(equity.end)} (change {decimal_text(equity.change)})",
        f"- max intraday drawdown: {equity.max_intraday_drawdown:.2%}",
        f"- snapshots: {equity.snapshots}, last at {equity.last_snapshot['timestamp']}",
    ]


def _bullets(items: Iterable[str]) -> list[str]:
    lines = [f"- {item}" for item in items]
    return lines or ["None."]


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
    if not rows:
        return ["None."]
    return [
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
        *("| " + " | ".join(row) + " |" for row in rows),
    ]


def decimal_text(value: Decimal) -> str:
    """``value`` without trailing zeros, never in exponent form: ``10.500`` → ``10.5``.
    PostgreSQL hands back 18 decimal places and SQLite what was stored; both print alike."""
    return format(value.normalize(_WIDE), "f")


def write_report(stem: Path, document: dict[str, object], markdown: str) -> tuple[Path, Path]:
    """Write ``<stem>.json`` and ``<stem>.md``, each replaced atomically; returns both."""
    json_path = stem.with_name(stem.name + ".json")
    markdown_path = stem.with_name(stem.name + ".md")
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    write_atomically(json_path, text.encode("utf-8"))
    write_atomically(markdown_path, markdown.encode("utf-8"))
    return json_path, markdown_path
