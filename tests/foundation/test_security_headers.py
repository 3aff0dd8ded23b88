"""Security headers: strict CSP on officer pages, no referrer leaks of tokens, HSTS behind TLS."""

from litestar.testing import AsyncTestClient

from survey.app import create_app


async def test_headers_on_every_response(db):
    async with AsyncTestClient(app=create_app(db)) as client:
        for path in ("/healthz", "/officer/anything", "/q/not-a-token", "/no-such-page"):
            response = await client.get(path, headers={"accept": "text/html"})
            assert response.headers["x-content-type-options"] == "nosniff", path
            assert response.headers["referrer-policy"] == "no-referrer", path
            assert "frame-ancestors 'none'" in response.headers["content-security-policy"], path
            assert "'unsafe-inline'" not in response.headers["content-security-policy"].split("script-src")[1].split(";")[0]
            assert "strict-transport-security" not in response.headers
        officer = await client.get("/officer/anything", headers={"accept": "text/html"})
        assert "'unsafe-inline'" not in officer.headers["content-security-policy"]
        assert officer.headers["cache-control"] == "no-store"


async def test_hsts_when_behind_tls(settings, monkeypatch):
    from dataclasses import replace

    from survey.db.engine import bind, engine_from_settings
    from survey.db.migrate import upgrade

    bind(engine_from_settings(settings))
    await upgrade()
    async with AsyncTestClient(app=create_app(replace(settings, behind_tls=True))) as client:
        response = await client.get("/healthz")
        assert response.headers["strict-transport-security"].startswith("max-age=31536000")
