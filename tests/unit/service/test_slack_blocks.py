"""Block Kit replies: header, fields, context blocks within Slack's limits, user text
escaped, changes posted in the channel and naming who made them."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from ai_trader.domain.enums import Mode
from ai_trader.service import schemas
from ai_trader.service.slack_blocks import (
    MAX_FIELDS,
    canary_message,
    escape,
    fields,
    header,
    mode_message,
    refusal_message,
    status_message,
)

NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)


def status(positions: int = 1, halt_reason: str | None = None) -> schemas.StatusResponse:
    return schemas.StatusResponse(
        run_id="run-1",
        started_at=NOW,
        portfolio=schemas.PortfolioView(
            starting_cash=100_000,
            cash=90_000,
            equity=101_234.5,
            realized_pnl=1_000,
            unrealized_pnl=234.5,
            fees_paid=12,
            positions=[
                schemas.PositionView(
                    symbol=f"S{i}/USD",
                    quantity=Decimal("0.5"),
                    average_price=Decimal(100),
                    mark_price=Decimal(101),
                    unrealized_pnl=0.5,
                )
                for i in range(positions)
            ],
            open_orders=[],
        ),
        performance=schemas.PerformanceView(
            total_return=0.01,
            daily_pnl=10,
            drawdown=0,
            peak_equity=101_234.5,
            closed_trades=0,
            win_rate=None,
            sharpe=None,
            max_drawdown=0,
        ),
        trading=schemas.TradingView(
            mode=Mode.HALT if halt_reason else Mode.PAPER,
            halted=halt_reason is not None,
            halt_reason=halt_reason,
            trading_halted_until=None,
            exec_mode="paper",
            dry_run=True,
            strategy="sma_cross",
            symbols=["S0/USD"],
        ),
        components={},
    )


def test_status_when_built_then_equity_mode_halt_orders_and_positions() -> None:
    message = status_message(status(halt_reason="venue <down> & out"))

    assert message.response_type == "ephemeral"
    assert message.blocks[0] == header("ai-trader status")
    texts = [f["text"] for f in message.blocks[1]["fields"]]
    assert texts[:4] == [
        "*Equity*\n101,234.50",
        "*Mode*\nhalt",
        "*Halt*\nvenue &lt;down&gt; &amp; out",
        "*Open orders*\n0",
    ]
    assert "S0/USD 0.5 @ 100" in message.blocks[2]["text"]["text"]
    assert message.blocks[-1]["type"] == "context"
    assert message.text.startswith("equity 101,234.50, mode halt")


def test_status_when_many_positions_then_listed_up_to_ten_and_counted() -> None:
    text = status_message(status(positions=13)).blocks[2]["text"]["text"]

    assert text.count("•") == 10
    assert "… and 3 more" in text


def test_mode_when_changed_then_in_channel_with_who() -> None:
    view = schemas.ModeResponse(
        mode=Mode.HALT,
        halted=True,
        halt_reason="maintenance",
        trading_halted_until=None,
        changed_at=NOW,
        changed_by="slack:U1",
    )

    message = mode_message(view, changed_by="<@U1> (olivia)")

    assert message.response_type == "in_channel"
    assert message.blocks[0]["text"]["text"] == "Trading mode set to halt"
    assert message.blocks[-1] == {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": "by <@U1> (olivia)"}],
    }
    assert message.text == "Trading mode set to halt (by <@U1> (olivia))"


def test_canary_when_viewed_then_ephemeral_listing_colours() -> None:
    view = schemas.CanaryResponse(
        active="blue",
        colors=[
            schemas.ColorView(
                color="blue",
                path="config/blue.toml",
                active=True,
                strategy="sma",
                params={},
                problem=None,
            ),
            schemas.ColorView(
                color="green",
                path="config/green.toml",
                active=False,
                strategy=None,
                params={},
                problem="missing file",
            ),
        ],
    )

    message = canary_message(view)

    assert message.response_type == "ephemeral"
    assert message.blocks[1]["text"]["text"] == (
        "• *blue* (active): sma\n• *green* (standby): no config — missing file"
    )


def test_refusal_when_usage_given_then_context_block_and_fallback_text() -> None:
    message = refusal_message("Not understood", "unknown mode 'x'", "/mode [auto|halt]")

    assert message.response_type == "ephemeral"
    assert message.blocks[-1]["elements"][0]["text"] == "usage: `/mode [auto|halt]`"
    assert message.text == "Not understood: unknown mode 'x' (usage: /mode [auto|halt])"
    assert message.as_kwargs() == {
        "text": message.text,
        "blocks": message.blocks,
        "response_type": "ephemeral",
    }


def test_blocks_when_too_long_then_cut_to_slack_limits() -> None:
    assert len(header("x" * 500)["text"]["text"]) == 150
    assert len(fields([("a", "b")] * 12)["fields"]) == MAX_FIELDS
    assert escape("a<b>&c") == "a&lt;b&gt;&amp;c"
