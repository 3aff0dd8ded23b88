"""Schema-driven fuzzing of every operation in the published OpenAPI schema, against a live server.

Schemathesis generates valid and invalid requests from ``/schema/openapi.json``; officer operations are
called with a logged-in administrator's session and the receipts API with a real API key, so the fuzzing
reaches the handlers instead of stopping at the door. Every answer must be a non-5xx response; every answer
of the JSON API (status code, content type, headers and body) must be the one the schema documents.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.generation.case import Case
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from survey.db.engine import bind, engine_from_settings
from survey.demo.loader import DEMO_ADMIN
from survey.receipts import apikeys
from tests.reliability.server import SECRET_KEY, LiveServer

pytestmark = pytest.mark.slow

EXAMPLES_PER_OPERATION = 80
CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')


def officer_session(base_url: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{base_url}/login", headers={"accept": "text/html"})
    token = CSRF.search(page.text).group(1)
    answer = session.post(f"{base_url}/login", headers={"accept": "text/html"}, allow_redirects=False,
                          data={"username": DEMO_ADMIN[0], "password": DEMO_ADMIN[1], "_csrf_token": token})
    assert answer.status_code == 303
    return session


def in_json_api(path: str) -> bool:
    return path.startswith("/api/") or path == "/healthz"


async def fuzz_every_operation(
    server: LiveServer, check: Callable[[Case, requests.Response, dict], None], json_api: bool | None = None,
) -> int:
    """Run ``check`` on the answer to each generated request (valid and invalid); the number of requests.

    ``json_api`` keeps only the JSON API's operations (True) or only the others (False).
    """
    base_url = server.deployment.base_url
    bind(engine_from_settings(server.deployment.settings))
    api_key = await apikeys.create(SECRET_KEY, "fuzzing", "VN")
    session = officer_session(base_url)
    headers = {"authorization": f"Bearer {api_key}"}
    schema = schemathesis.openapi.from_url(f"{base_url}/schema/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.path for op in operations} >= {"/api/v1/responses", "/api/v1/receipts", "/healthz"}
    selected = [op for op in operations if json_api is None or in_json_api(op.path) is json_api]
    assert selected
    calls = 0
    for operation in selected:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None,
                      suppress_health_check=list(HealthCheck))
            @given(case=operation.as_strategy(generation_mode=mode))
            def fuzz(case: Case) -> None:
                nonlocal calls
                calls += 1
                check(case, case.call(base_url=base_url, session=session, headers=headers), headers)

            try:
                fuzz()
            except Unsatisfiable:
                # An operation without parameters or body (the health check) has nothing to make invalid.
                assert mode is GenerationMode.NEGATIVE and not operation.body and not len(operation.query)
    assert requests.get(f"{base_url}/healthz", timeout=5).status_code == 200
    return calls


def no_server_error_and_successes_match_the_schema(case: Case, response: requests.Response, headers: dict) -> None:
    assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.status_code}"
    if response.status_code < 300:
        case.validate_response(response, headers=headers,
                               checks=[content_type_conformance, response_schema_conformance])


def full_conformance(case: Case, response: requests.Response, headers: dict) -> None:
    case.validate_response(response, headers=headers)


async def test_no_operation_answers_5xx_and_successes_match_the_schema(live_server: LiveServer):
    calls = await fuzz_every_operation(live_server, no_server_error_and_successes_match_the_schema)
    print(f"{calls} fuzzed requests, none answered 5xx")


async def test_every_json_api_answer_conforms_to_the_published_schema(live_server: LiveServer):
    await fuzz_every_operation(live_server, full_conformance, json_api=True)


async def test_every_officer_answer_conforms_to_the_published_schema(live_server: LiveServer):
    await fuzz_every_operation(live_server, full_conformance, json_api=False)
