"""The JSON API against its own OpenAPI document (schemathesis): no server errors, documented status codes
and content types, responses that match their schemas. Bounded so it runs in seconds."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from consultant.app import App
from tests.integration.web_support import PASSWORD, add_coder, ask, served

pytestmark = pytest.mark.integration


@pytest.fixture
def api(app: App) -> Iterator[tuple[Any, dict[str, str]]]:
    add_coder(app, "api@caseconsultant.localhost")
    for n in range(3):  # a few real drafts, so some generated ids hit one
        ask(app, f"Question {n}", f"Is E11.{n} billable?\n", sender=f"asker{n}@example-clinic.test")
    with served(app) as server:
        token = httpx.post(
            f"{server.url}/api/token", json={"email": "api@caseconsultant.localhost", "password": PASSWORD}
        ).json()["token"]
        schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json")
        yield schema, {"Authorization": f"Bearer {token}"}


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def test_api_conforms_to_its_openapi_document(api: tuple[Any, dict[str, str]]) -> None:
    # schemathesis' pytest plugin does not run under pytest 9, so each operation's strategy is driven by
    # hypothesis directly: the same generation and checks, a bounded number of examples per operation.
    schema, headers = api
    tested = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        @given(case=operation.as_strategy())
        def check(case: Any) -> None:
            case.call_and_validate(headers=headers, checks=CHECKS)

        check()
        tested.append(operation.label)
    assert len(tested) >= 11, tested


def test_openapi_document_describes_the_review_actions(app: App) -> None:
    with served(app) as server:
        doc = httpx.get(f"{server.url}/openapi.json").json()
    paths = set(doc["paths"])
    assert {
        "/api/token",
        "/api/drafts",
        "/api/drafts/{draft_id}",
        "/api/drafts/{draft_id}/claim",
        "/api/drafts/{draft_id}/approve",
        "/api/drafts/{draft_id}/reject",
        "/api/drafts/{draft_id}/request-info",
        "/api/drafts/{draft_id}/notes",
        "/api/drafts/{draft_id}/answer",
        "/api/drafts/{draft_id}/preview",
    } <= paths
    assert not any(p.startswith(("/queue", "/admin", "/login")) for p in paths)  # pages stay out of it
    assert "HTTPBearer" in doc["components"]["securitySchemes"]
