"""Anti-stuffing layers: each one flags (stores, leaves out of the indices), none drops an answer.

(a) one address, or one network prefix, at one counter whatever the User-Agent; (b) one counter beyond its
plausible service rate; (c) runs of identical answers. (e), the atomic count across workers, is in
``tests/reliability/test_burst_workers.py``.
"""

from __future__ import annotations

import instruments
from survey.citizen.device import BURST_LIMIT, COUNTER_FLOOR, NETWORK_LIMIT, RUN_LENGTH, network_of
from survey.citizen.nonce import issue
from survey.citizen.plausible import forget_norms, norm_from
from survey.citizen.submissions import Submission, write_batch
from survey.citizen.targets import resolve
from survey.db.tables import Response
from tests.citizen.conftest import counter_token
from tests.support import idempotency_key

API_ANSWERS = {"access_sat": 5, "procedures_sat": 5, "civil_servant_sat": 5, "results_sat": 5, "overall_sat": 5}


async def test_rotating_the_user_agent_from_one_address_is_still_flagged(place, client):
    """The review's attack: one address, 60 five-star answers on the JSON API, a new User-Agent each time."""
    token = await counter_token(place, "NB-001-TT-Q1")
    for number in range(60):
        answer = await client.post("/api/v1/responses", headers={"user-agent": f"phone-model-{number}"}, json={
            "token": token, "answers": API_ANSWERS, "idempotency_key": idempotency_key(f"stuffer-key-{number:04d}"),
        })
        assert answer.status_code == 201
    rows = await Response.select(Response.status, Response.flag_reason).order_by(Response.id)
    assert len(rows) == 60  # flagged, never dropped
    assert [r["status"] for r in rows].count("valid") == BURST_LIMIT
    assert {r["flag_reason"] for r in rows[BURST_LIMIT:]} == {"address"}


def _sub(target, secret: str, address: str, network: str, overall: int = 4) -> Submission:
    answers = {"access_sat": 4, "procedures_sat": 5, "overall_sat": overall}
    return Submission(target=target, instrument=instruments.get("sipas_qr"), answers=answers,
                      nonce=issue(secret, target.token), device=address, channel=target.channel, network=network)


async def _target(place, code: str = "NB-001-TT-Q1"):
    return await resolve(await counter_token(place, code), place.settings.secret_key)


async def test_many_addresses_of_one_network_prefix_are_flagged_beyond_its_limit(place):
    target, secret = await _target(place), place.settings.secret_key
    subs = [_sub(target, secret, f"address-{n}", "network-1", overall=1 + n % 5) for n in range(NETWORK_LIMIT + 3)]
    outcomes = await write_batch(subs, place.settings.timezone)
    assert [o.status for o in outcomes].count("valid") == NETWORK_LIMIT
    assert await Response.count().where(Response.flag_reason == "network") == 3


def test_prefixes_are_a_slash_24_and_a_slash_56():
    assert network_of("203.0.113.77") == network_of("203.0.113.5") == "203.0.113.0/24"
    assert network_of("203.0.114.77") != network_of("203.0.113.77")
    assert network_of("2001:db8:1:2ff::1") == network_of("2001:db8:1:200::9") == "2001:db8:1:200::/56"
    assert network_of("::ffff:203.0.113.9") == "203.0.113.0/24"


async def test_a_counter_beyond_its_plausible_service_rate_is_flagged_whatever_the_addresses(place):
    forget_norms()
    target, secret = await _target(place), place.settings.secret_key
    subs = [_sub(target, secret, f"address-{n}", f"network-{n}", overall=1 + n % 5) for n in range(COUNTER_FLOOR + 5)]
    outcomes = await write_batch(subs, place.settings.timezone)
    assert [o.status for o in outcomes].count("valid") == COUNTER_FLOOR
    assert await Response.count().where(Response.flag_reason == "counter_rate") == 5
    other = await write_batch([_sub(await _target(place, "NB-001-TT-Q2"), secret, "a", "n")], "Asia/Ho_Chi_Minh")
    assert other[0].status == "valid"


def test_the_norm_follows_dossier_volumes_and_history_and_never_falls_below_the_floor():
    assert norm_from(0, 1, 0) == COUNTER_FLOOR
    # 100,000 dossiers a month at 2 counters: ~47 per 10 minutes each, so 3 x 47.
    assert norm_from(100_000, 2, 0) == 143
    assert norm_from(0, 1, 96_000) == 3 * 100


async def test_a_run_of_identical_answers_is_flagged(place):
    forget_norms()
    target, secret = await _target(place), place.settings.secret_key
    subs = [_sub(target, secret, f"address-{n}", f"network-{n}", overall=5) for n in range(RUN_LENGTH + 1)]
    outcomes = await write_batch(subs[:3], place.settings.timezone)
    outcomes += await write_batch(subs[3:], place.settings.timezone)  # the run spans batches
    assert [o.status for o in outcomes] == ["valid"] * (RUN_LENGTH - 1) + ["flagged"] * 2
    assert await Response.count().where(Response.flag_reason == "identical_run") == 2
    varied = await write_batch([_sub(target, secret, "address-x", "network-x", overall=3)], place.settings.timezone)
    assert varied[0].status == "valid"


async def test_two_transactions_of_one_burst_at_once_count_each_other(place, engine_name):
    """Two workers' batches of one device's burst, committed at the same time (PostgreSQL: each worker has its
    own transaction; SQLite's one write lock already serialises them, and its writer runs one batch at a time)."""
    if engine_name != "postgres":
        return
    import asyncio

    target, secret = await _target(place), place.settings.secret_key
    subs = [_sub(target, secret, "one-phone", "one-network", overall=1 + n % 5) for n in range(2 * BURST_LIMIT)]
    first, second = await asyncio.gather(write_batch(subs[:BURST_LIMIT], place.settings.timezone),
                                         write_batch(subs[BURST_LIMIT:], place.settings.timezone))
    assert [o.status for o in first + second].count("valid") == BURST_LIMIT
