"""What a stored code reads as on a page: roles, unit levels, audit actions.

The database keeps short English codes (``manager``, ``commune``, ``unit.rename``); people read their names
in the interface's language. One table per vocabulary, marked for the catalogs here and translated where shown
(an unknown code, such as a level an importer invented, shows as it is stored).
"""

from __future__ import annotations

from survey.core.i18n import N_, gettext

ROLES = {
    "admin": N_("Administrator"),
    "manager": N_("Unit manager"),
    "researcher": N_("Researcher"),
}

LEVELS = {
    "country": N_("Nationwide"),
    "province": N_("Province/city"),
    "commune": N_("Commune/ward"),
    "district": N_("District"),
    "centre": N_("Service centre"),
}

AUDIT_ACTIONS = {
    "account.mail": N_("Own e-mail and digests changed"),
    "alert.acknowledge": N_("Alert acknowledged"),
    "alert.rule": N_("Alert rule changed"),
    "apikey.create": N_("API key created"),
    "apikey.revoke": N_("API key revoked"),
    "counter.activate": N_("Counter reopened"),
    "counter.create": N_("Counter created"),
    "counter.deactivate": N_("Counter closed"),
    "counter.instrument": N_("Counter questionnaire changed"),
    "counter.presence": N_("Counter presence code setting changed"),
    "counters.import": N_("Counters imported"),
    "export": N_("Data exported"),
    "export.download": N_("Export downloaded"),
    "export.refused": N_("Export refused"),
    "feedback.contact.view": N_("Citizen's contact viewed"),
    "feedback.handle": N_("Feedback handled"),
    "feedback.lexicon": N_("Feedback lexicon changed"),
    "feedback.relabel": N_("Feedback relabelled"),
    "job.retry": N_("Background job retried"),
    "login.failure": N_("Failed login"),
    "login.success": N_("Login"),
    "login.throttled": N_("Login throttled"),
    "logout": N_("Logout"),
    "officer.activate": N_("Account reopened"),
    "officer.create": N_("Account created"),
    "officer.deactivate": N_("Account closed"),
    "officer.password_reset": N_("Password reset"),
    "procedures.import": N_("Procedures imported"),
    "publication.set": N_("Public pages setting changed"),
    "qr.key.retire": N_("QR key retired"),
    "qr.key.rotate": N_("QR key rotated"),
    "report.download": N_("Report downloaded"),
    "response.review": N_("Flagged response reviewed"),
    "security.alert": N_("Security alert"),
    "unit.activate": N_("Unit reopened"),
    "unit.create": N_("Unit created"),
    "unit.deactivate": N_("Unit closed"),
    "unit.letterhead": N_("Letterhead changed"),
    "unit.rename": N_("Unit renamed"),
    "units.import": N_("Units imported"),
    "volumes.import": N_("Dossier volumes imported"),
    "webhook.activate": N_("Webhook turned on"),
    "webhook.create": N_("Webhook created"),
    "webhook.deactivate": N_("Webhook turned off"),
    "webhook.test": N_("Webhook tested"),
}


def _label(table: dict[str, str], code: object) -> str:
    text = "" if code is None else str(code)
    return gettext(table[text]) if text in table else text


def role_label(code: object) -> str:
    return _label(ROLES, code)


def level_label(code: object) -> str:
    return _label(LEVELS, code)


def action_label(code: object) -> str:
    return _label(AUDIT_ACTIONS, code)


FILTERS = {"role_label": role_label, "level_label": level_label, "action_label": action_label}
