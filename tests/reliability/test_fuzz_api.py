"""Schema-driven fuzzing of every operation in the published OpenAPI schema, against a live server.

Schemathesis generates valid and invalid requests from ``/schema/openapi.json``; officer operations are
called with a logged-in administrator's session and the receipts API with a real API key, so the fuzzing
reaches the handlers instead of stopping at the door. Every answer must be a non-5xx response; every answer
of the JSON API (status code, content type, headers and body) must be the one the schema documents.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.generation.case import Case
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    positive_data_acceptance,
    response_schema_conformance,
)

from survey.citizen.schemas import NOT_RANDOM
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


def with_nul(value: object) -> object:
    """``value`` with a NUL character inside each of its strings (PostgreSQL refuses NUL in text)."""
    if isinstance(value, str):
        return value[:1] + "\x00" + value[1:]
    if isinstance(value, dict):
        return {key: with_nul(item) for key, item in value.items()}
    if isinstance(value, list):
        return [with_nul(item) for item in value]
    return value


def with_nul_everywhere(case: Case) -> None:
    """Put a NUL into every string the case sends."""
    for part in ("path_parameters", "query", "body"):
        setattr(case, part, with_nul(getattr(case, part)))


def nested(key: str, depth: int = 10_000) -> bytes:
    """A JSON object whose ``key`` holds arrays nested ``depth`` deep (beyond any recursion limit)."""
    return ('{"' + key + '": ' + "[" * depth + "]" * depth + "}").encode()


def no_server_error_even_nested(case: Case, response: Any, headers: dict) -> None:
    """No 5xx to the case, nor to its body's first field nested thousands deep, sent as raw JSON."""
    no_server_error(case, response, headers)
    if isinstance(case.body, dict) and case.body:
        deep = requests.request(case.method, response.request.url, data=nested(next(iter(case.body))), timeout=30,
                                headers={**headers, "content-type": "application/json"})
        assert deep.status_code < 500, f"{case.method} {case.formatted_path} nested: {deep.status_code}"


async def fuzz_every_operation(
    server: LiveServer, check: Callable[[Case, requests.Response, dict], None], json_api: bool | None = None,
    mutate: Callable[[Case], None] | None = None, examples: int = EXAMPLES_PER_OPERATION,
) -> int:
    """Run ``check`` on the answer to each generated request (valid and invalid); the number of requests.

    ``json_api`` keeps only the JSON API's operations (True) or only the others (False); ``mutate`` changes
    each generated case before it is sent.
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
            @settings(max_examples=examples, deadline=None, database=None,
                      suppress_health_check=list(HealthCheck))
            @given(case=operation.as_strategy(generation_mode=mode))
            def fuzz(case: Case) -> None:
                nonlocal calls
                calls += 1
                if mutate:
                    mutate(case)
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


def no_server_error(case: Case, response: requests.Response, headers: dict) -> None:
    assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.status_code}"


def refused_as_not_random(response: Any) -> bool:
    """A key the schema's pattern allows may still be refused as patterned (``key_looks_random``, said in
    the 400's documented description): the one schema-valid request the API may reject."""
    if response.status_code != 400:
        return False
    body = response.json()
    return set(body.get("errors", {})) == {"idempotency_key"} and body["errors"]["idempotency_key"] == NOT_RANDOM


def full_conformance(case: Case, response: requests.Response, headers: dict) -> None:
    excluded = [positive_data_acceptance] if refused_as_not_random(response) else None
    case.validate_response(response, headers=headers, excluded_checks=excluded)


async def test_no_operation_answers_5xx_and_successes_match_the_schema(live_server: LiveServer):
    calls = await fuzz_every_operation(live_server, no_server_error_and_successes_match_the_schema)
    print(f"{calls} fuzzed requests, none answered 5xx")


async def test_no_operation_answers_5xx_to_nul_characters_and_deep_nesting(live_server: LiveServer):
    calls = await fuzz_every_operation(live_server, no_server_error_even_nested, mutate=with_nul_everywhere,
                                       examples=25)
    print(f"{calls} fuzzed requests with NUL characters and deeply nested bodies, none answered 5xx")


async def test_every_json_api_answer_conforms_to_the_published_schema(live_server: LiveServer):
    await fuzz_every_operation(live_server, full_conformance, json_api=True)


async def test_every_officer_answer_conforms_to_the_published_schema(live_server: LiveServer):
    await fuzz_every_operation(live_server, full_conformance, json_api=False)
