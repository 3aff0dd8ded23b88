"""Disclosure control: k-anonymity on the declared quasi-identifiers, planned on counts before any row is
written.

The quasi-identifiers are the unit, the period, the procedure group, the channel and every demographic item
the instrument declares (``quasi_identifiers()``); the counter is never written (only a pseudonymous cluster
id). An equivalence class is a combination of their written values, a missing value (not answered, or no
procedure field) counting as a value of its own and a suppressed value as another (``SUPPRESSED``: the file
writes the two differently, so k is planned with them apart). The plan, all on the cell counts from one ``GROUP BY``:

1. **Units merged upward**: a unit with fewer than k responses is shown as its parent, repeatedly, so every
   shown unit has at least k responses (at the top, the smallest other shown unit joins the scope's own
   group when that is still below k).
2. **Global recoding**, one step at a time until the next step succeeds: demographic items dropped, the
   period one grain coarser, the channel dropped, the procedure group dropped, the period coarser still
   (up to the whole export period), then every unit one level up.
3. **Local suppression** at each of those steps: for records in a class smaller than k, the demographic
   items, then the channel, then the procedure group are set to ``SUPPRESSED``, one attribute at a time
   (a "not answered" too: that the item was left blank can single a record out as well). A class still
   below k then has all of those suppressed; the smallest other classes of the same unit and period are
   suppressed into it until it reaches k. The step is accepted when every class has at least k records
   while at most ``max_suppression`` of the records had a value suppressed.

Unit and period are never suppressed locally, only generalised: the cluster id is constant within a unit,
so a suppressed unit could be read back from other records sharing it. The weight is calibrated on the
written unit and period (dossiers ÷ responses of the generalised cell, see ``post_stratified_weights``):
a weight per unit-month would tell the month of a row shown with its quarter.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from operator import itemgetter

from survey.exports.periods import PeriodSpan, at_grain, coarser
from survey.exports.source import Scope

UNIT, PERIOD, GROUP, CHANNEL = 0, 1, 2, 3
FIXED_NAMES = ("unit", "period", "procedure_group", "channel")
REACHED, OVER_LIMIT, UNREACHABLE = "reached", "over the suppression limit", "not reachable"
# What a suppressed value is written as: a code of its own, never the missing value that means "not answered"
# (a researcher must tell a blank left by the respondent from one made by disclosure control). Demographic
# answers are integer codes, the procedure group and the channel text; the same -1 in both.
SUPPRESSED = -1
SUPPRESSED_TEXT = str(SUPPRESSED)


def suppressed_value(position: int) -> int | str:
    """The written value of a suppressed quasi-identifier at ``position`` of a cell."""
    return SUPPRESSED_TEXT if position in (GROUP, CHANNEL) else SUPPRESSED


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
    def of(cls, sizes: Mapping[tuple, int], k: int) -> Risk:
        records = sum(sizes.values())
        below = sum(size for size in sizes.values() if size < k)
        return cls(records, len(sizes), min(sizes.values()), below / records, len(sizes) / records)

    def to_dict(self) -> dict[str, object]:
        return {"records": self.records, "classes": self.classes, "smallest_class": self.smallest_class,
                "share_below_k": self.share_below_k, "mean_risk": self.mean_risk}


@dataclass
class Outcome:
    """What disclosure control decided; :meth:`written` gives a cell's written quasi-identifiers."""

    k: int
    plan: Plan
    names: tuple[str, ...]
    generalise: Generaliser
    classes: dict[tuple, int]
    final: dict[tuple, tuple]
    unit_labels: dict[int, int]
    merged_units: int
    suppressed: dict[str, int]
    touched: int
    before: Risk
    after: Risk
    steps_tried: list[dict[str, object]] = field(default_factory=list)

    def written(self, cell: tuple) -> tuple | None:
        """The written quasi-identifiers of a (unit, month, group, channel, *demographics) cell; None for a
        cell the plan never saw."""
        try:
            generalised = self.generalise(cell)
        except KeyError:
            return None
        return self.final.get(generalised, generalised) if generalised in self.classes else None

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
            "suppressed_share": self.touched / self.before.records,
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
    """Shown unit of every unit with responses: itself, or the nearest ancestor whose group reaches k.

    When only the scope's own group is left below k, the smallest other shown unit joins it (there is no
    unit above the scope to go to). Needs at least k responses in all.
    """
    label = {unit: unit for unit in unit_counts}
    root = scope.root.id
    while True:
        sizes = _sizes(unit_counts, label.__getitem__)
        small = {shown for shown, size in sizes.items() if size < k}
        if not small:
            return label
        if small == {root}:
            donor = min((shown for shown in sizes if shown != root), key=sizes.__getitem__)
            label = {unit: root if shown == donor else shown for unit, shown in label.items()}
            continue
        for unit, shown in label.items():
            if shown in small:
                label[unit] = scope.parent(shown)


def _lift(unit: int, steps: int, scope: Scope) -> int:
    for _ in range(steps):
        unit = scope.parent(unit)
    return unit


def ladder(grain: str, demographics: Sequence[str], depth: int, labels: Callable[[str], int]) -> Iterator[Plan]:
    """Plans from least to most generalised (see the module notes). ``labels(grain)`` is the number of
    distinct periods at a grain; a coarser grain that merges no periods is skipped."""

    def coarsened(plan: Plan) -> Plan | None:
        current = plan.grain
        while (current := coarser(current)) is not None:
            if labels(current) < labels(plan.grain):
                return replace(plan, grain=current)
        return None

    plan = Plan(grain)
    yield plan
    if demographics:
        plan = replace(plan, dropped=plan.dropped | set(demographics))
        yield plan
    if (next_plan := coarsened(plan)) is not None:
        plan = next_plan
        yield plan
    for name in ("channel", "procedure_group"):
        plan = replace(plan, dropped=plan.dropped | {name})
        yield plan
    while (next_plan := coarsened(plan)) is not None:
        plan = next_plan
        yield plan
    for up in range(1, depth + 1):
        yield replace(plan, units_up=up)


class Generaliser:
    """A plan's global recoding of one cell: unit lifted, period at the plan's grain, dropped names blank."""

    def __init__(self, cells: Mapping[tuple, int], plan: Plan, names: Sequence[str], unit_labels: Mapping[int, int],
                 scope: Scope, span: PeriodSpan) -> None:
        self._units = {unit: _lift(shown, plan.units_up, scope) for unit, shown in unit_labels.items()}
        self._periods = {month: at_grain(month, plan.grain, span) for month in {cell[PERIOD] for cell in cells}}
        # The other values, a dropped one read from the None appended to the cell: one C call per cell.
        self._rest = itemgetter(*(len(names) if name in plan.dropped else position
                                  for position, name in enumerate(names) if position > PERIOD))

    def unit(self, unit: int) -> int:
        """The unit a unit's responses are shown as."""
        return self._units[unit]

    def period(self, month: str) -> str:
        """The period a month's responses are shown as."""
        return self._periods[month]

    def __call__(self, cell: tuple) -> tuple:
        return (self._units[cell[UNIT]], self._periods[cell[PERIOD]], *self._rest(cell + (None,)))


def _sizes(counts: Mapping[tuple, int], mapping: Callable[[tuple], tuple]) -> dict[tuple, int]:
    """Records per class, the class of a key being ``mapping(key)``."""
    sizes: dict[tuple, int] = defaultdict(int)
    for key, count in counts.items():
        sizes[mapping(key)] += count
    return sizes


class _Suppression:
    """Local suppression on the classes of one plan: ``final[class]`` is what a class with suppressed values
    is written as (only those are stored: at the finest plans there are nearly as many classes as cells)."""

    def __init__(self, classes: Mapping[tuple, int], names: Sequence[str], plan: Plan) -> None:
        self.classes = classes
        self.names = names
        self.order = [p for p in (*range(CHANNEL + 1, len(names)), CHANNEL, GROUP) if names[p] not in plan.dropped]
        self.final: dict[tuple, tuple] = {}
        self.suppressed = {names[p]: 0 for p in self.order}
        self.touched: set[tuple] = set()
        self.touched_records = 0

    def shown(self, origin: tuple) -> tuple:
        return self.final.get(origin, origin)

    def blank(self, origin: tuple, positions: Sequence[int]) -> None:
        values = list(self.shown(origin))
        for position in positions:
            if values[position] != (hidden := suppressed_value(position)):
                values[position] = hidden
                self.suppressed[self.names[position]] += self.classes[origin]
                if origin not in self.touched:
                    self.touched.add(origin)
                    self.touched_records += self.classes[origin]
        self.final[origin] = tuple(values)

    def run(self, k: int, limit: int) -> str:
        """Blank attributes one at a time for classes below k, then complete what is left. Stops early once
        more than ``limit`` records are touched. Returns "reached", "over the suppression limit" or
        "not reachable"."""
        for position in self.order:
            sizes = _sizes(self.classes, self.shown)
            for origin in self.classes:
                values = self.shown(origin)
                if sizes[values] < k and values[position] != suppressed_value(position):
                    self.blank(origin, (position,))
                    if self.touched_records > limit:
                        return OVER_LIMIT
        if not self._complete_residuals(k):
            return UNREACHABLE
        return OVER_LIMIT if self.touched_records > limit else REACHED

    def _complete_residuals(self, k: int) -> bool:
        """A class still below k now has every suppressible value suppressed; fill it up to k by suppressing
        the smallest other classes of the same unit and period entirely (they merge into it). False if the
        unit and period together have fewer than k records."""
        sizes = _sizes(self.classes, self.shown)
        residuals = [values for values, size in sizes.items() if size < k]
        if not residuals:
            return True
        fixed = [p for p in range(len(residuals[0])) if p not in self.order]
        written_as: dict[tuple, list[tuple]] = defaultdict(list)
        for origin in self.classes:
            written_as[self.shown(origin)].append(origin)
        same_part: dict[tuple, list[tuple]] = defaultdict(list)
        for values in sizes:
            same_part[tuple(values[p] for p in fixed)].append(values)
        for residual in residuals:
            donors = sorted((v for v in same_part[tuple(residual[p] for p in fixed)] if v != residual), key=sizes.get)
            size = sizes[residual]
            for donor in donors:
                if size >= k:
                    break
                for origin in written_as[donor]:
                    self.blank(origin, self.order)
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
    unit_counts: dict[int, int] = defaultdict(int)
    for cell, count in cells.items():
        unit_counts[cell[UNIT]] += count
    unit_labels = merge_small_units(unit_counts, scope, k)
    depth = max((_depth(unit, scope) for unit in unit_counts), default=0)
    tried = []
    months = {cell[PERIOD] for cell in cells}

    def labels(at: str) -> int:
        return len({at_grain(month, at, span) for month in months})

    for plan in ladder(grain, demographics, depth, labels):
        generalise = Generaliser(cells, plan, names, unit_labels, scope, span)
        suppression = _Suppression(_sizes(cells, generalise), names, plan)
        result = suppression.run(k, int(max_suppression * total))
        tried.append({**plan.describe(), "result": result})
        if result == REACHED:
            return Outcome(k, plan, names, generalise, suppression.classes, suppression.final, unit_labels,
                           sum(1 for unit, shown in unit_labels.items() if unit != shown), suppression.suppressed,
                           suppression.touched_records,
                           Risk.of(cells, k), Risk.of(_sizes(suppression.classes, suppression.shown), k), tried)
    raise CannotAnonymise(
        f"no generalisation reaches k={k} with at most {max_suppression:.0%} of records suppressed; "
        "choose a larger scope or period, or a smaller k"
    )


def _depth(unit: int, scope: Scope) -> int:
    depth = 0
    while unit != scope.root.id:
        unit, depth = scope.parent(unit), depth + 1
    return depth
