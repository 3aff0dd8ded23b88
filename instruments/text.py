"""Texts in the questionnaire languages: Vietnamese is required, English is provided."""

from __future__ import annotations

from dataclasses import dataclass

LANGUAGES = ("vi", "en")
DEFAULT_LANGUAGE = "vi"


def check_language(lang: str) -> str:
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; expected one of {', '.join(LANGUAGES)}")
    return lang


@dataclass(frozen=True)
class Text:
    vi: str
    en: str | None = None

    def get(self, lang: str = DEFAULT_LANGUAGE) -> str:
        value = getattr(self, check_language(lang))
        # A missing translation shows the Vietnamese text, the one every instrument must carry.
        return value if value else self.vi

    def to_dict(self) -> dict[str, str]:
        return {lang: getattr(self, lang) for lang in LANGUAGES if getattr(self, lang) is not None}
