"""Statuses, channels, rating columns and languages: one definition each, used everywhere."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import instruments.text
from survey.core import ratings, text
from survey.core.responses import REVIEW_DECISIONS, Channel, ResponseStatus
from survey.db.tables import Response

SURVEY = Path(__file__).resolve().parents[2] / "survey"


def test_enum_members_are_the_stored_strings():
    assert [str(s) for s in ResponseStatus] == ["valid", "flagged", "excluded"]
    assert f"status = '{ResponseStatus.VALID}'" == "status = 'valid'"
    assert {c.value for c in Channel} == {"qr", "receipt", "kiosk", "api"}
    assert set(REVIEW_DECISIONS) == {"valid", "excluded"}
    assert Response.status.default == ResponseStatus.VALID and Response.channel.default == Channel.QR


def test_rating_columns_are_the_response_table_columns():
    names = {column._meta.name for column in Response._meta.columns}
    assert set(ratings.RATING_COLUMNS) <= names
    assert (*ratings.ELEMENT_COLUMNS, ratings.OVERALL_COLUMN) == ratings.RATING_COLUMNS


def test_survey_reuses_the_questionnaire_text_type():
    assert text.Text is instruments.text.Text and text.LANGUAGES is instruments.text.LANGUAGES
    assert [lang.value for lang in text.Language] == list(text.LANGUAGES)
    assert text.pick_language("en") == "en" and text.pick_language("fr") == "vi" and text.pick_language(None, "en") == "en"


def sources() -> list[tuple[str, str]]:
    return [(str(path.relative_to(SURVEY)), path.read_text(encoding="utf-8")) for path in SURVEY.rglob("*.py")
            if "migrations" not in path.parts and path.parts[-2] != "core"]


# What a second definition of a concept looks like in code; each has its one home in survey/core/.
SECOND_DEFINITIONS = {
    "rating columns": re.compile(r"""\(\s*["']e1["'],\s*["']e2["']"""),
    "languages": re.compile(r"""^\s*LANGUAGES\s*=|\(\s*["']vi["'],\s*["']en["']\s*\)""", re.M),
    "unit path parsing": re.compile(r"""\.strip\(\s*["']/["']\s*\)\.split|f["'][^"'\n]*\}/["']"""),
    "period parsing": re.compile(r"""\\d\{4\}|strptime\([^)]*%Y-%m|strftime\(\s*["']%Y-%m["']\s*\)"""),
    "month numbers": re.compile(r"""int\([^)]*\)\s*\*\s*12\s*\+"""),
    "status literals": re.compile(r"""==\s*["'](?:valid|flagged|excluded)["']|["'](?:valid|flagged|excluded)["']\s*(?:if|else)\b"""),
    "channel literals": re.compile(r"""(?:==|channel=)\s*["'](?:qr|receipt)["']"""),
    "a level name": re.compile(r"""==\s*["']province["']"""),
}


@pytest.mark.parametrize("concept", sorted(SECOND_DEFINITIONS))
def test_no_second_definition_outside_core(concept):
    pattern = SECOND_DEFINITIONS[concept]
    found = [f"{name}:{source[:match.start()].count(chr(10)) + 1}" for name, source in sources()
             for match in pattern.finditer(source)]
    assert found == []


# What survey/core may import: pure standard library, the questionnaire text type and itself (no I/O).
CORE_MAY_IMPORT = {"__future__", "re", "unicodedata", "dataclasses", "datetime", "enum", "zoneinfo",
                   "collections.abc", "contextlib", "typing", "instruments.text"}
# Beyond those, per module: the translations read their catalogs, files of the package itself (no database,
# no network), and give Jinja its gettext; the search builds a page link's query string.
CORE_MODULE_MAY_IMPORT = {
    "i18n.py": {"gettext", "io", "functools", "pathlib", "contextvars", "babel.messages.mofile", "babel.messages.pofile"},
    "templating.py": {"jinja2"},
    "search.py": {"urllib.parse"},
}


def test_core_does_no_io():
    import ast

    for path in (SURVEY / "core").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            for name in names:
                allowed = CORE_MAY_IMPORT | CORE_MODULE_MAY_IMPORT.get(path.name, set())
                assert name in allowed or name.startswith("survey.core"), f"{path.name} imports {name}"
