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
    BigInt,
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

from survey.core.responses import Channel, ResponseStatus

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
    # The issuing body printed at the head of the unit's report documents (Nghị định 30/2020): empty means
    # "inherit from the unit above, else derive from the unit's name" (survey.reports.letterhead).
    letterhead_authority = Varchar(length=255, default="")
    letterhead_issuer = Varchar(length=255, default="")
    letterhead_place = Varchar(length=128, default="")
    letterhead_code = Varchar(length=32, default="")


class Counter(Table, tablename="counter"):
    """A service point (quầy) where citizens are served and a QR poster hangs."""

    unit = ForeignKey(references=Unit, index=True)
    code = Varchar(length=64, unique=True)
    name = Varchar(length=255)
    instrument_key = Varchar(length=64, default="sipas_qr")
    active = Boolean(default=True)
    created_at = Timestamptz(default=TimestamptzNow())
    # Its screen shows the rotating QR of survey.qr.display; QR answers without a fresh code are flagged.
    presence_required = Boolean(default=False)


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
    and ``overall`` hold the element and overall ratings the version's index definition made of the answers
    (its elements in order), and ``index_fingerprint`` that definition's fingerprint, so reports never read
    ratings of one definition as if another had scored them.
    """

    instrument_key = Varchar(length=64)
    instrument_version = Integer()
    counter = ForeignKey(references=Counter, index=True)
    unit = ForeignKey(references=Unit, index=True)
    stratum = ForeignKey(references=Unit, index=True)
    procedure = ForeignKey(references=Procedure, null=True)
    channel = Varchar(length=16, default=Channel.QR.value)
    received_at = Timestamptz(default=TimestamptzNow())
    period = Varchar(length=7, index=True)
    status = Varchar(length=16, default=ResponseStatus.VALID.value, index=True)
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
    index_fingerprint = Varchar(length=80, default="")


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
    # Where the weekly and monthly digests go (managers), and whether the officer wants them.
    email = Varchar(length=254, default="")
    digests = Boolean(default=True)


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


class Job(Table, tablename="job"):
    """One piece of background work in the durable outbox, run by ``survey worker`` (see ``survey.jobs``).

    Times the claim compares (``run_at``, ``lease_until``) are integer milliseconds since the epoch, so the
    same SQL compares them on SQLite (where piccolo keeps timestamps as text) and PostgreSQL.
    ``idempotency_key`` is unique: enqueuing the same work twice stores it once, and receivers get it to
    recognise a retry.
    """

    kind = Varchar(length=64, index=True)
    payload = JSON(default="{}")
    idempotency_key = Varchar(length=191, unique=True)
    status = Varchar(length=16, default="queued", index=True)
    attempts = Integer(default=0)
    max_attempts = Integer(default=8)
    run_at = BigInt(default=0, index=True)
    lease_until = BigInt(null=True, default=None)
    locked_by = Varchar(length=64, default="")
    last_error = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())
    finished_at = Timestamptz(null=True, default=None)


class Webhook(Table, tablename="webhook"):
    """A receiver of signed JSON events. ``secret`` signs every delivery (HMAC-SHA256); it has to be kept to
    sign, so it is stored, shown to national administrators only. ``events`` lists the event types sent."""

    name = Varchar(length=128)
    url = Varchar(length=2000)
    secret = Varchar(length=64)
    events = JSON(default="[]")
    active = Boolean(default=True)
    created_by = Varchar(length=64, default="")
    created_at = Timestamptz(default=TimestamptzNow())


class WebhookDelivery(Table, tablename="webhook_delivery"):
    """One attempt to deliver one event to one webhook: the delivery log."""

    webhook = ForeignKey(references=Webhook, index=True)
    event_id = Varchar(length=64, index=True)
    event_type = Varchar(length=64)
    attempt = Integer(default=1)
    status_code = Integer(null=True, default=None)
    error = Text(default="")
    duration_ms = Integer(default=0)
    at = Timestamptz(default=TimestamptzNow())


class CitizenContact(Table, tablename="citizen_contact"):
    """A phone number or e-mail a citizen left, with their consent, to be answered: sealed with AES-GCM under a
    key derived from the secret key (survey/feedback/contacts.py), deleted when the comment is closed or after
    90 days. Never exported, never in reports."""

    response = ForeignKey(references=Response, unique=True)
    sealed = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow(), index=True)


class FeedbackComment(Table, tablename="feedback_comment"):
    """A citizen's comment in the feedback inbox of its unit: the scrubbed text (personal data removed, as in
    exports), the response's place and ratings, the SIPAS elements it speaks of, and its handling.

    ``elements`` is a comma-framed list (",access,results,") and ``search_text`` the text without diacritics,
    so that both filter with a plain LIKE on either engine. ``due_on`` is the local date (ISO) by which it must
    be handled, a number of working days after receipt; ``handled_at`` is when it was answered or found not
    actionable.
    """

    response = ForeignKey(references=Response, unique=True)
    unit = ForeignKey(references=Unit, index=True)
    counter = ForeignKey(references=Counter)
    procedure = ForeignKey(references=Procedure, null=True)
    received_at = Timestamptz()
    period = Varchar(length=7, index=True)
    text = Text()
    search_text = Text(default="")
    ratings = JSON(default="{}")
    elements = Varchar(length=128, default="")
    elements_by_hand = Boolean(default=False)
    status = Varchar(length=16, default="new", index=True)
    handler = Varchar(length=64, default="")
    reply = Text(default="")
    due_on = Varchar(length=10, index=True)
    handled_at = Timestamptz(null=True, default=None)
    updated_at = Timestamptz(default=TimestamptzNow())


class FeedbackKeyword(Table, tablename="feedback_keyword"):
    """The administrators' keyword lexicon that sorts comments to SIPAS elements (without diacritics, lower
    case). While the table is empty the shipped lexicon (``survey.feedback.lexicon``) applies."""

    element = Varchar(length=32, index=True)
    keyword = Varchar(length=128)


class AlertRule(Table, tablename="alert_rule"):
    """An alert rule of one unit (and everything under it), or the default of all units (``unit`` null).
    ``threshold`` means what the kind says (responses an hour, overdue comments); ``recipients`` are e-mail
    addresses, one per line."""

    unit = ForeignKey(references=Unit, null=True, index=True)
    kind = Varchar(length=32)
    enabled = Boolean(default=True)
    threshold = Integer(default=1)
    recipients = Text(default="")


class Alert(Table, tablename="alert"):
    """A raised alert. ``key`` names the occurrence (kind, unit, period or hour), so a condition that lasts is
    raised once per period, however often the rules are evaluated."""

    key = Varchar(length=191, unique=True)
    kind = Varchar(length=32, index=True)
    unit = ForeignKey(references=Unit, index=True)
    title = Varchar(length=500)
    detail = JSON(default="{}")
    raised_at = Timestamptz(default=TimestamptzNow(), index=True)
    acknowledged_by = Varchar(length=64, default="")
    acknowledged_at = Timestamptz(null=True, default=None)
    ack_comment = Text(default="")


class Publication(Table, tablename="publication"):
    """Whether a province's figures are published on the public pages (off until an administrator says so),
    and the fewest answers a unit of it needs before any figure of it is shown (never below the reports' 30)."""

    unit = ForeignKey(references=Unit, unique=True, index=True)
    public = Boolean(default=False)
    min_answers = Integer(default=30)
    updated_by = Varchar(length=64, default="")
    updated_at = Timestamptz(default=TimestamptzNow())


class ResponseCell(Table, tablename="response_cell"):
    """The reports' sufficient statistics: responses per (unit, month, local day, status, instrument version,
    index definition, answer pattern), kept in step with ``response`` in the same transactions.

    ``pattern`` is ``Σ state·3^j`` over ``e1..e5, overall`` (state 0 not answered, 1 answered and not
    satisfied, 2 satisfied by the satisfied values of the definition named by ``index_fingerprint``).
    ``day`` is the local day of receipt for the month in progress and the one before (a report's cut-off
    falls in one of them), and ``''`` once a month is closed and compacted (see ``survey.rollup``).
    """

    stratum = Integer()
    unit = Integer()
    period = Varchar(length=7)
    day = Varchar(length=10, default="")
    status = Varchar(length=16)
    instrument_key = Varchar(length=64)
    instrument_version = Integer()
    index_fingerprint = Varchar(length=80, default="")
    pattern = Integer()
    n = Integer(default=0)


class CounterDayCell(Table, tablename="counter_day_cell"):
    """For the counter-day design: responses per (unit, month, counter, local day, status, definition), and
    per rating column ``j`` (``e1..e5, overall``) how many answered it (``a<j>``) and were satisfied (``s<j>``)."""

    stratum = Integer()
    unit = Integer()
    period = Varchar(length=7)
    counter = Integer()
    day = Varchar(length=10)
    status = Varchar(length=16)
    instrument_key = Varchar(length=64)
    index_fingerprint = Varchar(length=80, default="")
    n = Integer(default=0)
    a0 = Integer(default=0)
    a1 = Integer(default=0)
    a2 = Integer(default=0)
    a3 = Integer(default=0)
    a4 = Integer(default=0)
    a5 = Integer(default=0)
    s0 = Integer(default=0)
    s1 = Integer(default=0)
    s2 = Integer(default=0)
    s3 = Integer(default=0)
    s4 = Integer(default=0)
    s5 = Integer(default=0)


class CellVersion(Table, tablename="cell_version"):
    """A counter per (stratum, month) raised by every change of its rollup rows: the data version a cached
    report is keyed on (``survey.rollup.versions.data_version``)."""

    stratum = Integer()
    period = Varchar(length=7)
    version = BigInt(default=0)


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
    Job,
    Webhook,
    WebhookDelivery,
    FeedbackComment,
    CitizenContact,
    FeedbackKeyword,
    AlertRule,
    Alert,
    SecurityEvent,
    Publication,
    ResponseCell,
    CounterDayCell,
    CellVersion,
)
