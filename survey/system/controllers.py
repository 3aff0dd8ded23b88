"""Operational endpoints: health, and the site root."""

from __future__ import annotations

import logging
from typing import Literal

import msgspec
from litestar import Controller, Request, Response, get
from litestar.openapi.datastructures import ResponseSpec
from litestar.response import Redirect

from survey.db.storage import storage_problem
from survey.db.tables import Unit
from survey.settings import Settings

log = logging.getLogger("survey.health")


class Health(msgspec.Struct, omit_defaults=True):
    status: Literal["ok", "unavailable"]
    database: str
    # Why the database cannot store answers although it answers reads: "read-only" or "disk full".
    problem: str | None = None


class SystemController(Controller):
    tags = ["system"]

    @get("/", include_in_schema=False)
    async def root(self, request: Request) -> Redirect:
        """The site root: an officer goes to the dashboard, anyone else to the login page (citizens arrive by
        their QR code's /q/ link, never here)."""
        from survey.accounts.guards import load_officer

        officer = await load_officer(request)
        if officer is None:
            return Redirect("/login", status_code=303)
        return Redirect("/officer/dashboard" if officer.role in ("admin", "manager") else "/officer", status_code=303)

    @get("/healthz", summary="Liveness and database check", responses={
        503: ResponseSpec(Health, description="The database cannot be reached, is read-only or its disk is full.",
                          generate_examples=False),
    })
    async def healthz(self, request: Request) -> Response[Health]:
        settings: Settings = request.app.state["settings"]
        engine = settings.engine
        try:
            await Unit.raw("SELECT 1")
            problem = await storage_problem(settings)
        except Exception:  # any failure to reach the database means "not healthy", whatever the driver raised
            log.warning("health check failed", exc_info=True)
            return Response(Health(status="unavailable", database=engine, problem="unreachable"), status_code=503)
        if problem:
            log.warning("health check failed", extra={"problem": problem})
            return Response(Health(status="unavailable", database=engine, problem=problem), status_code=503)
        return Response(Health(status="ok", database=engine))
