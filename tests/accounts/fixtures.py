"""Fixtures and helpers shared by the access and back-office tests: a unit tree, officers, logged-in clients."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from httpx import Response
from litestar.testing import AsyncTestClient

from survey.accounts.services import create_officer
from survey.app import create_app
from survey.db.engine import bind, engine_from_settings
from survey.settings import Settings
from survey.units.services import import_units

HTML = {"accept": "text/html"}
PASSWORDS = {
    "admin": "admin-password-1",
    "nbmanager": "nb-manager-pass-1",
    "lcmanager": "lc-manager-pass-1",
    "researcher": "researcher-pass-1",
}
UNITS_CSV = """code,name,level,parent_code
VN,Việt Nam,country,
NB,Ninh Bình,province,VN
NB-001,Xã Một,commune,NB
NB-001-TT,Trung tâm PVHCC Xã Một,centre,NB-001
LC,Lào Cai,province,VN
LC-001,Xã Hai,commune,LC
LC-001-TT,Trung tâm PVHCC Xã Hai,centre,LC-001
"""
CSRF_INPUT = re.compile(r'name="_csrf_token" value="([^"]+)"')


@pytest.fixture
async def world(db: Settings, database_snapshot) -> Settings:
    """Two provinces under the country, an administrator, a manager per province and a researcher."""

    async def build() -> None:
        await import_units(UNITS_CSV)
        await create_officer("admin", PASSWORDS["admin"], "admin", None, "Quản trị viên")
        await create_officer("nbmanager", PASSWORDS["nbmanager"], "manager", "NB", "Lãnh đạo Ninh Bình")
        await create_officer("lcmanager", PASSWORDS["lcmanager"], "manager", "LC")
        await create_officer("researcher", PASSWORDS["researcher"], "researcher")

    await database_snapshot("accounts_world", build)
    return db


@asynccontextmanager
async def app_client(settings: Settings, base_url: str = "http://testserver.local") -> AsyncIterator[AsyncTestClient]:
    """A client of a freshly created application (one per server worker or restart)."""
    async with AsyncTestClient(app=create_app(settings), base_url=base_url) as test_client:
        # The app's startup bound a PostgreSQL pool living on the client's event loop; the test reads the
        # database from its own loop, so both go through a pool-less engine (a connection per query).
        bind(engine_from_settings(settings))
        yield test_client


@pytest.fixture
async def client(world: Settings) -> AsyncIterator[AsyncTestClient]:
    async with app_client(world) as test_client:
        yield test_client


async def csrf_token(client: AsyncTestClient, page: str = "/login") -> str:
    """The form token of an officer page (fetching it also sets the CSRF cookie)."""
    response = await client.get(page, headers=HTML)
    match = CSRF_INPUT.search(response.text)
    assert match, f"no CSRF field on {page} ({response.status_code})"
    return match.group(1)


async def login(client: AsyncTestClient, username: str, password: str | None = None) -> Response:
    token = await csrf_token(client)
    return await client.post(
        "/login",
        data={"username": username, "password": password or PASSWORDS[username], "_csrf_token": token},
        headers=HTML,
        follow_redirects=False,
    )


async def post_form(client: AsyncTestClient, url: str, data: dict, page: str = "/officer", **kwargs) -> Response:
    """POST a form the way a browser does: with the CSRF token taken from an officer page."""
    token = await csrf_token(client, page)
    return await client.post(url, data={**data, "_csrf_token": token}, headers=HTML, follow_redirects=False, **kwargs)


def replace_session_cookie(client: AsyncTestClient, value: str) -> None:
    """Put ``value`` in the session cookie as if the browser held it (an old or planted id)."""
    client.cookies.delete("survey_session")
    client.cookies.set("survey_session", value, domain="testserver.local")
