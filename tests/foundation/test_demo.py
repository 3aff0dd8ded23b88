"""The demo generator is deterministic for a seed and shows real differences between units."""

import numpy as np
from scipy.stats import chi2_contingency

from survey.db.tables import Answer, Counter, DossierVolume, Officer, Receipt, Response, Unit
from survey.demo import generator, loader


def satisfied_by_unit(data: generator.DemoData) -> dict[str, list[bool]]:
    by_unit: dict[str, list[bool]] = {}
    for r in data.responses:
        by_unit.setdefault(r["unit_code"], []).append(r["ratings"][0] >= 4)
    return by_unit


def test_same_seed_same_data_other_seed_other_data():
    first = generator.generate(seed=7, end_period="2026-09", months=3, scale=0.2)
    again = generator.generate(seed=7, end_period="2026-09", months=3, scale=0.2)
    other = generator.generate(seed=8, end_period="2026-09", months=3, scale=0.2)
    assert first == again
    assert first.responses != other.responses


def test_periods_end_where_asked():
    data = generator.generate(seed=1, end_period="2026-02", months=4, scale=0.1)
    assert sorted({r["period"] for r in data.responses}) == ["2025-11", "2025-12", "2026-01", "2026-02"]
    assert {v["period"] for v in data.volumes} == {"2025-11", "2025-12", "2026-01", "2026-02"}


def test_units_differ_plausibly():
    by_unit = satisfied_by_unit(generator.generate(seed=2026, end_period="2026-10", months=6))
    shares = np.array([np.mean(flags) for flags in by_unit.values()])
    assert shares.min() < 0.9 < 0.95 < shares.max()
    # Differences between units are real, not sampling noise: homogeneity is firmly rejected.
    table = np.array([[sum(flags), len(flags) - sum(flags)] for flags in by_unit.values()])
    assert chi2_contingency(table).pvalue < 1e-6


async def test_demo_loads_into_the_database(db):
    data = generator.generate(seed=3, end_period="2026-09", months=2, scale=0.05)
    assert await loader.load(data) == len(data.responses)
    assert await loader.is_loaded()
    assert await Unit.count() == len(data.units)
    assert await Counter.count() == len(data.counters)
    assert await DossierVolume.count() == len(data.volumes)
    assert await Response.count() == len(data.responses)
    skipped = sum(r["ratings"].count(None) for r in data.responses)
    assert await Answer.count() == 6 * len(data.responses) - skipped
    assert {o["role"] for o in await Officer.select(Officer.role)} == {"admin", "manager"}
    receipt_answers = sum(r["channel"] == "receipt" for r in data.responses)
    assert await Receipt.count() == len(data.receipts) > receipt_answers
    assert await Receipt.count().where(Receipt.response.is_not_null()) == receipt_answers
    one = data.responses[0]
    stored = await Response.select().where(Response.nonce == one["nonce"]).first()
    assert [stored[f"e{k}"] for k in range(1, 6)] == one["ratings"]
    assert stored["overall"] == one["overall"] and stored["period"] == one["period"]
