"""What the job pages and commands show of a job."""

from __future__ import annotations

from datetime import datetime

import msgspec


class JobView(msgspec.Struct, frozen=True):
    id: int
    kind: str
    status: str
    attempts: int
    max_attempts: int
    idempotency_key: str
    last_error: str
    created_at: datetime | None
    finished_at: datetime | None
