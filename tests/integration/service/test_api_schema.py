"""Schemathesis over the whole OpenAPI schema: generated requests — with an admin token,
a viewer token and none — never get a server error, responses match the schema, every
protected route answers 401 without a token and 403 to a role that is too low.

Schemathesis' pytest plugin does not run on this pytest, so each operation's strategy is
driven by Hypothesis directly."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from tests.integration.service.conftest import Service

from ai_trader.domain.roles import Role

pytestmark = [pytest.mark.integration, pytest.mark.slow]

OPEN_ROUTES = {"/ping", "/health"}
FUZZ = settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)

Check = Callable[[Any, Any], None]


def fuzz_every_operation(service: Service, headers: dict[str, str], check: Check) -> list[str]:
    schema = schemathesis.openapi.from_asgi("/openapi.json", service.client.app)
    labels = []
    for result in schema.get_all_operations():
        operation = result.ok()
        labels.append(operation.label)

        @FUZZ
        @given(case=operation.as_strategy())
        def run(case: Any) -> None:
            response = case.call(headers=headers)
            assert response.status_code < 500, (case.method, case.path, response.text[:300])
            check(case, response)

        run()
    return labels


def test_api_with_admin_token_when_fuzzed_then_no_server_error_and_schema_kept(
    module_service: Service,
) -> None:
    def conforms(case: Any, response: Any) -> None:
        case.operation.validate_response(response)

    labels = fuzz_every_operation(module_service, module_service.headers(Role.ADMIN), conforms)

    assert "POST /trading/open" in labels
    assert len(labels) == 35  # every HTTP route (the websocket is not in OpenAPI)


def test_api_without_token_when_fuzzed_then_protected_routes_401(
    module_service: Service,
) -> None:
    def unauthorized(case: Any, response: Any) -> None:
        if case.path not in OPEN_ROUTES:
            assert response.status_code in (401, 413, 422), (case.path, response.status_code)
            if response.status_code != 401:  # refused before auth: malformed or too large
                assert case.method == "POST" or case.query

    fuzz_every_operation(module_service, {}, unauthorized)


def test_api_with_viewer_token_when_fuzzed_then_mutations_403(module_service: Service) -> None:
    def forbidden(case: Any, response: Any) -> None:
        if case.method == "POST":
            assert response.status_code in (403, 413, 422), (case.path, response.status_code)

    fuzz_every_operation(module_service, module_service.headers(Role.VIEWER), forbidden)
