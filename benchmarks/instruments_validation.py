"""Prints how long loading the instruments and validating one submission take."""

from __future__ import annotations

import time
from collections.abc import Callable

import instruments


def per_call(action: Callable[[], object], repeats: int) -> float:
    start = time.perf_counter()
    for _ in range(repeats):
        action()
    return (time.perf_counter() - start) / repeats


def main() -> None:
    qr = instruments.get("sipas_qr")
    full = instruments.get("sipas_full")
    qr_answers = {
        "access_sat": "4",
        "procedures_sat": "5",
        "civil_servant_sat": "3",
        "results_sat": "4",
        "overall_sat": "5",
        "comment": "Cán bộ nhiệt tình, hướng dẫn rõ ràng.",
    }
    full_answers = {item.code: "4" for item in full.items if item.type in ("scale5", "agree5")}
    print(f"load_all (schema, lock and compatibility checks): {per_call(instruments.load_all, 20) * 1e3:.1f} ms")
    print(f"sipas_qr validate_answers: {per_call(lambda: qr.validate_answers(qr_answers), 100_000) * 1e6:.1f} µs")
    full_seconds = per_call(lambda: full.validate_answers(full_answers), 20_000)
    print(f"sipas_full validate_answers ({len(full_answers)} ratings): {full_seconds * 1e6:.1f} µs")


if __name__ == "__main__":
    main()
