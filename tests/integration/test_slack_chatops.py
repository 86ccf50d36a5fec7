"""Slack chat-ops against a real ``ai-trader run``: requests signed exactly as Slack signs
them reach ``POST /slack/commands``; each command answers with blocks, roles decide who
may change what, forged, stale, replayed and unsigned requests get 401 (logged, nothing
run), ``/snapshot now`` posts its result to the response URL, and the audit journal holds
every command with its outcome."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from tests.acceptance.conftest import cli_environment
from tests.integration.test_paging_webhook import Receiver
from tests.support.running_service import (
    RunningService,
    running_service,
    wait_for,
    write_canary_configs,
)

pytestmark = pytest.mark.integration

SECRET = "8f742231b10e8888abcd99yyyzzz85a5-test-signing-secret"
OPERATOR, VIEWER, STRANGER = "U0OPERATOR1", "U0VIEWER01", "U0STRANGER"
ROLES = f"{OPERATOR}:operator,{VIEWER}:viewer"
NAMES = {OPERATOR: "olivia", VIEWER: "victor", STRANGER: "mallory"}


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningService]:
    directory = tmp_path_factory.mktemp("chatops")
    write_canary_configs(directory)
    env = {**cli_environment(), "SLACK_SIGNING_SECRET": SECRET, "SLACK_USER_ROLES": ROLES}
    with running_service(directory, env) as running:
        yield running


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.close()


def sign(body: str, timestamp: str, secret: str = SECRET) -> str:
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def form(command: str, text: str, user: str, response_url: str) -> str:
    """The form body Slack posts for a slash command."""
    return urlencode(
        {
            "token": "deprecated-verification-token",
            "team_id": "T0TEAM",
            "team_domain": "example",
            "channel_id": "C0OPS",
            "channel_name": "trading-ops",
            "user_id": user,
            "user_name": NAMES.get(user, "someone"),
            "command": command,
            "text": text,
            "api_app_id": "A0APP",
            "response_url": response_url,
            "trigger_id": "1.2.3",
        }
    )


def post(
    service: RunningService,
    body: str,
    headers: dict[str, str] | None = None,
    *,
    timestamp: int | None = None,
    secret: str = SECRET,
) -> httpx.Response:
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    signed = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": sign(body, stamp, secret),
    }
    return httpx.post(
        f"{service.url}/slack/commands",
        content=body,
        headers=signed if headers is None else headers,
        timeout=10,
    )


def command(
    service: RunningService, line: str, user: str = OPERATOR, response_url: str = ""
) -> dict[str, Any]:
    name, _, text = line.partition(" ")
    url = response_url or "http://127.0.0.1:9/unused"
    answer = post(service, form(name, text, user, url))
    assert answer.status_code == 200, answer.text
    reply: dict[str, Any] = answer.json()
    assert reply["blocks"], reply
    return reply


def audit(service: RunningService) -> list[dict[str, Any]]:
    path = service.directory / "audit_logs" / "audit.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()]


def chat_records(service: RunningService, line: str) -> list[dict[str, Any]]:
    return [
        r
        for r in audit(service)
        if r["action"] == "chat_command" and r["details"]["command"] == line
    ]


def log_text(service: RunningService) -> str:
    return (service.directory / "logs" / "app.log").read_text()


# -- reading -----------------------------------------------------------------------------


def test_status_when_viewer_asks_then_equity_mode_and_orders_ephemeral(
    service: RunningService,
) -> None:
    reply = command(service, "/status", VIEWER)

    assert reply["response_type"] == "ephemeral"
    assert reply["blocks"][0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "ai-trader status"},
    }
    labels = [f["text"].split("\n")[0] for f in reply["blocks"][1]["fields"]]
    assert labels[:4] == ["*Equity*", "*Mode*", "*Halt*", "*Open orders*"]
    assert "equity" in reply["text"]
    assert "open orders" in reply["text"]
    assert "*Positions*" in reply["blocks"][2]["text"]["text"]


def test_health_when_viewer_asks_then_state_shown(service: RunningService) -> None:
    reply = command(service, "/health", VIEWER)

    assert reply["text"].startswith("health: ")
    assert reply["blocks"][0]["text"]["text"].startswith("ai-trader is ")


def test_views_when_viewer_asks_without_arguments_then_answered(service: RunningService) -> None:
    assert command(service, "/mode", VIEWER)["text"].startswith("mode ")
    assert command(service, "/canary", VIEWER)["text"].startswith("canary: ")
    assert command(service, "/capital", VIEWER)["text"].startswith("capital stage ")


def test_trader_prefixed_name_when_used_then_same_command(service: RunningService) -> None:
    assert command(service, "/trader-mode", VIEWER)["text"].startswith("mode ")


# -- changing ----------------------------------------------------------------------------


def test_mode_halt_when_operator_then_in_channel_visible_and_audited(
    service: RunningService,
) -> None:
    reply = command(service, "/mode halt venue maintenance", OPERATOR)

    assert reply["response_type"] == "in_channel"
    assert reply["blocks"][0]["text"]["text"] == "Trading mode set to halt"
    assert f"<@{OPERATOR}> (olivia)" in reply["blocks"][-1]["elements"][0]["text"]
    mode = service.get("/mode")
    assert mode["mode"] == "halt"
    assert mode["changed_by"] == f"slack:{OPERATOR}"
    assert "venue maintenance" in mode["halt_reason"]
    (record,) = chat_records(service, "/mode halt venue maintenance")
    assert record["actor"] == f"slack:{OPERATOR}"
    assert record["details"]["outcome"] == "accepted"
    assert record["details"]["user_name"] == "olivia"
    assert any(
        r["action"] == "mode_change" and r["actor"] == f"slack:{OPERATOR}" for r in audit(service)
    )

    command(service, "/mode paper back to paper", OPERATOR)
    assert service.get("/mode")["mode"] == "paper"


def test_mode_change_when_viewer_then_refused_and_mode_unchanged(
    service: RunningService,
) -> None:
    before = service.get("/mode")["mode"]

    reply = command(service, "/mode halt i am only a viewer", VIEWER)

    assert reply["response_type"] == "ephemeral"
    assert "needs the operator role; you are viewer" in reply["text"]
    assert service.get("/mode")["mode"] == before
    (record,) = chat_records(service, "/mode halt i am only a viewer")
    assert record["details"]["outcome"] == "refused_role"
    assert record["actor"] == f"slack:{VIEWER}"


def test_any_command_when_unknown_user_then_refused_and_audited(service: RunningService) -> None:
    reply = command(service, "/status", STRANGER)

    assert reply["response_type"] == "ephemeral"
    assert "has no ai-trader role" in reply["text"]
    records = chat_records(service, "/status")
    assert any(
        r["actor"] == f"slack:{STRANGER}" and r["details"]["outcome"] == "refused_role"
        for r in records
    )


def test_bad_arguments_when_given_then_usage_and_audited(service: RunningService) -> None:
    reply = command(service, "/mode sideways", OPERATOR)

    assert reply["response_type"] == "ephemeral"
    assert "unknown mode 'sideways'" in reply["text"]
    assert "/mode [auto|manual|paper|halt] [reason…]" in reply["blocks"][-1]["elements"][0]["text"]
    (record,) = chat_records(service, "/mode sideways")
    assert record["details"]["outcome"] == "bad_arguments"


def test_capital_stage_when_operator_then_staged_or_refused_clearly(
    service: RunningService,
) -> None:
    reply = command(service, "/capital stage 20 first step up", OPERATOR)
    assert reply["response_type"] == "in_channel", reply
    assert service.get("/capital")["percent"] == 20

    refused = command(service, "/capital stage 100 too far", OPERATOR)
    assert refused["response_type"] == "ephemeral"
    assert refused["blocks"][0]["text"]["text"] == "Refused"
    (record,) = chat_records(service, "/capital stage 100 too far")
    assert record["details"]["outcome"] == "failed"


def test_canary_switch_when_operator_then_green_is_active_and_audited(
    service: RunningService,
) -> None:
    reply = command(service, "/canary green try the new parameters", OPERATOR)

    assert reply["response_type"] == "in_channel", reply
    assert reply["blocks"][0]["text"]["text"] == "Canary switched to green"
    assert service.get("/canary")["active"] == "green"
    (record,) = chat_records(service, "/canary green try the new parameters")
    assert record["details"]["outcome"] == "accepted"

    refused = command(service, "/canary purple", OPERATOR)
    assert refused["response_type"] == "ephemeral"
    assert service.get("/canary")["active"] == "green"


def test_snapshot_now_when_operator_then_ack_at_once_and_result_to_response_url(
    service: RunningService, receiver: Receiver
) -> None:
    started = time.monotonic()
    reply = command(service, "/snapshot now before the release", OPERATOR, receiver.url)

    assert time.monotonic() - started < 3
    assert "working on it" in reply["text"]
    assert receiver.received.wait(30), "no result posted to the response URL"
    posted = receiver.bodies[-1]
    assert posted["response_type"] == "in_channel"
    assert posted["blocks"][0]["text"]["text"] == "Incident snapshot captured"
    archive = posted["blocks"][1]["fields"][0]["text"].split("`")[1]
    assert (service.directory / archive).is_file()  # relative to the service directory
    (record,) = wait_for(lambda: chat_records(service, "/snapshot now before the release"))
    assert record["details"]["outcome"] == "accepted"


# -- refused requests --------------------------------------------------------------------


def test_forged_signature_when_posted_then_401_logged_and_nothing_run(
    service: RunningService,
) -> None:
    line = "/mode halt forged by an attacker"
    body = form("/mode", "halt forged by an attacker", OPERATOR, "http://127.0.0.1:9/x")
    before = service.get("/mode")

    answer = post(service, body, secret="not-the-signing-secret")

    assert answer.status_code == 401
    assert answer.json() == {"detail": "invalid Slack request"}
    assert service.get("/mode") == before
    assert chat_records(service, line) == []
    wait_for(lambda: "signature does not match" in log_text(service), what="logged")


def test_stale_timestamp_when_posted_then_401(service: RunningService) -> None:
    body = form("/status", "", OPERATOR, "http://127.0.0.1:9/x")

    answer = post(service, body, timestamp=int(time.time()) - 301)

    assert answer.status_code == 401
    wait_for(lambda: "stale timestamp" in log_text(service), what="logged")


def test_replayed_request_when_posted_again_then_401(service: RunningService) -> None:
    body = form("/mode", "", VIEWER, "http://127.0.0.1:9/x")
    stamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": sign(body, stamp),
    }

    first = post(service, body, headers)
    again = post(service, body, headers)

    assert first.status_code == 200
    assert again.status_code == 401
    wait_for(lambda: "replayed request" in log_text(service), what="logged")


def test_missing_headers_when_posted_then_401(service: RunningService) -> None:
    body = form("/status", "", OPERATOR, "http://127.0.0.1:9/x")

    answer = post(service, body, {"Content-Type": "application/x-www-form-urlencoded"})

    assert answer.status_code == 401
    wait_for(lambda: "missing X-Slack" in log_text(service), what="logged")


# -- off ---------------------------------------------------------------------------------


def test_endpoint_when_no_signing_secret_then_404_says_how_to_enable(
    tmp_path: Path,
) -> None:
    env = {k: v for k, v in cli_environment().items() if not k.startswith("SLACK_")}
    with running_service(tmp_path, env) as running:
        answer = httpx.post(f"{running.url}/slack/commands", content=b"command=%2Fstatus")

    assert answer.status_code == 404
    assert "SLACK_SIGNING_SECRET" in answer.json()["detail"]
