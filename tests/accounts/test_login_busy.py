"""A login flood that meets a busy database: every attempt is answered 503 with Retry-After, never 500."""

from __future__ import annotations

import asyncio
import dataclasses
import sqlite3

import pytest

from tests.accounts.fixtures import HTML, PASSWORDS, app_client, csrf_token, world  # noqa: F401  (fixture)


@pytest.mark.parametrize("engine_name", ["sqlite"], indirect=True)
async def test_logins_against_a_locked_database_answer_503_not_500(world):  # noqa: F811
    impatient = dataclasses.replace(world, sqlite_busy_timeout_s=0.2)
    async with app_client(impatient) as client:
        token = await csrf_token(client)
        holder = sqlite3.connect(str(impatient.sqlite_path))
        try:
            holder.execute("BEGIN EXCLUSIVE")
            answers = await asyncio.gather(*(
                client.post("/login", headers=HTML, follow_redirects=False, data={
                    "username": name, "password": "wrong-password", "_csrf_token": token})
                for name in ["admin", "nbmanager", "nobody"] * 10))
        finally:
            holder.rollback()
            holder.close()
        assert {answer.status_code for answer in answers} == {503}
        assert all(answer.headers["retry-after"].isdigit() for answer in answers)
        right = await client.post("/login", headers=HTML, follow_redirects=False, data={
            "username": "admin", "password": PASSWORDS["admin"], "_csrf_token": token})
        assert right.status_code == 303
