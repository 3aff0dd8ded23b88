"""``create_app()``: the one place the litestar application is assembled; ``create_server_app()`` is what
``survey serve`` runs."""

from __future__ import annotations

from pathlib import Path

from litestar import Litestar
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.plugins.jinja import JinjaTemplateEngine as Jinja
from litestar.template.config import TemplateConfig

from survey.accounts.plugin import AccessPlugin, access_routes
from survey.alerts.controllers import AlertsController
from survey.citizen.api import ResponseApiController
from survey.citizen.controllers import SurveyPageController
from survey.compression import PageCompression
from survey.core import i18n, templating
from survey.db.database import Database
from survey.errors import EXCEPTION_HANDLERS
from survey.exports.controllers import ExportController
from survey.feedback.controllers import FeedbackController
from survey.jobs.controllers import JobsController
from survey.logs import access_log_middleware, configure_logging
from survey.public.controllers import PublicationController, PublicController
from survey.public.pages import PublicState
from survey.qr.controllers import PosterController
from survey.receipts.controllers import ReceiptController
from survey.reports.controllers import ReportController
from survey.security import security_headers
from survey.settings import Settings, get_settings
from survey.system.controllers import SystemController
from survey.system.warmup import ready_process
from survey.webhooks.controllers import WebhooksController

TEMPLATES = Path(__file__).parent / "templates"

ROUTE_HANDLERS: list = [
    SystemController,
    SurveyPageController,
    ResponseApiController,
    ReceiptController,
    PosterController,
    *access_routes(),
    ReportController,
    ExportController,
    JobsController,
    WebhooksController,
    FeedbackController,
    AlertsController,
    PublicController,
    PublicationController,
]

def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or get_settings()
    database = Database(settings)

    async def on_startup() -> None:
        configure_logging(settings.log_level, settings.log_format)
        await database.open(migrate=settings.auto_migrate, pool=True)

    async def on_shutdown() -> None:
        await database.close()

    app = Litestar(
        route_handlers=ROUTE_HANDLERS,
        on_startup=[on_startup],
        on_shutdown=[on_shutdown],
        exception_handlers=EXCEPTION_HANDLERS,
        plugins=[AccessPlugin(settings)],
        middleware=[i18n.middleware(settings.language), access_log_middleware, PageCompression()],
        before_send=[security_headers(settings.behind_tls)],
        template_config=TemplateConfig(directory=TEMPLATES, engine=Jinja,
                                       engine_callback=lambda jinja: templating.configure(jinja.engine)),
        openapi_config=OpenAPIConfig(
            title="Citizen satisfaction survey",
            version="1",
            path="/schema",
            render_plugins=[SwaggerRenderPlugin()],
        ),
        request_max_body_size=settings.max_request_body,
        logging_config=None,
        state={"settings": settings, "database": database},
        debug=False,
    )
    engine = app.template_engine
    app.state["public"] = PublicState(settings.timezone, settings.stratum_level, settings.base_url,
                                      lambda name, context: engine.get_template(name).render(**context))
    return app


def create_server_app() -> Litestar:
    """The application of a long-running server process: readied for traffic once started (see
    ``survey.system.warmup``)."""
    app = create_app()
    app.on_startup.append(ready_process)
    return app
