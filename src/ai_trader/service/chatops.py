"""Chat-ops commands (SPEC API-4): parse a slash command, check the user's role, act
through the facade, answer with a ``SlackMessage``. No Slack or HTTP here (that is
``slack_app``), so every rule is testable with a fake facade.

    /status                               viewer
    /health                               viewer
    /mode [auto|manual|paper|halt] [why]  viewer without arguments, operator to change
    /canary [blue|green] [why]            viewer without arguments, operator to switch
    /capital [stage N [why]]              viewer without arguments, operator to stage
    /snapshot now [why]                   operator; the archive follows on the response URL

Every command is audited (action ``chat_command``) with the actor ``slack:<user id>``, the
user name, the command line and its outcome: ``accepted``, ``refused_role``,
``bad_arguments`` or ``failed``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from ai_trader.core.errors import AiTraderError
from ai_trader.domain.enums import Mode
from ai_trader.domain.roles import Role
from ai_trader.runtime.snapshot import SnapshotResult
from ai_trader.service import schemas
from ai_trader.service.slack_blocks import (
    SlackMessage,
    canary_message,
    capital_message,
    health_message,
    mode_message,
    pending_message,
    refusal_message,
    snapshot_message,
    status_message,
)

logger = logging.getLogger(__name__)

USAGE = {
    "status": "/status",
    "health": "/health",
    "mode": "/mode [auto|manual|paper|halt] [reason…]",
    "canary": "/canary [blue|green] [reason…]",
    "capital": "/capital [stage N [reason…]]",
    "snapshot": "/snapshot now [reason…]",
}
# Slack reserves some names (``/status`` is built in), so a workspace may register the
# commands as ``/trader-status`` and so on; both spellings are accepted.
COMMAND_PREFIXES = ("/trader-", "/")
MAX_REASON = 200
COLORS = ("blue", "green")


class ChatUsageError(AiTraderError):
    """The command or its arguments are not understood; ``usage`` says what is."""

    def __init__(self, problem: str, usage: str) -> None:
        super().__init__(problem)
        self.usage = usage


class ChatFacade(Protocol):
    """What chat-ops needs of ``TradingFacade``."""

    def status(self) -> schemas.StatusResponse: ...
    def health(self) -> schemas.HealthResponse: ...
    def mode(self) -> schemas.ModeResponse: ...
    def set_mode(
        self, mode: Mode, *, reason: str, actor: str, until: datetime | None = None
    ) -> schemas.ModeResponse: ...
    def canary_view(self) -> schemas.CanaryResponse: ...
    def canary_switch(
        self, color: str | None, reason: str, actor: str
    ) -> schemas.CanaryResponse: ...
    def capital_view(self) -> schemas.CapitalResponse: ...
    def stage_capital(self, percent: int, reason: str, actor: str) -> schemas.CapitalResponse: ...
    def capture_snapshot(self, actor: str, reason: str) -> SnapshotResult: ...
    def audit_chat_command(self, actor: str, reason: str, details: dict[str, Any]) -> None: ...


@dataclass(frozen=True)
class ChatRequest:
    command: str
    text: str
    user_id: str
    user_name: str

    @property
    def actor(self) -> str:
        return f"slack:{self.user_id}"

    @property
    def line(self) -> str:
        return f"{self.command} {self.text}".strip()


Run = Callable[[ChatFacade, ChatRequest], SlackMessage]


@dataclass(frozen=True)
class Action:
    """A parsed command: what it runs, the role it needs, the reason it carries."""

    name: str
    role: Role
    run: Run
    reason: str = ""
    slow: bool = False  # answered at once; the result follows on the response URL


@dataclass(frozen=True)
class Outcome:
    """The immediate answer and, for a slow command, the work whose answer follows."""

    reply: SlackMessage
    follow_up: Callable[[], SlackMessage] | None = None


def command_name(command: str) -> str:
    """``/mode`` and ``/trader-mode`` → ``mode``."""
    for prefix in COMMAND_PREFIXES:
        if command.startswith(prefix):
            return command.removeprefix(prefix).lower()
    return command.lower()


def parse(command: str, text: str, user_name: str) -> Action:
    """The action a command line asks for; ``ChatUsageError`` when it is not understood."""
    name = command_name(command)
    parser = _PARSERS.get(name)
    if parser is None:
        known = ", ".join(usage.split()[0] for usage in USAGE.values())
        raise ChatUsageError(f"unknown command {command}; the commands are {known}", known)
    words = text.split()
    try:
        return parser(words, _reason(words, user_name))
    except ChatUsageError:
        raise
    except ValueError as exc:
        raise ChatUsageError(str(exc), USAGE[name]) from None


def _reason(words: list[str], user_name: str) -> Callable[[int], str]:
    """The reason given after the first ``skip`` words, or a default naming the user."""

    def reason(skip: int) -> str:
        given = " ".join(words[skip:])
        if len(given) > MAX_REASON:
            raise ValueError(f"the reason is {len(given)} characters; at most {MAX_REASON}")
        return given or f"from Slack by {user_name}"

    return reason


def _no_arguments(name: str, run: Run) -> Callable[[list[str], Callable[[int], str]], Action]:
    def parse_(words: list[str], reason: Callable[[int], str]) -> Action:
        if words:
            raise ValueError(f"/{name} takes no arguments")
        return Action(name, Role.VIEWER, run)

    return parse_


def _parse_mode(words: list[str], reason: Callable[[int], str]) -> Action:
    if not words:
        return Action("mode", Role.VIEWER, lambda f, r: mode_message(f.mode()))
    choice = words[0].lower()
    if choice not in {m.value for m in Mode}:
        raise ValueError(f"unknown mode {words[0]!r}; use auto, manual, paper or halt")
    why = reason(1)

    def run(facade: ChatFacade, request: ChatRequest) -> SlackMessage:
        view = facade.set_mode(Mode(choice), reason=why, actor=request.actor)
        return mode_message(view, changed_by=_who(request))

    return Action("set_mode", Role.OPERATOR, run, why)


def _parse_canary(words: list[str], reason: Callable[[int], str]) -> Action:
    if not words:
        return Action("canary", Role.VIEWER, lambda f, r: canary_message(f.canary_view()))
    color = words[0].lower()
    if color not in COLORS:
        raise ValueError(f"unknown colour {words[0]!r}; use blue or green")
    why = reason(1)

    def run(facade: ChatFacade, request: ChatRequest) -> SlackMessage:
        view = facade.canary_switch(color, why, request.actor)
        return canary_message(view, changed_by=_who(request))

    return Action("canary_switch", Role.OPERATOR, run, why)


def _parse_capital(words: list[str], reason: Callable[[int], str]) -> Action:
    if not words:
        return Action("capital", Role.VIEWER, lambda f, r: capital_message(f.capital_view()))
    if words[0].lower() != "stage" or len(words) < 2:
        raise ValueError("to change the stage, say /capital stage N (N a percentage, e.g. 20)")
    percent_text = words[1].removesuffix("%")
    if not percent_text.isdigit():
        raise ValueError(f"stage {words[1]!r} is not a whole percentage, e.g. 20")
    percent = int(percent_text)
    why = reason(2)

    def run(facade: ChatFacade, request: ChatRequest) -> SlackMessage:
        view = facade.stage_capital(percent, why, request.actor)
        return capital_message(view, changed_by=_who(request))

    return Action("stage_capital", Role.OPERATOR, run, why)


def _parse_snapshot(words: list[str], reason: Callable[[int], str]) -> Action:
    if not words or words[0].lower() != "now":
        raise ValueError("say /snapshot now to capture an incident snapshot")
    why = reason(1)

    def run(facade: ChatFacade, request: ChatRequest) -> SlackMessage:
        result = facade.capture_snapshot(request.actor, why)
        return snapshot_message(result, changed_by=_who(request))

    return Action("snapshot", Role.OPERATOR, run, why, slow=True)


_PARSERS: dict[str, Callable[[list[str], Callable[[int], str]], Action]] = {
    "status": _no_arguments("status", lambda f, r: status_message(f.status())),
    "health": _no_arguments("health", lambda f, r: health_message(f.health())),
    "mode": _parse_mode,
    "canary": _parse_canary,
    "capital": _parse_capital,
    "snapshot": _parse_snapshot,
}


def _who(request: ChatRequest) -> str:
    return f"<@{request.user_id}> ({request.user_name})"


class ChatOps:
    """Runs chat commands for the users ``roles`` names; everyone else is refused."""

    def __init__(self, facade: ChatFacade, roles: Mapping[str, Role]) -> None:
        self._facade = facade
        self._roles = dict(roles)

    def handle(self, request: ChatRequest) -> Outcome:
        role = self._roles.get(request.user_id)
        if role is None:
            problem = (
                f"Slack user {request.user_id} has no ai-trader role; an admin can add "
                "it to SLACK_USER_ROLES"
            )
            self._record(request, "refused_role", problem)
            return Outcome(refusal_message("Not allowed", problem))
        try:
            action = parse(request.command, request.text, request.user_name)
        except ChatUsageError as exc:
            self._record(request, "bad_arguments", str(exc), role)
            return Outcome(refusal_message("Not understood", str(exc), exc.usage))
        if not role.allows(action.role):
            problem = f"{request.line} needs the {action.role.value} role; you are {role.value}"
            self._record(request, "refused_role", problem, role)
            return Outcome(refusal_message("Not allowed", problem))
        if action.slow:
            pending = pending_message(f"{request.line}: working on it, the result follows…")
            return Outcome(pending, lambda: self._run(request, action, role))
        return Outcome(self._run(request, action, role))

    def _run(self, request: ChatRequest, action: Action, role: Role) -> SlackMessage:
        try:
            reply = action.run(self._facade, request)
        except AiTraderError as exc:  # refused by the facade: risk, halt, bad stage …
            self._record(request, "failed", str(exc), role)
            return refusal_message("Refused", str(exc))
        except Exception as exc:  # the user gets a line, the log the traceback
            logger.exception("chat command %r by %s failed", request.line, request.actor)
            problem = f"{request.line} failed ({type(exc).__name__}); the service log has why"
            self._record(request, "failed", problem, role)
            return refusal_message("Failed", problem)
        self._record(request, "accepted", action.reason or action.name, role)
        return reply

    def _record(
        self, request: ChatRequest, outcome: str, reason: str, role: Role | None = None
    ) -> None:
        level = logging.INFO if outcome == "accepted" else logging.WARNING
        logger.log(level, "chat command %r by %s: %s", request.line, request.actor, outcome)
        details = {
            "command": request.line,
            "outcome": outcome,
            "user_id": request.user_id,
            "user_name": request.user_name,
            "role": role.value if role else None,
        }
        self._facade.audit_chat_command(request.actor, reason, details)
