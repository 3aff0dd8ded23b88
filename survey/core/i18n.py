"""The words of the interface in the deployment's language: gettext catalogs, read with Babel.

Messages are written in English in the code and the templates (``_("Units")``, ``{% trans %}``), the Python
convention, and translated by the catalogs in ``survey/locale/<lang>/LC_MESSAGES/messages.po``: Vietnamese
complete (the default language), English second (an untranslated English message shows its msgid, which is
English). The ``.po`` files are the only form committed: they are compiled in memory the first time a
language is asked for, so a fresh ``pip install .`` needs no build step. ``babel.cfg`` and the extraction
command in README.md keep the catalogs in line with the sources (a test fails when they are not).

The language is a context variable, set per request from the settings and per rendering by
:func:`survey.reports.formatting.use`, so a worker thread started with ``asyncio.to_thread`` translates in the
language of the request that started it. The citizen page keeps its own bilingual text (``instruments.text``):
the questionnaire's wording is part of the instrument, not of the interface.
"""

from __future__ import annotations

import gettext as _gettext
import io
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from survey.core.text import DEFAULT_LANGUAGE, LANGUAGES

__all__ = ["LOCALE_DIR", "N_", "activate", "gettext", "language", "ngettext", "translations", "use"]

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DOMAIN = "messages"

_language: ContextVar[str] = ContextVar("interface_language", default=DEFAULT_LANGUAGE)


def catalog_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translations(lang: str) -> _gettext.NullTranslations:
    """The compiled catalog of ``lang`` (fuzzy entries left out, as ``pybabel compile`` does); a language
    without a catalog translates nothing."""
    path = catalog_path(lang)
    if lang not in LANGUAGES or not path.is_file():
        return _gettext.NullTranslations()
    with path.open("rb") as po:
        catalog = read_po(po, locale=lang, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return _gettext.GNUTranslations(compiled)


def language() -> str:
    return _language.get()


def middleware(lang: str) -> Any:
    """An ASGI middleware factory translating every request into ``lang`` (the deployment's language)."""

    def factory(app: Any) -> Any:
        async def translated(scope: Any, receive: Any, send: Any) -> None:
            token = _language.set(lang if lang in LANGUAGES else DEFAULT_LANGUAGE)
            try:
                await app(scope, receive, send)
            finally:
                _language.reset(token)

        return translated

    return factory


def activate(lang: str) -> None:
    """Translate into ``lang`` for the rest of this context (a request's task, a command's run)."""
    _language.set(lang if lang in LANGUAGES else DEFAULT_LANGUAGE)


@contextmanager
def use(lang: str) -> Iterator[None]:
    """Translate into ``lang`` inside the block."""
    token = _language.set(lang if lang in LANGUAGES else DEFAULT_LANGUAGE)
    try:
        yield
    finally:
        _language.reset(token)


def gettext(message: str, /, **values: Any) -> str:
    """``message`` in the current language; ``values`` fill its ``%(name)s`` placeholders after translation."""
    text = translations(language()).gettext(message)
    return text % values if values else text


def ngettext(singular: str, plural: str, n: int, /, **values: Any) -> str:
    """The form for ``n`` (Vietnamese has one form); ``%(num)s`` is ``n`` unless ``values`` say otherwise."""
    text = translations(language()).ngettext(singular, plural, n)
    return text % {"num": n, **values}


def N_(message: str) -> str:
    """Marks a message for extraction where it is defined (a table of labels); translate it where shown."""
    return message


_ = gettext
