"""The variables of an export and how one response becomes one row.

Coded answers are written as their codes; labels live in the codebook (and as value labels in SPSS and
Stata files). Element ratings and the overall rating are read from the response row (the same values the
index is computed from); every other item from the answers table.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from operator import itemgetter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from instruments.model import Instrument
from instruments.text import Text
from survey.exports.disclosure import CHANNEL, GROUP, PERIOD, UNIT, Outcome
from survey.exports.scrub import scrub
from survey.exports.source import ELEMENT_COLUMNS, OVERALL_COLUMN, ROW, Scope

STRING, INTEGER, REAL = "string", "integer", "real"
# Cells remembered by the row builder; cleared when full, so memory stays bounded on very sparse data.
CELL_CACHE = 100_000


@dataclass(frozen=True)
class Variable:
    name: str
    kind: str
    label: Text
    values: Mapping[int, Text] = field(default_factory=dict)
    item: str | None = None
    note: str = ""


class Pseudonyms:
    """HMAC-SHA256 of database ids under a random key made for one export and then forgotten: the same id
    gets the same pseudonym throughout the file, and two exports cannot be linked through them."""

    def __init__(self) -> None:
        self._key = secrets.token_bytes(32)
        self._tables: dict[str, dict[int, str]] = {}

    def table(self, kind: str) -> dict[int, str]:
        """The pseudonyms of ``kind`` made so far (for fast look-up before calling)."""
        return self._tables.setdefault(kind, {})

    def __call__(self, kind: str, database_id: int) -> str:
        table = self.table(kind)
        if (cached := table.get(database_id)) is None:
            digest = hmac.new(self._key, f"{kind}:{database_id}".encode(), hashlib.sha256).hexdigest()
            cached = table[database_id] = f"{kind[0]}{digest[:12]}"
        return cached


DESIGN_VARIABLES = (
    Variable("stratum", STRING, Text("Tầng (tỉnh), mã ẩn danh", "Stratum (province), pseudonymous id")),
    Variable("cluster", STRING, Text("Cụm (quầy phục vụ), mã ẩn danh", "Cluster (service counter), pseudonymous id")),
    Variable("weight", REAL, Text("Trọng số phân tích", "Analysis weight")),
)
QUASI_VARIABLES = {
    "unit": Variable("unit", STRING, Text("Đơn vị (hoặc đơn vị cấp trên)", "Unit (or a unit above it)"),
                     note="generalised: units with fewer than k responses are shown as their parent"),
    "period": Variable("period", STRING, Text("Kỳ", "Period")),
    "procedure_group": Variable("procedure_group", STRING, Text("Lĩnh vực thủ tục", "Procedure field")),
    "channel": Variable("channel", STRING, Text("Kênh trả lời", "Response channel")),
}
UNIT_LEVEL = Variable("unit_level", STRING, Text("Cấp của đơn vị hiển thị", "Level of the unit shown"))
STATUS = Variable("status", STRING, Text("Trạng thái phiếu", "Response status"))


def _item_variable(instrument: Instrument, code: str, kind: str, note: str = "") -> Variable:
    item = instrument.item(code)
    values = {option.code: option.label for option in item.options}
    return Variable(code, kind, item.text, values, item=code, note=note)


@dataclass(frozen=True)
class Layout:
    """Which columns a file has and where each item's value comes from."""

    variables: tuple[Variable, ...]
    response_items: tuple[tuple[str, str], ...]
    answer_items: tuple[str, ...]
    text_items: tuple[str, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(v.name for v in self.variables)


def layout(instrument: Instrument, outcome: Outcome, keep_text: bool) -> Layout:
    definition = instrument.index_definition()
    response_items = {element.item_codes[0]: column
                      for element, column in zip(definition.elements, ELEMENT_COLUMNS) if len(element.item_codes) == 1}
    if definition.overall_item:
        response_items[definition.overall_item] = OVERALL_COLUMN
    demographics = set(outcome.names[CHANNEL + 1:])
    variables = [*DESIGN_VARIABLES, QUASI_VARIABLES["unit"], UNIT_LEVEL, QUASI_VARIABLES["period"]]
    variables += [QUASI_VARIABLES[name] for name in ("channel", "procedure_group") if name in outcome.kept]
    variables.append(STATUS)
    answer_items, text_items = [], []
    for item in instrument.items:
        if item.code in demographics and item.code in outcome.plan.dropped:
            continue
        if item.coded:
            note = "quasi-identifier: may be suppressed (missing) for k-anonymity" if item.code in demographics else ""
            variables.append(_item_variable(instrument, item.code, INTEGER, note))
            if item.code not in response_items:
                answer_items.append(item.code)
        elif item.free_text and keep_text:
            variables.append(_item_variable(instrument, item.code, STRING, "free text, personal data removed"))
            text_items.append(item.code)
    return Layout(tuple(variables), tuple(response_items.items()), tuple(answer_items), tuple(text_items))


def _tuple_getter(positions: Sequence[int]) -> Callable[[tuple], tuple]:
    """``row -> tuple(row[p] for p in positions)``, fast (itemgetter returns a bare value for one position)."""
    if len(positions) > 1:
        return itemgetter(*positions)
    return lambda row: tuple(row[p] for p in positions)


class RowBuilder:
    """Turns database rows into written rows: pseudonyms, weight, generalised quasi-identifiers, items.

    Everything a row shares with its (unit, month, procedure group, channel, demographics) cell is
    computed once per cell (a bounded cache), so a row costs a few dictionary look-ups.
    """

    def __init__(self, lay: Layout, outcome: Outcome, scope: Scope, weights: Mapping[tuple[int, str], float]) -> None:
        self._outcome = outcome
        self._scope = scope
        self._weights = weights
        self._pseudonyms = Pseudonyms()
        self._demographics = outcome.names[CHANNEL + 1:]
        self._channel = "channel" in outcome.kept
        self._group = "procedure_group" in outcome.kept
        self._cells: dict[tuple, tuple] = {}
        columns = dict(lay.response_items)
        self._items = [self._source(variable.item, columns, lay) for variable in lay.variables if variable.item]
        # Demographic answers are part of every cell's key, even when the plan dropped them from the file.
        self._needs_answers = bool(self._demographics) or any(source != "response" for source, _ in self._items)
        self._response_items = _tuple_getter([where for _, where in self._items])

    def _source(self, code: str, columns: Mapping[str, str], lay: Layout) -> tuple[str, object]:
        """Where an item's value comes from: ("response", column position), or ("demographic" | "text" |
        "answer", item code)."""
        if code in columns:
            return "response", ROW[columns[code]]
        if code in self._demographics:
            return "demographic", self._demographics.index(code)
        return ("text" if code in lay.text_items else "answer"), code

    def _cell(self, key: tuple) -> tuple:
        shown = self._outcome.written(key)
        if shown is None:
            raise RuntimeError("responses changed during the export (a response changed status); run it again")
        unit = self._scope.units[shown[UNIT]]
        values: list[object] = [self._weights[(key[UNIT], key[PERIOD])], unit.code, unit.level, shown[PERIOD]]
        if self._channel:
            values.append(shown[CHANNEL])
        if self._group:
            values.append(shown[GROUP])
        if len(self._cells) >= CELL_CACHE:
            self._cells.clear()
        self._cells[key] = cell = (tuple(values), shown[CHANNEL + 1:])
        return cell

    def rows(self, batch: Sequence[tuple], answers: Mapping[int, Mapping[str, object]]) -> list[tuple]:
        unit, period, group, channel, status, stratum, counter = (ROW[name] for name in (
            "unit", "period", "procedure_group", "channel", "status", "stratum", "counter"))
        strata, clusters = self._pseudonyms.table("stratum"), self._pseudonyms.table("cluster")
        out = []
        if not self._needs_answers:
            # The common case (every item on the response row): no per-item dispatch.
            items = self._response_items
            for row in batch:
                key = (row[unit], row[period], row[group] or None, row[channel])
                shared = (self._cells.get(key) or self._cell(key))[0]
                out.append((strata.get(row[stratum]) or self._pseudonyms("stratum", row[stratum]),
                            clusters.get(row[counter]) or self._pseudonyms("cluster", row[counter]),
                            *shared, row[status], *items(row)))
            return out
        for row in batch:
            given = answers.get(row[0], {})
            key = (row[unit], row[period], row[group] or None, row[channel],
                   *(given.get(code) for code in self._demographics))
            shared, demographics_shown = self._cells.get(key) or self._cell(key)
            out.append((strata.get(row[stratum]) or self._pseudonyms("stratum", row[stratum]),
                        clusters.get(row[counter]) or self._pseudonyms("cluster", row[counter]),
                        *shared, row[status], *self._item_values(row, given, demographics_shown)))
        return out

    def _item_values(self, row: tuple, given: Mapping[str, object], demographics_shown: tuple) -> list[object]:
        values = []
        for source, where in self._items:
            if source == "response":
                values.append(row[where])
            elif source == "demographic":
                values.append(demographics_shown[where])
            elif source == "text":
                text = given.get(where)
                values.append(scrub(text) if isinstance(text, str) else None)
            else:
                values.append(given.get(where))
        return values


def post_stratified_weights(unit_month_counts: Mapping[tuple[int, str], int],
                            volumes: Mapping[tuple[int, str], int]) -> tuple[dict[tuple[int, str], float], dict[str, object]]:
    """``N/n`` per unit and month, as the reports weight; all 1 unless every unit-month has a known volume
    (a mix would put weighted and unweighted units on different scales). Also a summary for the codebook."""
    missing = sum(1 for cell in unit_month_counts if volumes.get(cell, 0) <= 0)
    summary: dict[str, object] = {"unit_months": len(unit_month_counts), "unit_months_without_volume": missing}
    if missing:
        summary["method"] = (f"{missing} of {len(unit_month_counts)} unit-months have no dossier volume, so every "
                             "weight is 1 (unweighted)")
        return {cell: 1.0 for cell in unit_month_counts}, summary
    summary["method"] = "post-stratified to the dossier volume of each unit and month: weight = dossiers / responses"
    return {cell: volumes[cell] / n for cell, n in unit_month_counts.items()}, summary


def unit_month_counts(cells: Mapping[tuple, int]) -> dict[tuple[int, str], int]:
    counts: dict[tuple[int, str], int] = {}
    for cell, n in cells.items():
        key = (cell[UNIT], cell[PERIOD])
        counts[key] = counts.get(key, 0) + n
    return counts

