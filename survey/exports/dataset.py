"""The variables of an export and how one response becomes one row.

Coded answers are written as their codes; labels live in the codebook (and as value labels in SPSS and
Stata files). Element ratings and the overall rating are read from the response row (the same values the
index is computed from); every other item from the answers table.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from instruments.model import Instrument
from instruments.text import Text
from survey.core.ratings import ELEMENT_COLUMNS, OVERALL_COLUMN
from survey.core.responses import ResponseStatus
from survey.exports.disclosure import CHANNEL, GROUP, PERIOD, SUPPRESSED, UNIT, Outcome
from survey.exports.scrub import scrub
from survey.exports.source import MISSING, Scope

STRING, INTEGER, REAL = "string", "integer", "real"


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
# The label of the suppression code, a value label in SPSS and Stata; "not answered" is the format's own
# missing value (empty, NA, system-missing, "."), so that every analysis leaves it out by default.
SUPPRESSED_LABEL = Text("Bị ẩn để bảo vệ danh tính (kiểm soát công bố)", "Suppressed for disclosure control")
NOT_ANSWERED_LABEL = Text("Không trả lời (ô trống)", "Not answered (empty)")
SUPPRESSIBLE_NOTE = (f"quasi-identifier: {SUPPRESSED} = suppressed for k-anonymity; empty (missing) = not answered, "
                     "which is never the same as suppressed")
QUASI_VARIABLES = {
    "unit": Variable("unit", STRING, Text("Đơn vị (hoặc đơn vị cấp trên)", "Unit (or a unit above it)"),
                     note="generalised: units with fewer than k responses are shown as their parent"),
    "period": Variable("period", STRING, Text("Kỳ", "Period")),
    "procedure_group": Variable("procedure_group", STRING, Text("Lĩnh vực thủ tục", "Procedure field"),
                                note=f"quasi-identifier: \"{SUPPRESSED}\" = suppressed for k-anonymity; empty = "
                                     "no procedure or a procedure without a field"),
    "channel": Variable("channel", STRING, Text("Kênh trả lời", "Response channel"),
                        note=f"quasi-identifier: \"{SUPPRESSED}\" = suppressed for k-anonymity"),
}
UNIT_LEVEL = Variable("unit_level", STRING, Text("Cấp của đơn vị hiển thị", "Level of the unit shown"))
STATUS = Variable("status", STRING, Text("Trạng thái phiếu", "Response status"))


def _item_variable(instrument: Instrument, code: str, kind: str, note: str = "", suppressible: bool = False) -> Variable:
    item = instrument.item(code)
    values = {option.code: option.label for option in item.options}
    if suppressible:
        if SUPPRESSED in values:
            raise ValueError(f"item {code!r} uses the code {SUPPRESSED}, which an export keeps for suppressed values")
        values[SUPPRESSED] = SUPPRESSED_LABEL
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


def response_columns(instrument: Instrument) -> dict[str, str]:
    """Items whose answer is copied onto the response row, and the column holding it."""
    definition = instrument.index_definition()
    columns = {element.item_codes[0]: column
               for element, column in zip(definition.elements, ELEMENT_COLUMNS) if len(element.item_codes) == 1}
    if definition.overall_item:
        columns[definition.overall_item] = OVERALL_COLUMN
    return columns


def layout(instrument: Instrument, outcome: Outcome, keep_text: bool) -> Layout:
    response_items = response_columns(instrument)
    demographics = set(outcome.names[CHANNEL + 1:])
    variables = [*DESIGN_VARIABLES, QUASI_VARIABLES["unit"], UNIT_LEVEL, QUASI_VARIABLES["period"]]
    variables += [QUASI_VARIABLES[name] for name in ("channel", "procedure_group") if name in outcome.kept]
    variables.append(STATUS)
    answer_items, text_items = [], []
    for item in instrument.items:
        if item.code in demographics and item.code in outcome.plan.dropped:
            continue
        if item.coded:
            quasi = item.code in demographics
            variables.append(_item_variable(instrument, item.code, INTEGER, SUPPRESSIBLE_NOTE if quasi else "", quasi))
            if item.code not in response_items:
                answer_items.append(item.code)
        elif item.free_text and keep_text:
            variables.append(_item_variable(instrument, item.code, STRING, "free text, personal data removed"))
            text_items.append(item.code)
    return Layout(tuple(variables), tuple(response_items.items()), tuple(answer_items), tuple(text_items))


PAIR, UNIT_MONTH, SHOWN, DEMOGRAPHIC, ITEM, TEXT = "pair", "unit_month", "shown", "demographic", "item", "text"
# Where each fixed variable's value comes from (see :class:`BatchBuilder`).
FIXED_SOURCES = {"stratum": PAIR, "cluster": PAIR, "weight": UNIT_MONTH, "unit": UNIT_MONTH, "unit_level": UNIT_MONTH,
                 "period": SHOWN, "channel": SHOWN, "procedure_group": SHOWN, "status": SHOWN}
VALID = str(ResponseStatus.VALID)


@dataclass(frozen=True)
class Run:
    """Consecutive variables of the file whose values in row i are ``table[index[i]]``.

    Values shared by many rows (a unit-month's weight, a cell's written period and channel, a combination
    of answers) are made once per distinct combination and spread with numpy. A ``shared`` table is the
    same list in every batch and only grows, so a writer formats each of its entries once.
    """

    names: tuple[str, ...]
    table: Sequence[tuple]
    index: np.ndarray
    shared: bool = False


class _Table:
    """Distinct value tuples in order of first appearance, each with its position."""

    def __init__(self) -> None:
        self.rows: list[tuple] = []
        self._position: dict[tuple, int] = {}

    def position(self, values: tuple) -> int:
        if (found := self._position.get(values)) is None:
            found = self._position[values] = len(self.rows)
            self.rows.append(values)
        return found


def _packed_groups(columns: np.ndarray) -> list[tuple[slice, list[tuple], np.ndarray]]:
    """Rows of small integers (``MISSING`` for none) as few integers as their ranges allow: for each group of
    adjacent columns, its distinct rows (None for missing) and each row's position among them."""
    present = columns != MISSING
    lowest = np.where(present, columns, np.iinfo(np.int64).max).min(axis=0, initial=np.iinfo(np.int64).max)
    lowest = np.where(present.any(axis=0), lowest, 0) - 1  # one below the smallest value stands for missing
    shifted = np.where(present, columns, lowest) - lowest
    radices = shifted.max(axis=0, initial=0) + 1
    groups, start, product = [], 0, 1
    for end, radix in enumerate(radices.tolist()):
        if product * radix >= 2 ** 62:
            groups.append(slice(start, end))
            start, product = end, 1
        product *= radix
    groups.append(slice(start, len(radices)))
    out = []
    for group in groups:
        code = np.zeros(len(columns), dtype=np.int64)
        for column, radix in zip(shifted[:, group].T, radices[group]):
            code = code * radix + column
        distinct, inverse = np.unique(code, return_inverse=True)
        digits = []
        for radix in radices[group][::-1]:
            distinct, digit = np.divmod(distinct, radix)
            digits.append(digit)
        values = [[None if d == 0 else d + low for d in digit.tolist()]
                  for digit, low in zip(digits[::-1], lowest[group].tolist())]
        out.append((group, list(zip(*values)), inverse))
    return out


class BatchBuilder:
    """Turns batches of coded responses into the file's runs of columns: pseudonyms, weight, generalised
    quasi-identifiers and items.

    Everything a response shares with its cell is looked up once per cell before the first batch:
    the weight, unit and level of its unit-month, its written period, channel and procedure group, and its
    demographic answers after suppression.
    """

    def __init__(self, lay: Layout, outcome: Outcome, scope: Scope, weights: Mapping[tuple[int, str], float],
                 cell_codes: np.ndarray, cell_keys: Sequence[tuple], item_columns: Sequence[str]) -> None:
        self._pseudonyms = Pseudonyms()
        self._pair_table = _Table()
        self._pairs: dict[int, int] = {}
        self._cell_codes = cell_codes
        demographics = outcome.names[CHANNEL + 1:]
        # Unit and period are only generalised, never suppressed, so the unit shown and the weight depend
        # on the unit-month alone; what else is written depends on the cell's class.
        unit_months, unit_month_of = _Table(), {}
        for (unit, month), weight in weights.items():
            shown = scope.units[outcome.generalise.unit(unit)]
            unit_month_of[(unit, month)] = unit_months.position((weight, shown.code, shown.level))
        classes = _Table()
        indices = {UNIT_MONTH: np.array([unit_month_of[(key[UNIT], key[PERIOD])] for key in cell_keys], dtype=np.int64),
                   SHOWN: np.array([classes.position(outcome.written(key)[PERIOD:]) for key in cell_keys],
                                   dtype=np.int64)}
        indices[DEMOGRAPHIC] = indices[SHOWN]
        # A unit shown as one above it keeps no stratum of its own: its rows are written in a stratum of the
        # shown unit, else the stratum (a province, say) would tell where a row shown as the country is from.
        self._stratum_of_cell = np.array([outcome.generalise.unit(key[UNIT]) if outcome.generalise.unit(key[UNIT])
                                          != key[UNIT] else -1 for key in cell_keys], dtype=np.int64)
        # Positions in a written cell once the unit is left out.
        offset = {"period": PERIOD - 1, "channel": CHANNEL - 1, "procedure_group": GROUP - 1,
                  **{code: CHANNEL + n for n, code in enumerate(demographics)}}
        tables = {UNIT_MONTH: (("weight", "unit", "unit_level"), unit_months.rows),
                  SHOWN: (("period", "channel", "procedure_group", *demographics), classes.rows)}
        tables[DEMOGRAPHIC] = tables[SHOWN]
        self._item_column = {code: n for n, code in enumerate(item_columns)}
        self._runs = _runs(lay, set(demographics))
        # Demographic items can be interleaved with other items, so a run may hold part of a table.
        self._shared = {}
        for source, names in self._runs:
            if source in tables:
                columns, rows = tables[source]
                if source == UNIT_MONTH:
                    picks = [columns.index(name) for name in names]
                    table = [tuple(row[p] for p in picks) for row in rows]
                else:
                    table = [tuple(VALID if name == "status" else row[offset[name]] for name in names) for row in rows]
                self._shared[(source, names)] = (table, indices[source])

    def _pair_positions(self, pairs: np.ndarray) -> np.ndarray:
        """Each row's position in the table of (stratum, cluster) pseudonyms, which grows as pairs appear."""
        distinct, index = np.unique(pairs, return_inverse=True)
        positions = np.array([self._pair_table.position((self._pseudonyms("stratum", p >> 32),
                                                         self._pseudonyms("cluster", p & 0xFFFFFFFF)))
                              if (known := self._pairs.get(p)) is None else known for p in distinct.tolist()],
                             dtype=np.int64)
        self._pairs.update(zip(distinct.tolist(), positions.tolist()))
        return positions[index]

    def runs(self, pairs: np.ndarray, cell_codes: np.ndarray, items: np.ndarray,
             texts: Mapping[int, Mapping[str, str]], ids: np.ndarray) -> list[Run]:
        """One batch: ``pairs`` is stratum << 32 | counter, ``items`` the item columns in ``item_columns``
        order, ``texts`` free-text answers by response id (only when they are kept)."""
        # Every code is there: the batches are the ones whose cells were counted.
        cell = np.searchsorted(self._cell_codes, cell_codes)
        merged = self._stratum_of_cell[cell]
        # Merged rows get the shown unit's id, with the top bit set so it meets no real stratum id.
        pairs = np.where(merged >= 0, ((merged | (1 << 30)) << 32) | (pairs & 0xFFFFFFFF), pairs)
        out = []
        for source, names in self._runs:
            if source == PAIR:
                out.append(Run(names, self._pair_table.rows, self._pair_positions(pairs), shared=True))
            elif source == ITEM:
                columns = items[:, [self._item_column[name] for name in names]].astype(np.int64)
                out += [Run(names[group], table, index) for group, table, index in _packed_groups(columns)]
            elif source == TEXT:
                given = [texts.get(i, {}) for i in ids.tolist()]
                table = [tuple(scrub(t) if isinstance(t := answers.get(name), str) else None for name in names)
                         for answers in given]
                out.append(Run(names, table, np.arange(len(ids))))
            else:
                table, index = self._shared[(source, names)]
                out.append(Run(names, table, index[cell], shared=True))
        return out


def _runs(lay: Layout, demographics: set[str]) -> list[tuple[str, tuple[str, ...]]]:
    """The layout's variables grouped into runs of one source, in file order."""
    runs: list[tuple[str, list[str]]] = []
    for variable in lay.variables:
        if variable.item is None:
            source = FIXED_SOURCES[variable.name]
        elif variable.item in demographics:
            source = DEMOGRAPHIC
        else:
            source = TEXT if variable.item in lay.text_items else ITEM
        if runs and runs[-1][0] == source:
            runs[-1][1].append(variable.name)
        else:
            runs.append((source, [variable.name]))
    return [(source, tuple(names)) for source, names in runs]


def post_stratified_weights(unit_month_counts: Mapping[tuple[int, str], int],
                            volumes: Mapping[tuple[int, str], int],
                            written: Callable[[int, str], tuple[int, str]]) -> tuple[dict[tuple[int, str], float], dict[str, object]]:
    """Per unit and month, the weight of its written cell (``written(unit, month)``: the unit and period the
    file shows): the cell's dossiers ÷ its responses. All 1 unless every unit-month has a known volume (a mix
    would put weighted and unweighted units on different scales). Also a summary for the codebook.

    Calibrated on the written cell rather than the unit-month, as the reports weight, because the weight is
    released: a weight per unit-month is unique to its month and would undo the period's generalisation.
    Where nothing is generalised the two are the same."""
    missing = sum(1 for cell in unit_month_counts if volumes.get(cell, 0) <= 0)
    summary: dict[str, object] = {"unit_months": len(unit_month_counts), "unit_months_without_volume": missing}
    if missing:
        summary["method"] = (f"{missing} of {len(unit_month_counts)} unit-months have no dossier volume, so every "
                             "weight is 1 (unweighted)")
        return {cell: 1.0 for cell in unit_month_counts}, summary
    dossiers: dict[tuple[int, str], int] = {}
    responses: dict[tuple[int, str], int] = {}
    for (unit, month), n in unit_month_counts.items():
        shown = written(unit, month)
        dossiers[shown] = dossiers.get(shown, 0) + volumes[(unit, month)]
        responses[shown] = responses.get(shown, 0) + n
    summary["method"] = ("post-stratified to the dossier volume of each written unit and period (after "
                         "generalisation): weight = dossiers / responses of the cell")
    summary["cells"] = len(dossiers)
    return {cell: dossiers[(shown := written(*cell))] / responses[shown] for cell in unit_month_counts}, summary


def unit_month_counts(cells: Mapping[tuple, int]) -> dict[tuple[int, str], int]:
    counts: dict[tuple[int, str], int] = {}
    for cell, n in cells.items():
        key = (cell[UNIT], cell[PERIOD])
        counts[key] = counts.get(key, 0) + n
    return counts

