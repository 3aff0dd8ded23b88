"""Write a generated demo into the database through the same import services officers use."""

from __future__ import annotations

import csv
import io

from piccolo.engine.postgres import PostgresEngine

from instruments import IndexDefinition
from survey.accounts.services import create_officer
from survey.core.responses import Channel
from survey.db.engine import current_engine, write_transaction
from survey.db.tables import Answer, Counter, Procedure, Receipt, Response, Unit
from survey.demo.generator import DemoData
from survey.rollup.cells import SOURCE_COLUMNS
from survey.rollup.maintain import add_rows
from survey.scoring import stored_scores
from survey.settings import get_settings
from survey.units import services

BATCH = 400
DEMO_ADMIN = ("admin", "demo-admin-2026")
DEMO_MANAGER = ("ninhbinh", "demo-manager-2026")
DEMO_COUNTER = "NB-001-TT-Q1"


def as_csv(rows: list[dict]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows({k: "" if v is None else v for k, v in row.items()} for row in rows)
    return buffer.getvalue()


async def is_loaded() -> bool:
    return await Unit.exists().where(Unit.code == "VN")


async def _ids(table, codes_column) -> dict[str, int]:
    return {row["code"]: row["id"] for row in await table.select(table.id, codes_column)}


def demo_answers(definition: IndexDefinition, ratings: list[int | None], overall: int | None) -> dict[str, int | str]:
    """A generated response as answers: each element's draw answers every item of that element."""
    answers: dict[str, int | str] = {code: rating for element, rating in zip(definition.elements, ratings)
                                     if rating is not None for code in element.item_codes}
    if definition.overall_item and overall is not None:
        answers[definition.overall_item] = overall
    return answers


async def load(data: DemoData) -> int:
    """Load ``data``; return the number of responses written."""
    from instruments import get as get_instrument

    await services.import_units(as_csv(data.units), actor="demo")
    await services.import_procedures(as_csv(data.procedures), actor="demo")
    await services.import_counters(as_csv(data.counters), actor="demo")
    await services.import_volumes(as_csv(data.volumes), actor="demo")
    # National (no unit): the demo's administrator reads the audit log, as a ministry administrator would.
    await create_officer(*DEMO_ADMIN, role="admin", unit_code=None, full_name="Quản trị toàn quốc (demo)", actor="demo")
    await create_officer(*DEMO_MANAGER, role="manager", unit_code="NB", full_name="Sở Nội vụ Ninh Bình (demo)", actor="demo")

    instrument = get_instrument("sipas_qr")
    definition = instrument.index_definition()
    units = await _ids(Unit, Unit.code)
    counters = await _ids(Counter, Counter.code)
    procedures = await _ids(Procedure, Procedure.code)
    for start in range(0, len(data.responses), BATCH):
        batch = data.responses[start:start + BATCH]
        async with write_transaction():
            last = await Response.select(Response.id).order_by(Response.id, ascending=False).first()
            next_id = (last["id"] if last else 0) + 1
            responses, answers = [], []
            for offset, r in enumerate(batch):
                coded = demo_answers(definition, r["ratings"], r["overall"])
                responses.append(Response(
                    id=next_id + offset,
                    instrument_key=instrument.key,
                    instrument_version=instrument.version,
                    counter=counters[r["counter_code"]],
                    unit=units[r["unit_code"]],
                    stratum=units[r["province_code"]],
                    procedure=procedures[r["procedure_code"]] if r["procedure_code"] else None,
                    channel=r["channel"],
                    received_at=r["received_at"],
                    period=r["period"],
                    status=r["status"],
                    nonce=r["nonce"],
                    device_hash=r["device_hash"],
                    **stored_scores(instrument, coded),
                ))
                answers += [Answer(response=next_id + offset, item_code=code, value_num=value)
                            for code, value in coded.items()]
            await Response.insert(*responses)
            await add_rows([{c: getattr(r, c) for c in SOURCE_COLUMNS} for r in responses], get_settings().timezone)
            for answer_start in range(0, len(answers), BATCH):
                await Answer.insert(*answers[answer_start:answer_start + BATCH])
    await _advance_response_ids()
    await _load_receipts(data, counters)
    return len(data.responses)


async def _advance_response_ids() -> None:
    """Responses above were given explicit ids, which PostgreSQL's id sequence does not see: without this,
    the next citizen's answer would be given an id already taken, and fail."""
    if isinstance(current_engine(), PostgresEngine):
        await Response.raw("SELECT setval(pg_get_serial_sequence('response', 'id'), (SELECT MAX(id) FROM response))")


async def _load_receipts(data: DemoData, counters: dict[str, int]) -> None:
    response_ids = {r["nonce"]: r["id"] for r in await Response.select(Response.id, Response.nonce).where(Response.channel == Channel.RECEIPT)}
    for start in range(0, len(data.receipts), BATCH):
        async with write_transaction():
            await Receipt.insert(*[
                Receipt(token_id=r["token_id"], counter=counters[r["counter_code"]], issued_at=r["issued_at"],
                        response=response_ids[r["response_nonce"]] if r["response_nonce"] else None)
                for r in data.receipts[start:start + BATCH]
            ])
