"""Running an export: read and count the selection once, plan disclosure control on the counts, write the
rows from the spilled batches, write the codebook.

Nothing reaches the output folder unless the whole export succeeds: files are written in a hidden folder
inside it and moved into place at the end.
"""

from __future__ import annotations

import re
import secrets
import shutil
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

import instruments
from survey.audit import record
from survey.exports import codebook, source
from survey.exports.coding import CellCoding, CellCounter
from survey.exports.dataset import BatchBuilder, layout, post_stratified_weights, response_columns, unit_month_counts
from survey.exports.disclosure import check_k, plan_disclosure
from survey.exports.periods import PeriodSpan, check_grain, parse_period
from survey.exports.source import COLUMN, COLUMNS, Scope, Selection
from survey.exports.spill import Spill
from survey.exports.writers import check_format, open_writer

BATCH_SIZE = 20_000
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ExportRequest:
    scope: str
    period: str
    format: str = "csv"
    instrument: str | None = None
    version: int | None = None
    k: int = 5
    keep_text: bool = False
    grain: str | None = None
    max_suppression: float = 0.05
    excel: bool = False  # CSV only: UTF-8 with a byte-order mark, so Excel shows Vietnamese intact

    def checked(self) -> tuple[PeriodSpan, str]:
        """The parsed period and grain, after every check that needs no database."""
        check_k(self.k)
        check_format(self.format)
        span = parse_period(self.period)
        return span, check_grain(self.grain or span.grain)

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class ExportResult:
    files: list[Path]
    rows: int
    disclosure: dict[str, object] = field(repr=False)
    seconds: float = 0.0

    def summary(self) -> dict[str, object]:
        return {"files": [p.name for p in self.files], "rows": self.rows, "seconds": round(self.seconds, 3),
                "achieved_k": self.disclosure["achieved_k"], "risk_before": self.disclosure["risk_before"],
                "risk_after": self.disclosure["risk_after"]}


async def _instrument(request: ExportRequest, scope: Scope, span: PeriodSpan) -> instruments.Instrument:
    candidates = sorted((known.key, known.version) for known in instruments.registry()
                        if request.instrument in (None, known.key) and request.version in (None, known.version))
    wanted = await source.instrument_versions(scope, span, candidates)
    if not wanted:
        raise ValueError(f"no valid responses in {scope.root.code} for {span.label}"
                         + (f" with instrument {request.instrument}" if request.instrument else ""))
    if len({key for key, _ in wanted}) > 1:
        listed = ", ".join(f"{key} v{version}" for key, version in wanted)
        raise ValueError(f"responses of several instruments match ({listed}): choose one with --instrument")
    return instruments.get(*wanted[-1])


def file_stem(instrument: instruments.Instrument, scope: Scope, span: PeriodSpan) -> str:
    name = f"{instrument.key}-v{instrument.version}-{scope.root.code}-{span.label.replace('..', '_to_')}"
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name)


def free_stem(folder: Path, stem: str) -> str:
    """``stem``, or ``stem-2``, ``stem-3`` ... when an earlier export into ``folder`` already used it: a second
    export never replaces the files of the first."""
    taken = {p.name.split(".", 1)[0] for p in folder.iterdir()} if folder.exists() else set()
    candidate, number = stem, 1
    while candidate in taken:
        number += 1
        candidate = f"{stem}-{number}"
    return candidate


async def write_unit_lookup(path: Path, units, scope: Scope, excel: bool) -> Path:
    """The units the file names (after generalisation): code, name, level and the unit above. Unit codes in
    the data are the public administrative codes, so the table is public too."""
    import csv

    from survey.db.tables import Unit

    names = {r["id"]: r["name"] for r in await Unit.select(Unit.id, Unit.name).where(
        Unit.id.is_in([u.id for u in units] or [-1]))}
    with path.open("w", encoding="utf-8-sig" if excel else "utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(["unit", "name", "level", "parent"])
        for unit in units:
            parent = scope.units.get(unit.parent) if unit.parent else None
            writer.writerow([unit.code, names.get(unit.id, ""), unit.level, parent.code if parent else ""])
    return path


async def run_export(request: ExportRequest, out: Path, actor: str, progress: Progress | None = None,
                     batch_size: int = BATCH_SIZE) -> ExportResult:
    """Write the export into ``out``; on any error nothing is left there and the refusal is audited."""
    try:
        result = await _run(request, out, progress, batch_size)
    except Exception as exc:
        await record("export.refused", actor, target=request.scope, settings=request.to_dict(), error=str(exc))
        raise
    await record("export", actor, target=request.scope, settings=request.to_dict(), **result.summary())
    return result


@dataclass(frozen=True)
class _Job:
    request: ExportRequest
    selection: Selection
    instrument: instruments.Instrument
    grain: str
    out: Path
    progress: Progress | None
    batch_size: int


async def _run(request: ExportRequest, out: Path, progress: Progress | None, batch_size: int) -> ExportResult:
    started = time.perf_counter()
    span, grain = request.checked()
    scope = await source.load_scope(request.scope)
    instrument = await _instrument(request, scope, span)
    selection = Selection(scope, span, instrument.key, instrument.version, await source.last_response_id())
    job = _Job(request, selection, instrument, grain, out, progress, batch_size)
    async with source.Reader() as reader:
        files, rows, report = await _write(job, reader)
    return ExportResult(files, rows, report, time.perf_counter() - started)


@dataclass(frozen=True)
class _Counted:
    """What the first pass learnt: the rows, and the distinct cells with their keys and counts."""

    rows: int
    cell_codes: np.ndarray
    cell_keys: list[tuple]
    counts: np.ndarray


async def _read(job: _Job, reader: source.Reader, demographics: tuple[str, ...], items: tuple[str, ...],
                spill: Spill) -> _Counted:
    """Reads the selection once: counts its cells and spills what the second pass writes."""
    selection, instrument = job.selection, job.instrument
    on_row = response_columns(instrument)
    answers = (*demographics, *(code for code in items if code not in on_row))
    channels = source.Channels()
    coding = CellCoding(list(selection.scope.units), selection.span.months(), await source.procedure_fields(),
                        channels, [instrument.item(code).option_codes() for code in demographics])
    demographic_columns = [len(COLUMNS) + n for n in range(len(demographics))]
    item_columns = [COLUMN[on_row[code]] if code in on_row else len(COLUMNS) + answers.index(code) for code in items]
    counter, rows = CellCounter(), 0
    async for matrix in source.read_batches(reader, selection, channels, answers, job.batch_size):
        codes = coding.codes(matrix, demographic_columns)
        counter.add(codes)
        pairs = (matrix[:, COLUMN["stratum"]] << 32) | matrix[:, COLUMN["counter"]]
        spill.add(matrix[:, COLUMN["id"]], pairs, codes, matrix[:, item_columns].astype(np.int32))
        rows += len(matrix)
        if job.progress:
            job.progress(rows, 0)
    distinct, counts = counter.result()
    return _Counted(rows, distinct, coding.keys(distinct), counts)


async def _write(job: _Job, reader: source.Reader) -> tuple[list[Path], int, dict[str, object]]:
    request, selection, instrument = job.request, job.selection, job.instrument
    scope, span = selection.scope, selection.span
    demographics = tuple(code for code in instrument.quasi_identifiers() if instrument.item(code).coded)
    created = not job.out.exists()
    staging = job.out / f".export-{uuid.uuid4().hex}"
    staging.mkdir(parents=True)
    spill = Spill(staging / "rows.spill")
    # Every coded item except the demographic ones, which travel inside the cell code.
    items = tuple(item.code for item in instrument.items if item.coded and item.code not in demographics)
    try:
        first = await _read(job, reader, demographics, items, spill)
        cells = dict(zip(first.cell_keys, first.counts.tolist()))
        outcome = plan_disclosure(cells, scope, span, job.grain, demographics, request.k, request.max_suppression)
        generalise = outcome.generalise
        weights, weighting = post_stratified_weights(
            unit_month_counts(cells), await source.dossier_volumes(scope, span),
            lambda unit, month: (generalise.unit(unit), generalise.period(month)))
        del cells  # the plan keeps what it needs; the cell counts can be as many as the rows on sparse data
        lay = layout(instrument, outcome, request.keep_text)
        # The units the file names, after generalisation, for the lookup table shipped beside it.
        shown_units = sorted({scope.units[outcome.generalise.unit(unit)] for unit, _month in weights},
                             key=lambda u: u.code)
        builder = BatchBuilder(lay, outcome, scope, weights, first.cell_codes, first.cell_keys, items)
        # The cells and the plan's classes hold a tuple per cell, as many as the rows on sparse data: the
        # builder has what the rows need, the report what the codebook needs.
        first.cell_keys.clear()
        report, grain = outcome.report(), outcome.plan.grain
        del outcome
        name = free_stem(job.out, file_stem(instrument, scope, span))
        data_path = staging / f"{name}.{request.format}"
        writer = open_writer(request.format, data_path, lay.variables, excel=request.excel)
        written = 0
        # Rows in the order they arrived would tell who answered just before or after whom: batches are
        # written in a random order, and the rows of each in a random order.
        shuffle = np.random.default_rng(secrets.randbits(128))
        for batch in spill.read(shuffle.permutation(spill.batches).tolist()):
            order = shuffle.permutation(len(batch[0]))
            ids, pairs, codes, items = (column[order] for column in batch)
            texts = (await source.texts_between(reader, int(ids.min()), int(ids.max()), lay.text_items)
                     if lay.text_items else {})
            writer.write(builder.runs(pairs, codes, items, texts, ids))
            written += len(ids)
            if job.progress:
                job.progress(written, first.rows)
        writer.close()
        units_path = await write_unit_lookup(staging / f"{name}.units.csv", shown_units, scope, request.excel)
        book = codebook.build(
            instrument=instrument, variables=lay.variables, weighting=weighting,
            disclosure={**report, "row_order": f"random: the responses, read in batches of {job.batch_size:,}, "
                                               "are written batch by batch in a random order of the batches, "
                                               "each batch in a random order"},
            keep_text=request.keep_text,
            dataset={"file": data_path.name, "format": request.format, "rows": written,
                     **({"encoding": codebook.BOM_ENCODING} if request.excel and request.format == "csv" else {}),
                     "units_file": units_path.name,
                     "scope": scope.root.code, "period": span.label, "period_grain": grain,
                     "created_at": datetime.now(UTC).isoformat(timespec="seconds")},
        )
        files = []
        for path in [data_path, units_path, *codebook.write(book, staging, name)]:
            files.append(job.out / path.name)
            path.replace(files[-1])
    finally:
        spill.close()
        shutil.rmtree(staging, ignore_errors=True)
        if created and not any(job.out.iterdir()):
            job.out.rmdir()
    return files, written, report
