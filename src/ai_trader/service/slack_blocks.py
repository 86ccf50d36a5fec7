"""Slack Block Kit replies for chat-ops (``docs/operations/chatops.md``).

Each builder turns one facade answer into a ``SlackMessage``: blocks (header, section,
fields, context) plus the plain ``text`` Slack shows in notifications and where blocks
cannot be drawn. Changes are posted ``in_channel`` so the channel sees who did what;
reads and refusals are ``ephemeral`` (only the person who asked sees them).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from ai_trader.runtime.snapshot import SnapshotResult
from ai_trader.service import schemas

MAX_HEADER = 150  # Block Kit limits: header text, section text, fields per section
MAX_TEXT = 3000
MAX_FIELDS = 10
MAX_LISTED = 10  # positions and history lines shown; the rest is counted

ResponseType = Literal["in_channel", "ephemeral"]
Block = dict[str, Any]


@dataclass(frozen=True)
class SlackMessage:
    text: str
    blocks: list[Block]
    response_type: ResponseType = "ephemeral"

    def as_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for bolt's ``ack(...)`` and ``respond(...)``."""
        return {"text": self.text, "blocks": self.blocks, "response_type": self.response_type}


# -- blocks ---------------------------------------------------------------------------


def escape(text: str) -> str:
    """Slack's mrkdwn escaping of the three control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def header(text: str) -> Block:
    return {"type": "header", "text": {"type": "plain_text", "text": _cut(text, MAX_HEADER)}}


def section(markdown: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": _cut(markdown, MAX_TEXT)}}


def fields(pairs: list[tuple[str, str]]) -> Block:
    """A section of two-column ``*label*\\nvalue`` fields (at most ten)."""
    return {
        "type": "section",
        "fields": [
            {"type": "mrkdwn", "text": _cut(f"*{label}*\n{value}", 2000)}
            for label, value in pairs[:MAX_FIELDS]
        ],
    }


def context(*markdown: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": m} for m in markdown]}


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _money(value: float) -> str:
    return f"{value:,.2f}"


def _announce(title: str, who: str, view: list[Block], summary: str) -> SlackMessage:
    """A change, posted to the channel with who made it."""
    blocks = [header(title), *view, context(f"by {who}")]
    return SlackMessage(f"{summary} (by {who})", blocks, "in_channel")


# -- replies --------------------------------------------------------------------------


def status_message(status: schemas.StatusResponse) -> SlackMessage:
    portfolio, trading = status.portfolio, status.trading
    halt = escape(trading.halt_reason) if trading.halt_reason else "not halted"
    blocks = [
        header("ai-trader status"),
        fields(
            [
                ("Equity", _money(portfolio.equity)),
                ("Mode", trading.mode.value),
                ("Halt", halt),
                ("Open orders", str(len(portfolio.open_orders))),
                ("Realized P&L", _money(portfolio.realized_pnl)),
                ("Unrealized P&L", _money(portfolio.unrealized_pnl)),
            ]
        ),
        section(_positions(portfolio.positions)),
        context(f"run {status.run_id} · {trading.exec_mode} · strategy {trading.strategy}"),
    ]
    text = (
        f"equity {_money(portfolio.equity)}, mode {trading.mode.value}, {halt}, "
        f"{len(portfolio.positions)} positions, {len(portfolio.open_orders)} open orders"
    )
    return SlackMessage(text, blocks)


def _positions(positions: list[schemas.PositionView]) -> str:
    if not positions:
        return "*Positions*: none"
    lines = [
        f"• {escape(p.symbol)} {p.quantity} @ {p.average_price} "
        f"(unrealized {_money(p.unrealized_pnl)})"
        for p in positions[:MAX_LISTED]
    ]
    if len(positions) > MAX_LISTED:
        lines.append(f"… and {len(positions) - MAX_LISTED} more")
    return "*Positions*\n" + "\n".join(lines)


def health_message(health: schemas.HealthResponse) -> SlackMessage:
    reasons = "\n".join(f"• {escape(r)}" for r in health.reasons) or "all checks pass"
    blocks = [
        header(f"ai-trader is {health.status}"),
        section(reasons),
        context(f"checked {health.checked_at.isoformat(timespec='seconds')}"),
    ]
    return SlackMessage(f"health: {health.status}", blocks)


def mode_message(mode: schemas.ModeResponse, changed_by: str | None = None) -> SlackMessage:
    pairs = [("Mode", mode.mode.value), ("Halted", "yes" if mode.halted else "no")]
    if mode.halt_reason:
        pairs.append(("Halt reason", escape(mode.halt_reason)))
    if mode.trading_halted_until:
        pairs.append(("Halted until", mode.trading_halted_until.isoformat(timespec="seconds")))
    if mode.changed_by:
        pairs.append(("Last changed by", escape(mode.changed_by)))
    view = [fields(pairs)]
    if changed_by is not None:
        title = f"Trading mode set to {mode.mode.value}"
        return _announce(title, changed_by, view, title)
    return SlackMessage(f"mode {mode.mode.value}", [header("Trading mode"), *view])


def canary_message(canary: schemas.CanaryResponse, changed_by: str | None = None) -> SlackMessage:
    lines = []
    for color in canary.colors:
        mark = "active" if color.active else "standby"
        strategy = escape(color.strategy) if color.strategy else "no config"
        problem = f" — {escape(color.problem)}" if color.problem else ""
        lines.append(f"• *{color.color}* ({mark}): {strategy}{problem}")
    view = [section("\n".join(lines) or "no colours configured")]
    if changed_by is not None:
        title = f"Canary switched to {canary.active}"
        return _announce(title, changed_by, view, title)
    return SlackMessage(f"canary: {canary.active} active", [header("Blue/green"), *view])


def capital_message(
    capital: schemas.CapitalResponse, changed_by: str | None = None
) -> SlackMessage:
    approved = escape(capital.approved_by) if capital.approved_by else "-"
    view = [
        fields(
            [
                ("Stage", f"{capital.percent:g}%"),
                ("Effective capital", _money(capital.effective_capital)),
                ("Total capital", _money(capital.total_capital)),
                ("Approved by", approved),
            ]
        )
    ]
    if capital.reason:
        view.append(context(f"reason: {escape(capital.reason)}"))
    summary = f"capital stage {capital.percent:g}%"
    if changed_by is not None:
        return _announce(f"Capital stage set to {capital.percent:g}%", changed_by, view, summary)
    return SlackMessage(summary, [header("Capital stage"), *view])


def snapshot_message(result: SnapshotResult, changed_by: str) -> SlackMessage:
    missing = ", ".join(sorted(result.missing)) or "none"
    view = [
        fields(
            [
                ("Archive", f"`{escape(str(result.path))}`"),
                ("Size", f"{result.size_bytes:,} bytes"),
                ("Files", str(len(result.files))),
                ("Missing", escape(missing)),
            ]
        )
    ]
    return _announce("Incident snapshot captured", changed_by, view, f"snapshot {result.path}")


def pending_message(text: str) -> SlackMessage:
    """The immediate answer to a command whose result follows on the response URL."""
    return SlackMessage(text, [section(f":hourglass_flowing_sand: {escape(text)}")])


def refusal_message(title: str, problem: str, usage: str | None = None) -> SlackMessage:
    """A refusal or failure, shown only to the person who asked."""
    blocks = [header(title), section(escape(problem))]
    if usage is not None:
        blocks.append(context(f"usage: `{escape(usage)}`"))
    text = f"{title}: {problem}" + (f" (usage: {usage})" if usage else "")
    return SlackMessage(text, blocks)
