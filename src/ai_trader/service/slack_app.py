"""``POST /slack/commands``: Slack slash commands through slack-bolt in HTTP mode.

A request is checked before bolt sees it (``RequestGuard``): both Slack headers present,
timestamp within five minutes of now, ``v0=`` HMAC-SHA256 of ``v0:timestamp:body`` under
the signing secret, and — what bolt does not do — a (timestamp, signature) pair not seen
before inside the window. Anything else is answered 401 and logged; nothing runs. Bolt
then verifies the signature again and hands the command to ``ChatOps``.

Without ``SLACK_SIGNING_SECRET`` chat-ops is off and the route answers 404 saying so.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import re
import threading
import time
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from slack_bolt import Ack, App, Respond
from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
from slack_bolt.authorization import AuthorizeResult

from ai_trader.config import Settings
from ai_trader.service.chatops import ChatFacade, ChatOps, ChatRequest
from ai_trader.service.slack_blocks import SlackMessage

logger = logging.getLogger(__name__)

PATH = "/slack/commands"
WINDOW_SECONDS = 300
DISABLED = (
    "chat-ops is off: set SLACK_SIGNING_SECRET (the Slack app's signing secret) and "
    "SLACK_USER_ROLES (e.g. U012AB3CD:operator) to enable /slack/commands; "
    "see docs/operations/chatops.md"
)


class RequestGuard:
    """Slack's request signature check plus replay refusal inside the time window."""

    def __init__(
        self,
        signing_secret: str,
        clock: Callable[[], float] = time.time,
        window_seconds: int = WINDOW_SECONDS,
    ) -> None:
        if not signing_secret:
            raise ValueError("the signing secret must not be empty")
        self._secret = signing_secret.encode("utf-8")
        self._clock = clock
        self._window = window_seconds
        self._seen: dict[tuple[str, str], float] = {}  # (timestamp, signature) → expiry
        self._lock = threading.Lock()

    def problem(self, body: bytes, timestamp: str | None, signature: str | None) -> str | None:
        """Why the request must be refused, or None when it is Slack's and new."""
        if not timestamp or not signature:
            return "missing X-Slack-Request-Timestamp or X-Slack-Signature"
        if not timestamp.isdigit():
            return f"malformed timestamp {timestamp[:20]!r}"
        now = self._clock()
        if abs(now - int(timestamp)) > self._window:
            return f"stale timestamp ({now - int(timestamp):.0f}s from now, limit {self._window}s)"
        if not hmac.compare_digest(self.sign(timestamp, body), signature):
            return "signature does not match the signing secret"
        with self._lock:
            self._seen = {key: end for key, end in self._seen.items() if end > now}
            if (timestamp, signature) in self._seen:
                return "replayed request (timestamp and signature seen before)"
            self._seen[(timestamp, signature)] = int(timestamp) + self._window
        return None

    def sign(self, timestamp: str, body: bytes) -> str:
        base = b"v0:" + timestamp.encode("ascii") + b":" + body
        return "v0=" + hmac.new(self._secret, base, hashlib.sha256).hexdigest()


def build_slack_router(settings: Settings, facade: ChatFacade) -> APIRouter:
    """The ``/slack/commands`` route: bolt behind the guard, or a 404 when chat-ops is off."""
    # Not in the OpenAPI schema: Slack is its only client, and it is guarded by Slack's
    # signature, not by the bearer tokens the schema's other routes take.
    router = APIRouter(tags=["chat-ops"], include_in_schema=False)
    secret = settings.slack_signing_secret
    if secret is None:

        @router.post(PATH, status_code=404)
        def chatops_off() -> JSONResponse:
            """Chat-ops is off (no ``SLACK_SIGNING_SECRET``)."""
            return JSONResponse({"detail": DISABLED}, status_code=404)

        return router
    guard = RequestGuard(secret.get_secret_value())
    bolt = build_bolt_app(secret.get_secret_value(), ChatOps(facade, settings.slack_user_roles))

    @router.post(PATH)
    async def slack_commands(request: Request) -> Response:
        """Slack slash commands (signed by Slack; see ``docs/operations/chatops.md``)."""
        body = await request.body()
        headers = request.headers
        problem = guard.problem(
            body, headers.get("x-slack-request-timestamp"), headers.get("x-slack-signature")
        )
        if problem is not None:
            client = request.client.host if request.client else "unknown"
            logger.warning("Slack request from %s refused: %s", client, problem)
            return JSONResponse({"detail": "invalid Slack request"}, status_code=401)
        # bolt's dispatch blocks until the command acks: keep it off the event loop
        answer = await asyncio.to_thread(bolt.dispatch, to_bolt_request(request, body))
        return to_starlette_response(answer)

    return router


def build_bolt_app(signing_secret: str, chatops: ChatOps) -> App:
    """A bolt ``App`` that needs no bot token: replies go in the HTTP answer (``ack``) and
    to the command's response URL (``respond``), neither of which calls the Web API."""
    app = App(
        name="ai-trader",
        signing_secret=signing_secret,
        authorize=_no_token,
        token_verification_enabled=False,
        request_verification_enabled=True,
        process_before_response=False,  # ack at once; slow work continues in bolt's pool
        url_verification_enabled=False,  # an Events API handshake; commands only here
    )

    def command(ack: Ack, respond: Respond | None, command: dict[str, Any]) -> None:
        request = ChatRequest(
            command=str(command.get("command", "")),
            text=str(command.get("text", "")),
            user_id=str(command.get("user_id", "")),
            user_name=str(command.get("user_name", "")),
        )
        outcome = chatops.handle(request)
        ack(**outcome.reply.as_kwargs())
        if outcome.follow_up is not None:
            _post(request, respond, outcome.follow_up())

    app.command(re.compile(r"^/.+"))(command)
    return app


def _post(request: ChatRequest, respond: Respond | None, reply: SlackMessage) -> None:
    """The result of a slow command, to the response URL Slack gave with the command."""
    if respond is None:
        logger.error("no response URL with %r; its result is lost: %s", request.line, reply.text)
        return
    try:
        answer = respond(**reply.as_kwargs())
    except OSError as exc:
        logger.error("posting the result of %r to the response URL failed: %s", request.line, exc)
        return
    if answer.status_code != 200:
        logger.error(
            "posting the result of %r to the response URL failed: HTTP %s %s",
            request.line,
            answer.status_code,
            answer.body[:200],
        )


def _no_token(enterprise_id: str | None, team_id: str | None) -> AuthorizeResult:
    return AuthorizeResult(enterprise_id=enterprise_id, team_id=team_id)
