"""The database schema.

Units form a tree whose levels are data (province, commune, service centre, ... as the administrative map
changes), each unit carrying a materialised ``path`` of ancestor ids so that "a unit and everything under it"
is one indexed prefix match. Responses carry the columns reports filter and group on (unit, stratum, period,
status) and the element ratings that feed the index, so the database can compute cluster-level totals
without joining the answers table.
"""

from __future__ import annotations

from piccolo.columns import (
    JSON,
    Boolean,
    Bytea,
    ForeignKey,
    Integer,
    LazyTableReference,
    SmallInt,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

# Ids are 32-bit on PostgreSQL (serial) and 64-bit on SQLite: a larger number in a URL names no row, and
# must be answered as such rather than reach the driver, which fails on it.
MAX_ROW_ID = 2**31 - 1


class Unit(Table, tablename="unit"):
    """A node of the administrative tree: province, agency or commune, service centre."""

    code = Varchar(length=64, unique=True)
    name = Varchar(length=255)
    level = Varchar(length=32, index=True)
    parent = ForeignKey(references=LazyTableReference("Unit", module_path=__name__), null=True)
    path = Varchar(length=255, index=True)
    active = Boolean(default=True)
    created_at = Timestamptz(default=TimestamptzNow())


class Counter(Table, tablename="counter"):
    """A service point (quầy) where citizens are served and a QR poster hangs."""

    unit = ForeignKey(references=Unit, index=True)
    code = Varchar(length=64, unique=True)
    name = Varchar(length=255)
    instrument_key = Varchar(length=64, default="sipas_qr")
    active = Boolean(default=True)
    created_at = Timestamptz(default=TimestamptzNow())


class Procedure(Table, tablename="procedure"):
    """An administrative procedure (thủ tục hành chính) from the national catalogue."""

    code = Varchar(length=64, unique=True)
    name = Text()
    field = Varchar(length=255, default="")
    active = Boolean(default=True)


class Response(Table, tablename="response"):
    """One citizen's submitted questionnaire.

    ``stratum`` is the province the unit belongs to and ``period`` the month (YYYY-MM, local time) of
    receipt: both are fixed at submission so reports group without walking the unit tree. ``e1``..``e5``
    and ``overall`` copy the ratings that feed the index (the instrument's elements in order).
    """

    instrument_key = Varchar(length=64)
    instrument_version = Integer()
    counter = ForeignKey(references=Counter, index=True)
    unit = ForeignKey(references=Unit, index=True)
    stratum = ForeignKey(references=Unit, index=True)
    procedure = ForeignKey(references=Procedure, null=True)
    channel = Varchar(length=16, default="qr")
    received_at = Timestamptz(default=TimestamptzNow())
    period = Varchar(length=7, index=True)
    status = Varchar(length=16, default="valid", index=True)
    nonce = Varchar(length=64, unique=True)
    device_hash = Varchar(length=64, default="", index=True)
    network_hash = Varchar(length=64, default="", index=True)
    flag_reason = Varchar(length=32, default="")
    e1 = SmallInt(null=True, default=None)
    e2 = SmallInt(null=True, default=None)
    e3 = SmallInt(null=True, default=None)
    e4 = SmallInt(null=True, default=None)
    e5 = SmallInt(null=True, default=None)
    overall = SmallInt(null=True, default=None)


class Answer(Table, tablename="answer"):
    """One item's answer: coded items in ``value_num``, free text in ``value_text``."""

    response = ForeignKey(references=Response, index=True)
    item_code = Varchar(length=32)
    value_num = SmallInt(null=True, default=None)
    value_text = Text(null=True, default=None)


class Receipt(Table, tablename="receipt"):
    """A one-time token printed on one dossier's receipt; it accepts exactly one response."""

    token_id = Varchar(length=32, unique=True)
    counter = ForeignKey(references=Counter, index=True)
    procedure = ForeignKey(references=Procedure, null=True)
    dossier_hash = Varchar(length=64, default="")
    issued_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz(null=True, default=None)
    response = ForeignKey(references=Response, null=True, unique=True)


class DossierVolume(Table, tablename="dossier_volume"):
    """Known number of dossiers a unit handled in a period, the population count for weighting, and, when
    known, how many of them were rated "not satisfied" or complained about on the public service portal
    (the count Decision 766/QĐ-TTg scores agencies on)."""

    unit = ForeignKey(references=Unit, index=True)
    period = Varchar(length=7, index=True)
    dossiers = Integer()
    portal_not_satisfied = Integer(null=True, default=None)


class Officer(Table, tablename="officer"):
    """An officer account: role decides what it may do, ``unit`` which part of the tree it may see."""

    username = Varchar(length=64, unique=True)
    full_name = Varchar(length=255, default="")
    password_hash = Varchar(length=255)
    role = Varchar(length=16)
    unit = ForeignKey(references=Unit, null=True)
    active = Boolean(default=True)
    created_at = Timestamptz(default=TimestamptzNow())


class AuditLog(Table, tablename="audit_log"):
    """Who did what: logins, exports, reviews, setting changes, imports."""

    at = Timestamptz(default=TimestamptzNow(), index=True)
    actor = Varchar(length=64, default="system")
    action = Varchar(length=64, index=True)
    target = Varchar(length=255, default="")
    detail = JSON(default="{}")


class SigningKey(Table, tablename="signing_key"):
    """A key id for QR tokens. The key itself is derived from the secret key and the id, never stored;
    a retired id stops verifying, so posters printed with it stop working."""

    kid = Varchar(length=8, unique=True)
    created_at = Timestamptz(default=TimestamptzNow())
    retired_at = Timestamptz(null=True, default=None)


class KeyValue(Table, tablename="kv_store"):
    """Small expiring values shared by all server workers: sessions, login throttles, rate limits."""

    key = Varchar(length=255, unique=True)
    value = Bytea()
    expires_at = Timestamptz(null=True, default=None, index=True)


class SecurityEvent(Table, tablename="security_event"):
    """Something an administrator should look at (more receipts than dossiers, ...): stored and listed, so
    an alert is a record that stays, not a message that may be lost."""

    at = Timestamptz(default=TimestamptzNow(), index=True)
    kind = Varchar(length=64, index=True)
    unit = ForeignKey(references=Unit, null=True)
    subject = Varchar(length=255, default="")
    detail = JSON(default="{}")


class ExportJob(Table, tablename="export_job"):
    """A research export running in the background, and where its file is once done."""

    requested_by = Varchar(length=64)
    status = Varchar(length=16, default="queued", index=True)
    params = JSON(default="{}")
    result = JSON(default="{}")
    file_name = Varchar(length=255, default="")
    created_at = Timestamptz(default=TimestamptzNow())
    finished_at = Timestamptz(null=True, default=None)


ALL_TABLES: tuple[type[Table], ...] = (
    Unit,
    Counter,
    Procedure,
    Response,
    Answer,
    Receipt,
    DossierVolume,
    Officer,
    AuditLog,
    SigningKey,
    KeyValue,
    ExportJob,
    SecurityEvent,
)
