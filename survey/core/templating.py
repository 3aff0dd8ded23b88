"""What every Jinja environment of the platform gets: gettext through :mod:`survey.core.i18n` and the filters
that name stored codes (:mod:`survey.core.labels`)."""

from __future__ import annotations

from typing import Any

from jinja2 import pass_context

from survey.core import i18n
from survey.core.labels import FILTERS


def configure(environment: Any) -> None:
    """Jinja's i18n extension on ``environment``, translating in the current language (new-style gettext:
    ``{{ _("Units of %(name)s", name=unit.name) }}`` escapes its values and needs ``%%`` for a percent sign;
    ``{% trans %}`` blocks work too), the filters (``{{ user.role | role_label }}``) and ``i18n_language()``."""
    environment.add_extension("jinja2.ext.i18n")
    environment.install_gettext_callables(
        lambda message: i18n.translations(i18n.language()).gettext(message),
        lambda singular, plural, n: i18n.translations(i18n.language()).ngettext(singular, plural, n),
        newstyle=True,
    )
    # pass_context keeps Jinja from folding ``"admin" | role_label`` into the template when it compiles it,
    # in whichever language was current then.
    environment.filters.update({name: pass_context(lambda _context, code, label=label: label(code))
                                for name, label in FILTERS.items()})
    environment.globals["i18n_language"] = i18n.language
