"""Chat-ops rules without Slack: parsing, usage errors, roles, facade refusals and the
audit record of every command."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from ai_trader.core.errors import ConfigurationError
from ai_trader.domain.enums import Mode
from ai_trader.domain.roles import Role
from ai_trader.runtime.snapshot import SnapshotResult
from ai_trader.service import schemas
from ai_trader.service.chatops import ChatOps, ChatRequest, ChatUsageError, command_name, parse

OPERATOR, VIEWER = "U0OPERATOR1", "U0VIEWER01"
ROLES = {OPERATOR: Role.OPERATOR, VIEWER: Role.VIEWER}


class FakeFacade:
    """Records the calls chat-ops makes; ``refuse`` makes the changes fail."""

    def __init__(self) -> None:
        self.current = Mode.PAPER
        self.calls: list[tuple[str, Any]] = []
        self.audits: list[tuple[str, str, dict[str, Any]]] = []
        self.refuse: Exception | None = None

    def _change(self, name: str, *args: Any) -> None:
        if self.refuse is not None:
            raise self.refuse
        self.calls.append((name, args))

    def status(self) -> schemas.StatusResponse:
        raise NotImplementedError("not used by these tests")

    def health(self) -> schemas.HealthResponse:
        return schemas.HealthResponse(status="healthy", reasons=[], checked_at=datetime.now(UTC))

    def mode(self) -> schemas.ModeResponse:
        return schemas.ModeResponse(
            mode=self.current,
            halted=self.current is Mode.HALT,
            halt_reason=None,
            trading_halted_until=None,
            changed_at=None,
            changed_by=None,
        )

    def set_mode(
        self, mode: Mode, *, reason: str, actor: str, until: datetime | None = None
    ) -> schemas.ModeResponse:
        self._change("set_mode", mode, reason, actor)
        self.current = mode
        return self.mode()

    def canary_view(self) -> schemas.CanaryResponse:
        return schemas.CanaryResponse(active="blue", colors=[])

    def canary_switch(self, color: str | None, reason: str, actor: str) -> schemas.CanaryResponse:
        self._change("canary_switch", color, reason, actor)
        return schemas.CanaryResponse(active=color or "blue", colors=[])

    def capital_view(self) -> schemas.CapitalResponse:
        return schemas.CapitalResponse(
            percent=10,
            effective_capital=10_000,
            total_capital=100_000,
            approved_by=None,
            approved_at=None,
            reason=None,
            history=[],
        )

    def stage_capital(self, percent: int, reason: str, actor: str) -> schemas.CapitalResponse:
        self._change("stage_capital", percent, reason, actor)
        return self.capital_view()

    def capture_snapshot(self, actor: str, reason: str) -> SnapshotResult:
        self._change("capture_snapshot", actor, reason)
        return SnapshotResult(Path("snapshots/s.tgz"), {"a": "b"}, {}, 123)

    def audit_chat_command(self, actor: str, reason: str, details: dict[str, Any]) -> None:
        self.audits.append((actor, reason, details))


@pytest.fixture
def facade() -> FakeFacade:
    return FakeFacade()


def request(line: str, user: str = OPERATOR) -> ChatRequest:
    command, _, text = line.partition(" ")
    return ChatRequest(command=command, text=text, user_id=user, user_name="olivia")


# -- parsing ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "name", "role"),
    [
        ("/status", "status", Role.VIEWER),
        ("/health", "health", Role.VIEWER),
        ("/mode", "mode", Role.VIEWER),
        ("/mode halt", "set_mode", Role.OPERATOR),
        ("/canary", "canary", Role.VIEWER),
        ("/canary BLUE", "canary_switch", Role.OPERATOR),
        ("/capital", "capital", Role.VIEWER),
        ("/capital stage 20%", "stage_capital", Role.OPERATOR),
        ("/snapshot now", "snapshot", Role.OPERATOR),
    ],
)
def test_parse_when_valid_then_action_and_role(line: str, name: str, role: Role) -> None:
    command, _, text = line.partition(" ")

    action = parse(command, text, "olivia")

    assert (action.name, action.role) == (name, role)


def test_parse_when_reason_given_then_kept_else_default_names_user() -> None:
    assert parse("/mode", "halt venue down for maintenance", "olivia").reason == (
        "venue down for maintenance"
    )
    assert parse("/mode", "halt", "olivia").reason == "from Slack by olivia"
    assert parse("/capital", "stage 30 next step", "olivia").reason == "next step"


@pytest.mark.parametrize(
    ("line", "problem", "usage"),
    [
        ("/mode sideways", "unknown mode 'sideways'", "/mode [auto|manual|paper|halt]"),
        ("/canary red", "unknown colour 'red'", "/canary [blue|green]"),
        ("/capital stage", "/capital stage N", "/capital [stage N"),
        ("/capital stage ten", "not a whole percentage", "/capital [stage N"),
        ("/capital raise 20", "/capital stage N", "/capital [stage N"),
        ("/snapshot", "/snapshot now", "/snapshot now"),
        ("/status please", "takes no arguments", "/status"),
        ("/health now", "takes no arguments", "/health"),
        ("/launch missiles", "unknown command /launch", "/status, /health"),
    ],
)
def test_parse_when_not_understood_then_usage_error(line: str, problem: str, usage: str) -> None:
    command, _, text = line.partition(" ")

    with pytest.raises(ChatUsageError) as raised:
        parse(command, text, "olivia")

    assert problem in str(raised.value)
    assert raised.value.usage.startswith(usage)


def test_parse_when_reason_too_long_then_usage_error() -> None:
    with pytest.raises(ChatUsageError, match="at most 200"):
        parse("/mode", "halt " + "x" * 201, "olivia")


def test_command_name_when_trader_prefix_then_same_command() -> None:
    assert command_name("/trader-status") == command_name("/status") == "status"


# -- roles, outcomes and audit -----------------------------------------------------------


def test_handle_when_operator_changes_mode_then_done_in_channel_and_audited(
    facade: FakeFacade,
) -> None:
    outcome = ChatOps(facade, ROLES).handle(request("/mode halt venue down"))

    assert facade.calls == [("set_mode", (Mode.HALT, "venue down", f"slack:{OPERATOR}"))]
    assert outcome.reply.response_type == "in_channel"
    assert outcome.follow_up is None
    actor, reason, details = facade.audits[-1]
    assert (actor, reason) == (f"slack:{OPERATOR}", "venue down")
    assert details == {
        "command": "/mode halt venue down",
        "outcome": "accepted",
        "user_id": OPERATOR,
        "user_name": "olivia",
        "role": "operator",
    }


def test_handle_when_viewer_reads_then_answered_ephemeral(facade: FakeFacade) -> None:
    outcome = ChatOps(facade, ROLES).handle(request("/mode", VIEWER))

    assert outcome.reply.response_type == "ephemeral"
    assert outcome.reply.text == "mode paper"
    assert facade.audits[-1][2]["outcome"] == "accepted"


def test_handle_when_viewer_changes_then_refused_and_nothing_done(facade: FakeFacade) -> None:
    outcome = ChatOps(facade, ROLES).handle(request("/capital stage 20", VIEWER))

    assert facade.calls == []
    assert outcome.reply.response_type == "ephemeral"
    assert "needs the operator role; you are viewer" in outcome.reply.text
    assert facade.audits[-1][2]["outcome"] == "refused_role"


def test_handle_when_unknown_user_then_refused_before_parsing(facade: FakeFacade) -> None:
    outcome = ChatOps(facade, ROLES).handle(request("/mode sideways", "U0STRANGER"))

    assert "has no ai-trader role" in outcome.reply.text
    assert "usage" not in outcome.reply.text
    actor, _, details = facade.audits[-1]
    assert actor == "slack:U0STRANGER"
    assert (details["outcome"], details["role"]) == ("refused_role", None)


def test_handle_when_bad_arguments_then_usage_reply_and_audited(facade: FakeFacade) -> None:
    outcome = ChatOps(facade, ROLES).handle(request("/canary purple"))

    assert "usage: /canary [blue|green] [reason…]" in outcome.reply.text
    assert facade.audits[-1][2]["outcome"] == "bad_arguments"


def test_handle_when_facade_refuses_then_clear_reply_and_failed(facade: FakeFacade) -> None:
    facade.refuse = ConfigurationError("stage 100 is more than one step up from 10")

    outcome = ChatOps(facade, ROLES).handle(request("/capital stage 100"))

    assert outcome.reply.text == "Refused: stage 100 is more than one step up from 10"
    assert facade.audits[-1][2]["outcome"] == "failed"


def test_handle_when_facade_breaks_then_no_traceback_in_reply(facade: FakeFacade) -> None:
    facade.refuse = RuntimeError("disk on fire")

    outcome = ChatOps(facade, ROLES).handle(request("/canary green"))

    assert "RuntimeError" in outcome.reply.text
    assert "Traceback" not in outcome.reply.text
    assert facade.audits[-1][2]["outcome"] == "failed"


def test_handle_when_snapshot_then_pending_reply_and_work_in_follow_up(
    facade: FakeFacade,
) -> None:
    outcome = ChatOps(facade, ROLES).handle(request("/snapshot now pre-release"))

    assert "working on it" in outcome.reply.text
    assert facade.calls == []
    assert outcome.follow_up is not None
    result = outcome.follow_up()
    assert facade.calls == [("capture_snapshot", (f"slack:{OPERATOR}", "pre-release"))]
    assert result.response_type == "in_channel"
    assert facade.audits[-1][2]["outcome"] == "accepted"
