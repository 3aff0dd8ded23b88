"""The job page (national administrators) and ``survey jobs``: dead jobs are listed and can be sent again."""

from __future__ import annotations

import subprocess
import sys

from survey.db.tables import AuditLog, Job
from survey.jobs import outbox
from tests.accounts.fixtures import HTML, login, post_form


async def dead_job(key: str) -> int:
    await outbox.enqueue("webhook.deliver", {}, key=key, max_attempts=1)
    [job] = await outbox.claim("w", ["webhook.deliver"], lease_s=60)
    assert await outbox.fail(job, "HTTP 503 from receiver") == outbox.DEAD
    return job.id


async def test_admin_sees_dead_jobs_and_sends_one_again(client):
    job_id = await dead_job("dead-1")
    await outbox.enqueue("webhook.deliver", {}, key="queued-1")
    await login(client, "admin")
    page = await client.get("/officer/admin/jobs?status=dead", headers=HTML)
    assert page.status_code == 200
    assert "HTTP 503 from receiver" in page.text and "queued-1" not in page.text
    assert f"/officer/admin/jobs/{job_id}/retry" in page.text
    answer = await post_form(client, f"/officer/admin/jobs/{job_id}/retry", {}, page="/officer/admin/jobs")
    assert answer.status_code == 303
    row = await Job.select(Job.status, Job.attempts).where(Job.id == job_id).first()
    assert row == {"status": "queued", "attempts": 0}
    assert await AuditLog.count().where(AuditLog.action == "job.retry") == 1
    assert (await client.get("/officer/admin/jobs?status=nonsense", headers=HTML)).status_code == 400
    assert (await client.get("/officer/admin/jobs?page=0", headers=HTML)).status_code == 400


async def test_managers_do_not_see_the_queue(client):
    await login(client, "nbmanager")
    assert (await client.get("/officer/admin/jobs", headers=HTML)).status_code == 403


async def test_jobs_command_lists_and_retries(db):
    job_id = await dead_job("dead-cli")
    listing = subprocess.run([sys.executable, "-m", "survey.cli", "jobs", "list", "--status", "dead"],
                             capture_output=True, text=True, timeout=60)
    assert listing.returncode == 0, listing.stderr
    assert "dead: 1" in listing.stdout and "HTTP 503 from receiver" in listing.stdout
    retried = subprocess.run([sys.executable, "-m", "survey.cli", "jobs", "retry", str(job_id)],
                             capture_output=True, text=True, timeout=60)
    assert retried.returncode == 0, retried.stderr
    again = subprocess.run([sys.executable, "-m", "survey.cli", "jobs", "retry", str(job_id)],
                           capture_output=True, text=True, timeout=60)
    assert again.returncode == 2 and "not dead" in again.stderr
    assert (await outbox.counts())["queued"] == 1
