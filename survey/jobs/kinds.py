"""Which job kinds ``survey worker`` runs, and the function that runs each.

Each area that hands work to the worker exposes its handlers here; the import happens when a worker starts,
so the web process never loads what only workers use.
"""

from __future__ import annotations

from survey.jobs.worker import Handler


def handlers() -> dict[str, Handler]:
    from survey.webhooks import delivery, services as webhooks

    return {webhooks.JOB_KIND: delivery.deliver}
