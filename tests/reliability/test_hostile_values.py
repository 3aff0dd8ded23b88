"""The values the second review sent to every route: a NUL character (PostgreSQL refuses it in text),
``period=0000-01``, integers beyond any range, and JSON nested ten thousand deep. Each gets a page or a
clear 4xx, never a 500, on both engines.

The routes are read from the application itself, so a route added later is probed too.
"""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from litestar import Litestar

from survey.receipts import apikeys
from tests.accounts.fixtures import HTML, client, login, post_form, world  # noqa: F401  (fixtures)

NUL = "a\x00b"
HUGE = str(10**30)
SKIPPED_PATHS = ("/static/", "/schema")
PATH_PARAMETER = re.compile(r"\{(\w+):(\w+)\}")
NOT_PARAMETERS = {"request", "officer", "self", "state", "data"}


def _probe_value(annotation: object, name: str) -> str:
    text = str(annotation)
    if "int" in text and "str" not in text:
        return HUGE
    if "date" in text:
        return "0000-01-01"
    return "0000-01" if name == "period" else NUL


def probes(app: Litestar) -> list[tuple[str, dict[str, str]]]:
    """(path, query) for every GET route: a bad value in each parameter, one at a time."""
    found = []
    for route in app.routes:
        if route.path.startswith(SKIPPED_PATHS):
            continue
        for handler in getattr(route, "route_handlers", []):
            if "GET" not in getattr(handler, "http_methods", ()):
                continue
            parameters = handler.parsed_fn_signature.parameters
            in_path = dict(PATH_PARAMETER.findall(route.path))
            path = route.path
            for name in in_path:
                bad = quote(_probe_value(parameters[name].annotation, name), safe="")
                path = path.replace(f"{{{name}:{in_path[name]}}}", bad)
            found.append((path, {}))
            for name, parameter in parameters.items():
                if name in in_path or name in NOT_PARAMETERS:
                    continue
                found.append((path, {name: _probe_value(parameter.annotation, name)}))
                if name in ("period", "since", "until"):
                    found.append((path, {name: NUL}))
    return found


@pytest.fixture
async def admin_client(client):  # noqa: F811
    assert (await login(client, "admin")).status_code == 303
    return client


async def test_no_route_answers_500_to_nul_bad_periods_or_huge_numbers(admin_client, world):  # noqa: F811
    failures = []
    checked = 0
    for path, query in probes(admin_client.app):
        answer = await admin_client.get(path, params=query, headers=HTML)
        checked += 1
        if answer.status_code >= 500:
            failures.append((path, query, answer.status_code))
    assert checked > 60
    assert failures == [], "\n".join(map(str, failures))


async def test_a_nul_in_the_login_name_is_a_failed_login(client):  # noqa: F811
    answer = await post_form(client, "/login", {"username": "adm\x00in", "password": "x"}, page="/login")
    assert answer.status_code in (200, 400, 401), answer.status_code


async def test_deeply_nested_json_is_refused_by_both_apis_before_any_key_check(client, world):  # noqa: F811
    key = await apikeys.create(world.secret_key, "nesting", "VN")
    deep = "[" * 10_000 + "]" * 10_000
    for path, headers in (("/api/v1/responses", {}), ("/api/v1/receipts", {}),
                          ("/api/v1/receipts", {"authorization": f"Bearer {key}"})):
        body = '{"token": "x", "answers": ' + deep + ', "idempotency_key": "x"}'
        answer = await client.post(path, content=body.encode(), headers={"content-type": "application/json", **headers})
        assert answer.status_code in (400, 401, 413, 422), (path, answer.status_code, answer.text[:200])
