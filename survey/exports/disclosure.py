"""Disclosure control: k-anonymity on the declared quasi-identifiers, planned on counts before any row is
written.

The quasi-identifiers are the unit, the period, the procedure group, the channel and every demographic item
the instrument declares (``quasi_identifiers()``); the counter is never written (only a pseudonymous cluster
id). An equivalence class is a combination of their written values, a missing value counting as a value
of its own. The plan, all on the cell counts from one ``GROUP BY``:

1. **Units merged upward**: a unit with fewer than k responses is shown as its parent, repeatedly, so every
   shown unit has at least k responses.
2. **Global recoding**, one step at a time until the next step succeeds: demographic items dropped, the
   period one grain coarser, the channel dropped, the procedure group dropped, the period coarser still
   (up to the whole export period), then every unit one level up.
3. **Local suppression** at each of those steps: for records in a class smaller than k, the demographic
   items, then the channel, then the procedure group are set to missing, one attribute at a time. A class
   still below k then has all of those missing; the smallest other classes of the same unit and period are
   suppressed into it until it reaches k. The step is accepted when every class has at least k records
   while at most ``max_suppression`` of the records had a value suppressed.

Unit and period are never suppressed locally, only generalised: the weight (dossiers ÷ responses of a unit
and month) and the cluster id are constant within a unit and month, so a suppressed unit or month could be
read back from other records sharing the weight or cluster.
"""

from __future__ import annotations

from collections import Counter as Tally
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace

from survey.exports.periods import PeriodSpan, at_grain, coarser
from survey.exports.source import Scope

UNIT, PERIOD, GROUP, CHANNEL = 0, 1, 2, 3
FIXED_NAMES = ("unit", "period", "procedure_group", "channel")


@dataclass(frozen=True)
class Plan:
    grain: str
    units_up: int = 0
    dropped: frozenset[str] = frozenset()

    def describe(self) -> dict[str, object]:
        return {"period_grain": self.grain, "units_up": self.units_up, "dropped": sorted(self.dropped)}


@dataclass(frozen=True)
class Risk:
    """Re-identification risk of a set of equivalence classes."""

    records: int
    classes: int
    smallest_class: int
    share_below_k: float
    # Mean over records of 1/(size of the record's class): the expected share re-identified by an
    # intruder who knows a record's quasi-identifiers and picks at random within its class.
    mean_risk: float

    @classmethod
    def of(cls, sizes: Mapping[tuple, int], k: int) -> "Risk":
        records = sum(sizes.values())
        below = sum(size for size in sizes.values() if size < k)
        return cls(records, len(sizes), min(sizes.values()), below / records, len(sizes) / records)

    def to_dict(self) -> dict[str, object]:
        return {"records": self.records, "classes": self.classes, "smallest_class": self.smallest_class,
                "share_below_k": self.share_below_k, "mean_risk": self.mean_risk}


@dataclass
class Outcome:
    """What disclosure control decided: ``written[fine cell]`` is the row's written quasi-identifiers."""

    k: int
    plan: Plan
    names: tuple[str, ...]
    written: dict[tuple, tuple]
    unit_labels: dict[int, int]
    merged_units: int
    suppressed: dict[str, int]
    before: Risk
    after: Risk
    steps_tried: list[dict[str, object]] = field(default_factory=list)

    @property
    def kept(self) -> tuple[str, ...]:
        return tuple(name for name in self.names if name not in self.plan.dropped)

    def report(self) -> dict[str, object]:
        return {
            "k": self.k,
            "achieved_k": self.after.smallest_class,
            "quasi_identifiers": list(self.names),
            "generalisation": self.plan.describe(),
            "units_merged_upward": self.merged_units,
            "suppressed_values": self.suppressed,
            "risk_before": self.before.to_dict(),
            "risk_after": self.after.to_dict(),
            "steps_tried": self.steps_tried,
        }


class CannotAnonymise(ValueError):
    """No plan reaches k-anonymity within the suppression limit; nothing is written."""


def check_k(k: int) -> int:
    if not isinstance(k, int) or k < 2:
        raise ValueError(f"k must be a whole number of at least 2 (k=1 protects nobody), not {k!r}")
    return k


def merge_small_units(unit_counts: Mapping[int, int], scope: Scope, k: int) -> dict[int, int]:
    """Shown unit of every unit with responses: itself, or the nearest ancestor whose group reaches k."""
    label = {unit: unit for unit in unit_counts}
    while True:
        sizes: Tally[int] = Tally()
        for unit, count in unit_counts.items():
            sizes[label[unit]] += count
        small = {shown for shown, size in sizes.items() if size < k and shown != scope.root.id}
        if not small:
            return label
        for unit, shown in label.items():
            if shown in small:
                label[unit] = scope.parent(shown)


def _lift(unit: int, steps: int, scope: Scope) -> int:
    for _ in range(steps):
        unit = scope.parent(unit)
    return unit


def ladder(grain: str, demographics: Sequence[str], depth: int) -> Iterator[Plan]:
    """Plans from least to most generalised (see the module notes for the order)."""
    plan = Plan(grain)
    yield plan
    if demographics:
        plan = replace(plan, dropped=plan.dropped | set(demographics))
        yield plan
    if (next_grain := coarser(plan.grain)) is not None:
        plan = replace(plan, grain=next_grain)
        yield plan
    for name in ("channel", "procedure_group"):
        plan = replace(plan, dropped=plan.dropped | {name})
        yield plan
    while (next_grain := coarser(plan.grain)) is not None:
        plan = replace(plan, grain=next_grain)
        yield plan
    for up in range(1, depth + 1):
        yield replace(plan, units_up=up)


def _generalise(cells: Mapping[tuple, int], plan: Plan, names: Sequence[str], unit_labels: Mapping[int, int],
                scope: Scope, span: PeriodSpan) -> dict[tuple, tuple]:
    written = {}
    for cell in cells:
        values = list(cell)
        values[UNIT] = _lift(unit_labels[cell[UNIT]], plan.units_up, scope)
        values[PERIOD] = at_grain(cell[PERIOD], plan.grain, span)
        for position, name in enumerate(names):
            if name in plan.dropped:
                values[position] = None
        written[cell] = tuple(values)
    return written


def _sizes(cells: Mapping[tuple, int], written: Mapping[tuple, tuple]) -> Tally[tuple]:
    sizes: Tally[tuple] = Tally()
    for cell, count in cells.items():
        sizes[written[cell]] += count
    return sizes


def _suppress(cells: Mapping[tuple, int], written: dict[tuple, tuple], names: Sequence[str], plan: Plan,
              k: int) -> tuple[dict[tuple, tuple], dict[str, int], int] | None:
    """Local suppression; None when some class stays below k. Returns (written, per-attribute counts,
    records touched)."""
    order = [p for p in (*range(CHANNEL + 1, len(names)), CHANNEL, GROUP) if names[p] not in plan.dropped]
    suppressed = {names[p]: 0 for p in order}
    touched: set[tuple] = set()

    def blank(cell: tuple, positions: Sequence[int]) -> None:
        values = list(written[cell])
        for position in positions:
            if values[position] is not None:
                values[position] = None
                suppressed[names[position]] += cells[cell]
                touched.add(cell)
        written[cell] = tuple(values)

    for position in order:
        sizes = _sizes(cells, written)
        for cell, values in written.items():
            if sizes[values] < k:
                blank(cell, (position,))
    if not _complete_residuals(cells, written, order, k, blank):
        return None
    return written, suppressed, sum(cells[cell] for cell in touched)


def _complete_residuals(cells: Mapping[tuple, int], written: dict[tuple, tuple], order: Sequence[int], k: int,
                        blank) -> bool:
    """A class still below k now has every suppressible value missing; fill it up to k by suppressing the
    smallest other classes of the same unit and period entirely (they merge into it). False if the unit
    and period together have fewer than k records."""
    fixed = [p for p in range(len(next(iter(written.values())))) if p not in order]

    def part(values: tuple) -> tuple:
        return tuple(values[p] for p in fixed)

    sizes = _sizes(cells, written)
    for residual in [values for values, size in sizes.items() if size < k]:
        donors = sorted((values for values in sizes if values != residual and part(values) == part(residual)),
                        key=lambda values: sizes[values])
        size = sizes[residual]
        for donor in donors:
            if size >= k:
                break
            for cell, values in list(written.items()):
                if values == donor:
                    blank(cell, order)
            size += sizes[donor]
        if size < k:
            return False
    return True


def plan_disclosure(cells: Mapping[tuple, int], scope: Scope, span: PeriodSpan, grain: str,
                    demographics: Sequence[str], k: int, max_suppression: float) -> Outcome:
    """Choose the least generalised plan that reaches ``k`` (see the module notes)."""
    check_k(k)
    if not 0 <= max_suppression < 1:
        raise ValueError(f"max_suppression must be a share between 0 and 1, not {max_suppression!r}")
    total = sum(cells.values())
    if total < k:
        raise CannotAnonymise(f"only {total} responses match: fewer than k={k}, so no file can be k-anonymous")
    names = (*FIXED_NAMES, *demographics)
    unit_counts: Tally[int] = Tally()
    for cell, count in cells.items():
        unit_counts[cell[UNIT]] += count
    unit_labels = merge_small_units(unit_counts, scope, k)
    depth = max((_depth(unit, scope) for unit in unit_counts), default=0)
    before = Risk.of(cells, k)
    tried = []
    for plan in ladder(grain, demographics, depth):
        outcome = _suppress(cells, _generalise(cells, plan, names, unit_labels, scope, span), names, plan, k)
        touched_share = outcome[2] / total if outcome else None
        tried.append({**plan.describe(), "reaches_k": outcome is not None, "suppressed_share": touched_share})
        if outcome is not None and touched_share <= max_suppression:
            written, suppressed, _ = outcome
            return Outcome(k, plan, names, written, unit_labels,
                           sum(1 for unit, shown in unit_labels.items() if unit != shown), suppressed,
                           before, Risk.of(_sizes(cells, written), k), tried)
    raise CannotAnonymise(
        f"no generalisation reaches k={k} with at most {max_suppression:.0%} of records suppressed; "
        "choose a larger scope or period, or a smaller k"
    )


def _depth(unit: int, scope: Scope) -> int:
    depth = 0
    while unit != scope.root.id:
        unit, depth = scope.parent(unit), depth + 1
    return depth
