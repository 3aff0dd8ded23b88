"""The reports' demo (two provinces, 2026-04 to 2026-09) with Ninh Bình made public and Lào Cai left private."""

from __future__ import annotations

import pytest

from tests.accounts.fixtures import app_client
from tests.reports.conftest import demo  # noqa: F401  (fixture)

PERIOD = "2026-Q3"


@pytest.fixture
async def published(demo):  # noqa: F811
    from survey.public.publication import set_publication

    await set_publication("NB", True, 30, "province", actor="test")
    return demo


@pytest.fixture
async def client(published, db):
    async with app_client(db) as test_client:
        yield test_client


def public_state(client):
    return client.app.state["public"]
