"""Cost of officer access: Argon2id verification, a login, and a logged-in page view (session + officer lookup).

Run: python benchmarks/accounts_sessions.py            (SQLite in a temporary folder)
     python benchmarks/accounts_sessions.py SERVER_URL (PostgreSQL: a scratch database is created on the
                                                        server at postgresql://..., and dropped afterwards)
Prints medians; nothing is asserted.
"""

from __future__ import annotations

import asyncio
import os
import re
import statistics
import sys
import tempfile
import time

os.environ.setdefault("SURVEY_DATA_DIR", tempfile.mkdtemp())
os.environ.setdefault("SURVEY_SECRET_KEY", "benchmark-secret-" + "x" * 32)
os.environ.setdefault("SURVEY_LOG_LEVEL", "WARNING")

from litestar.testing import AsyncTestClient  # noqa: E402

from survey.accounts.passwords import hash_password, verify_password  # noqa: E402
from survey.accounts.services import create_officer  # noqa: E402
from survey.accounts.store import KeyValueStore  # noqa: E402
from survey.app import create_app  # noqa: E402
from survey.db.engine import bind, engine_from_settings  # noqa: E402
from survey.db.migrate import upgrade  # noqa: E402
from survey.settings import get_settings  # noqa: E402

PASSWORD = "benchmark-password"
HTML = {"accept": "text/html"}


def median_ms(samples: list[float]) -> str:
    return f"{statistics.median(samples) * 1000:.1f} ms (n={len(samples)})"


async def timed(work, n: int) -> list[float]:
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        await work()
        samples.append(time.perf_counter() - start)
    return samples


async def main() -> None:
    settings = get_settings()
    bind(engine_from_settings(settings))
    await upgrade()
    await create_officer("bench", PASSWORD, "admin")
    stored = hash_password(PASSWORD)
    verify = []
    for _ in range(20):
        start = time.perf_counter()
        verify_password(stored, PASSWORD)
        verify.append(time.perf_counter() - start)
    print(f"engine: {settings.engine}")
    print(f"Argon2id verify: {median_ms(verify)}")

    store = KeyValueStore("bench")
    print(f"store set: {median_ms(await timed(lambda: store.set('k', b'x' * 200, 3600), 200))}")
    print(f"store get: {median_ms(await timed(lambda: store.get('k'), 200))}")

    async with AsyncTestClient(app=create_app(settings)) as client:
        token = re.search(r'name="_csrf_token" value="([^"]+)"', (await client.get("/login", headers=HTML)).text).group(1)

        async def login() -> None:
            response = await client.post("/login", data={"username": "bench", "password": PASSWORD, "_csrf_token": token},
                                         headers=HTML, follow_redirects=False)
            assert response.status_code == 303

        print(f"POST /login (verify + audit + new session): {median_ms(await timed(login, 10))}")

        async def home() -> None:
            assert (await client.get("/officer", headers=HTML)).status_code == 200

        print(f"GET /officer logged in: {median_ms(await timed(home, 200))}")

    async with AsyncTestClient(app=create_app(settings)) as anonymous_client:

        async def anonymous() -> None:
            assert (await anonymous_client.get("/login", headers=HTML)).status_code == 200

        print(f"GET /login anonymous: {median_ms(await timed(anonymous, 200))}")


async def on_scratch_postgres(server_url: str) -> None:
    import uuid

    import asyncpg

    from survey.db.engine import postgres_config

    config = postgres_config(server_url)
    name = f"survey_bench_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(**config)
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        os.environ["DATABASE_URL"] = f"postgresql://{config['user']}@{config['host']}:{config['port']}/{name}"
        await main()
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


if __name__ == "__main__":
    asyncio.run(on_scratch_postgres(sys.argv[1]) if len(sys.argv) > 1 else main())
