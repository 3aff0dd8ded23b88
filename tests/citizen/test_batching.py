"""Concurrent submissions share write transactions without losing, doubling or mixing up any of them."""

from __future__ import annotations

import asyncio

import instruments
from survey.citizen.nonce import issue
from survey.citizen.submissions import Submission, write_batch
from survey.citizen.targets import RECEIPT_USED, TargetRefused, resolve
from survey.citizen.writer import store
from survey.db.tables import Answer, Receipt, Response
from survey.receipts import apikeys
from survey.receipts.services import mint
from tests.citizen.conftest import counter_token


def submission(target, nonce: str, device: str, overall: int) -> Submission:
    answers = {"access_sat": 4, "overall_sat": overall, "comment": f"ý kiến {nonce[:6]}"}
    return Submission(target=target, instrument=instruments.get("sipas_qr"), answers=answers, nonce=nonce,
                      device=device, channel=target.channel)


async def test_many_at_once_are_all_stored_each_with_its_own_answers(place):
    secret = place.settings.secret_key
    target = await resolve(await counter_token(place, "NB-001-TT-Q1"), secret)
    subs = [submission(target, issue(secret, target.token), f"device-{n}", 1 + n % 5) for n in range(300)]
    results = await asyncio.gather(*(store(sub, place.settings.timezone) for sub in subs))
    assert len({r.response_id for r in results}) == 300 and not any(r.duplicate for r in results)
    stored = {r["nonce"]: r["overall"] for r in await Response.select(Response.nonce, Response.overall)}
    assert stored == {sub.nonce: sub.answers["overall_sat"] for sub in subs}
    comments = {r["response"]: r["value_text"] for r in await Answer.select().where(Answer.item_code == "comment")}
    for sub, result in zip(subs, results):
        assert comments[result.response_id] == sub.answers["comment"]


async def test_the_same_nonce_twice_in_one_batch_is_one_response(place):
    secret = place.settings.secret_key
    target = await resolve(await counter_token(place, "NB-001-TT-Q1"), secret)
    nonce = issue(secret, target.token)
    first, second = await asyncio.gather(store(submission(target, nonce, "d", 4), place.settings.timezone),
                                         store(submission(target, nonce, "d", 4), place.settings.timezone))
    assert first.response_id == second.response_id and [first.duplicate, second.duplicate] == [False, True]
    assert await Response.count() == 1 and await Answer.count() == 3


async def test_one_receipt_answered_twice_in_one_batch_stores_one(place):
    secret = place.settings.secret_key
    key = await apikeys.authenticate(secret, await apikeys.create(secret, "mot-cua", "NB"))
    minted = await mint(secret, key, "NB-001-TT-Q2")
    target = await resolve(minted.token, secret)
    outcomes = await asyncio.gather(
        *(store(submission(target, issue(secret, target.token), f"d{n}", 5), place.settings.timezone)
          for n in range(2)),
        return_exceptions=True,
    )
    refused = [o for o in outcomes if isinstance(o, TargetRefused)]
    stored = [o for o in outcomes if not isinstance(o, BaseException)]
    assert len(refused) == 1 and refused[0].refusal is RECEIPT_USED and len(stored) == 1
    assert await Response.count() == 1
    assert (await Receipt.select(Receipt.response).first())["response"] == stored[0].response_id


async def test_a_burst_within_one_batch_is_flagged(place):
    from survey.citizen.device import BURST_LIMIT

    secret = place.settings.secret_key
    target = await resolve(await counter_token(place, "NB-001-TT-Q1"), secret)
    subs = [submission(target, issue(secret, target.token), "same-phone", 5) for _ in range(BURST_LIMIT + 3)]
    results = await asyncio.gather(*(store(sub, place.settings.timezone) for sub in subs))
    assert sorted(r.status for r in results) == ["flagged"] * 3 + ["valid"] * BURST_LIMIT
    assert await Response.count().where(Response.status == "flagged") == 3


async def test_a_busy_writer_waits_for_company_and_an_idle_one_does_not(place, monkeypatch):
    from survey.citizen import writer

    # Widened windows, so that the machine's speed cannot decide the outcome.
    monkeypatch.setattr(writer, "GATHER_S", 0.5)
    monkeypatch.setattr(writer, "BUSY_S", 60.0)
    sizes: list[int] = []

    async def counted(subs, tz):
        sizes.append(len(subs))
        return await write_batch(subs, tz)

    monkeypatch.setattr(writer, "write_batch", counted)
    secret, tz = place.settings.secret_key, place.settings.timezone
    target = await resolve(await counter_token(place, "NB-001-TT-Q1"), secret)
    subs = [submission(target, issue(secret, target.token), f"device-{n}", 4) for n in range(3)]
    await store(subs[0], tz)  # an idle writer: written alone, at once
    second = asyncio.ensure_future(store(subs[1], tz))
    await asyncio.sleep(0.05)
    third = asyncio.ensure_future(store(subs[2], tz))  # arrives while the busy writer gathers
    await asyncio.gather(second, third)
    assert sizes == [1, 2]
    assert await Response.count() == 3
