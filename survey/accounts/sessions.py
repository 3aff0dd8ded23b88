"""Officer sessions: server-side, in the shared key-value table, with idle and absolute expiry.

Differences from litestar's stock server-side backend, and why:
- an empty session is never stored, so anonymous visitors create no rows;
- a session id the server did not issue is never adopted (no session fixation), and the id changes
  whenever ``start_session`` is called (at login);
- a request writes the session only when its data changed or the idle clock needs moving forward, not
  on every response.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from litestar.datastructures import Cookie, MutableScopeHeaders
from litestar.middleware.session.server_side import ServerSideSessionBackend, ServerSideSessionConfig
from litestar.types import Empty
from litestar.utils.dataclass import extract_dataclass_items

if TYPE_CHECKING:
    from litestar.connection import ASGIConnection
    from litestar.types import Message, ScopeSession

SESSION_STORE = "sessions"
_LOADED = "survey.session.loaded"
_ROTATE = "survey.session.rotate"
# Moving the idle clock costs a write; doing it at most this often keeps one write per minute per officer.
TOUCH_EVERY_S = 60


def start_session(connection: ASGIConnection, data: dict[str, Any]) -> None:
    """Replace the session with ``data`` under a new id; call at login so an id known before it is worthless."""
    now = time.time()
    connection.scope[_ROTATE] = True  # type: ignore[literal-required]
    connection.set_session({**data, "started_at": now, "seen_at": now})


class OfficerSessionBackend(ServerSideSessionBackend):
    config: OfficerSessionConfig

    def _expired(self, data: dict[str, Any], now: float) -> bool:
        started, seen = data.get("started_at", 0), data.get("seen_at", 0)
        return now - started > self.config.max_age or now - seen > self.config.idle_s

    async def load_from_connection(self, connection: ASGIConnection) -> dict[str, Any]:
        session_id = connection.cookies.get(self.config.key)
        connection.scope[_LOADED] = (None, None)  # type: ignore[literal-required]
        if not session_id:
            return {}
        store = self.config.get_store_from_app(connection.scope["app"])
        raw = await store.get(session_id)
        if raw is None:
            return {}
        data = self.deserialize_data(raw)
        if self._expired(data, time.time()):
            await store.delete(session_id)
            return {}
        connection.scope[_LOADED] = (session_id, raw)  # type: ignore[literal-required]
        return data

    def _cookie(self, value: str, **extra: Any) -> str:
        params = dict(extract_dataclass_items(self.config, exclude_none=True, include=Cookie.__dict__.keys()))
        params.update(extra)
        return Cookie(value=value, key=self.config.key, **params).to_header(header="")

    async def store_in_message(self, scope_session: ScopeSession, message: Message, connection: ASGIConnection) -> None:
        store = self.config.get_store_from_app(connection.scope["app"])
        headers = MutableScopeHeaders.from_message(message)
        loaded_id, loaded_raw = connection.scope.get(_LOADED, (None, None))  # type: ignore[misc]
        if scope_session is Empty or not scope_session:
            if loaded_id:
                await store.delete(loaded_id)
            if connection.cookies.get(self.config.key):
                headers.add("Set-Cookie", self._cookie("null", expires=0, max_age=None))
            return
        session = dict(scope_session)
        now = time.time()
        if now - session.get("seen_at", 0) >= min(TOUCH_EVERY_S, self.config.idle_s / 4):
            session["seen_at"] = now
        raw = self.serialize_data(session, connection.scope)
        if connection.scope.pop(_ROTATE, False) or loaded_id is None:  # type: ignore[misc]
            if loaded_id:
                await store.delete(loaded_id)
            session_id = self.generate_session_id()
        elif raw == loaded_raw:
            return
        else:
            session_id = loaded_id
        await store.set(session_id, raw, expires_in=self.config.idle_s)
        headers.add("Set-Cookie", self._cookie(session_id))


@dataclass
class OfficerSessionConfig(ServerSideSessionConfig):
    """``max_age`` is the absolute lifetime (also the cookie's), ``idle_s`` the inactivity limit."""

    _backend_class = OfficerSessionBackend
    idle_s: int = field(default=8 * 3600)
    key: str = field(default="survey_session")
    store: str = SESSION_STORE


async def end_sessions_of(officer_id: int) -> int:
    """Delete every stored session of one officer (deactivation): ids are stored hashed, so the sessions are
    found by their content. Runs inside the caller's write transaction; returns how many ended."""
    from survey.accounts.guards import SESSION_OFFICER
    from survey.db.tables import KeyValue

    rows = await KeyValue.select(KeyValue.id, KeyValue.value).where(KeyValue.key.like(SESSION_STORE + ":%"))
    ended = []
    for row in rows:
        try:
            data = json.loads(bytes(row["value"]))
        except ValueError:
            continue
        if isinstance(data, dict) and data.get(SESSION_OFFICER) == officer_id:
            ended.append(row["id"])
    if ended:
        await KeyValue.delete().where(KeyValue.id.is_in(ended))
    return len(ended)
