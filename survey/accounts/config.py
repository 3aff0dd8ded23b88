"""Session and login-throttle limits, read from the environment (seconds, so tests can use tiny values)."""

from __future__ import annotations

import os
from dataclasses import dataclass

from survey.settings import SettingsError


def _seconds(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number of seconds, not {raw!r}") from None
    if value < 1:
        raise SettingsError(f"{name} must be at least 1 second")
    return value


def _count(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise SettingsError(f"{name} must be a positive whole number, not {raw!r}")
    return int(raw)


@dataclass(frozen=True)
class AccessSettings:
    session_idle_s: int = 8 * 3600
    session_max_s: int = 12 * 3600
    login_max_failures: int = 5
    login_window_s: int = 15 * 60

    @classmethod
    def from_env(cls) -> AccessSettings:
        idle = _seconds("SURVEY_SESSION_IDLE_SECONDS", cls.session_idle_s)
        absolute = _seconds("SURVEY_SESSION_MAX_SECONDS", cls.session_max_s)
        if absolute < idle:
            raise SettingsError("SURVEY_SESSION_MAX_SECONDS must not be shorter than SURVEY_SESSION_IDLE_SECONDS")
        return cls(
            session_idle_s=idle,
            session_max_s=absolute,
            login_max_failures=_count("SURVEY_LOGIN_MAX_FAILURES", cls.login_max_failures),
            login_window_s=_seconds("SURVEY_LOGIN_WINDOW_SECONDS", cls.login_window_s),
        )
