"""The application starts, answers /healthz, documents itself and never shows a traceback."""

import pytest
from litestar import get
from litestar.testing import AsyncTestClient

from survey.app import create_app
from survey.settings import SettingsError, load_settings


async def test_healthz_checks_the_database(db, engine_name):
    async with AsyncTestClient(app=create_app(db)) as client:
        response = await client.get("/healthz")
        assert response.status_code == 200
        assert response.json() == {"status": "ok", "database": engine_name}


async def test_healthz_reports_an_unreachable_database(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    monkeypatch.setenv("SURVEY_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SURVEY_AUTO_MIGRATE", "0")
    async with AsyncTestClient(app=create_app(load_settings())) as client:
        response = await client.get("/healthz")
        assert response.status_code == 503
        assert response.json()["status"] == "unavailable"


async def test_openapi_schema_is_served(db):
    async with AsyncTestClient(app=create_app(db)) as client:
        response = await client.get("/schema/openapi.json")
        assert response.status_code == 200
        assert "/healthz" in response.json()["paths"]


async def test_errors_are_json_for_apis_and_pages_for_browsers(db):
    app = create_app(db)

    @get("/api/v1/boom", include_in_schema=False)
    async def boom() -> None:
        raise RuntimeError("secret internal detail")

    app.register(boom)
    async with AsyncTestClient(app=app) as client:
        response = await client.get("/api/v1/boom")
        assert response.status_code == 500
        body = response.json()
        assert body["status"] == 500 and "reference" in body["detail"]
        assert "secret internal detail" not in response.text and "Traceback" not in response.text
        page = await client.get("/no-such-page", headers={"accept": "text/html"})
        assert page.status_code == 404
        assert "text/html" in page.headers["content-type"]
        assert "Không tìm thấy trang" in page.text


async def test_oversized_bodies_are_refused(db):
    from litestar import post
    from litestar.params import JSONBody

    app = create_app(db)

    @post("/api/v1/echo", include_in_schema=False)
    async def echo(data: JSONBody[dict]) -> dict:
        return data

    app.register(echo)
    async with AsyncTestClient(app=app) as client:
        response = await client.post("/api/v1/echo", content=b"{" + b" " * (db.max_request_body + 10) + b"}",
                                     headers={"content-type": "application/json"})
        assert response.status_code == 413


def test_bad_settings_are_named(tmp_path, monkeypatch):
    monkeypatch.setenv("SURVEY_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", "mysql://x")
    with pytest.raises(SettingsError, match="DATABASE_URL"):
        load_settings()
    monkeypatch.delenv("DATABASE_URL")
    monkeypatch.setenv("SURVEY_SECRET_KEY", "short")
    with pytest.raises(SettingsError, match="SURVEY_SECRET_KEY"):
        load_settings()


LIMITS = ("SURVEY_SESSION_IDLE_SECONDS", "SURVEY_SESSION_MAX_SECONDS", "SURVEY_LOGIN_MAX_FAILURES",
          "SURVEY_LOGIN_WINDOW_SECONDS")


def test_session_and_login_limits_are_read_and_checked(tmp_path, monkeypatch):
    monkeypatch.setenv("SURVEY_DATA_DIR", str(tmp_path))
    for name in LIMITS:
        monkeypatch.delenv(name, raising=False)
    defaults = load_settings()
    assert (defaults.session_idle_s, defaults.session_max_s, defaults.login_max_failures,
            defaults.login_window_s) == (28800, 43200, 5, 900)
    for name, value in zip(LIMITS, ("60", "120", "3", "30")):
        monkeypatch.setenv(name, value)
    read = load_settings()
    assert (read.session_idle_s, read.session_max_s, read.login_max_failures, read.login_window_s) == (60, 120, 3, 30)
    for name, value, message in [
        ("SURVEY_SESSION_IDLE_SECONDS", "1h", "SURVEY_SESSION_IDLE_SECONDS must be a whole number of seconds, not '1h'"),
        ("SURVEY_LOGIN_WINDOW_SECONDS", "0", "SURVEY_LOGIN_WINDOW_SECONDS must be at least 1 second"),
        ("SURVEY_LOGIN_MAX_FAILURES", "-3", "SURVEY_LOGIN_MAX_FAILURES must be a positive whole number, not '-3'"),
        ("SURVEY_SESSION_MAX_SECONDS", "59",
         "SURVEY_SESSION_MAX_SECONDS must not be shorter than SURVEY_SESSION_IDLE_SECONDS"),
    ]:
        with monkeypatch.context() as bad:
            bad.setenv(name, value)
            with pytest.raises(SettingsError) as refused:
                load_settings()
            assert str(refused.value) == message


def test_secret_key_is_generated_once(tmp_path, monkeypatch):
    monkeypatch.setenv("SURVEY_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("SURVEY_SECRET_KEY", raising=False)
    first = load_settings().secret_key
    assert len(first) >= 32 and load_settings().secret_key == first
    assert (tmp_path / "secret.key").stat().st_mode & 0o077 == 0
