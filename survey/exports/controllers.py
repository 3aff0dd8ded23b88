"""``/officer/exports``: researchers and administrators request research files and download them.

Unit managers are not admitted: exports are microdata for research, and managers read their units' figures
in the reports. A researcher exports only inside their own unit scope (a researcher without a unit: the
whole country); only the officer who asked for a file, or an administrator, may download it.
"""

from __future__ import annotations

from litestar import Controller, MediaType, Request, get, post
from litestar.exceptions import ClientException, HTTPException, NotFoundException, PermissionDeniedException
from litestar.params import FromPath
from litestar.response import File, Redirect, Template

from survey.accounts.guards import CurrentOfficer, OfficerDependency, authorize_unit, require_roles
from survey.audit import record
from survey.db.tables import MAX_ROW_ID
from survey.exports import jobs
from survey.exports.periods import GRAINS
from survey.exports.services import ExportRequest
from survey.exports.writers import FORMATS
from survey.openapi import officer_refusals


def _number(form: dict[str, str], name: str, default: str, kind: type) -> object:
    raw = form.get(name, "").strip() or default
    try:
        return kind(raw)
    except ValueError:
        raise ClientException(f"{name} must be a number, not {raw!r}") from None


def request_from_form(form: dict[str, str]) -> ExportRequest:
    version = form.get("version", "").strip()
    request = ExportRequest(
        scope=form.get("scope", "").strip(), period=form.get("period", "").strip(),
        format=form.get("format", "csv"), instrument=form.get("instrument", "").strip() or None,
        version=int(_number(form, "version", version, int)) if version else None,
        k=int(_number(form, "k", "5", int)), keep_text=form.get("keep_text") == "1",
        grain=form.get("grain") or None, max_suppression=float(_number(form, "max_suppression", "0.05", float)),
        excel=form.get("excel") == "1",
    )
    try:
        request.checked()
    except ValueError as exc:
        raise ClientException(str(exc)) from None
    return request


async def job_for(officer: CurrentOfficer, job_id: int) -> dict:
    job = await jobs.load(job_id) if 0 < job_id <= MAX_ROW_ID else None
    if job is None:
        raise NotFoundException(f"no export {job_id}")
    if job["requested_by"] != officer.username and not officer.is_national_admin:
        raise PermissionDeniedException(
            "only the officer who requested this export, or a national administrator, may see it")
    return job


NO_JOB = {404: "No export has this number."}


class ExportController(Controller):
    path = "/officer/exports"
    guards = [require_roles("admin", "researcher")]

    @get("/", media_type=MediaType.HTML, responses=officer_refusals({}))
    async def index(self, officer: OfficerDependency) -> Template:
        listed = await jobs.jobs_of(None if officer.is_national_admin else officer.username)
        return Template("exports/index.html", context={
            "jobs": listed, "formats": list(FORMATS), "grains": list(GRAINS[:3]), "officer": officer})

    @post("/", status_code=303, responses=officer_refusals({
        400: "The form asks for an export that cannot be made (period, format, k, ...).",
        404: "No unit has the scope's code.",
        413: "The form is larger than the server accepts.",
        429: "The officer already has as many exports waiting or running as SURVEY_EXPORT_MAX_ACTIVE allows."}))
    async def create(self, request: Request, officer: OfficerDependency) -> Redirect:
        form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
        export = request_from_form(form)
        await authorize_unit(officer, export.scope)
        try:
            job_id = await jobs.submit(export, officer.username, request.app.state["settings"])
        except jobs.TooManyExports as exc:
            raise HTTPException(status_code=429, detail=str(exc)) from None
        return Redirect(f"/officer/exports/{job_id}", status_code=303)

    @get("/{job_id:int}", media_type=MediaType.HTML, responses=officer_refusals(NO_JOB))
    async def show(self, officer: OfficerDependency, job_id: FromPath[int]) -> Template:
        return Template("exports/job.html", context={"job": await job_for(officer, job_id)})

    @get("/{job_id:int}/download", media_type="application/zip",
         responses=officer_refusals({404: "No such export, or its file is not ready."}))
    async def download(self, request: Request, officer: OfficerDependency, job_id: FromPath[int]) -> File:
        job = await job_for(officer, job_id)
        if job["status"] != "done":
            raise NotFoundException(f"export {job_id} has no file yet (status: {job['status']})")
        path = jobs.exports_dir(request.app.state["settings"]) / job["file_name"]
        await record("export.download", officer.username, target=str(job_id), file=path.name)
        return File(path=path, filename=path.name, media_type="application/zip")
