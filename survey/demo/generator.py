"""A deterministic synthetic demo: units, counters, procedures, dossier volumes and responses.

Every unit has its own satisfaction level and every element its own offset (procedures and feedback
handling lower, the civil servant higher), with a slow improvement over the months, so reports show
units above and below the 95% target and trends worth reading. The same seed and end month give the
same data, byte for byte. About one receipt in four is answered, so reports show a response rate.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone

import numpy as np

from survey.core.periods import Period, month_number
from survey.core.responses import Channel, ResponseStatus
from survey.demo.places import COUNTER_NAMES, PROCEDURES, PROVINCES

LOCAL = timezone(timedelta(hours=7))
# Offsets on the logit scale for the five SIPAS elements: access, procedures, civil servant, result, feedback.
ELEMENT_OFFSETS = np.array([0.3, -0.5, 0.6, 0.2, -0.8])
FEEDBACK_SKIP = 0.18
FLAGGED_SHARE = 0.004


@dataclass
class DemoData:
    units: list[dict] = field(default_factory=list)
    counters: list[dict] = field(default_factory=list)
    procedures: list[dict] = field(default_factory=list)
    volumes: list[dict] = field(default_factory=list)
    # One dict per response: counter code, unit code, province code, procedure code or None, channel,
    # received_at (UTC), period, status, nonce, device_hash and "ratings" (element ratings, None = skipped),
    # "overall".
    responses: list[dict] = field(default_factory=list)
    # Receipts printed on dossiers: counter code, token_id, issued_at and the nonce of the response that
    # answered it (None for the many receipts nobody scanned).
    receipts: list[dict] = field(default_factory=list)


def months_ending(end_period: str, count: int) -> list[str]:
    last = month_number(end_period)
    return Period.range(last - count + 1, last).months


def previous_month(today: datetime) -> str:
    first = today.astimezone(LOCAL).replace(day=1)
    last = first - timedelta(days=1)
    return f"{last.year:04d}-{last.month:02d}"


def _rating(rng: np.random.Generator, satisfied: np.ndarray) -> np.ndarray:
    """5-point ratings: satisfied people answer 4 or 5, the others mostly 3, some 2 or 1."""
    high = rng.choice([4, 5], size=satisfied.shape, p=[0.45, 0.55])
    low = rng.choice([1, 2, 3], size=satisfied.shape, p=[0.1, 0.25, 0.65])
    return np.where(satisfied, high, low)


def generate(seed: int = 2026, end_period: str = "2026-10", months: int = 6, scale: float = 1.0) -> DemoData:
    if months < 1 or not 0 < scale <= 100:
        raise ValueError("months must be at least 1 and scale in (0, 100]")
    rng = np.random.default_rng(seed)
    data = DemoData()
    periods = months_ending(end_period, months)
    data.procedures = [{"code": c, "name": n, "field": f} for c, n, f in PROCEDURES]
    procedure_popularity = rng.dirichlet(np.ones(len(PROCEDURES)) * 2)
    data.units.append({"code": "VN", "name": "Việt Nam", "level": "country", "parent_code": None})
    centres: list[tuple[str, str, float]] = []  # (centre code, province code, unit effect on the logit scale)
    for province_code, province_name, communes in PROVINCES:
        data.units.append({"code": province_code, "name": province_name, "level": "province", "parent_code": "VN"})
        hub = f"{province_code}-TTPVHCC"
        data.units.append({"code": hub, "name": f"Trung tâm Phục vụ hành chính công {province_name.lower()}",
                           "level": "centre", "parent_code": province_code})
        centres.append((hub, province_code, rng.normal(2.9, 0.3)))
        for number, commune in enumerate(communes, start=1):
            commune_code = f"{province_code}-{number:03d}"
            data.units.append({"code": commune_code, "name": commune, "level": "commune", "parent_code": province_code})
            centre_code = f"{commune_code}-TT"
            data.units.append({"code": centre_code, "name": f"Trung tâm Phục vụ hành chính công {commune}",
                               "level": "centre", "parent_code": commune_code})
            centres.append((centre_code, province_code, rng.normal(2.4, 0.7)))
    for centre_code, province_code, effect in centres:
        n_counters = 5 if centre_code.endswith("TTPVHCC") else int(rng.integers(2, 4))
        volume_per_month = int(rng.integers(300, 1500)) * (4 if n_counters == 5 else 1)
        response_rate = rng.uniform(0.03, 0.12)
        counter_codes = [f"{centre_code}-Q{k + 1}" for k in range(n_counters)]
        data.counters += [{"code": code, "name": COUNTER_NAMES[k], "unit_code": centre_code, "instrument_key": "sipas_qr"}
                          for k, code in enumerate(counter_codes)]
        counter_effects = rng.normal(0, 0.35, size=n_counters)
        for month_index, period in enumerate(periods):
            dossiers = int(volume_per_month * rng.uniform(0.8, 1.2))
            # Portal ratings (Decision 766): few complaints, more where citizens are less satisfied; no draw from
            # the generator, so the rest of the demo stays as it was for a seed.
            complaints = int(dossiers * 0.15 / (1 + np.exp(effect)))
            data.volumes.append({"unit_code": centre_code, "period": period, "dossiers": dossiers,
                                 "portal_not_satisfied": complaints})
            n = max(1, int(rng.poisson(dossiers * response_rate * scale)))
            counter_index = rng.integers(0, n_counters, size=n)
            logits = effect + 0.08 * month_index + counter_effects[counter_index][:, None] + ELEMENT_OFFSETS[None, :]
            satisfied = rng.random((n, 5)) < 1 / (1 + np.exp(-logits))
            ratings = _rating(rng, satisfied).astype(object)
            ratings[rng.random(n) < FEEDBACK_SKIP, 4] = None
            overall = _rating(rng, rng.random(n) < 1 / (1 + np.exp(-(logits.mean(axis=1) + 0.2))))
            year, month = map(int, period.split("-"))
            days = calendar.monthrange(year, month)[1]
            local_seconds = rng.integers(0, days, size=n) * 86400 + rng.integers(7 * 3600 + 1800, 17 * 3600, size=n)
            procedures = rng.choice(len(PROCEDURES), size=n, p=procedure_popularity)
            has_procedure = rng.random(n) < 0.7
            channel = np.where(rng.random(n) < 0.15, Channel.RECEIPT.value, Channel.QR.value)
            flagged = rng.random(n) < FLAGGED_SHARE
            start = datetime(year, month, 1, tzinfo=LOCAL)
            nonces = rng.bytes(16 * n).hex()
            unanswered = int(rng.poisson(3 * (channel == Channel.RECEIPT.value).sum()))
            for j, seconds in enumerate(rng.integers(0, days * 86400, size=unanswered)):
                data.receipts.append({
                    "counter_code": counter_codes[j % n_counters],
                    "token_id": rng.bytes(12).hex(),
                    "issued_at": (start + timedelta(seconds=int(seconds))).astimezone(UTC),
                    "response_nonce": None,
                })
            for i in range(n):
                data.responses.append({
                    "counter_code": counter_codes[counter_index[i]],
                    "unit_code": centre_code,
                    "province_code": province_code,
                    "procedure_code": PROCEDURES[procedures[i]][0] if has_procedure[i] else None,
                    "channel": str(channel[i]),
                    "received_at": (start + timedelta(seconds=int(local_seconds[i]))).astimezone(UTC),
                    "period": period,
                    "status": ResponseStatus.FLAGGED.value if flagged[i] else ResponseStatus.VALID.value,
                    "nonce": nonces[32 * i: 32 * i + 32],
                    "device_hash": "",
                    "ratings": [None if r is None else int(r) for r in ratings[i]],
                    "overall": int(overall[i]),
                })
                if channel[i] == Channel.RECEIPT.value:
                    data.receipts.append({
                        "counter_code": counter_codes[counter_index[i]],
                        "token_id": rng.bytes(12).hex(),
                        "issued_at": data.responses[-1]["received_at"] - timedelta(minutes=int(rng.integers(5, 600))),
                        "response_nonce": data.responses[-1]["nonce"],
                    })
    return data
