"""Layer (d) of the burst flags: the rotating QR on a counter's screen proves the citizen was there.

At a counter that requires it, an answer whose form was opened without the code of that minute (or the one
before) is stored flagged ``presence``, never dropped; other counters are unaffected. The display page is
for the officers of the counter's unit only.
"""

from __future__ import annotations

import asyncio
import base64
import re
import time
from urllib.parse import urlsplit

import pytest

from survey.accounts.services import create_officer
from survey.admin.review import FLAG_REASONS
from survey.citizen import presence
from survey.citizen.targets import forget_places, resolve
from survey.core.i18n import translations
from survey.db.tables import Counter, Response
from survey.qr.keys import signing_kid
from tests.accounts.fixtures import login, post_form
from tests.citizen.conftest import GOOD_ANSWERS, counter_token, nonce_of
from tests.citizen.test_posters import decoded
from tests.support import CHROMIUM, artifact, idempotency_key, launch_chromium

IMAGE = re.compile(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"')
REFRESH = re.compile(r'<meta http-equiv="refresh" content="(\d+)">')
FIELD = re.compile(r'name="presence" value="([^"]*)"')


async def require_presence(code: str) -> None:
    await Counter.update({Counter.presence_required: True}).where(Counter.code == code)
    forget_places()


async def manager(client) -> None:
    await create_officer("nbmanager", "nb-manager-pass-1", "manager", "NB")
    await login(client, "nbmanager", "nb-manager-pass-1")


async def answer(client, url: str) -> dict:
    """Open the survey at ``url`` (path and query), send good answers, and return the stored row."""
    page = await client.get(url)
    assert page.status_code == 200, page.text
    form = {**GOOD_ANSWERS, "nonce": nonce_of(page.text)}
    if carried := FIELD.search(page.text):
        form["presence"] = carried.group(1)
    posted = await client.post(urlsplit(url).path, data=form)
    assert posted.status_code == 200, posted.text
    return await Response.select(Response.status, Response.flag_reason).order_by(Response.id, ascending=False).first()


async def test_the_code_scanned_from_the_screen_stores_a_valid_answer(place, client):
    await require_presence("NB-001-TT-Q1")
    await manager(client)
    screen = await client.get("/officer/counters/NB-001-TT-Q1/display")
    assert screen.status_code == 200 and "no-store" in screen.headers["cache-control"]
    assert 1 <= int(REFRESH.search(screen.text).group(1)) <= presence.WINDOW_S + 1
    url = decoded(base64.b64decode(IMAGE.search(screen.text).group(1)))[0]
    assert url.startswith(place.settings.base_url + "/q/") and "?p=" in url
    parts = urlsplit(url)
    stored = await answer(client, f"{parts.path}?{parts.query}")
    assert (stored["status"], stored["flag_reason"]) == ("valid", "")


async def test_a_missing_forged_or_expired_code_is_flagged_with_its_reason(place, client):
    await require_presence("NB-001-TT-Q1")
    token = await counter_token(place, "NB-001-TT-Q1")
    secret, counter_id = place.settings.secret_key, place.counter_ids["NB-001-TT-Q1"]
    kid = await signing_kid()
    # Read off the screen two and a half minutes ago (a photograph used later at home): the clock has moved on.
    expired = presence.code(secret, kid, counter_id, time.time() - 150)
    # The code of another counter's screen, shown right now.
    other = presence.code(secret, kid, place.counter_ids["NB-001-TT-Q2"])
    for url in (f"/q/{token}", f"/q/{token}?p=AAAAAAAA", f"/q/{token}?p={expired}"):
        stored = await answer(client, url)
        assert (stored["status"], stored["flag_reason"]) == ("flagged", "presence"), url
    await Response.delete(force=True)
    stored = await answer(client, f"/q/{token}?p={other}")
    assert (stored["status"], stored["flag_reason"]) == ("flagged", "presence")
    assert await Response.count() == 1  # stored, never dropped
    await manager(client)
    queue = await client.get("/officer/review")
    assert translations("vi").gettext(FLAG_REASONS["presence"]) in queue.text  # the reviewer's language


async def test_a_code_holds_for_its_minute_and_the_next_only(place):
    """The clock, simulated: a form opened 60 s after the code was read passes, 120 s after does not."""
    await require_presence("NB-001-TT-Q1")
    secret = place.settings.secret_key
    target = await resolve(await counter_token(place, "NB-001-TT-Q1"), secret)
    shown_at = (time.time() // presence.WINDOW_S) * presence.WINDOW_S + 5
    code = presence.code(secret, await signing_kid(), place.counter_ids["NB-001-TT-Q1"], shown_at)
    assert not presence.unproven(secret, target, code, shown_at)
    assert not presence.unproven(secret, target, code, shown_at + presence.WINDOW_S)
    assert presence.unproven(secret, target, code, shown_at + 2 * presence.WINDOW_S)
    assert presence.unproven(secret, target, code, shown_at - presence.WINDOW_S)  # not before it was shown
    assert presence.unproven(secret, target, code[:-1] + ("A" if code[-1] != "A" else "B"), shown_at)


async def test_a_counter_without_the_setting_is_unaffected(place, client):
    await require_presence("NB-001-TT-Q1")
    token = await counter_token(place, "NB-001-TT-Q2")
    for url in (f"/q/{token}", f"/q/{token}?p=AAAAAAAA"):
        stored = await answer(client, url)
        assert (stored["status"], stored["flag_reason"]) == ("valid", "")


async def test_the_json_api_cannot_skip_the_screen(place, client):
    await require_presence("NB-001-TT-Q1")
    sent = await client.post("/api/v1/responses", json={
        "token": await counter_token(place, "NB-001-TT-Q1"), "idempotency_key": idempotency_key("presence-api"),
        "answers": {"access_sat": 5, "procedures_sat": 5, "civil_servant_sat": 5, "results_sat": 5, "overall_sat": 5},
    })
    assert sent.status_code == 201
    assert await Response.select(Response.status, Response.flag_reason).first() == {
        "status": "flagged", "flag_reason": "presence"}


async def test_only_the_counters_officers_see_its_screen_and_only_admins_change_the_setting(place, client):
    assert (await client.get("/officer/counters/NB-001-TT-Q1/display", follow_redirects=False)).status_code in (303, 401)
    await manager(client)
    assert (await client.get("/officer/counters/NB-001-TT-Q1/display")).status_code == 200
    assert (await client.get("/officer/counters/LC-001-TT-Q1/display")).status_code == 403
    assert (await client.get("/officer/counters/NO-SUCH/display")).status_code == 404
    refused = await post_form(client, "/officer/admin/counters/NB-001-TT-Q1/presence", {"active": "1"})
    assert refused.status_code == 403
    client.cookies.clear()
    await create_officer("researcher", "researcher-pass-1", "researcher")
    await login(client, "researcher", "researcher-pass-1")
    assert (await client.get("/officer/counters/NB-001-TT-Q1/display")).status_code == 403
    client.cookies.clear()
    await create_officer("nbadmin", "nb-admin-pass-1", "admin", "NB")
    await login(client, "nbadmin", "nb-admin-pass-1")
    assert (await client.get("/officer/counters/LC-001-TT-Q1/display")).status_code == 403
    outside = await post_form(client, "/officer/admin/counters/LC-001-TT-Q1/presence", {"active": "1"})
    assert outside.status_code == 403
    turned_on = await post_form(client, "/officer/admin/counters/NB-001-TT-Q1/presence", {"active": "1"})
    assert turned_on.status_code == 303
    flags = {r["code"]: r["presence_required"] for r in await Counter.select(Counter.code, Counter.presence_required)}
    assert flags == {"NB-001-TT-Q1": True, "NB-001-TT-Q2": False, "LC-001-TT-Q1": False}
    listed = await client.get("/officer/admin/counters")
    assert "/officer/counters/NB-001-TT-Q1/display" in listed.text and "Bỏ yêu cầu" in listed.text


def screen_in_browser(base_url: str, shot_name: str) -> dict:
    """Log in as the unit's manager, open the counter's screen at 1280 and 360 px; read the QR off the pixels."""
    from playwright.sync_api import sync_playwright

    seen: dict = {"problems": [], "codes": {}}
    with sync_playwright() as p:
        browser = launch_chromium(p)
        for width, height in ((1280, 800), (360, 740)):
            page = browser.new_page(viewport={"width": width, "height": height}, locale="vi-VN")
            page.on("console", lambda message: seen["problems"].append(message.text)
                    if message.type == "error" else None)
            page.goto(f"{base_url}/login")
            page.get_by_label("Tên đăng nhập").fill("nbmanager")
            page.get_by_label("Mật khẩu").fill("nb-manager-pass-1")
            page.get_by_role("button", name="Đăng nhập").click()
            page.wait_for_load_state()
            page.goto(f"{base_url}/officer/counters/NB-001-TT-Q1/display")
            shot = page.screenshot(full_page=True)
            if path := artifact(f"{shot_name}-{width}.png"):
                path.write_bytes(shot)
            seen["codes"][width] = decoded(shot)
            seen[f"qr-top-{width}"] = page.locator("img.qr").bounding_box()
            seen[f"sideways-{width}"] = page.evaluate(
                "() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
            page.goto(f"{base_url}/officer/admin/counters")
            if path := artifact(f"{shot_name}-counters-{width}.png"):
                page.screenshot(path=str(path), full_page=True)
            seen[f"counters-sideways-{width}"] = page.evaluate(
                "() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
            page.close()
        browser.close()
    return seen


@pytest.mark.skipif(not CHROMIUM, reason="SURVEY_TEST_CHROMIUM is not set")
async def test_the_screen_in_a_real_browser(place, live_server, engine_name):
    await create_officer("nbmanager", "nb-manager-pass-1", "manager", "NB")
    seen = await asyncio.to_thread(screen_in_browser, live_server, f"counter-display-{engine_name}")
    assert seen["problems"] == []  # no CSP violation: no script, the image is a data: URL
    for width in (1280, 360):
        assert len(seen["codes"][width]) == 1 and "/q/" in seen["codes"][width][0] and "?p=" in seen["codes"][width][0]
        assert seen[f"sideways-{width}"] <= 0 and seen[f"counters-sideways-{width}"] <= 0
    # The whole symbol is on the first screen of a 1280 x 800 display.
    box = seen["qr-top-1280"]
    assert box["y"] + box["height"] <= 800
