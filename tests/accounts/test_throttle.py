"""Login throttling: per account name with growing waits, per client address at a much higher limit, shared
through the database by every worker; counted before the password is checked."""

from __future__ import annotations

import asyncio

from survey.accounts.throttle import LoginThrottle
from survey.db.tables import AuditLog, KeyValue
from tests.accounts.fixtures import app_client, login


async def _fail(throttle: LoginThrottle, name: str, ip: str, times: int = 1) -> None:
    for _ in range(times):
        assert await throttle.admit(name, ip) == 0


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


async def test_an_office_behind_one_address_is_not_locked_out_by_one_forgotten_password(client):
    """Five failures for a name that does not exist, from the office's one NAT address, lock that name only."""
    for _ in range(5):
        assert (await login(client, "no-such-officer", "wrong-password-x")).status_code == 401
    assert (await login(client, "no-such-officer", "wrong-password-x")).status_code == 429
    assert (await login(client, "admin")).status_code == 303


async def test_one_address_trying_many_names_is_stopped_at_the_address_limit(world):
    throttle = LoginThrottle(world.secret_key, max_failures=5, window_s=600, address_max_failures=12)
    for i in range(12):
        await _fail(throttle, f"name-{i}", "198.51.100.7")
    assert await throttle.admit("admin", "198.51.100.7") == 600
    assert await throttle.admit("admin", "203.0.113.9") == 0  # another address is not affected


async def test_waits_grow_with_each_attempt_after_the_limit(world):
    throttle = LoginThrottle(world.secret_key, max_failures=3, window_s=900, first_delay_s=30)
    assert throttle.account.delay(2) == 0
    assert [throttle.account.delay(n) for n in range(3, 10)] == [30, 60, 120, 240, 480, 900, 900]
    await _fail(throttle, "admin", "192.0.2.1", times=3)
    assert 29 <= await throttle.retry_after("admin", "192.0.2.1") <= 30


async def test_a_refused_attempt_is_not_counted_and_is_audited_once_per_wait(world):
    throttle = LoginThrottle(world.secret_key, max_failures=2, window_s=900)
    await _fail(throttle, "admin", "192.0.2.1", times=2)
    waits = [await throttle.admit("admin", f"192.0.2.{i}") for i in range(2, 40)]
    assert all(0 < wait <= 30 for wait in waits)  # the wait did not grow with the refusals
    audited = await AuditLog.select().where(AuditLog.action == "login.throttled")
    assert len(audited) == 1
    assert audited[0]["target"] != "admin" and len(audited[0]["target"]) == 32  # a keyed hash, not the name


async def test_success_clears_the_account_counter_but_not_the_client_counter(world):
    throttle = LoginThrottle(world.secret_key, max_failures=3, window_s=600, address_max_failures=3)
    await _fail(throttle, "admin", "198.51.100.7", times=2)
    await throttle.succeeded("admin", "198.51.100.7")  # gives back its own attempt only
    await _fail(throttle, "admin", "203.0.113.9", times=2)
    assert await throttle.retry_after("admin", "203.0.113.9") == 0  # 2 account attempts since the success
    await _fail(throttle, "someone", "198.51.100.7")
    await _fail(throttle, "someone", "198.51.100.7")
    assert await throttle.retry_after("other", "198.51.100.7") > 0  # that address has 3 failures


async def test_account_is_limited_across_clients(world):
    throttle = LoginThrottle(world.secret_key, max_failures=5, window_s=600)
    for i in range(5):
        await _fail(throttle, "nbmanager", f"192.0.2.{i}")
    assert await throttle.retry_after("nbmanager", "192.0.2.200") > 0
    assert await throttle.retry_after("lcmanager", "192.0.2.200") == 0


async def test_simultaneous_attempts_are_admitted_one_by_one(world):
    throttle = LoginThrottle(world.secret_key, max_failures=5, window_s=600)
    waits = await asyncio.gather(*(throttle.admit("nbmanager", "192.0.2.1") for _ in range(40)))
    assert waits.count(0) == 5


async def test_wait_ends(world):
    throttle = LoginThrottle(world.secret_key, max_failures=2, window_s=1)
    await _fail(throttle, "admin", "192.0.2.1", times=2)
    assert await throttle.retry_after("admin", "192.0.2.1") == 1
    await asyncio.sleep(1.1)
    assert await throttle.admit("admin", "192.0.2.1") == 0


async def test_store_holds_neither_ip_nor_typed_name(client):
    await login(client, "typed-password-by-mistake", "x" * 12)
    keys = [row["key"] for row in await KeyValue.select(KeyValue.key)]
    assert keys
    assert not any("testclient" in k or "typed-password" in k for k in keys)
