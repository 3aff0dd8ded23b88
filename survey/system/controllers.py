"""Operational endpoints: health."""

from __future__ import annotations

import logging
from typing import Literal

import msgspec
from litestar import Controller, Response, get
from litestar.openapi.datastructures import ResponseSpec

from survey.db.tables import Unit
from survey.settings import get_settings

log = logging.getLogger("survey.health")


class Health(msgspec.Struct):
    status: Literal["ok", "unavailable"]
    database: str


class SystemController(Controller):
    tags = ["system"]

    @get("/healthz", summary="Liveness and database check", responses={
        503: ResponseSpec(Health, description="The database cannot be reached.", generate_examples=False),
    })
    async def healthz(self) -> Response[Health]:
        engine = get_settings().engine
        try:
            await Unit.raw("SELECT 1")
        except Exception:  # any failure to reach the database means "not healthy", whatever the driver raised
            log.warning("health check failed", exc_info=True)
            return Response(Health(status="unavailable", database=engine), status_code=503)
        return Response(Health(status="ok", database=engine))
