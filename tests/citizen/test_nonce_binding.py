"""Harvested nonces are worthless: a form nonce works only with the cookie it was issued beside, and one
address gets a limited number of them per counter.

The attack: a server fetches the survey page (a nonce), and a page on another site makes its visitors'
browsers post ratings with it. A browser that sends neither ``Sec-Fetch-Site`` nor ``Origin`` slipped past
the cross-site check; the nonce cookie (SameSite=Lax, so never sent on another site's POST) stops it.
"""

from __future__ import annotations

from survey.db.tables import Response
from survey.settings import Settings
from tests.citizen.conftest import GOOD_ANSWERS, counter_token, nonce_of


async def test_a_nonce_fetched_by_another_client_is_refused_without_its_cookie(place, client):
    token = await counter_token(place, "NB-001-TT-Q1")
    harvested = nonce_of((await client.get(f"/q/{token}")).text)  # the attacker's server
    harvester_cookie = client.cookies.get("survey_form")
    # The visitor's browser (an old one: no Fetch Metadata, no Origin): first without any form cookie, then
    # with one of its own from an earlier visit.
    client.cookies.clear()
    refused = await client.post(f"/q/{token}", data={**GOOD_ANSWERS, "nonce": harvested})
    assert refused.status_code == 400 and await Response.count() == 0
    assert (await client.get(f"/q/{token}")).status_code == 200
    assert client.cookies.get("survey_form") not in (None, harvester_cookie)
    still_refused = await client.post(f"/q/{token}", data={**GOOD_ANSWERS, "nonce": harvested})
    assert still_refused.status_code == 400 and await Response.count() == 0
    # The harvester's own browser, holding the cookie, still posts (one citizen, one form).
    client.cookies.clear()
    client.cookies.set("survey_form", harvester_cookie, domain="testserver.local", path="/q/")
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
