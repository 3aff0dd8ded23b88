"""Bilingual text and the languages, for every area of the platform.

The questionnaire package (``instruments``) cannot import ``survey`` and already defines both for its
questions, so this is their one home and ``survey`` reuses it instead of writing a copy: Vietnamese first
(required), English second (a missing translation shows the Vietnamese).
"""

from __future__ import annotations

from enum import StrEnum

from instruments.text import DEFAULT_LANGUAGE, LANGUAGES, Text, check_language

__all__ = ["DEFAULT_LANGUAGE", "LANGUAGES", "Language", "Text", "check_language", "pick_language"]

# The languages as a type, for request bodies and query parameters (msgspec and OpenAPI read its values).
class Language(StrEnum):
    VI = "vi"
    EN = "en"


# One list of languages: the type must name exactly those the instruments know (checked at import, even with -O).
if tuple(Language) != tuple(LANGUAGES):
    raise ImportError("survey.core.text.Language must list instruments.text.LANGUAGES")


def pick_language(requested: object, default: str = DEFAULT_LANGUAGE) -> str:
    """``requested`` when it is one of the languages, else ``default``."""
    return requested if isinstance(requested, str) and requested in LANGUAGES else default
