"""/officer/admin/jobs: the job table's counts, the latest jobs, dead ones with a button to send them again.

National administrators only: a job's payload and last error may name any province's units and the
addresses of webhook receivers.
"""

from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.exceptions import ClientException, PermissionDeniedException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from survey.accounts.flash import flash
from survey.accounts.guards import CurrentOfficer, OfficerDependency, require_roles
from survey.accounts.services import Role
from survey.jobs.outbox import STATUSES
from survey.jobs.services import JobError, job_counts, recent_jobs, resend_dead
from survey.params import Page

PAGE_SIZE = 100


def national_admin(officer: CurrentOfficer) -> None:
    if officer.unit_path != "/":
        raise PermissionDeniedException("Chỉ quản trị viên toàn quốc xem được hàng đợi. / National administrators only.")


class JobsController(Controller):
    path = "/officer/admin/jobs"
    guards = [require_roles(Role.ADMIN)]
    include_in_schema = False

    @get("/")
    async def index(self, officer: OfficerDependency, status: FromQuery[str] = "", page: Page = 1) -> Template:
        national_admin(officer)
        if status and status not in STATUSES:
            raise ClientException(f"Trạng thái không hợp lệ: {status!r}. / Unknown status.")
        if page < 1:
            raise ClientException("Số trang phải từ 1. / page must be 1 or more.")
        jobs = await recent_jobs(status or None, limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE)
        return Template("officer/admin/jobs.html", context={
            "counts": await job_counts(), "jobs": jobs[:PAGE_SIZE], "more": len(jobs) > PAGE_SIZE,
            "status": status, "page": page, "statuses": STATUSES,
        })

    @post("/{job_id:int}/retry")
    async def retry(self, request: Request, officer: OfficerDependency, job_id: FromPath[int]) -> Redirect:
        national_admin(officer)
        try:
            await resend_dead(job_id, actor=officer.username)
        except JobError as exc:
            flash(request, str(exc), "error")
        else:
            flash(request, f"Đã đưa việc #{job_id} vào hàng đợi lại.")
        return Redirect("/officer/admin/jobs?status=dead", status_code=303)
