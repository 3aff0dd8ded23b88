"""Do the report's 95% intervals cover the truth? A simulation study with a known finite population.

A synthetic province: communes with one or two service centres of 1-4 counters, three months of
dossiers (cells of 40 to a few thousand), satisfaction that differs between centres, counter-days
(a day at one counter is alike) and dossiers, five elements and an overall item with item
non-response, and response rates that differ between centres (3% to 35%). The population is drawn
once; respondents are redrawn many times (each dossier answers with its centre's probability). Every
draw goes through the report path: the responses are written to an SQLite table, the report's own
SQL (``survey.reports.totals_query``) groups them, and ``survey.reports.design`` builds the design and
estimates, on the default design and on ``design=counter-day``.

It reports, for the composite index and element 1, the coverage of the 95% intervals of the province,
the communes and the centres (by number of counters), and the interval width relative to the true
sampling spread (the width ``2·1.96·sd`` of the estimates over the draws).

    python benchmarks/coverage.py --draws 500 --seed 1
    python benchmarks/coverage.py --draws 500 --seed 1 --clustered 0.8   (response clustered by counter-day)
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from survey.reports import totals_query as query  # noqa: E402
from survey.reports.design import cell_volumes, counter_day_design, respondent_design  # noqa: E402

ITEMS = ("e1", "e2", "e3", "e4", "e5", "overall")
ELEMENTS = ITEMS[:5]
MONTHS = ("2026-07", "2026-08", "2026-09")
DAYS = 22
PROVINCE = 1
LEVELS = ("province", "commune", "centre")
FINGERPRINT = "simulated"  # one index definition scores every simulated response


@dataclass(frozen=True)
class Population:
    unit: np.ndarray        # centre id per dossier
    month: np.ndarray       # month position 0..2
    counter: np.ndarray
    day: np.ndarray
    ratings: np.ndarray     # dossiers × items: 5 satisfied, 2 not satisfied, 0 would not rate
    commune_of: dict[int, str]
    counters_of: dict[int, int]
    rate_of: dict[int, float]

    @property
    def size(self) -> int:
        return len(self.unit)


def population(rng: np.random.Generator, communes: int = 30) -> Population:
    units, months, counters, days, latent = [], [], [], [], []
    commune_of, counters_of, rate_of = {}, {}, {}
    next_unit, next_counter = 10, 1000
    for c in range(communes):
        for _ in range(1 + (rng.random() < 0.3)):
            unit = next_unit
            next_unit += 1
            k = int(rng.choice([1, 2, 3, 4], p=[0.35, 0.3, 0.2, 0.15]))
            commune_of[unit], counters_of[unit] = f"X{c:02d}", k
            rate_of[unit] = float(rng.uniform(0.03, 0.35))
            level = rng.normal(2.2, 0.7)
            counter_ids = np.arange(next_counter, next_counter + k)
            next_counter += k
            for m in range(len(MONTHS)):
                n = max(40, int(rng.lognormal(np.log(250 * k), 0.8)))
                counter = rng.choice(counter_ids, n)
                day = rng.integers(0, DAYS, n)
                effects = rng.normal(0, 0.5, (k, DAYS))
                units.append(np.full(n, unit))
                months.append(np.full(n, m))
                counters.append(counter)
                days.append(day)
                latent.append(level + effects[counter - counter_ids[0], day] + rng.normal(0, 0.9, n))
    latent_all = np.concatenate(latent)
    offsets = np.array([0.3, -0.2, 0.1, 0.4, -0.4, 0.0])
    noise = rng.normal(0, 0.6, (len(latent_all), len(ITEMS)))
    satisfied = rng.random((len(latent_all), len(ITEMS))) < 1 / (1 + np.exp(-(latent_all[:, None] + offsets + noise)))
    rates = np.array([0.04, 0.06, 0.08, 0.05, 0.10, 0.03])  # who would not rate each item
    rated = rng.random((len(latent_all), len(ITEMS))) >= rates
    ratings = np.where(rated, np.where(satisfied, 5, 2), 0).astype(np.int64)
    return Population(np.concatenate(units), np.concatenate(months), np.concatenate(counters),
                      np.concatenate(days), ratings, commune_of, counters_of, rate_of)


def labels_of(pop: Population, unit: np.ndarray) -> dict[str, np.ndarray]:
    return {"province": np.full(len(unit), "P", dtype=object),
            "commune": np.array([pop.commune_of[int(u)] for u in unit], dtype=object),
            "centre": np.array([f"C{int(u)}" for u in unit], dtype=object)}


def truth(pop: Population) -> dict[str, dict[str, dict[str, float]]]:
    """The finite-population composite and element-1 index of every domain."""
    result: dict[str, dict[str, dict[str, float]]] = {}
    rated = pop.ratings > 0
    happy = pop.ratings >= 4
    for level, labels in labels_of(pop, pop.unit).items():
        result[level] = {}
        for label in np.unique(labels):
            inside = labels == label
            shares = happy[inside].sum(axis=0) / rated[inside].sum(axis=0)
            result[level][label] = {"composite": float(shares[:5].mean()), "e1": float(shares[0])}
    return result


def load(connection: sqlite3.Connection, pop: Population, chosen: np.ndarray) -> None:
    connection.execute("DELETE FROM response")
    day = pop.day[chosen] + 1
    stamps = [f"{MONTHS[m]}-{d:02d}T03:00:00+00:00" for m, d in zip(pop.month[chosen].tolist(), day.tolist())]
    ratings = pop.ratings[chosen]
    rows = [(PROVINCE, int(u), MONTHS[m], "valid", "sipas_qr", 1, FINGERPRINT, int(c), s, *[int(v) or None for v in r])
            for u, m, c, s, r in zip(pop.unit[chosen].tolist(), pop.month[chosen].tolist(),
                                     pop.counter[chosen].tolist(), stamps, ratings.tolist())]
    connection.executemany(f"INSERT INTO response VALUES ({', '.join('?' * 15)})", rows)


def run_query(connection: sqlite3.Connection, sql: str, parameters: list[object]) -> list[dict]:
    cursor = connection.execute(sql.replace("{}", "?"), parameters)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def estimate(connection: sqlite3.Connection, pop: Population, volumes: dict, design_kind: str):
    sql, parameters = query.pattern_query([PROVINCE], "sipas_qr", MONTHS, ITEMS, (4, 5))
    counts = query.patterns_from_rows(run_query(connection, sql, parameters), ITEMS)
    cells = cell_volumes(counts, volumes, None, 1.0)
    if design_kind == "counter-day":
        sql, parameters = query.counter_day_query("sqlite", [PROVINCE], "sipas_qr", MONTHS, ITEMS, (4, 5),
                                                  "Asia/Ho_Chi_Minh")
        design = counter_day_design(query.counter_days_from_rows(run_query(connection, sql, parameters), ITEMS), cells)
    else:
        design = respondent_design(counts, cells)
    whole = lambda month: np.full(len(month), "period", dtype=object)  # noqa: E731
    out = {}
    for level, labels in labels_of(pop, design.unit).items():
        estimator = design.estimator(labels, whole)
        for name, table in (("composite", estimator.composite(list(ELEMENTS))), ("e1", estimator.proportion("e1"))):
            low, high = table.ci(0.95, "beta")
            out[(level, name)] = {label: (float(v), float(lo), float(hi), float(n))
                                  for label, v, lo, hi, n in zip(table.labels.tolist(), table.values, low, high, table.ns)}
    return out


def simulate(seed: int, draws: int, designs: tuple[str, ...] = ("cell", "counter-day"), communes: int = 30,
             clustered: float = 0.0):
    """``clustered`` > 0 makes response itself cluster by counter-day: each draw gives every counter-day a
    random factor on its response rate (lognormal with that log-sd, mean 1), as when a poster falls off one
    day or one officer encourages ratings on another. The estimate stays unbiased over draws; its
    variance gains what the counter-day design allows for and the cell design does not."""
    rng = np.random.default_rng(seed)
    pop = population(rng, communes)
    truths = truth(pop)
    volumes = {}
    for unit, month in zip(*np.unique(np.column_stack([pop.unit, pop.month]), axis=0).T):
        volumes[(int(unit), MONTHS[int(month)])] = int(((pop.unit == unit) & (pop.month == month)).sum())
    connection = sqlite3.connect(":memory:")
    connection.execute("CREATE TABLE response (stratum, unit, period, status, instrument_key, instrument_version, "
                       "index_fingerprint, counter, received_at, e1, e2, e3, e4, e5, overall)")
    rate = np.array([pop.rate_of[int(u)] for u in pop.unit])
    records: dict[str, dict] = {d: {} for d in designs}
    started = time.perf_counter()
    _, counter_day = np.unique(np.column_stack([pop.month, pop.counter, pop.day]), axis=0, return_inverse=True)
    counter_day = counter_day.reshape(-1)
    for _ in range(draws):
        factor = np.exp(rng.normal(-clustered**2 / 2, clustered, counter_day.max() + 1))[counter_day] if clustered else 1.0
        chosen = np.flatnonzero(rng.random(pop.size) < np.minimum(rate * factor, 1.0))
        load(connection, pop, chosen)
        for kind in designs:
            for key, values in estimate(connection, pop, volumes, kind).items():
                for label, value in values.items():
                    records[kind].setdefault(key, {}).setdefault(label, []).append(value)
    elapsed = time.perf_counter() - started
    return pop, truths, records, elapsed


def summarise(pop: Population, truths, records, min_n: int = 30) -> list[dict]:
    """Coverage and width ratios per design, estimate and level (centres also by number of counters)."""
    rows = []
    for kind, by_key in records.items():
        for (level, name), by_label in by_key.items():
            groups: dict[str, list] = {}
            for label, values in by_label.items():
                array = np.array(values)
                published = array[:, 3] >= min_n
                if published.sum() < 10:
                    continue
                value, low, high = array[published, 0], array[published, 1], array[published, 2]
                true = truths[level][label][name]
                sd = value.std(ddof=1)
                group = level if level != "centre" else f"centre, {pop.counters_of[int(label[1:])]} counter(s)"
                entry = groups.setdefault(group, [[], [], 0])
                entry[0].extend(((low <= true) & (true <= high)).tolist())
                if sd > 0:
                    entry[1].extend(((high - low) / (2 * 1.959964 * sd)).tolist())
                entry[2] += 1
            for group, (covered, ratios, domains) in sorted(groups.items()):
                ratios_array = np.array(ratios) if ratios else np.array([np.nan])
                rows.append({"design": kind, "estimate": name, "level": group, "domains": domains,
                             "intervals": len(covered), "coverage": float(np.mean(covered)),
                             "width_median": float(np.median(ratios_array)),
                             "width_p90": float(np.quantile(ratios_array, 0.9))})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=500)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--communes", type=int, default=30)
    parser.add_argument("--clustered", type=float, default=0.0,
                        help="log-sd of a random response-rate factor per counter-day and draw (0: none)")
    args = parser.parse_args()
    pop, truths, records, elapsed = simulate(args.seed, args.draws, communes=args.communes, clustered=args.clustered)
    print(f"population: {pop.size} dossiers, {len(pop.rate_of)} centres in {len(set(pop.commune_of.values()))} "
          f"communes; {args.draws} draws in {elapsed:.0f} s; response clustering by counter-day {args.clustered:g}")
    print("| design | estimate | level | domains | intervals | coverage | width / true, median | p90 |")
    print("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |")
    for row in summarise(pop, truths, records):
        print(f"| {row['design']} | {row['estimate']} | {row['level']} | {row['domains']} | {row['intervals']} | "
              f"{100 * row['coverage']:.1f}% | {row['width_median']:.2f} | {row['width_p90']:.2f} |")


if __name__ == "__main__":
    main()
