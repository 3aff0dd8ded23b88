"""Printable posters open, carry the Vietnamese names and the URL, and their QR decodes back to it."""

from __future__ import annotations

import io
import os

import pypdf
import pytest
import zxingcpp
from PIL import Image

from survey.accounts.services import create_officer
from survey.qr import posters
from survey.qr.services import unit_posters
from survey.qr.tokens import parse
from tests.accounts.fixtures import login

URL = "http://127.0.0.1:8000/q/AAEAAAABsMuUDCbs3pZi5g"
POSTER = posters.Poster("Trung tâm Phục vụ hành chính công phường Hoa Lư", "Quầy số 1 — Hộ tịch", URL)


def pdf_text(data: bytes) -> list[str]:
    return [" ".join(page.extract_text().split()) for page in pypdf.PdfReader(io.BytesIO(data)).pages]


def decoded(png: bytes) -> list[str]:
    return [code.text for code in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


@pytest.mark.parametrize("size", ["a4", "a6"])
def test_a_pdf_poster_carries_names_invitation_and_url(size):
    (text,) = pdf_text(posters.pdf([POSTER], size))
    assert "Trung tâm Phục vụ hành chính công phường Hoa Lư" in text
    assert "Quầy số 1 — Hộ tịch" in text
    assert "Quét mã để đánh giá mức độ hài lòng — chưa đến 1 phút, không cần đăng nhập" in text
    assert URL in text


@pytest.mark.parametrize("size", ["a4", "a6"])
def test_the_png_poster_decodes_back_to_the_url(size):
    assert decoded(posters.png(POSTER, size)) == [URL]


def test_the_svg_poster_rasterises_to_the_same_code():
    from playwright.sync_api import sync_playwright

    svg = posters.svg(POSTER, "a6")
    assert "Quầy số 1 — Hộ tịch" in svg and URL in svg
    chromium = os.environ.get("SURVEY_TEST_CHROMIUM")
    if not chromium:
        pytest.skip("SURVEY_TEST_CHROMIUM is not set")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 620, "height": 880})
        page.set_content(f"<body style='margin:0'>{svg}</body>")
        shot = page.screenshot(full_page=True)
        browser.close()
    assert decoded(shot) == [URL]


def test_bad_sizes_and_formats_are_refused():
    with pytest.raises(ValueError, match="size"):
        posters.pdf([POSTER], "a3")
    with pytest.raises(ValueError, match="format"):
        posters.render([POSTER], "a4", "gif")
    with pytest.raises(ValueError, match="one poster"):
        posters.render([POSTER, POSTER], "a4", "png")


async def test_a_unit_batch_has_a_page_per_active_counter_with_working_tokens(place):
    from survey.citizen.targets import resolve

    settings = place.settings
    found = await unit_posters(settings.secret_key, settings.base_url, "NB")
    pages = pdf_text(posters.pdf(found, "a6"))
    assert len(pages) == 2
    assert "Quầy số 1 — Hộ tịch" in pages[0] and "Quầy số 2 — Đất đai" in pages[1]
    for poster in found:
        token = poster.url.rsplit("/", 1)[1]
        assert poster.url in " ".join(pages)
        target = await resolve(token, settings.secret_key)
        assert target.place.counter_name == poster.counter_name
    assert parse(token, settings.secret_key).kid == "k1"



async def test_no_posters_for_the_counters_of_a_closed_unit(place):
    from survey.db.tables import Counter, Unit
    from survey.qr.services import counter_poster

    settings = place.settings
    await Counter.update({Counter.active: False}).where(Counter.code == "NB-001-TT-Q2")
    assert [p.counter_name for p in await unit_posters(settings.secret_key, settings.base_url, "NB")] == [
        "Quầy số 1 — Hộ tịch"]
    await Unit.update({Unit.active: False}).where(Unit.code == "NB-001")
    with pytest.raises(LookupError, match="no active counters"):
        await unit_posters(settings.secret_key, settings.base_url, "NB")
    with pytest.raises(LookupError, match="unknown or inactive counter"):
        await counter_poster(settings.secret_key, settings.base_url, "NB-001-TT-Q1")
    assert len(await unit_posters(settings.secret_key, settings.base_url, "VN")) == 1  # Lào Cai's counter

def test_the_poster_command_writes_files(place, tmp_path, capsys):
    from survey.cli import main

    out = tmp_path / "nb.pdf"
    assert main(["qr", "poster", "--unit", "NB", "--size", "a6", "--out", str(out)]) == 0
    assert len(pdf_text(out.read_bytes())) == 2
    png = tmp_path / "q1.png"
    assert main(["qr", "poster", "--counter", "LC-001-TT-Q1", "--format", "png", "--out", str(png)]) == 0
    (url,) = decoded(png.read_bytes())
    assert url.startswith(place.settings.base_url + "/q/")
    assert main(["qr", "poster", "--counter", "NOPE", "--out", str(png)]) == 2
    assert "unknown or inactive counter" in capsys.readouterr().err


def test_the_keys_command_rotates_lists_and_retires(place, capsys):
    from survey.cli import main

    assert main(["qr", "keys", "rotate"]) == 0
    assert main(["qr", "keys", "rotate"]) == 0
    assert main(["qr", "keys", "retire", "k1"]) == 0
    capsys.readouterr()
    assert main(["qr", "keys", "list"]) == 0
    listed = [line.split("\t") for line in capsys.readouterr().out.splitlines()]
    assert [(row[0], row[2] == "in service") for row in listed] == [("k1", False), ("k2", True)]
    assert main(["qr", "keys", "retire", "k7"]) == 2


def test_the_apikeys_command_prints_a_key_once(place, capsys):
    from survey.cli import main

    assert main(["apikeys", "create", "--name", "mot-cua-nb", "--unit", "NB"]) == 0
    key = capsys.readouterr().out.strip()
    assert key.startswith("sk_") and len(key) > 40
    assert main(["apikeys", "list"]) == 0
    listed = capsys.readouterr().out
    assert "mot-cua-nb\tNB" in listed and key not in listed
    assert main(["apikeys", "create", "--name", "x", "--unit", "NOPE"]) == 2


async def test_officers_download_posters_only_for_their_units(place, client):
    await create_officer("nbmanager", "nb-manager-pass-1", "manager", "NB")
    await create_officer("researcher", "researcher-pass-1", "researcher")
    assert (await client.get("/officer/units/NB/posters.pdf", follow_redirects=False)).status_code in (303, 401)
    await login(client, "nbmanager", "nb-manager-pass-1")
    batch = await client.get("/officer/units/NB/posters.pdf?size=a6")
    assert batch.status_code == 200 and batch.headers["content-type"] == "application/pdf"
    assert len(pdf_text(batch.content)) == 2
    png = await client.get("/officer/counters/NB-001-TT-Q1/poster.png")
    assert png.status_code == 200 and decoded(png.content)[0].startswith(place.settings.base_url + "/q/")
    svg = await client.get("/officer/counters/NB-001-TT-Q1/poster.svg")
    assert svg.status_code == 200 and "Quầy số 1 — Hộ tịch" in svg.text
    assert (await client.get("/officer/units/LC/posters.pdf")).status_code == 403
    assert (await client.get("/officer/counters/LC-001-TT-Q1/poster.pdf")).status_code == 403
    assert (await client.get("/officer/counters/NB-001-TT-Q1/poster.gif")).status_code == 404
    client.cookies.clear()
    await login(client, "researcher", "researcher-pass-1")
    assert (await client.get("/officer/units/NB/posters.pdf")).status_code == 403
