"""Settings read once from the environment.

Every variable is optional: with none set, the platform runs on an embedded SQLite file under ``./data``
and generates a secret key there on first run.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from survey.core.text import LANGUAGES


class SettingsError(ValueError):
    """A setting in the environment has a value the platform cannot use."""


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    secret_key: str
    base_url: str
    language: str = "vi"
    timezone: str = "Asia/Ho_Chi_Minh"
    # The unit level whose units are the strata of the survey design (levels are data: the tree names them).
    stratum_level: str = "province"
    log_level: str = "INFO"
    log_format: str = "json"
    auto_migrate: bool = True
    sqlite_busy_timeout_s: float = 5.0
    max_request_body: int = 64 * 1024
    behind_tls: bool = False
    session_idle_s: int = 8 * 3600
    session_max_s: int = 12 * 3600
    login_max_failures: int = 5
    login_window_s: int = 15 * 60
    # Officer figures include answers up to the end of the previous day, so that a figure cannot be read
    # just before and just after one citizen's answer; the report's design ("cell" or "counter-day").
    report_include_today: bool = False
    report_design: str = "cell"
    feedback_deadline_days: int = 10
    # Public holidays that move each year (lunar ones, days in lieu), beside the fixed ones deadlines know.
    holidays: frozenset[date] = frozenset()
    # Research exports one officer may have queued or running at once (each holds a worker for minutes).
    export_max_active: int = 2
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_security: str = "starttls"
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_sender: str = ""
    login_address_max_failures: int = 100
    # Survey pages (form nonces) one address may open per counter in 10 minutes, per server process.
    form_pages_per_address: int = 30
    # Who decides a flagged response: "above" (an officer two levels above its unit, never the unit's own
    # managers) or "scope" (anyone who sees it).
    review_by: str = "above"

    @property
    def engine(self) -> str:
        return "postgres" if self.database_url.startswith(("postgres://", "postgresql://")) else "sqlite"

    @property
    def sqlite_path(self) -> Path:
        if self.engine != "sqlite":
            raise SettingsError("sqlite_path asked for a PostgreSQL database")
        return Path(self.database_url.removeprefix("sqlite:///"))


def _bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise SettingsError(f"{name} must be true or false, not {raw!r}")


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


def private(path: Path) -> None:
    """Make a data folder 0700 and the files directly in it 0600 (a deployment made before this rule, or by
    another tool): the database, its WAL and the key are readable by no other local user."""
    try:
        path.chmod(0o700)
        for child in path.iterdir():
            child.chmod(0o700 if child.is_dir() else 0o600)
    except PermissionError:
        pass  # not ours to change; the operator sees the modes


def _secret_key(data_dir: Path) -> str:
    """The key from SURVEY_SECRET_KEY, else one generated once and kept in the data directory."""
    configured = os.environ.get("SURVEY_SECRET_KEY")
    if configured:
        if len(configured) < 32:
            raise SettingsError("SURVEY_SECRET_KEY must be at least 32 characters")
        return configured
    key_file = data_dir / "secret.key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(48))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def _database_url(data_dir: Path) -> str:
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        return f"sqlite:///{data_dir / 'survey.sqlite'}"
    scheme = urlsplit(url).scheme
    if scheme not in {"sqlite", "postgres", "postgresql"}:
        raise SettingsError(f"DATABASE_URL must start with sqlite:/// or postgresql://, not {scheme}://")
    return url


def _smtp() -> dict[str, Any]:
    """The mail server alerts and digests go through; without SURVEY_SMTP_HOST nothing is mailed."""
    security = os.environ.get("SURVEY_SMTP_SECURITY", Settings.smtp_security).strip().lower()
    if security not in {"starttls", "tls", "none"}:
        raise SettingsError(f"SURVEY_SMTP_SECURITY must be starttls, tls or none, not {security!r}")
    host = os.environ.get("SURVEY_SMTP_HOST", "").strip()
    sender = os.environ.get("SURVEY_SMTP_SENDER", "").strip()
    if host and "@" not in sender:
        raise SettingsError("SURVEY_SMTP_SENDER must be an e-mail address when SURVEY_SMTP_HOST is set")
    return {
        "smtp_host": host,
        "smtp_port": _count("SURVEY_SMTP_PORT", 465 if security == "tls" else Settings.smtp_port),
        "smtp_security": security,
        "smtp_user": os.environ.get("SURVEY_SMTP_USER", ""),
        "smtp_password": os.environ.get("SURVEY_SMTP_PASSWORD", ""),
        "smtp_sender": sender,
    }


def load_settings() -> Settings:
    data_dir = Path(os.environ.get("SURVEY_DATA_DIR", "data")).resolve()
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    private(data_dir)
    language = os.environ.get("SURVEY_LANGUAGE", "vi")
    if language not in LANGUAGES:
        raise SettingsError(f"SURVEY_LANGUAGE must be one of {', '.join(LANGUAGES)}, not {language!r}")
    timezone = os.environ.get("SURVEY_TIMEZONE", "").strip() or Settings.timezone
    try:
        ZoneInfo(timezone)
    except (ValueError, ZoneInfoNotFoundError):
        raise SettingsError(f"SURVEY_TIMEZONE must be a time zone name such as Asia/Ho_Chi_Minh, not {timezone!r}") from None
    stratum_level = os.environ.get("SURVEY_STRATUM_LEVEL", "").strip() or Settings.stratum_level
    log_format = os.environ.get("SURVEY_LOG_FORMAT", "json")
    if log_format not in {"json", "text"}:
        raise SettingsError(f"SURVEY_LOG_FORMAT must be json or text, not {log_format!r}")
    try:
        busy_timeout = float(os.environ.get("SURVEY_SQLITE_BUSY_TIMEOUT", "5"))
    except ValueError as exc:
        raise SettingsError("SURVEY_SQLITE_BUSY_TIMEOUT must be a number of seconds") from exc
    base_url = os.environ.get("SURVEY_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
    if urlsplit(base_url).scheme not in {"http", "https"}:
        raise SettingsError(f"SURVEY_BASE_URL must be an http(s) URL, not {base_url!r}")
    # Seconds, so that tests can use tiny values.
    session_idle_s = _seconds("SURVEY_SESSION_IDLE_SECONDS", Settings.session_idle_s)
    session_max_s = _seconds("SURVEY_SESSION_MAX_SECONDS", Settings.session_max_s)
    if session_max_s < session_idle_s:
        raise SettingsError("SURVEY_SESSION_MAX_SECONDS must not be shorter than SURVEY_SESSION_IDLE_SECONDS")
    return Settings(
        data_dir=data_dir,
        database_url=_database_url(data_dir),
        secret_key=_secret_key(data_dir),
        base_url=base_url,
        language=language,
        timezone=timezone,
        stratum_level=stratum_level,
        log_level=os.environ.get("SURVEY_LOG_LEVEL", "INFO").upper(),
        log_format=log_format,
        auto_migrate=_bool("SURVEY_AUTO_MIGRATE", True),
        sqlite_busy_timeout_s=busy_timeout,
        behind_tls=_bool("SURVEY_BEHIND_TLS", base_url.startswith("https://")),
        session_idle_s=session_idle_s,
        session_max_s=session_max_s,
        login_max_failures=_count("SURVEY_LOGIN_MAX_FAILURES", Settings.login_max_failures),
        login_window_s=_seconds("SURVEY_LOGIN_WINDOW_SECONDS", Settings.login_window_s),
        report_include_today=_bool("SURVEY_REPORT_INCLUDE_TODAY", False),
        report_design=_report_design(),
        feedback_deadline_days=_count("SURVEY_FEEDBACK_DEADLINE_DAYS", Settings.feedback_deadline_days),
        holidays=_holidays(),
        export_max_active=_count("SURVEY_EXPORT_MAX_ACTIVE", Settings.export_max_active),
        **_smtp(),
        login_address_max_failures=_count("SURVEY_LOGIN_ADDRESS_MAX_FAILURES", Settings.login_address_max_failures),
        form_pages_per_address=_count("SURVEY_FORM_PAGES_PER_ADDRESS", Settings.form_pages_per_address),
        review_by=_review_by(),
    )


def _holidays() -> frozenset[date]:
    from survey.feedback.deadlines import parse_holidays

    try:
        return parse_holidays(os.environ.get("SURVEY_HOLIDAYS", ""))
    except ValueError as exc:
        raise SettingsError(f"SURVEY_HOLIDAYS: {exc}") from None


def _review_by() -> str:
    rule = os.environ.get("SURVEY_REVIEW_BY", "").strip() or Settings.review_by
    if rule not in ("above", "scope"):
        raise SettingsError(f"SURVEY_REVIEW_BY must be above or scope, not {rule!r}")
    return rule


def _report_design() -> str:
    design = os.environ.get("SURVEY_REPORT_DESIGN", "cell").strip() or "cell"
    if design not in ("cell", "counter-day"):
        raise SettingsError(f"SURVEY_REPORT_DESIGN must be cell or counter-day, not {design!r}")
    return design


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
