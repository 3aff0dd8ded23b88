"""Wires officer access into the application: sessions, CSRF, the ``officer`` dependency, login redirects."""

from __future__ import annotations

from pathlib import Path

from litestar.config.app import AppConfig
from litestar.config.csrf import CSRFConfig
from litestar.di import Provide
from litestar.plugins import InitPluginProtocol
from litestar.static_files import create_static_files_router

from survey.accounts.flash import take_flashes
from survey.accounts.guards import LoginRequired, handle_login_required, provide_officer
from survey.accounts.sessions import SESSION_STORE, OfficerSessionConfig
from survey.accounts.store import KeyValueStore
from survey.accounts.throttle import LoginThrottle
from survey.settings import Settings

STATIC = Path(__file__).parent.parent / "static"
# Citizen pages and API-key endpoints carry their own one-time nonce or key, and the public pages (GET only, one
# cached copy for everyone) must set no cookie: no officer session, no CSRF cookie.
CSRF_EXEMPT = ["^/q/", "^/api/", "^/cong-khai", "^/public"]
SESSIONLESS = [*CSRF_EXEMPT, "^/static/", "^/healthz", "^/schema"]

static_files = create_static_files_router(path="/static", directories=[STATIC], name="static")


class AccessPlugin(InitPluginProtocol):
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        settings = self.settings
        sessions = KeyValueStore(SESSION_STORE, key_secret=settings.secret_key)
        app_config.stores = {**dict(app_config.stores or {}), SESSION_STORE: sessions}
        app_config.middleware.append(
            OfficerSessionConfig(
                max_age=settings.session_max_s,
                idle_s=settings.session_idle_s,
                secure=settings.behind_tls,
                httponly=True,
                samesite="lax",
                exclude=SESSIONLESS,
            ).middleware
        )
        app_config.csrf_config = CSRFConfig(
            secret=settings.secret_key,
            cookie_name="survey_csrf",
            cookie_secure=settings.behind_tls,
            cookie_httponly=True,
            cookie_samesite="lax",
            exclude=CSRF_EXEMPT,
        )
        # Copies: the dicts handed to Litestar() may be module-level constants shared by other apps.
        app_config.dependencies = {**app_config.dependencies, "officer": Provide(provide_officer)}
        app_config.exception_handlers = {**app_config.exception_handlers, LoginRequired: handle_login_required}
        app_config.state["login_throttle"] = LoginThrottle(
            settings.secret_key, settings.login_max_failures, settings.login_window_s,
            address_max_failures=settings.login_address_max_failures,
        )
        if app_config.template_config is not None:
            app_config.template_config.engine_instance.register_template_callable("flashes", take_flashes)
        return app_config


def access_routes() -> list:
    """Login, logout, officer home, back-office screens and the static files they use."""
    from survey.accounts.controllers import LoginController, OfficerHomeController
    from survey.admin.controllers import ADMIN_ROUTES

    return [LoginController, OfficerHomeController, *ADMIN_ROUTES, static_files]
