"""The differencing attack: a manager reads a report just before and just after one citizen submits.

Had the figures moved (43/43 satisfied becoming 43/44), the manager would learn that citizen's ratings. By
default officer figures stop at the end of the previous day (``SURVEY_REPORT_INCLUDE_TODAY=0``), so a
submission made now changes nothing a manager can read today; the report states its cut-off as a date.
With the setting turned on the same reading does move: that is the documented cost of live figures.
"""

from __future__ import annotations

import dataclasses
import re

import pytest

from survey.db.tables import Counter, Response, Unit
from survey.demo.loader import DEMO_MANAGER
from survey.qr.keys import signing_kid
from survey.qr.tokens import sign_counter
from tests.accounts.fixtures import app_client, login
from tests.citizen.conftest import nonce_of

REPORT = ("/officer/reports/report.json", {"scope": "NB", "period": "2026-04..2026-12"})
SATISFIED = {"access_sat": "5", "procedures_sat": "5", "civil_servant_sat": "5", "results_sat": "5",
             "feedback_sat": "5", "overall_sat": "5"}


async def _nb_counter_token(settings) -> str:
    nb_path = (await Unit.select(Unit.path).where(Unit.code == "NB").first())["path"]
    counter = await Counter.select(Counter.id).where(
        Counter.unit.path.like(f"{nb_path}%") & (Counter.active == True)).first()  # noqa: E712
    return sign_counter(settings.secret_key, await signing_kid(), counter["id"])


async def _before_and_after_one_citizen(settings) -> tuple[dict, dict]:
    async with app_client(settings) as client:
        assert (await login(client, DEMO_MANAGER[0], DEMO_MANAGER[1])).status_code == 303
        before = await client.get(REPORT[0], params=REPORT[1])
        assert before.status_code == 200, before.text
        token = await _nb_counter_token(settings)
        page = await client.get(f"/q/{token}")
        counted = await Response.count()
        submitted = await client.post(f"/q/{token}", data={**SATISFIED, "nonce": nonce_of(page.text)})
        assert submitted.status_code == 200 and await Response.count() == counted + 1
        after = await client.get(REPORT[0], params=REPORT[1])
    return before.json(), after.json()


@pytest.mark.parametrize("engine_name", ["sqlite"], indirect=True)
async def test_a_report_read_before_and_after_one_submission_does_not_change(demo, db):
    before, after = await _before_and_after_one_citizen(db)
    # When the report was made is not about the data; everything else, the cut-off included, must not move.
    assert before.pop("generated_at") != "" and after.pop("generated_at") != ""
    assert after == before
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", before["data_cutoff"]), before["data_cutoff"]


@pytest.mark.parametrize("engine_name", ["sqlite"], indirect=True)
async def test_with_todays_answers_included_the_same_reading_moves(demo, db):
    # The documented cost of SURVEY_REPORT_INCLUDE_TODAY=1: figures a manager can difference.
    before, after = await _before_and_after_one_citizen(dataclasses.replace(db, report_include_today=True))
    before.pop("generated_at"), after.pop("generated_at")
    assert after != before
