"""Login throttling: per account name and per client, shared through the database by every worker."""

from __future__ import annotations

from survey.accounts.throttle import LoginThrottle
from survey.db.tables import AuditLog, KeyValue
from tests.accounts.fixtures import app_client, login


async def test_sixth_attempt_after_five_failures_is_refused_with_retry_after(client):
    for _ in range(5):
        assert (await login(client, "admin", "wrong-password-x")).status_code == 401
    refused = await login(client, "admin")  # the right password, but too late
    assert refused.status_code == 429
    retry = int(refused.headers["retry-after"])
    assert 0 < retry <= 15 * 60
    assert "Quá nhiều lần đăng nhập sai" in refused.text
    assert client.cookies.get("survey_session") is None
    assert await AuditLog.count().where(AuditLog.action == "login.throttled") == 1


async def test_limit_is_shared_by_two_workers_on_one_database(world):
    """Two application instances on the same database stand for two server processes."""
    async with app_client(world) as first, app_client(world) as second:
        for _ in range(3):
            assert (await login(first, "nbmanager", "wrong-password-x")).status_code == 401
        for _ in range(2):
            assert (await login(second, "nbmanager", "wrong-password-x")).status_code == 401
        assert (await login(first, "nbmanager")).status_code == 429
        assert (await login(second, "nbmanager")).status_code == 429


async def test_client_is_limited_across_account_names(client):
    for name in ("a-one", "a-two", "a-three", "a-four", "a-five"):
        assert (await login(client, name, "wrong-password-x")).status_code == 401
    assert (await login(client, "admin")).status_code == 429


async def test_success_clears_the_account_counter_but_not_the_client_counter(world):
    throttle = LoginThrottle(world.secret_key, max_failures=3, window_s=600)
    for _ in range(2):
        await throttle.failed("admin", "198.51.100.7")
    await throttle.succeeded("admin", "198.51.100.7")
    await throttle.failed("admin", "203.0.113.9")
    await throttle.failed("admin", "203.0.113.9")
    assert await throttle.retry_after("admin", "203.0.113.9") == 0  # 2 account failures since the success
    await throttle.failed("someone", "198.51.100.7")
    assert await throttle.retry_after("other", "198.51.100.7") > 0  # that client has 3 failures


async def test_account_is_limited_across_clients(world):
    throttle = LoginThrottle(world.secret_key, max_failures=5, window_s=600)
    for i in range(5):
        await throttle.failed("nbmanager", f"192.0.2.{i}")
    assert await throttle.retry_after("nbmanager", "192.0.2.200") > 0
    assert await throttle.retry_after("lcmanager", "192.0.2.200") == 0


async def test_window_slides(world):
    throttle = LoginThrottle(world.secret_key, max_failures=2, window_s=1)
    await throttle.failed("admin", "192.0.2.1")
    await throttle.failed("admin", "192.0.2.1")
    wait = await throttle.retry_after("admin", "192.0.2.1")
    assert wait == 1
    import asyncio

    await asyncio.sleep(1.1)
    assert await throttle.retry_after("admin", "192.0.2.1") == 0


async def test_store_holds_neither_ip_nor_typed_name(client):
    await login(client, "typed-password-by-mistake", "x" * 12)
    keys = [row["key"] for row in await KeyValue.select(KeyValue.key)]
    assert keys
    assert not any("testclient" in k or "typed-password" in k for k in keys)
