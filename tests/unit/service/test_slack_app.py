"""The request guard in front of bolt: Slack's signature and five-minute window, and the
replay refusal bolt does not have, on an injected clock."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from ai_trader.service.slack_app import RequestGuard

SECRET = "signing-secret"
BODY = b"command=%2Fstatus&user_id=U1"
NOW = 1_800_000_000.0


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> float:
        return self.now


def slack_signature(timestamp: str, body: bytes = BODY, secret: str = SECRET) -> str:
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def guard(clock: Clock) -> RequestGuard:
    return RequestGuard(SECRET, clock=clock)


def test_problem_when_signed_by_slack_then_none(guard: RequestGuard) -> None:
    stamp = str(int(NOW))

    assert guard.problem(BODY, stamp, slack_signature(stamp)) is None
    assert guard.sign(stamp, BODY) == slack_signature(stamp)


def test_problem_when_same_request_again_then_replayed(guard: RequestGuard) -> None:
    stamp = str(int(NOW))
    guard.problem(BODY, stamp, slack_signature(stamp))

    assert guard.problem(BODY, stamp, slack_signature(stamp)) == (
        "replayed request (timestamp and signature seen before)"
    )


def test_problem_when_seen_request_expires_then_refused_as_stale(
    guard: RequestGuard, clock: Clock
) -> None:
    stamp = str(int(NOW))
    guard.problem(BODY, stamp, slack_signature(stamp))
    clock.now += 301

    assert str(guard.problem(BODY, stamp, slack_signature(stamp))).startswith("stale timestamp")


@pytest.mark.parametrize(
    ("timestamp", "signature", "problem"),
    [
        (None, "v0=abc", "missing X-Slack-Request-Timestamp or X-Slack-Signature"),
        (str(int(NOW)), None, "missing X-Slack-Request-Timestamp or X-Slack-Signature"),
        ("12ab", "v0=abc", "malformed timestamp '12ab'"),
        (str(int(NOW) - 301), "v0=abc", "stale timestamp (301s from now, limit 300s)"),
        (str(int(NOW)), "v0=forged", "signature does not match the signing secret"),
    ],
)
def test_problem_when_not_slack_then_named(
    guard: RequestGuard, timestamp: str | None, signature: str | None, problem: str
) -> None:
    assert guard.problem(BODY, timestamp, signature) == problem


def test_problem_when_signed_with_another_secret_then_refused(guard: RequestGuard) -> None:
    stamp = str(int(NOW))

    assert guard.problem(BODY, stamp, slack_signature(stamp, secret="other")) is not None


def test_guard_when_secret_empty_then_refused() -> None:
    with pytest.raises(ValueError, match="must not be empty"):
        RequestGuard("")
