"""A page on another site must not be able to make its visitors' browsers post ratings to ``/q/``."""

from __future__ import annotations

from survey.db.tables import Response
from tests.citizen.conftest import GOOD_ANSWERS, counter_token, nonce_of


async def _post(client, place, headers: dict[str, str]):
    token = await counter_token(place, "NB-001-TT-Q1")
    page = await client.get(f"/q/{token}")  # the attacker's server fetched a nonce
    return await client.post(f"/q/{token}", data={**GOOD_ANSWERS, "nonce": nonce_of(page.text)}, headers=headers)


async def test_a_cross_site_form_post_is_refused_and_stores_nothing(place, client):
    refused = [
        await _post(client, place, {"sec-fetch-site": "cross-site", "origin": "https://evil.example"}),
        await _post(client, place, {"origin": "https://evil.example"}),  # a browser without Fetch Metadata
        await _post(client, place, {"sec-fetch-site": "same-site"}),  # another host of the same site
        await _post(client, place, {"origin": "null"}),  # a sandboxed frame or a data: page
    ]
    assert [r.status_code for r in refused] == [403] * 4
    assert "chỉ gửi được từ trang đánh giá" in refused[0].text
    assert await Response.count() == 0


async def test_the_survey_page_itself_still_posts(place, client):
    base = str(client.base_url).rstrip("/")
    same_origin = await _post(client, place, {"sec-fetch-site": "same-origin", "origin": base})
    typed = await _post(client, place, {"sec-fetch-site": "none"})
    no_headers = await _post(client, place, {})
    # What Chromium sends from our own page under its no-referrer policy: Fetch Metadata decides, not "null".
    chromium = await _post(client, place, {"sec-fetch-site": "same-origin", "origin": "null"})
    assert [r.status_code for r in (same_origin, typed, no_headers, chromium)] == [200, 200, 200, 200]
    assert await Response.count() == 4
