"""The interface's translations: every marked message translated into Vietnamese, the catalogs in line with
the sources, and the mechanism itself (per-context language, Jinja templates, labels of stored codes)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from jinja2 import Environment

from survey.core import i18n, templating
from survey.core.labels import AUDIT_ACTIONS, action_label, level_label, role_label

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"%\(\w+\)[sdr]")


def catalog(lang: str):
    with i18n.catalog_path(lang).open("rb") as po:
        return read_po(po, locale=lang)


def ids(messages) -> set[str]:
    return {m.id if isinstance(m.id, str) else m.id[0] for m in messages if m.id}


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """The messages marked in the sources today, extracted as README.md says."""
    pot = tmp_path_factory.mktemp("i18n") / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", "-k", "N_",
                    "--no-location", "--sort-output", "-o", str(pot), "."],
                   cwd=ROOT, check=True, capture_output=True)
    with pot.open("rb") as file:
        return read_po(file)


def test_every_marked_message_has_a_vietnamese_translation(extracted):
    vi = catalog("vi")
    untranslated = sorted(
        m.id if isinstance(m.id, str) else m.id[0] for m in extracted
        if m.id and (vi.get(m.id) is None or not all(vi.get(m.id).string if isinstance(m.id, tuple)
                                                     else [vi.get(m.id).string]) or vi.get(m.id).fuzzy))
    assert untranslated == [], "translate these in survey/locale/vi/LC_MESSAGES/messages.po"


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_catalogs_are_in_line_with_the_sources(extracted, lang):
    """A message added, changed or removed in the code without updating the catalogs fails here (run the
    commands under "Translations" in README.md)."""
    assert ids(catalog(lang)) == ids(extracted)


def test_translations_keep_their_placeholders():
    for message in catalog("vi"):
        if message.id and message.string:
            source = message.id if isinstance(message.id, str) else message.id[0]
            strings = [message.string] if isinstance(message.string, str) else list(message.string)
            for text in strings:
                assert sorted(PLACEHOLDER.findall(text)) == sorted(PLACEHOLDER.findall(source)), source


def test_vietnamese_by_default_english_on_request():
    assert i18n.gettext("Units") == "Đơn vị"
    with i18n.use("en"):
        assert i18n.gettext("Units") == "Units"
        assert i18n.gettext("row %(row)s: %(message)s", row=3, message="x") == "row 3: x"
    assert i18n.gettext("row %(row)s: %(message)s", row=3, message="x") == "dòng 3: x"
    assert i18n.gettext("a message nobody translated") == "a message nobody translated"


def test_stored_codes_read_in_the_interface_language():
    assert (role_label("manager"), level_label("commune"), action_label("unit.rename")) == (
        "Lãnh đạo đơn vị", "Xã/phường", "Đổi tên đơn vị")
    assert level_label("hamlet") == "hamlet"  # a level an importer invented shows as stored
    with i18n.use("en"):
        assert role_label("manager") == "Unit manager"


def test_every_audited_action_has_a_name():
    """The audit log's filter and table name every action the code records (``record("unit.rename", ...)``
    and the ``x.activate`` / ``x.deactivate`` pairs chosen at run time)."""
    pattern = re.compile(r"""record\(\s*"([a-z_.]+)"|"([a-z_]+\.(?:de)?activate)\"""")
    recorded = {first or second for path in (ROOT / "survey").rglob("*.py")
                for first, second in pattern.findall(path.read_text(encoding="utf-8"))}
    assert len(recorded) > 20 and recorded <= set(AUDIT_ACTIONS), sorted(recorded - set(AUDIT_ACTIONS))


def test_templates_translate_through_jinja():
    environment = Environment(autoescape=True)
    templating.configure(environment)
    page = environment.from_string('{{ _("Units") }}|{{ _("Hello, %(name)s", name="<b>") }}|{{ "admin" | role_label }}'
                                   '|{% trans %}Units{% endtrans %}|{{ i18n_language() }}')
    assert page.render() == "Đơn vị|Xin chào, &lt;b&gt;|Quản trị|Đơn vị|vi"
    with i18n.use("en"):
        assert page.render() == "Units|Hello, &lt;b&gt;|Administrator|Units|en"
