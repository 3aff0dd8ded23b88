"""A small demo in a real database, and the same figures computed independently from its rows."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from survey.db.tables import DossierVolume, Response, Unit
from survey.demo import generator, loader

DEMO_END = "2026-09"
ELEMENTS = ("e1", "e2", "e3", "e4", "e5")


@pytest.fixture
async def demo(database_snapshot):
    """Two provinces over six months to 2026-09 (Q2 and Q3 of 2026), about 1,500 responses."""

    async def build():
        data = generator.generate(seed=11, end_period=DEMO_END, months=6, scale=0.12)
        await loader.load(data)
        return data

    return await database_snapshot(f"demo_11_{DEMO_END}_6_012", build)


@dataclass
class Rows:
    """Valid responses as arrays, with their post-stratum (unit-month) and the dossier volumes."""

    post_stratum: np.ndarray
    volumes: dict[str, int]
    stratum: np.ndarray
    counter: np.ndarray
    unit_path: np.ndarray
    period: np.ndarray
    satisfied: dict[str, np.ndarray]


async def response_rows(instrument: str = "sipas_qr") -> Rows:
    rows = await Response.select(
        Response.stratum, Response.counter, Response.unit, Response.unit.path, Response.period,
        *(getattr(Response, c) for c in (*ELEMENTS, "overall")),
    ).where((Response.status == "valid") & (Response.instrument_key == instrument))
    volumes = {f"{v['unit']}|{v['period']}": v["dossiers"] for v in await DossierVolume.select()}
    post_stratum = np.array([f"{r['unit']}|{r['period']}" for r in rows])

    def indicator(column: str) -> np.ndarray:
        return np.array([np.nan if r[column] is None else float(r[column] >= 4) for r in rows])

    return Rows(post_stratum, volumes, np.array([r["stratum"] for r in rows]), np.array([r["counter"] for r in rows]),
                np.array([r["unit.path"] for r in rows], dtype=object), np.array([r["period"] for r in rows]),
                {c: indicator(c) for c in (*ELEMENTS, "overall")})


async def unit_path(code: str) -> str:
    return (await Unit.select(Unit.path).where(Unit.code == code).first())["path"]
