"""The HTML tables of a backtest report: statistics and the (last) closed trades."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from ai_trader.core.clock import ns_to_datetime
from ai_trader.portfolio.trades import ClosedTrade

MAX_TRADE_ROWS = 500
TRADE_COLUMNS = (
    "#",
    "side",
    "entry time (UTC)",
    "exit time (UTC)",
    "quantity",
    "entry price",
    "exit price",
    "gross P&L",
    "fees",
    "net P&L",
    "return",
)


def stats_rows(document: Mapping[str, Any], trades: Sequence[ClosedTrade]) -> str:
    """The statistics table; gross and net P&L are those of the closed trades."""
    gross = sum((t.gross_pnl for t in trades), Decimal(0))
    closed_fees = sum((t.fees for t in trades), Decimal(0))
    rows = [
        ("Total return", _percent(document.get("total_return"))),
        ("CAGR", _percent(document.get("cagr"))),
        ("Sharpe", _number(document.get("sharpe"), 2)),
        ("Sortino", _number(document.get("sortino"), 2)),
        ("Max drawdown", _percent(document.get("max_drawdown"))),
        ("Win rate", _percent(document.get("win_rate"))),
        ("Profit factor", _number(document.get("profit_factor"), 2)),
        ("Trades (entries / closed)", f"{document.get('trades')} / {len(trades)}"),
        ("Starting cash", _number(document.get("starting_cash"), 2)),
        ("Final equity", _number(document.get("final_equity"), 2)),
        ("Gross P&L (closed trades)", _number(float(gross), 2)),
        ("Fees (closed trades)", _number(float(closed_fees), 2)),
        ("Net P&L (closed trades)", _number(float(gross - closed_fees), 2)),
        ("Fees paid (all fills)", _number(document.get("fees"), 2)),
        ("Unrealized P&L (open position)", _number(document.get("unrealized_pnl"), 2)),
    ]
    body = "".join(
        f"<tr><th>{html.escape(label)}</th><td>{html.escape(value)}</td></tr>"
        for label, value in rows
    )
    return f'<div class="scroll"><table class="stats"><tbody>{body}</tbody></table></div>'


def trades_table(trades: Sequence[ClosedTrade], limit: int = MAX_TRADE_ROWS) -> str:
    """The last ``limit`` closed trades, newest last, with a note when some are left out."""
    if not trades:
        return '<p class="note">No closed trades.</p>'
    shown = trades[-limit:]
    first_number = len(trades) - len(shown) + 1
    head = "".join(f"<th>{html.escape(c)}</th>" for c in TRADE_COLUMNS)
    body = "".join(
        _trade_row(number, trade) for number, trade in enumerate(shown, start=first_number)
    )
    note = (
        f'<p class="note">Showing the last {len(shown):,} of {len(trades):,} closed trades.</p>'
        if len(shown) < len(trades)
        else f'<p class="note">{len(trades):,} closed trades.</p>'
    )
    return (
        f'{note}<div class="scroll"><table class="trades"><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
    )


def _trade_row(number: int, trade: ClosedTrade) -> str:
    net = trade.net_pnl
    cells = (
        str(number),
        trade.direction,
        ns_to_datetime(trade.entry_ts).strftime("%Y-%m-%d %H:%M"),
        ns_to_datetime(trade.exit_ts).strftime("%Y-%m-%d %H:%M"),
        f"{float(trade.quantity):,.6g}",
        f"{float(trade.entry_price):,.4f}",
        f"{float(trade.exit_price):,.4f}",
        f"{float(trade.gross_pnl):,.2f}",
        f"{float(trade.fees):,.2f}",
        f"{float(net):,.2f}",
        f"{float(trade.return_fraction) * 100:.2f}%",
    )
    tone = "pos" if net > 0 else "neg" if net < 0 else ""
    tds = "".join(f"<td>{html.escape(c)}</td>" for c in cells)
    return f'<tr class="{tone}">{tds}</tr>'


def _percent(value: Any) -> str:
    return "n/a" if value is None else f"{float(value) * 100:.2f}%"


def _number(value: Any, digits: int) -> str:
    return "n/a" if value is None else f"{float(value):,.{digits}f}"
