"""``/officer/exports``: roles, unit scope, CSRF, the export run by ``survey worker``, the limit of exports per
officer, and download."""

from __future__ import annotations

import asyncio
import io
import zipfile

import pytest

from survey.accounts.services import create_officer
from survey.db.tables import AuditLog, ExportJob, Job
from survey.exports import jobs
from survey.jobs.worker import Worker
from tests.accounts.fixtures import HTML, app_client, csrf_token, login, post_form
from tests.exports.readback import QUASI_IDENTIFIERS, class_sizes

PASSWORDS = {"admin": "admin-password-1", "researcher": "researcher-pass-1", "p1researcher": "p1-research-pass-1",
             "p1manager": "p1-manager-pass-1", "other": "other-research-pass-1"}
FORM = {"scope": "VN", "period": "2026-Q3", "format": "csv", "k": "5"}


@pytest.fixture
async def officers(survey_data):
    await create_officer("admin", PASSWORDS["admin"], "admin", None)
    await create_officer("researcher", PASSWORDS["researcher"], "researcher")
    await create_officer("p1researcher", PASSWORDS["p1researcher"], "researcher", "P1")
    await create_officer("p1manager", PASSWORDS["p1manager"], "manager", "P1")
    await create_officer("other", PASSWORDS["other"], "researcher")
    return survey_data["settings"]


async def logged_in(client, username):
    response = await login(client, username, PASSWORDS[username])
    assert response.status_code in (302, 303), response.text


async def run_worker() -> None:
    """A worker runs the exports until nothing is due: the web process only queues them."""
    await Worker({jobs.JOB_KIND: jobs.run_job}, long_kinds=frozenset({jobs.JOB_KIND})).run(until_idle=True)


async def finished(client, location: str) -> str:
    await run_worker()
    for _ in range(300):
        page = await client.get(location, headers=HTML)
        assert page.status_code == 200
        if 'id="status">done' in page.text or 'id="status">failed' in page.text:
            return page.text
        await asyncio.sleep(0.1)
    raise AssertionError("export did not finish")


async def test_researcher_exports_and_downloads(officers):
    async with app_client(officers) as client:
        await logged_in(client, "researcher")
        response = await post_form(client, "/officer/exports", FORM, page="/officer/exports")
        assert response.status_code == 303
        location = response.headers["location"]
        page = await finished(client, location)
        assert 'id="status">done' in page
        download = await client.get(f"{location}/download")
        assert download.status_code == 200
        with zipfile.ZipFile(io.BytesIO(download.content)) as bundle:
            names = bundle.namelist()
            data = next(name for name in names if name.endswith(".csv"))
            import csv

            rows = list(csv.DictReader(io.StringIO(bundle.read(data).decode("utf-8"))))
        assert any(name.endswith(".codebook.json") for name in names)
        assert min(class_sizes([{k: v or None for k, v in r.items()} for r in rows], QUASI_IDENTIFIERS).values()) >= 5
        job = await ExportJob.select().first()
        assert job["requested_by"] == "researcher" and job["status"] == "done"
        actions = [e["action"] for e in await AuditLog.select(AuditLog.action).where(AuditLog.actor == "researcher")]
        assert "export" in actions and "export.download" in actions

        # Another researcher may not see or download it; an administrator may.
        await client.post("/logout", data={"_csrf_token": await csrf_token(client, "/officer")}, headers=HTML)
        await logged_in(client, "other")
        assert (await client.get(location, headers=HTML)).status_code == 403
        assert (await client.get(f"{location}/download", headers=HTML)).status_code == 403
        await client.post("/logout", data={"_csrf_token": await csrf_token(client, "/officer")}, headers=HTML)
        await logged_in(client, "admin")
        assert (await client.get(f"{location}/download")).status_code == 200


async def test_scope_is_enforced(officers):
    async with app_client(officers) as client:
        await logged_in(client, "p1researcher")
        outside = await post_form(client, "/officer/exports", {**FORM, "scope": "P2"}, page="/officer/exports")
        assert outside.status_code == 403
        above = await post_form(client, "/officer/exports", {**FORM, "scope": "VN"}, page="/officer/exports")
        assert above.status_code == 403
        own = await post_form(client, "/officer/exports", {**FORM, "scope": "P1", "k": "3"}, page="/officer/exports")
        assert own.status_code == 303
        assert 'id="status">done' in await finished(client, own.headers["location"])
    assert await ExportJob.count() == 1


async def test_managers_are_refused(officers):
    async with app_client(officers) as client:
        await logged_in(client, "p1manager")
        assert (await client.get("/officer/exports", headers=HTML)).status_code == 403
        token = await csrf_token(client, "/officer")
        refused = await client.post("/officer/exports", data={**FORM, "scope": "P1", "_csrf_token": token},
                                    headers=HTML, follow_redirects=False)
        assert refused.status_code == 403
    assert await ExportJob.count() == 0


async def test_form_without_csrf_token_is_refused(officers):
    async with app_client(officers) as client:
        await logged_in(client, "researcher")
        refused = await client.post("/officer/exports", data=FORM, headers=HTML, follow_redirects=False)
        assert refused.status_code == 403
    assert await ExportJob.count() == 0


async def test_bad_form_is_a_clear_400_and_no_job(officers):
    async with app_client(officers) as client:
        await logged_in(client, "researcher")
        for bad, message in (({"k": "1"}, "k must be"), ({"period": "2026-Q9"}, "period"), ({"k": "many"}, "number")):
            response = await post_form(client, "/officer/exports", {**FORM, **bad}, page="/officer/exports")
            assert response.status_code == 400 and message in response.text
        missing = await post_form(client, "/officer/exports", {**FORM, "scope": "NOWHERE"}, page="/officer/exports")
        assert missing.status_code == 404
    assert await ExportJob.count() == 0


async def test_export_that_cannot_reach_k_fails_visibly(officers):
    async with app_client(officers) as client:
        await logged_in(client, "researcher")
        response = await post_form(client, "/officer/exports", {**FORM, "k": "100000"}, page="/officer/exports")
        page = await finished(client, response.headers["location"])
        assert 'id="status">failed' in page and "fewer than k" in page
        assert (await client.get(f"{response.headers['location']}/download", headers=HTML)).status_code == 404


async def test_anonymous_visitors_are_sent_to_login(officers):
    async with app_client(officers) as client:
        response = await client.get("/officer/exports", headers=HTML, follow_redirects=False)
        assert response.status_code in (302, 303) and "/login" in response.headers["location"]


async def test_the_web_process_only_queues_the_export(officers):
    async with app_client(officers) as client:
        await logged_in(client, "researcher")
        response = await post_form(client, "/officer/exports", FORM, page="/officer/exports")
        await asyncio.sleep(0.5)
        page = await client.get(response.headers["location"], headers=HTML)
        assert 'id="status">queued' in page.text and "survey worker" in page.text
        assert await Job.count().where(Job.kind == jobs.JOB_KIND, Job.status == "queued") == 1
        assert 'id="status">done' in await finished(client, response.headers["location"])


async def test_simultaneous_exports_beyond_the_limit_are_refused_in_vietnamese(officers):
    """Issue 15: twenty simultaneous requests were all accepted. Now at most SURVEY_EXPORT_MAX_ACTIVE (2) wait
    or run per officer; the others get a 429 that says why, and no row."""
    async with app_client(officers) as client:
        await logged_in(client, "researcher")
        token = await csrf_token(client, "/officer/exports")
        answers = await asyncio.gather(*(
            client.post("/officer/exports", data={**FORM, "_csrf_token": token}, headers=HTML,
                        follow_redirects=False) for _ in range(20)))
        statuses = sorted(answer.status_code for answer in answers)
        assert statuses == [303] * 2 + [429] * 18
        refused = next(answer for answer in answers if answer.status_code == 429)
        assert "tối đa 2" in refused.text and "Xin đợi" in refused.text
        assert await ExportJob.count() == 2
        # Another officer is not held back by the first one's exports.
        await client.post("/logout", data={"_csrf_token": await csrf_token(client, "/officer")}, headers=HTML)
        await logged_in(client, "other")
        assert (await post_form(client, "/officer/exports", FORM, page="/officer/exports")).status_code == 303
        # Once they are done, the first officer may export again.
        await run_worker()
        assert await ExportJob.count().where(ExportJob.status == "done") == 3
        await client.post("/logout", data={"_csrf_token": await csrf_token(client, "/officer")}, headers=HTML)
        await logged_in(client, "researcher")
        assert (await post_form(client, "/officer/exports", FORM, page="/officer/exports")).status_code == 303


async def test_an_export_whose_worker_job_died_is_shown_failed(officers):
    async with app_client(officers) as client:
        await logged_in(client, "researcher")
        response = await post_form(client, "/officer/exports", FORM, page="/officer/exports")
        await Job.update({Job.status: "dead"}).where(Job.kind == jobs.JOB_KIND)
        page = await client.get(response.headers["location"], headers=HTML)
        assert 'id="status">failed' in page.text and "xin gửi lại" in page.text
