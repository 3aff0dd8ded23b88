"""Which job kinds ``survey worker`` runs, the function that runs each, and the periodic ones.

Each area that hands work to the worker exposes its handlers here; the import happens when a worker starts,
so the web process never loads what only workers use.
"""

from __future__ import annotations

from survey.jobs.outbox import ClaimedJob
from survey.jobs.worker import Handler

KEEP_DONE_S = 7 * 24 * 3600
PERIODIC_S = {
    "feedback.ingest": 5.0,
    "jobs.prune": 3600.0,
    "alerts.evaluate": 300.0,
    "digests.plan": 900.0,
    "contacts.expire": 3600.0,
}


async def prune_jobs(job: ClaimedJob) -> None:
    from survey.jobs.outbox import prune

    await prune(KEEP_DONE_S)


async def ingest_feedback(job: ClaimedJob) -> None:
    from survey.feedback.services import ingest
    from survey.settings import get_settings

    settings = get_settings()
    await ingest(settings.timezone, settings.feedback_deadline_days, settings.holidays)


# Jobs that take minutes: run beside the short ones rather than holding up the worker's batch.
LONG_KINDS = frozenset({"exports.run", "digests.send"})


async def expire_contacts(job: ClaimedJob) -> None:
    from survey.feedback.contacts import expire

    await expire()


def handlers() -> dict[str, Handler]:
    from survey.alerts import delivery as alerts
    from survey.alerts import digests
    from survey.exports import jobs as exports
    from survey.webhooks import delivery
    from survey.webhooks import services as webhooks

    return {webhooks.JOB_KIND: delivery.deliver, "feedback.ingest": ingest_feedback, "jobs.prune": prune_jobs,
            "alerts.evaluate": alerts.evaluate_rules, "alerts.email": alerts.mail_alert,
            exports.JOB_KIND: exports.run_job, digests.PLAN_JOB: digests.plan_job, digests.SEND_JOB: digests.send_job,
            "contacts.expire": expire_contacts}


def periodic() -> dict[str, float]:
    return dict(PERIODIC_S)
