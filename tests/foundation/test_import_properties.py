"""Property tests: any text given as a CSV import is either imported whole or rejected whole, cleanly."""


from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from survey.csvimport import ImportRejected, parse_rows
from survey.units.services import UNIT_COLUMNS, VOLUME_COLUMNS

cell = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)
row = st.lists(cell, min_size=0, max_size=5).map(lambda cells: ",".join(cells))
csv_text = st.lists(row, max_size=8).map(lambda rows: "\n".join(["code,name,level,parent_code", *rows]))


@hsettings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(csv_text)
def test_unit_rows_parse_or_are_rejected_with_row_numbers(text):
    try:
        rows = list(parse_rows(text, UNIT_COLUMNS))
    except ImportRejected as rejected:
        assert rejected.errors and all(e.row >= 1 for e in rejected.errors)
        return
    for number, values in rows:
        assert number >= 2
        assert values["code"] and values["name"] and values["level"]


@hsettings(max_examples=300)
@given(st.text(max_size=200))
def test_any_volume_text_is_parsed_or_rejected(text):
    try:
        rows = list(parse_rows("unit_code,period,dossiers\n" + text, VOLUME_COLUMNS))
    except ImportRejected:
        return
    for _number, values in rows:
        assert isinstance(values["dossiers"], int) and values["dossiers"] >= 0
        assert len(values["period"]) == 7
