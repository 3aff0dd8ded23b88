"""Harvested nonces are worthless: a form nonce works only with the cookie it was issued beside, and one
address gets a limited number of them per counter.

The attack: a server fetches the survey page (a nonce), and a page on another site makes its visitors'
browsers post ratings with it. A browser that sends neither ``Sec-Fetch-Site`` nor ``Origin`` slipped past
the cross-site check; the nonce cookie (SameSite=Lax, so never sent on another site's POST) stops it.
"""

from __future__ import annotations

from litestar.testing import AsyncTestClient

from survey.db.tables import Response
from survey.settings import Settings
from tests.citizen.conftest import GOOD_ANSWERS, counter_token, nonce_of


async def test_a_nonce_fetched_by_another_client_is_refused_without_its_cookie(place, client):
    token = await counter_token(place, "NB-001-TT-Q1")
    harvested = nonce_of((await client.get(f"/q/{token}")).text)  # the attacker's server
    async with AsyncTestClient(app=client.app) as victim:  # an old browser: no Fetch Metadata, no Origin
        refused = await victim.post(f"/q/{token}", data={**GOOD_ANSWERS, "nonce": harvested})
        own_cookie = await victim.get(f"/q/{token}")
        still_refused = await victim.post(f"/q/{token}", data={**GOOD_ANSWERS, "nonce": harvested})
        assert own_cookie.status_code == 200
    assert refused.status_code == 400 and still_refused.status_code == 400
    assert await Response.count() == 0
    # The harvester's own browser, holding the cookie, still posts (one citizen, one form).
    assert (await client.post(f"/q/{token}", data={**GOOD_ANSWERS, "nonce": harvested})).status_code == 200


async def test_the_nonce_cookie_is_httponly_samesite_and_scoped_to_the_survey(place, client):
    token = await counter_token(place, "NB-001-TT-Q1")
    page = await client.get(f"/q/{token}")
    cookie = next(value for name, value in page.headers.multi_items() if name == "set-cookie" and "survey_form=" in value)
    attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")}
    assert {"httponly", "samesite", "path", "max-age"} <= attributes
    assert "samesite=lax" in cookie.lower() and "path=/q" in cookie.lower()
    # A second page in another tab keeps the same cookie, so both forms can be sent.
    first = nonce_of(page.text)
    second = nonce_of((await client.get(f"/q/{token}")).text)
    assert (await client.post(f"/q/{token}", data={**GOOD_ANSWERS, "nonce": first})).status_code == 200
    assert (await client.post(f"/q/{token}", data={**GOOD_ANSWERS, "nonce": second})).status_code == 200


async def test_one_address_gets_a_limited_number_of_nonces_per_counter(place, client):
    token = await counter_token(place, "NB-001-TT-Q1")
    allowed = Settings.form_pages_per_address
    pages = [await client.get(f"/q/{token}") for _ in range(allowed + 1)]
    assert [p.status_code for p in pages[:-1]] == [200] * allowed
    assert pages[-1].status_code == 429 and pages[-1].headers["retry-after"].isdigit()
    assert 'name="nonce"' not in pages[-1].text
    other = await client.get(f"/q/{await counter_token(place, 'NB-001-TT-Q2')}")
    assert other.status_code == 200
